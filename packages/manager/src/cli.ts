/**
 * The `localbackend` command line (bin of @localbackend/manager). See `localbackend --help`.
 */
import { runCli } from './cli/run-cli';

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  onSignal(handler) {
    const onInt = (): void => handler('SIGINT');
    const onTerm = (): void => handler('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    return () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
  },
}).then((code) => {
  process.exitCode = code;
  // Leave once the output is flushed, even if a handle (a finished child, a timer) lingers.
  setTimeout(() => process.exit(code), 100).unref();
});
