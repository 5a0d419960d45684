import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * One workflow file of the app: its name (the file name without `.workflow.json`) and the
 * document in the Noodl editor's runtime export format.
 *
 * @example
 * ```ts
 * const [first] = await loadAppWorkflows(workflowsDir);
 * console.log(first?.name); // 'audit'
 * ```
 */
export interface AppWorkflow {
  readonly name: string;
  readonly document: WorkflowDocument;
}

/**
 * The parts of a runtime-export document this app reads (the runtime reads the rest).
 *
 * @example
 * ```ts
 * const doc: WorkflowDocument = { components: [{ name: '/#__cloud__/hello', nodes: [] }] };
 * ```
 */
export interface WorkflowDocument {
  readonly components: readonly {
    readonly name: string;
    readonly nodes: readonly {
      readonly id: string;
      readonly type: string;
      readonly parameters?: Readonly<Record<string, unknown>>;
    }[];
  }[];
  readonly [key: string]: unknown;
}

/**
 * Options of {@link loadAppWorkflows}.
 *
 * @example
 * ```ts
 * const options: LoadWorkflowOptions = { cleanupCron: '* * * * * *' }; // every second
 * ```
 */
export interface LoadWorkflowOptions {
  /** Replaces the cron expression of every `noodl.trigger.schedule` node (e.g. for tests). */
  readonly cleanupCron?: string;
}

/**
 * Reads `*.workflow.json` from `dir`, sorted by name, and applies `options`.
 *
 * @example
 * ```ts
 * for (const { name, document } of await loadAppWorkflows(dir)) {
 *   await manager.updateWorkflow(backendId, name, document);
 * }
 * ```
 */
export async function loadAppWorkflows(
  dir: string,
  options: LoadWorkflowOptions = {},
): Promise<AppWorkflow[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.workflow.json')).sort();
  const workflows: AppWorkflow[] = [];
  for (const file of files) {
    const text = await fs.readFile(path.join(dir, file), 'utf8');
    let document = JSON.parse(text) as WorkflowDocument;
    if (options.cleanupCron !== undefined) document = withCron(document, options.cleanupCron);
    workflows.push({ name: file.slice(0, -'.workflow.json'.length), document });
  }
  return workflows;
}

function withCron(document: WorkflowDocument, cron: string): WorkflowDocument {
  return {
    ...document,
    components: document.components.map((component) => ({
      ...component,
      nodes: component.nodes.map((node) =>
        node.type === 'noodl.trigger.schedule'
          ? { ...node, parameters: { ...node.parameters, cron } }
          : node,
      ),
    })),
  };
}
