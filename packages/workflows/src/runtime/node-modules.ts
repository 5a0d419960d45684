import { validateNodeDefinition } from '../catalog/node-catalog';
import type { NodeDefinition } from '../catalog/node-definition';

function isDefinition(value: unknown): value is NodeDefinition {
  if (typeof value !== 'object' || value === null) return false;
  try {
    validateNodeDefinition(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Imports an ES module of custom nodes and returns every node definition it exports (the
 * default export, an array default export, or named exports).
 *
 * @example
 * ```ts
 * const definitions = await loadNodeModule(new URL('./my-nodes.js', import.meta.url).href);
 * ```
 */
export async function loadNodeModule(url: string): Promise<NodeDefinition[]> {
  const module = (await import(url)) as Record<string, unknown>;
  const found: NodeDefinition[] = [];
  const add = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) add(v);
    else if (isDefinition(value) && !found.includes(value)) found.push(value);
  };
  for (const value of Object.values(module)) add(value);
  return found;
}
