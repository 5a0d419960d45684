import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowRuntime } from '../src/runtime/workflow-runtime';

const FIXTURES = join(__dirname, 'fixtures/noodl');
const API_POST = 'example-cf-api-test-post.json';
const SIMPLE = 'example-cf-no-auth-ok-expression-js.json';

interface EditorNode {
  id: string;
  type: string;
  parameters: Record<string, unknown>;
  ports: unknown[];
  dynamicports: unknown[];
  children: EditorNode[];
}

/** The same document in the runtime export format (what Noodl's cloud host loads). */
function toRuntimeExport(doc: {
  components: {
    name: string;
    graph: { roots: EditorNode[]; connections: Record<string, string>[] };
  }[];
}): unknown {
  const node = (n: EditorNode): unknown => ({
    id: n.id,
    type: n.type,
    parameters: n.parameters,
    ports: [...n.ports, ...n.dynamicports],
    children: n.children.map(node),
  });
  return {
    components: doc.components.map((c) => ({
      name: c.name,
      ports: [],
      nodes: c.graph.roots.map(node),
      connections: c.graph.connections.map((x) => ({
        sourceId: x['fromId'],
        sourcePort: x['fromProperty'],
        targetId: x['toId'],
        targetPort: x['toProperty'],
      })),
    })),
    metadata: {},
    settings: {},
  };
}

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

describe('shared Noodl fixtures through run() (worker isolation)', () => {
  let runtime: WorkflowRuntime;
  let dir: string;
  beforeAll(async () => {
    runtime = new WorkflowRuntime({ workers: 1 });
    dir = mkdtempSync(join(tmpdir(), 'workflows-fixtures-'));
    copyFileSync(join(FIXTURES, API_POST), join(dir, 'api.workflow.json'));
    copyFileSync(join(FIXTURES, SIMPLE), join(dir, 'simple.workflow.json'));
    const { loaded, errors } = await runtime.loadDirectory(dir);
    expect(errors).toEqual([]);
    expect(loaded.flatMap((l) => l.functions).sort()).toEqual([
      'API/test/POST',
      'Simple/Failure Result',
      'Simple/No Auth OK',
    ]);
  });
  afterAll(async () => {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('API/test/POST answers 200 {"result":{"test":"x post ok"}} for {"param1":"x"}', async () => {
    const result = await runtime.run('API/test/POST', { body: '{"param1":"x"}', headers: {} });
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('{"result":{"test":"x post ok"}}');
  });

  it('Simple/No Auth OK answers 200 {"result":{"Message":"No auth ok here!","NoUserCheck":true}} without a session token', async () => {
    const result = await runtime.run('Simple/No Auth OK', { body: '{}', headers: {} });
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('{"result":{"Message":"No auth ok here!","NoUserCheck":true}}');
  });

  it('Simple/Failure Result answers 400 {"error":"Some error"}', async () => {
    const result = await runtime.run('Simple/Failure Result', { body: '{}', headers: {} });
    expect(result.statusCode).toBe(400);
    expect(result.body).toBe('{"error":"Some error"}');
  });

  it('accepts the component name with its prefix too, and answers 404 for an unknown function', async () => {
    expect((await runtime.run('/#__cloud__/API/test/POST', { body: '{"param1":"y"}' })).body).toBe(
      '{"result":{"test":"y post ok"}}',
    );
    const missing = await runtime.run('API/test/GET', { body: '{}' });
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: 'Cloud function "API/test/GET" not found' });
    expect(missing.error?.code).toBe('FUNCTION_NOT_FOUND');
  });

  it('answers the same from the runtime export format of the same documents', async () => {
    const exported = new WorkflowRuntime({ workers: 1 });
    exported.load(toRuntimeExport(fixture(API_POST) as never), { source: 'api' });
    exported.load(toRuntimeExport(fixture(SIMPLE) as never), { source: 'simple' });
    expect((await exported.run('API/test/POST', { body: '{"param1":"x"}' })).body).toBe(
      '{"result":{"test":"x post ok"}}',
    );
    expect((await exported.run('Simple/No Auth OK', { body: '{}' })).body).toBe(
      '{"result":{"Message":"No auth ok here!","NoUserCheck":true}}',
    );
    expect((await exported.run('Simple/Failure Result', { body: '{}' })).body).toBe(
      '{"error":"Some error"}',
    );
    await exported.close();
  });

  it('answers the same in-process (isolation: none)', async () => {
    const inline = new WorkflowRuntime({ isolation: 'none' });
    inline.load(fixture(API_POST), { source: 'api' });
    inline.load(fixture(SIMPLE), { source: 'simple' });
    expect((await inline.run('API/test/POST', { body: { param1: 'x' } })).body).toBe(
      '{"result":{"test":"x post ok"}}',
    );
    expect((await inline.run('Simple/No Auth OK', {})).body).toBe(
      '{"result":{"Message":"No auth ok here!","NoUserCheck":true}}',
    );
    expect((await inline.run('Simple/Failure Result', {})).body).toBe('{"error":"Some error"}');
    await inline.close();
  });
});
