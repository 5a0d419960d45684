/**
 * Serves one backend directory: LocalSQLAdapter on `data/local.db` (with `schema.json` kept in
 * step), the workflow runtime on `workflows/`, and LocalBackendServer on the port. Used by the
 * child entry, by the in-process mode and (for stopped backends) as a database-only "cold" host.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LocalBackendServer } from '@localbackend/server';
import { LocalSQLAdapter } from '@localbackend/sqlite';
import { WorkflowRuntime, type WorkflowWatcher } from '@localbackend/workflows';
import { createHealthSampler } from '../health-report';
import type { ColdHost, HostLog, ServingHost } from './backend-host-types';
import type { DataMethods, HostStartOptions } from './host-protocol';
import { managerVersion } from './module-paths';

type AdapterOptions = Pick<HostStartOptions, 'dir' | 'schemaMode' | 'dbPath' | 'schemaPath'>;

function schemaPathOf(options: AdapterOptions): string {
  return options.schemaPath ?? path.join(options.dir, 'schema.json');
}

function openAdapter(options: AdapterOptions): LocalSQLAdapter {
  return new LocalSQLAdapter(options.dbPath ?? path.join(options.dir, 'data', 'local.db'), {
    schemaMode: options.schemaMode,
    schemaFile: schemaPathOf(options),
  });
}

/** The data methods, implemented on an adapter. */
function dataMethods(adapter: LocalSQLAdapter, schemaFile: string): DataMethods {
  return {
    async exportSchema(format) {
      if (format === 'json') return `${JSON.stringify(await adapter.getSchema(), null, 2)}\n`;
      return adapter.exportToSQL(format);
    },
    exportData(format) {
      return adapter.exportData(format);
    },
    async importParseSchema(schema) {
      const result = await adapter.importParseSchema(schema);
      return {
        tables: [...result.tables],
        skipped: result.skipped.map((s) => ({ name: s.name, reason: s.reason })),
      };
    },
    async importRecords(collection, records, options) {
      const result = await adapter.importRecords(collection, records, {
        onConflict: options.onConflict,
      });
      return { imported: result.imported, skipped: result.skipped, relations: result.relations };
    },
    async count(collection) {
      const schema = await adapter.getSchema({ includeSystem: true });
      if (!schema.tables.some((t) => t.name === collection)) return 0;
      return adapter.count({ collection });
    },
    async backup(destPath) {
      await fs.mkdir(path.dirname(destPath), { recursive: true });
      const result = await adapter.backup(destPath);
      const stat = await fs.stat(result.path);
      return { path: result.path, bytes: stat.size };
    },
    async integrityCheck() {
      const result = await adapter.integrityCheck();
      return { ok: result.ok, problems: [...result.problems] };
    },
    async writeSchemaFile() {
      const schema = await adapter.getSchema();
      await fs.writeFile(schemaFile, `${JSON.stringify(schema, null, 2)}\n`);
    },
  };
}

/** Opens a stopped backend's database (no server). */
export async function openColdHost(
  options: Pick<HostStartOptions, 'id' | 'dir' | 'schemaMode' | 'dbPath' | 'schemaPath'>,
  _log: HostLog,
): Promise<ColdHost> {
  const adapter = openAdapter(options);
  await adapter.connect();
  return {
    ...dataMethods(adapter, schemaPathOf(options)),
    async restoreFrom(file) {
      await adapter.restore(file);
    },
    async close() {
      await adapter.disconnect();
    },
  };
}

/** Starts serving a backend directory. */
export async function startServingHost(
  options: HostStartOptions,
  log: HostLog,
): Promise<ServingHost> {
  const adapter = openAdapter(options);
  await adapter.connect();
  const workflowsDir = options.workflowsPath ?? path.join(options.dir, 'workflows');
  await fs.mkdir(workflowsDir, { recursive: true });
  const runtime = new WorkflowRuntime({ adapter, workers: 1 });
  let watcher: WorkflowWatcher | undefined;
  let server: LocalBackendServer | undefined;
  runtime.on('error', ({ reason, path: file }) => log.warn('workflow error', { reason, file }));
  runtime.on('load', (result) => log.info('workflow loaded', { source: result.source }));
  try {
    watcher = await runtime.watch(workflowsDir);
    server = new LocalBackendServer({
      id: options.id,
      name: options.name,
      adapter,
      port: options.port,
      host: options.host,
      appId: options.appId,
      masterKey: options.masterKey,
      logger: log,
      workflowsPath: workflowsDir,
      filesPath: options.filesPath ?? path.join(options.dir, 'files'),
      functionRunner: runtime,
      // The runtime still writes execution records (and finishes runs) after the server stops
      // taking requests: the store is closed below, after the runtime.
      closeAdapterOnStop: false,
    });
    await server.start();
  } catch (error) {
    await watcher?.close().catch(() => undefined);
    await runtime.close().catch(() => undefined);
    await adapter.disconnect().catch(() => undefined);
    throw error;
  }
  const runningServer = server;
  const port = runningServer.getPort();
  const sample = createHealthSampler({
    id: options.id,
    name: options.name,
    port: () => port,
    startedAt: new Date(),
    version: managerVersion(),
  });
  let stopped: Promise<void> | undefined;
  return {
    port,
    ...dataMethods(adapter, schemaPathOf(options)),
    async reloadWorkflows() {
      const { loaded, errors } = await runtime.loadDirectory(workflowsDir);
      for (const e of errors) log.warn('workflow not loaded', { file: e.path, reason: e.reason });
      return { workflows: loaded.length };
    },
    async health() {
      return sample();
    },
    stop() {
      stopped ??= (async () => {
        await runningServer.stop();
        await watcher?.close().catch(() => undefined);
        await runtime.close();
        await adapter.disconnect();
      })();
      return stopped;
    },
  };
}
