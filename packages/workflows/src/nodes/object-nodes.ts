import type { NodeBehavior, NodeContext, NodeDefinition } from '../catalog/node-definition';
import type { NoodlObject } from '../engine/object-scope';
import { idOf } from '../engine/records';
import { ANY_PORT, SIGNAL_PORT, afterPass, splitList } from './node-helpers';
import { targetId } from './record-helpers';

/**
 * Writes the listed properties into an object (NOODL-RUNTIME §3.5): a listed name with a value
 * writes it (`type-X: object` + string: the object with that id; `array` + string: parsed as
 * JSON, else the array with that id); a listed name with a `type-X` but no value is reset to the
 * type's default (`false`, `''`, `0`, now for `date`, else undefined).
 *
 * @example
 * ```ts
 * writeProperties(node, object, ['name', 'tags'], values, types);
 * ```
 */
export function writeProperties(
  node: NodeContext,
  object: NoodlObject,
  properties: readonly string[],
  values: ReadonlyMap<string, unknown>,
  types: ReadonlyMap<string, unknown>,
): void {
  const objects = node.run.objects;
  for (const name of properties) {
    const type = types.get(name);
    if (values.has(name)) {
      let value = values.get(name);
      if (type === 'object' && typeof value === 'string') value = objects.get(value);
      else if (type === 'array' && typeof value === 'string') {
        try {
          const parsed: unknown = JSON.parse(value);
          value = Array.isArray(parsed)
            ? objects.newArray(parsed)
            : (objects.getArray(value) ?? value);
        } catch {
          value = objects.getArray(value) ?? value;
        }
      }
      object.set(name, value);
    } else if (type !== undefined) {
      const reset =
        type === 'boolean'
          ? false
          : type === 'string'
            ? ''
            : type === 'number'
              ? 0
              : type === 'date'
                ? new Date()
                : undefined;
      object.set(name, reset);
    }
  }
}

/**
 * `Model2` (Object): binds to an object of the run (`modelId`, e.g. `Request`), outputs its
 * properties and forwards their changes; `prop-*` inputs write into it.
 *
 * @example
 * ```ts
 * catalog.get('Model2') === objectNode; // true
 * ```
 */
export const objectNode: NodeDefinition = {
  type: 'Model2',
  version: 1,
  displayName: 'Object',
  category: 'Data',
  description:
    'An object of the run (Noodl.Objects[id]): its properties as outputs, writable through inputs.',
  inputs: {
    modelId: { type: 'string', displayName: 'Id' },
    idSource: {
      type: 'enum',
      enum: ['explicit', 'foreach'],
      displayName: 'Id Source',
      default: 'explicit',
    },
    properties: { type: 'string', displayName: 'Properties', editorOnly: true },
    fetch: { type: 'signal', displayName: 'Fetch' },
  },
  outputs: {
    id: { type: 'string', displayName: 'Id' },
    changed: { type: 'signal', displayName: 'Changed' },
    fetched: { type: 'signal', displayName: 'Fetched' },
  },
  dynamicPorts: [
    { pattern: 'prop-<name>', plug: 'input', type: '*', description: 'Writes a property' },
    { pattern: 'prop-<name>', plug: 'output', type: '*', description: 'A property' },
    {
      pattern: 'changed-<name>',
      plug: 'output',
      type: 'signal',
      description: 'Pulses when the property changes',
    },
  ],
  create(node): NodeBehavior {
    const settings: Record<string, unknown> = {};
    const props = new Set<string>();
    const writes = new Map<string, unknown>();
    let bound: NoodlObject | undefined;
    let unbind: (() => void) | undefined;
    const bind = (object: NoodlObject, pulse: boolean): void => {
      unbind?.();
      bound = object;
      const listener = (event: { name?: string }): void => {
        if (event.name === undefined) return;
        if (props.has(event.name)) node.flagOutputDirty(`prop-${event.name}`);
        node.sendSignal(`changed-${event.name}`);
        node.sendSignal('changed');
      };
      object.on('change', listener);
      unbind = () => object.off('change', listener);
      node.flagOutputDirty('id');
      for (const prop of props) node.flagOutputDirty(`prop-${prop}`);
      flushWrites();
      if (pulse) node.sendSignal('fetched');
    };
    const resolve = (): void => {
      if (settings['idSource'] === 'foreach') {
        const item = node.graph.forEachItem();
        if (node.run.objects.isObject(item)) bind(item, false);
        return;
      }
      const id = targetId(node, settings['idSource'], settings['modelId']);
      if (id !== undefined) bind(node.run.objects.get(id), true);
    };
    const bindAtOnce = afterPass(node, resolve);
    const flushWrites = afterPass(node, () => {
      if (bound === undefined) return;
      for (const [name, value] of writes) if (bound.get(name) !== value) bound.set(name, value);
      writes.clear();
    });
    return {
      acceptInput: (name) => (name.startsWith('prop-') ? ANY_PORT : undefined),
      acceptOutput(name) {
        if (name.startsWith('prop-')) {
          props.add(name.slice(5));
          return ANY_PORT;
        }
        if (name.startsWith('changed-')) return SIGNAL_PORT;
        return undefined;
      },
      setInput(name, value) {
        if (name.startsWith('prop-')) {
          writes.set(name.slice(5), value);
          flushWrites();
          return;
        }
        settings[name] = value;
        if ((name === 'modelId' || name === 'idSource') && !node.isInputConnected('fetch'))
          bindAtOnce();
      },
      signal(name) {
        if (name === 'fetch') resolve();
      },
      getOutput(name) {
        if (name === 'id') return bound?.id;
        if (name.startsWith('prop-')) return bound?.get(name.slice(5));
        return undefined;
      },
      dispose() {
        unbind?.();
      },
    };
  },
};

