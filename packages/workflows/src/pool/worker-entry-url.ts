import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let devBuild: Promise<URL> | undefined;

/**
 * The file the worker threads run. From the built package it is `dist/worker.js` next to this
 * module. When this module runs from its TypeScript sources (tests, `vitest`), the worker entry is
 * bundled once per process with esbuild (found next to the build tools) into a temporary file.
 *
 * @example
 * ```ts
 * const entry = await resolveWorkerEntry();
 * new Worker(entry, { workerData });
 * ```
 */
export function resolveWorkerEntry(): Promise<URL> {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return Promise.resolve(new URL('./worker.js', here));
  devBuild ??= buildFromSources(fileURLToPath(new URL('./worker-entry.ts', here)));
  return devBuild;
}

interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<{ outputFiles?: { text: string }[] }>;
}

function findEsbuild(from: string): string {
  const require = createRequire(from);
  try {
    return require.resolve('esbuild');
  } catch {
    // pnpm keeps esbuild next to tsup/vite, not at the top level.
    for (const tool of ['tsup', 'vite', 'vitest']) {
      try {
        return createRequire(require.resolve(tool)).resolve('esbuild');
      } catch {
        // try the next tool
      }
    }
  }
  throw new Error(
    'the workflow worker must be built (pnpm --filter @localbackend/workflows build) or esbuild must be installed to run it from sources',
  );
}

function findTsconfig(start: string): string | undefined {
  let dir = dirname(start);
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

async function buildFromSources(entry: string): Promise<URL> {
  const esbuild = (await import(pathToFileURL(findEsbuild(entry)).href)) as EsbuildLike & {
    default?: EsbuildLike;
  };
  const api = typeof esbuild.build === 'function' ? esbuild : esbuild.default!;
  const tsconfig = findTsconfig(entry);
  const result = await api.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    packages: 'bundle',
    ...(tsconfig === undefined ? {} : { tsconfig }),
  });
  const text = result.outputFiles?.[0]?.text;
  if (text === undefined) throw new Error('esbuild produced no worker bundle');
  const file = join(
    tmpdir(),
    `localbackend-workflows-worker-${process.pid}-${Date.now().toString(36)}.mjs`,
  );
  writeFileSync(file, text);
  process.once('exit', () => {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  });
  return pathToFileURL(file);
}
