/**
 * Stopping a backend right after a write: the database stays open until the workflow runtime
 * has finished the runs that write triggered (here a dbChange trigger writing an AuditLog row)
 * and stored their execution records.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendManager } from '../src/index';
import { api } from './helpers/http';

const AUDIT = {
  components: [
    {
      name: '/#__local__/audit',
      nodes: [
        {
          id: 't',
          type: 'noodl.trigger.dbChange',
          parameters: { collection: 'Todo', events: 'all' },
        },
        {
          id: 'w',
          type: 'noodl.local.insert',
          parameters: { collection: 'AuditLog' },
          ports: [{ name: 'field-todoId', plug: 'input', type: 'string' }],
        },
      ],
      connections: [
        { sourceId: 't', sourcePort: 'recordId', targetId: 'w', targetPort: 'field-todoId' },
        { sourceId: 't', sourcePort: 'triggered', targetId: 'w', targetPort: 'run' },
      ],
    },
  ],
};

let root: string;
let manager: BackendManager;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lb-shutdown-'));
  manager = new BackendManager({ root, mode: 'in-process', basePort: 29_500, maxPort: 29_999 });
});
afterAll(async () => {
  await manager.stopAll();
  rmSync(root, { recursive: true, force: true });
});

describe('stopping a backend', () => {
  it('keeps the writes of workflows triggered just before stop', async () => {
    const backend = await manager.createBackend('Audited');
    await manager.updateWorkflow(backend.id, 'audit', AUDIT);
    const { port } = await manager.startBackend(backend.id);
    const created = await api(port!, 'POST', '/api/Todo', { title: 'last one' });
    expect(created.status).toBe(201);
    await manager.stopBackend(backend.id);

    const again = await manager.startBackend(backend.id);
    const audit = await api(
      again.port!,
      'GET',
      `/api/AuditLog?where=${encodeURIComponent(JSON.stringify({ todoId: created.body['objectId'] }))}`,
    );
    expect(audit.status).toBe(200);
    expect(audit.body['results']).toHaveLength(1);
    await manager.stopBackend(backend.id);
  });
});
