/**
 * The version of `@localbackend/server`, reported by `GET /health` (kept equal to package.json by a
 * test).
 *
 * @example
 * ```ts
 * import { VERSION } from '@localbackend/server';
 * console.log(`localbackend server ${VERSION}`);
 * ```
 */
export const VERSION = '0.1.0';
