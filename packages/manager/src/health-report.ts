/**
 * The health of one running backend: identity, uptime, version, CPU and memory of the process
 * that serves it.
 *
 * @example
 * ```ts
 * const health: HealthReport = await manager.getHealth('backend-1');
 * console.log(`${health.uptime}s up, ${Math.round(health.memory.rss / 1e6)} MB, ${health.cpu.percent}% CPU`);
 * ```
 */
export interface HealthReport {
  readonly id: string;
  readonly name: string;
  readonly status: 'ok';
  /** The process serving the backend (the manager's own pid in in-process mode). */
  readonly pid: number;
  readonly port: number;
  /** Seconds since the backend started serving. */
  readonly uptime: number;
  /** ISO-8601 start time. */
  readonly startedAt: string;
  /** Version of `@localbackend/manager` serving it. */
  readonly version: string;
  /** Node.js version of the process. */
  readonly node: string;
  /** Absent when another process (e.g. the CLI's `start`) runs the backend. */
  readonly cpu?: {
    /** User CPU time of the process, microseconds. */
    readonly user: number;
    /** System CPU time of the process, microseconds. */
    readonly system: number;
    /** CPU use since the previous report (or since the start), percent of one core. */
    readonly percent: number;
  };
  readonly memory: {
    readonly rss: number;
    readonly heapTotal: number;
    readonly heapUsed: number;
    readonly external: number;
  };
}

/**
 * Builds {@link HealthReport}s for the current process; each call reports CPU use since the
 * previous one.
 */
export function createHealthSampler(identity: {
  id: string;
  name: string;
  port: () => number;
  startedAt: Date;
  version: string;
}): () => HealthReport {
  let lastCpu = process.cpuUsage();
  let lastTime = process.hrtime.bigint();
  const startCpu = lastCpu;
  const firstTime = lastTime;
  let first = true;
  return () => {
    const cpu = process.cpuUsage();
    const now = process.hrtime.bigint();
    const base = first ? startCpu : lastCpu;
    const since = first ? firstTime : lastTime;
    const elapsedUs = Number(now - since) / 1000;
    const usedUs = cpu.user - base.user + (cpu.system - base.system);
    first = false;
    lastCpu = cpu;
    lastTime = now;
    const memory = process.memoryUsage();
    return {
      id: identity.id,
      name: identity.name,
      status: 'ok',
      pid: process.pid,
      port: identity.port(),
      uptime: Math.round((Date.now() - identity.startedAt.getTime()) / 100) / 10,
      startedAt: identity.startedAt.toISOString(),
      version: identity.version,
      node: process.version,
      cpu: {
        user: cpu.user,
        system: cpu.system,
        percent: elapsedUs > 0 ? Math.round((usedUs / elapsedUs) * 1000) / 10 : 0,
      },
      memory: {
        rss: memory.rss,
        heapTotal: memory.heapTotal,
        heapUsed: memory.heapUsed,
        external: memory.external,
      },
    };
  };
}
