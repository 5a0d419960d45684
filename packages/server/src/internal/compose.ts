import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs several middlewares as one router layer (each express layer costs a path match and a
 * dispatch; the server's front middlewares run on every request).
 */
export function compose(handlers: readonly RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined && error !== null) {
        next(error);
        return;
      }
      const handler = handlers[index++];
      if (handler === undefined) {
        next();
        return;
      }
      try {
        void handler(req, res, step as NextFunction);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
