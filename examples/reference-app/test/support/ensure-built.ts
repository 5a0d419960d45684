/**
 * The app and its backend child processes run the packages' built `dist/`. `pnpm test` builds
 * everything first; when this project runs on its own (`pnpm vitest run --project reference-app`)
 * the packages whose build is missing or older than their sources are rebuilt here, in dependency
 * order, under the same lock directory the manager's tests use (so two test projects never run
 * tsup on one package at once).
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
import { appDir, repoRoot } from './paths';

/** Dependency order: a package's d.ts build reads its dependencies' built d.ts. */
const PACKAGES = ['adapter', 'query', 'sqlite', 'workflows', 'server', 'manager'];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function isStale(dir: string): boolean {
  const built = path.join(dir, 'dist', 'index.js');
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
  const lock = path.join(repoRoot, 'packages', 'manager', '.build-lock');
  const owner = path.join(lock, 'pid');
  const until = Date.now() + 240_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      break;
    } catch {
      if (Date.now() > until) throw new Error(`build lock ${lock} held for too long`);
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(owner, 'utf8').trim());
      } catch {
        // the holder is writing its pid right now
      }
      if (Number.isInteger(holder) && !isAlive(holder)) {
        rmSync(lock, { recursive: true, force: true });
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function tsup(cwd: string): void {
  const cli = path.join(repoRoot, 'node_modules', 'tsup', 'dist', 'cli-default.js');
  execFileSync(process.execPath, [cli, '--silent'], { cwd, stdio: 'pipe' });
}

/** Builds what is missing or stale, then the app. */
export function ensureBuilt(): void {
  const stale = PACKAGES.filter((p) => isStale(path.join(repoRoot, 'packages', p)));
  if (stale.length > 0) {
    withBuildLock(() => {
      for (const p of PACKAGES) {
        const dir = path.join(repoRoot, 'packages', p);
        if (isStale(dir)) tsup(dir);
      }
    });
  }
  tsup(appDir);
}
