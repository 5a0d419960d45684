/**
 * Child processes (backend children, the CLI, bundles) run the built `dist/` of the packages.
 * `pnpm test` builds everything first; when a test file runs on its own (or the manager's sources
 * changed since the last build), the manager is rebuilt here, once, under a lock.
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

export const managerDir = fileURLToPath(new URL('../..', import.meta.url));
export const repoRoot = path.resolve(managerDir, '../..');
export const cliEntry = path.join(managerDir, 'dist', 'cli.js');
export const childEntry = path.join(managerDir, 'dist', 'backend-child.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function isStale(pkgDir: string, marker: string): boolean {
  const built = path.join(pkgDir, 'dist', marker);
  if (!existsSync(built)) return true;
  return newestMtime(path.join(pkgDir, 'src')) > statSync(built).mtimeMs;
}

function withLock(work: () => void): void {
  const lock = path.join(managerDir, '.build-lock');
  const owner = path.join(lock, 'pid');
  const until = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      break;
    } catch {
      if (Date.now() > until) throw new Error(`build lock ${lock} held for too long`);
      // A lock left by a process that died (killed test run) is taken over.
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(owner, 'utf8').trim());
      } catch {
        // the holder is writing its pid right now
      }
      if (Number.isInteger(holder) && !isAlive(holder))
        rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Builds the workspace packages the manager's child processes need when missing or stale. */
export function ensureBuilt(): void {
  const deps = ['adapter', 'query', 'sqlite', 'server', 'workflows'];
  const missing = deps.filter(
    (d) => !existsSync(path.join(repoRoot, 'packages', d, 'dist', 'index.js')),
  );
  const managerStale = isStale(managerDir, 'backend-child.js');
  if (missing.length === 0 && !managerStale) return;
  withLock(() => {
    const tsup = path.join(repoRoot, 'node_modules', '.bin', 'tsup');
    for (const dep of deps) {
      const dir = path.join(repoRoot, 'packages', dep);
      if (!existsSync(path.join(dir, 'dist', 'index.js'))) {
        execFileSync(process.execPath, [resolveBin(tsup)], { cwd: dir, stdio: 'pipe' });
      }
    }
    if (isStale(managerDir, 'backend-child.js')) {
      execFileSync(process.execPath, [resolveBin(tsup)], { cwd: managerDir, stdio: 'pipe' });
    }
  });
}

function resolveBin(shim: string): string {
  // node_modules/.bin/tsup is a shell shim; run tsup's JS entry with this Node instead.
  const real = path.join(repoRoot, 'node_modules', 'tsup', 'dist', 'cli-default.js');
  return existsSync(real) ? real : shim;
}
