/**
 * Runs once before the reference app's end-to-end tests:
 * 1. installs Debian's Chromium when it is missing (`scripts/setup-chromium.sh`, idempotent);
 * 2. builds the workspace packages whose `dist/` is missing or older than their sources (the app
 *    and the backend child processes run the built packages, as `pnpm start` does);
 * 3. builds the app itself (`dist/main.js`).
 */
import { execFileSync } from 'node:child_process';
import { ensureBuilt } from './support/ensure-built';
import { repoRoot } from './support/paths';

export default function setup(): void {
  execFileSync('bash', ['scripts/setup-chromium.sh'], { cwd: repoRoot, stdio: 'inherit' });
  ensureBuilt();
}
