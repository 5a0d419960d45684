import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vitest from 'vitest';
import { afterAll } from 'vitest';
import { describeAdapterConformance } from '@localbackend/adapter/testing';
import { LocalSQLAdapter } from '../src/index';

const quiet = { onListenerError: () => undefined, maxRecordBytes: 4 * 1024 * 1024 };

describeAdapterConformance(
  ':memory:',
  ({ schemaMode }) => new LocalSQLAdapter(':memory:', { schemaMode, ...quiet }),
  {
    capabilities: { maxRecordBytes: quiet.maxRecordBytes },
  },
);

const dir = mkdtempSync(join(tmpdir(), 'lb-conformance-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
describeAdapterConformance(
  'a database file',
  ({ schemaMode }) => new LocalSQLAdapter(join(dir, `db-${++n}.db`), { schemaMode, ...quiet }),
  // The file run hands vitest over explicitly (the documented option); the :memory: run above
  // relies on the lookup of the running vitest instance.
  { capabilities: { maxRecordBytes: quiet.maxRecordBytes }, vitest },
);
