/**
 * Serves one backend directory: LocalSQLAdapter on `data/local.db` (with `schema.json` kept in
 * step), the workflow runtime on `workflows/`, and LocalBackendServer on the port. Used by the
 * child entry, by the in-process mode and (for stopped backends) as a database-only "cold" host.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { assertCollectionName, isValidObjectId } from '@localbackend/adapter';
import { LocalBackendServer, type FunctionRunner } from '@localbackend/server';
import { LocalSQLAdapter } from '@localbackend/sqlite';
import { createHealthSampler } from '../health-report';
import type { ColdHost, HostLog, ServingHost } from './backend-host-types';
import type { DataMethods, HostStartOptions } from './host-protocol';
import { managerVersion } from './module-paths';

const MAX_IDS_PER_QUERY = 500;

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
      return { imported: result.imported, skipped: result.skipped };
    },
    async existingObjectIds(collection, ids) {
      assertCollectionName(collection, 'collection', { allowSystem: true });
      const wanted = ids.filter((id) => isValidObjectId(id));
      const found: string[] = [];
      const schema = await adapter.getSchema({ includeSystem: true });
      if (!schema.tables.some((t) => t.name === collection)) return found;
      for (let i = 0; i < wanted.length; i += MAX_IDS_PER_QUERY) {
        const chunk = wanted.slice(i, i + MAX_IDS_PER_QUERY);
        const { results } = await adapter.query({
          collection,
          where: { objectId: { $in: chunk } },
          select: ['objectId'],
          limit: chunk.length,
        });
        for (const record of results) found.push(record.objectId);
      }
      return found;
    },
    async addRelations(collection, key, targetClass, pairs) {
      let added = 0;
      await adapter.transaction(async (tx) => {
        for (const pair of pairs) {
          if (pair.targetObjectIds.length === 0) continue;
          await tx.addRelation({
            collection,
            objectId: pair.objectId,
            key,
            targetObjectId: pair.targetObjectIds,
            targetClass,
          });
          added += pair.targetObjectIds.length;
        }
      });
      return { added };
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

// The workflow package is loaded by name at run time; its shape is checked here.
interface WorkflowRuntimeInstance extends FunctionRunner {
  [key: string]: unknown;
}
interface WorkflowsModule {
  WorkflowRuntime: new (options: Record<string, unknown>) => WorkflowRuntimeInstance;
}

async function callOptional(
  target: Record<string, unknown>,
  names: readonly string[],
  ...args: unknown[]
): Promise<unknown> {
  for (const name of names) {
    const fn = target[name];
    if (typeof fn === 'function') return (fn as (...a: unknown[]) => unknown).apply(target, args);
  }
  return undefined;
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
  let runtime: WorkflowRuntimeInstance | undefined;
  let server: LocalBackendServer | undefined;
  try {
    const workflows =
      (await import('@localbackend/workflows')) as unknown as Partial<WorkflowsModule>;
    if (typeof workflows.WorkflowRuntime === 'function') {
      runtime = new workflows.WorkflowRuntime({ adapter, logger: log });
      await callOptional(runtime, ['watch', 'loadDirectory'], workflowsDir);
    } else {
      log.warn('workflow runtime not available; /functions will answer 404');
    }
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
      ...(runtime === undefined ? {} : { functionRunner: runtime }),
    });
    await server.start();
  } catch (error) {
    if (runtime !== undefined)
      await callOptional(runtime, ['close', 'stop', 'dispose']).catch(() => undefined);
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
      if (runtime === undefined) return { workflows: 0 };
      const result = await callOptional(runtime, ['reload', 'loadDirectory'], workflowsDir);
      const names = await fs.readdir(workflowsDir).catch(() => [] as string[]);
      return {
        workflows:
          typeof result === 'number'
            ? result
            : names.filter((n) => n.endsWith('.workflow.json')).length,
      };
    },
    async health() {
      return sample();
    },
    stop() {
      stopped ??= (async () => {
        await runningServer.stop();
        if (runtime !== undefined) await callOptional(runtime, ['close', 'stop', 'dispose']);
        await adapter.disconnect();
      })();
      return stopped;
    },
  };
}
