import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `examples/reference-app/`. */
export const appDir = fileURLToPath(new URL('../..', import.meta.url));
/** The repository root. */
export const repoRoot = path.resolve(appDir, '../..');
/** Where the tests leave artefacts (screenshots); git-ignored. */
export const resultsDir = path.join(appDir, 'test-results');