function propertyWriter(): {
  settings: Record<string, unknown>;
  values: Map<string, unknown>;
  types: Map<string, unknown>;
  behavior: Pick<NodeBehavior, 'acceptInput' | 'setInput'>;
} {
  const settings: Record<string, unknown> = {};
  const values = new Map<string, unknown>();
  const types = new Map<string, unknown>();
  return {
    settings,
    values,
    types,
    behavior: {
      acceptInput: (name) =>
        name.startsWith('prop-') || name.startsWith('type-') ? ANY_PORT : undefined,
      setInput(name, value) {
        if (name.startsWith('prop-')) values.set(name.slice(5), value);
        else if (name.startsWith('type-')) types.set(name.slice(5), value);
        else settings[name] = value;
      },
    },
  };
}

/**
 * `NewModel` (Create New Object): on `new` creates an object with a fresh id and writes the listed
 * properties.
 *
 * @example
 * ```ts
 * catalog.get('NewModel') === createObjectNode; // true
 * ```
 */
export const createObjectNode: NodeDefinition = {
  type: 'NewModel',
  version: 1,
  displayName: 'Create New Object',
  category: 'Data',
  description: 'Creates an object with a new id and the given properties on Do.',
  inputs: {
    properties: { type: 'string', displayName: 'Properties' },
    new: { type: 'signal', displayName: 'Do' },
  },
  outputs: {
    id: { type: 'string', displayName: 'Id' },
    created: { type: 'signal', displayName: 'Done' },
  },
  dynamicPorts: [
    { pattern: 'prop-<name>', plug: 'input', type: '*', description: 'A property value' },
    { pattern: 'type-<name>', plug: 'input', type: 'string', description: 'A property type' },
  ],
  create(node): NodeBehavior {
    const writer = propertyWriter();
    let id: string | undefined;
    const create = afterPass(node, () => {
      const object = node.run.objects.get();
      writeProperties(
        node,
        object,
        splitList(writer.settings['properties']),
        writer.values,
        writer.types,
      );
      id = object.id;
      node.flagOutputDirty('id');
      node.sendSignal('created');
    });
    return {
      ...writer.behavior,
      signal(name) {
        if (name === 'new') create();
      },
      getOutput: (name) => (name === 'id' ? id : undefined),
    };
  },
};

/**
 * `SetModelProperties` (Set Object Properties): on `store` writes the listed properties into the
 * object `modelId` (or the Run Tasks item).
 *
 * @example
 * ```ts
 * catalog.get('SetModelProperties') === setObjectNode; // true
 * ```
 */
export const setObjectNode: NodeDefinition = {
  type: 'SetModelProperties',
  version: 1,
  displayName: 'Set Object Properties',
  category: 'Data',
  description: 'Writes properties into an object on Do.',
  inputs: {
    modelId: { type: 'string', displayName: 'Id' },
    idSource: {
      type: 'enum',
      enum: ['explicit', 'foreach'],
      displayName: 'Id Source',
      default: 'explicit',
    },
    properties: { type: 'string', displayName: 'Properties' },
    store: { type: 'signal', displayName: 'Do' },
  },
  outputs: {
    id: { type: 'string', displayName: 'Id' },
    stored: { type: 'signal', displayName: 'Done' },
  },
  dynamicPorts: [
    { pattern: 'prop-<name>', plug: 'input', type: '*', description: 'A property value' },
    { pattern: 'type-<name>', plug: 'input', type: 'string', description: 'A property type' },
  ],
  create(node): NodeBehavior {
    const writer = propertyWriter();
    let id: string | undefined;
    const store = afterPass(node, () => {
      const target = targetId(node, writer.settings['idSource'], writer.settings['modelId']);
      if (target === undefined) {
        node.log('warn', 'Set Object Properties: no object id');
        return;
      }
      const object = node.run.objects.get(target);
      writeProperties(
        node,
        object,
        splitList(writer.settings['properties']),
        writer.values,
        writer.types,
      );
      id = idOf(object);
      node.flagOutputDirty('id');
      node.sendSignal('stored');
    });
    return {
      ...writer.behavior,
      signal(name) {
        if (name === 'store') store();
      },
      getOutput: (name) => (name === 'id' ? id : undefined),
    };
  },
};
