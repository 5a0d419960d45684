/**
 * Child processes (backend children, the CLI, bundles) run the built `dist/` of the packages;
 * `ensureBuilt` rebuilds what is missing or stale (see scripts/ensure-built.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePackagesBuilt } from '../../../../scripts/ensure-built';

export const managerDir = fileURLToPath(new URL('../..', import.meta.url));
export const repoRoot = path.resolve(managerDir, '../..');
export const cliEntry = path.join(managerDir, 'dist', 'cli.js');
export const childEntry = path.join(managerDir, 'dist', 'backend-child.js');

/** Builds the workspace packages the manager's child processes need when missing or stale. */
export function ensureBuilt(): void {
  ensurePackagesBuilt({ manager: 'backend-child.js' });
}
