/**
 * Test support shared by the test projects whose child processes run the packages' built `dist/`
 * (the manager's backend children, CLI and bundles; the reference app). `pnpm test` builds
 * everything first; when one project runs on its own (`pnpm vitest run --project manager`), the
 * packages whose build is missing or older than their sources are rebuilt here, in dependency
 * order, under one lock directory, so that two test projects never run tsup on a package at once.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Dependency order: a package's d.ts build reads its dependencies' built d.ts. */
const PACKAGES = ['adapter', 'query', 'sqlite', 'workflows', 'server', 'manager'] as const;
const LOCK = path.join(repoRoot, 'node_modules', '.localbackend-build-lock');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function isStale(dir: string, marker: string): boolean {
  const built = path.join(dir, 'dist', marker);
  if (!existsSync(built)) return true;
  return newestSource(path.join(dir, 'src')) > statSync(built).mtimeMs;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function withBuildLock(work: () => void): void {
  const owner = path.join(LOCK, 'pid');
  const until = Date.now() + 240_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(owner, String(process.pid));
      break;
    } catch {
      if (Date.now() > until) throw new Error(`build lock ${LOCK} held for too long`);
      // A lock left by a process that died (a killed test run) is taken over.
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(owner, 'utf8').trim());
      } catch {
        // the holder is writing its pid right now
      }
      if (Number.isInteger(holder) && !isAlive(holder))
        rmSync(LOCK, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Runs tsup in `dir` (with this Node; `node_modules/.bin/tsup` is a shell shim).
 *
 * @example
 * ```ts
 * tsup(path.join(repoRoot, 'examples', 'reference-app'));
 * ```
 */
export function tsup(dir: string): void {
  const cli = path.join(repoRoot, 'node_modules', 'tsup', 'dist', 'cli-default.js');
  execFileSync(process.execPath, [cli, '--silent'], { cwd: dir, stdio: 'pipe' });
}

/**
 * Builds every workspace package whose `dist/` is missing or older than its sources. `markers`
 * names the built file to compare for a package whose main output is not `index.js` (the
 * manager's backend child entry, say).
 *
 * @example
 * ```ts
 * ensurePackagesBuilt({ manager: 'backend-child.js' });
 * ```
 */
export function ensurePackagesBuilt(markers: Readonly<Record<string, string>> = {}): void {
  const dirOf = (name: string): string => path.join(repoRoot, 'packages', name);
  const stale = (name: string): boolean => isStale(dirOf(name), markers[name] ?? 'index.js');
  if (!PACKAGES.some(stale)) return;
  withBuildLock(() => {
    for (const name of PACKAGES) if (stale(name)) tsup(dirOf(name));
  });
}
