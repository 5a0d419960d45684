import {
  BackendError,
  describeValue,
  type CloudStoreAdapter,
  type StoredRecord,
} from '@localbackend/adapter';
import type { ApiDeps } from './api-deps';
import { assertKnownParams, parseBoolean, single } from './params';

/** Optional export methods an adapter may have (LocalSQLAdapter has both). */
interface ExportingAdapter {
  exportToSQL?(dialect: 'postgres' | 'supabase'): Promise<string> | string;
  exportData?(format: 'sql' | 'json'): Promise<string> | string;
}

const FORMATS = ['json', 'postgres', 'supabase'] as const;
type ExportFormat = (typeof FORMATS)[number];
const EXPORT_PARAMS = new Set(['format', 'includeData']);
const PAGE = 1000;

/** What GET /api/_export answers. */
export interface ExportResult {
  readonly contentType: string;
  readonly body: string;
  readonly filename: string;
}

function exporting(adapter: CloudStoreAdapter): ExportingAdapter {
  return adapter as unknown as ExportingAdapter;
}

/** GET /api/_export?format=json|postgres|supabase&includeData=true */
export async function exportBackend(
  deps: ApiDeps,
  params: Readonly<Record<string, unknown>>,
): Promise<ExportResult> {
  assertKnownParams(params, EXPORT_PARAMS, 'export');
  const formatRaw = single(params.format, 'format') ?? 'json';
  if (typeof formatRaw !== 'string' || !(FORMATS as readonly string[]).includes(formatRaw)) {
    throw new BackendError(
      'INVALID_QUERY',
      `format: expected one of ${FORMATS.join(', ')}, got ${describeValue(formatRaw)}`,
      { details: { path: 'format', expected: FORMATS.join(' | ') } },
    );
  }
  const format = formatRaw as ExportFormat;
  const includeRaw = single(params.includeData, 'includeData');
  const includeData = includeRaw === undefined ? false : parseBoolean(includeRaw, 'includeData');
  const adapter = exporting(deps.adapter);
  if (format === 'json') {
    const schema = await deps.adapter.getSchema();
    let data: unknown;
    if (includeData) {
      data =
        typeof adapter.exportData === 'function'
          ? (JSON.parse(await adapter.exportData.call(deps.adapter, 'json')) as unknown)
          : await dumpRecords(
              deps.adapter,
              schema.tables.map((t) => t.name),
            );
    }
    const body = JSON.stringify(includeData ? { schema, data } : { schema }, null, 2);
    return { contentType: 'application/json; charset=utf-8', body, filename: 'export.json' };
  }
  if (typeof adapter.exportToSQL !== 'function') {
    throw new BackendError('UNSUPPORTED', `format: this storage cannot export ${format} SQL`, {
      details: { path: 'format' },
    });
  }
  let sql = await adapter.exportToSQL.call(deps.adapter, format);
  if (includeData) {
    if (typeof adapter.exportData !== 'function') {
      throw new BackendError(
        'UNSUPPORTED',
        'includeData: this storage cannot export its data as SQL',
        {
          details: { path: 'includeData' },
        },
      );
    }
    sql += `\n\n-- DATA\n${await adapter.exportData.call(deps.adapter, 'sql')}`;
  }
  return {
    contentType: 'application/sql; charset=utf-8',
    body: sql,
    filename: `export.${format}.sql`,
  };
}

/** Every record of every table, through the adapter interface (adapters without exportData). */
async function dumpRecords(
  adapter: CloudStoreAdapter,
  tables: readonly string[],
): Promise<Record<string, StoredRecord[]>> {
  const out: Record<string, StoredRecord[]> = {};
  for (const table of tables) {
    const rows: StoredRecord[] = [];
    for (let skip = 0; ; skip += PAGE) {
      const { results } = await adapter.query({
        collection: table,
        sort: 'createdAt,objectId',
        limit: PAGE,
        skip,
      });
      rows.push(...results);
      if (results.length < PAGE) break;
    }
    out[table] = rows;
  }
  return out;
}
