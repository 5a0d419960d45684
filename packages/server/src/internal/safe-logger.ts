import { redactLogFields, type LogFields, type Logger } from '../logger';

/** Wraps a user logger so that secret fields are always redacted and a throwing logger is ignored. */
export function safeLogger(logger: Logger): Logger {
  const wrap =
    (fn: (message: string, fields?: LogFields) => void) =>
    (message: string, fields?: LogFields): void => {
      try {
        fn.call(logger, message, fields === undefined ? undefined : redactLogFields(fields));
      } catch {
        // A logger must never break the request that logs.
      }
    };
  return {
    debug: wrap(logger.debug),
    info: wrap(logger.info),
    warn: wrap(logger.warn),
    error: wrap(logger.error),
  };
}
