import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory of this module's file (`src/internal` or `dist`, depending on how it runs). */
function moduleDir(): string {
  return path.dirname(fileURLToPath(import.meta.url));
}

/** The root of the `@localbackend/manager` package (the folder holding its package.json). */
export function packageRoot(): string {
  let dir = moduleDir();
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: unknown };
        if (pkg.name === '@localbackend/manager') return dir;
      } catch {
        // keep looking
      }
    }
    dir = path.dirname(dir);
  }
  return path.resolve(moduleDir(), '..');
}

let cachedVersion: string | undefined;

/** The version of `@localbackend/manager`, from its package.json. */
export function managerVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
        version?: unknown;
      };
      cachedVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}

/**
 * The built child-process entry (`dist/backend-child.js`). When this code runs from the sources
 * (tests), the entry of the package's build is used, which `pnpm build` produces.
 */
export function defaultChildEntry(): string {
  const beside = path.join(moduleDir(), 'backend-child.js');
  if (fs.existsSync(beside)) return beside;
  return path.join(packageRoot(), 'dist', 'backend-child.js');
}
