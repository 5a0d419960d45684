import { LocalSQLAdapter } from '@localbackend/sqlite';
import {
  WorkflowRuntime,
  type RunResult,
  type WorkflowRuntimeOptions,
} from '../../src/runtime/workflow-runtime';
import { project, type NodeSpec, type Wire } from './build-workflow';

/** A fresh in-memory SQLite adapter (the real one), connected. */
export async function memoryAdapter(): Promise<LocalSQLAdapter> {
  const adapter = new LocalSQLAdapter(':memory:');
  await adapter.connect();
  return adapter;
}

/** An in-process runtime (fast, deterministic) for node tests. */
export function inlineRuntime(options: WorkflowRuntimeOptions = {}): WorkflowRuntime {
  return new WorkflowRuntime({ isolation: 'none', timeoutMs: 5_000, records: false, ...options });
}

let counter = 0;

/**
 * Loads a one-function document whose component holds `nodes` plus a Request (`req`, no auth)
 * and a Response (`res`), and runs it. Wires may refer to `req` and `res`.
 */
export async function callGraph(
  runtime: WorkflowRuntime,
  nodes: readonly NodeSpec[],
  wires: readonly Wire[],
  body: unknown = {},
  headers: Record<string, string> = {},
): Promise<RunResult & { json: { result?: Record<string, unknown>; error?: string } }> {
  counter++;
  const name = `test-${counter}`;
  runtime.load(
    project({
      name: `/#__cloud__/${name}`,
      nodes: [
        { id: 'req', type: 'noodl.cloud.request', parameters: { allowNoAuth: true } },
        { id: 'res', type: 'noodl.cloud.response' },
        ...nodes,
      ],
      wires,
    }),
    { source: name },
  );
  const result = await runtime.run(name, { body: JSON.stringify(body), headers });
  runtime.unload(name);
  return {
    ...result,
    json: JSON.parse(result.body) as { result?: Record<string, unknown>; error?: string },
  };
}
