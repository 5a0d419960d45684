/**
 * The app and its backend child processes run the packages' built `dist/`: the packages whose
 * build is missing or older than their sources are rebuilt (see scripts/ensure-built.ts), then
 * the app itself.
 */
import { ensurePackagesBuilt, tsup } from '../../../../scripts/ensure-built';
import { appDir } from './paths';

/** Builds what is missing or stale, then the app. */
export function ensureBuilt(): void {
  ensurePackagesBuilt();
  tsup(appDir);
}
