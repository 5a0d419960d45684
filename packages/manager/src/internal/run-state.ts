import { promises as fs } from 'node:fs';
import { writeJsonAtomic } from './atomic-write';

/** `<id>/run.json`: written while a process serves the backend, removed on a clean stop. */
export interface RunState {
  /** The process that serves the backend. */
  readonly pid: number;
  /** The process that supervises it (the manager / CLI); equals `pid` in-process. */
  readonly supervisorPid: number;
  /** A random id of the BackendManager instance supervising it (several may share a process). */
  readonly owner: string;
  readonly mode: 'child' | 'in-process';
  readonly port: number;
  readonly host: string;
  readonly startedAt: string;
}

/** True when a process with this pid exists (and we may signal it). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads run.json; undefined when it is absent or unreadable. */
export async function readRunState(file: string): Promise<RunState | undefined> {
  try {
    const raw = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<RunState>;
    if (
      typeof raw.pid !== 'number' ||
      typeof raw.supervisorPid !== 'number' ||
      typeof raw.port !== 'number' ||
      (raw.mode !== 'child' && raw.mode !== 'in-process')
    ) {
      return undefined;
    }
    return {
      pid: raw.pid,
      supervisorPid: raw.supervisorPid,
      owner: typeof raw.owner === 'string' ? raw.owner : '',
      mode: raw.mode,
      port: raw.port,
      host: typeof raw.host === 'string' ? raw.host : '127.0.0.1',
      startedAt: typeof raw.startedAt === 'string' ? raw.startedAt : new Date(0).toISOString(),
    };
  } catch {
    return undefined;
  }
}

/**
 * Reads run.json and returns it only when it describes a live backend of another manager than
 * `self` (a stale file is removed).
 */
export async function readLiveRunState(file: string, self?: string): Promise<RunState | undefined> {
  const state = await readRunState(file);
  if (state === undefined) return undefined;
  if (self !== undefined && state.owner === self) return undefined;
  if (isProcessAlive(state.pid)) return state;
  // A crashed child whose supervisor is restarting it.
  if (
    state.mode === 'child' &&
    state.supervisorPid !== process.pid &&
    isProcessAlive(state.supervisorPid)
  ) {
    return state;
  }
  await fs.rm(file, { force: true }).catch(() => undefined);
  return undefined;
}

export async function writeRunState(file: string, state: RunState): Promise<void> {
  await writeJsonAtomic(file, state);
}

export async function removeRunState(file: string, pid?: number): Promise<void> {
  if (pid !== undefined) {
    const current = await readRunState(file);
    if (current !== undefined && current.pid !== pid && current.supervisorPid !== process.pid)
      return;
  }
  await fs.rm(file, { force: true }).catch(() => undefined);
}
