import type { NodeContext, PortDefinition } from '../catalog/node-definition';

/**
 * A `*` port.
 *
 * @example
 * ```ts
 * acceptInput: (name) => (name.startsWith('in-') ? ANY_PORT : undefined),
 * ```
 */
export const ANY_PORT: PortDefinition = { type: '*' };
/**
 * A signal port.
 *
 * @example
 * ```ts
 * acceptOutput: (name) => (name.startsWith('changed-') ? SIGNAL_PORT : undefined),
 * ```
 */
export const SIGNAL_PORT: PortDefinition = { type: 'signal' };

/**
 * Runs `work` once after the current input pass, however many inputs asked for it
 * (Noodl's deduplicated `scheduleAfterInputsHaveUpdated`).
 *
 * @example
 * ```ts
 * const schedule = afterPass(node, () => evaluate());
 * schedule(); schedule(); // evaluate() runs once
 * ```
 */
export function afterPass(node: NodeContext, work: () => void): () => void {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    node.afterInputs(() => {
      scheduled = false;
      work();
    });
  };
}

/**
 * The auto-run rule (NOODL-RUNTIME §2.7): true when the node should act on a changed input,
 * i.e. when its trigger input is not connected.
 *
 * @example
 * ```ts
 * if (autoRuns(node, 'run')) schedule();
 * ```
 */
export function autoRuns(node: NodeContext, trigger: string): boolean {
  return !node.isInputConnected(trigger);
}

/**
 * The saved port of a node with this name, if any.
 *
 * @example
 * ```ts
 * savedPortType(node, 'out-Done'); // 'signal'
 * ```
 */
export function savedPortType(node: NodeContext, name: string): string | undefined {
  return node.savedPorts.find((p) => p.name === name)?.type;
}

/**
 * Splits a comma-separated list, trimming blanks (`properties`, `params`, `aggregates`).
 *
 * @example
 * ```ts
 * splitList(' a, b ,,c'); // ['a', 'b', 'c']
 * ```
 */
export function splitList(value: unknown): string[] {
  if (Array.isArray(value))
    return value.filter((v): v is string => typeof v === 'string' && v !== '');
  if (typeof value !== 'string') return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * The message of anything thrown.
 *
 * @example
 * ```ts
 * errorMessage(new Error('x')); // 'x'
 * ```
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  ) {
    return (error as { message: string }).message;
  }
  return String(error);
}

/**
 * Parses a JSON-ish array input: arrays pass, strings are parsed as JSON (never `eval`ed), anything
 * else is `undefined`.
 *
 * @example
 * ```ts
 * toArray('[1,2]'); // [1, 2]
 * ```
 */
export function toArray(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
