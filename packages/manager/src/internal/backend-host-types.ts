import type { DataMethods, HostMethods, HostStartOptions } from './host-protocol';

/** Where a host writes its log lines. */
export interface HostLog {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** A backend being served (in the child process, or in-process). */
export interface ServingHost extends HostMethods {
  readonly port: number;
  stop(): Promise<void>;
}

/** A backend's database opened without a server (for work on a stopped backend). */
export interface ColdHost extends DataMethods {
  /** Replaces the database with a backup file (after checking the backup's integrity). */
  restoreFrom(file: string): Promise<void>;
  close(): Promise<void>;
}

/** The host module's functions (loaded lazily, with the server packages). */
export interface HostModule {
  startServingHost(options: HostStartOptions, log: HostLog): Promise<ServingHost>;
  openColdHost(
    options: Pick<HostStartOptions, 'id' | 'dir' | 'schemaMode' | 'dbPath' | 'schemaPath'>,
    log: HostLog,
  ): Promise<ColdHost>;
}
