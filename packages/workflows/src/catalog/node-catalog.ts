import { BackendError, describeValue } from '@localbackend/adapter';
import type {
  DynamicPortDefinition,
  JsonSchema,
  NodeDefinition,
  PortDefinition,
} from './node-definition';

/**
 * A serialisable description of a node type, for an editor's palette ({@link NodeCatalog.list}).
 *
 * @example
 * ```ts
 * const palette: NodeDescriptor[] = runtime.listNodes();
 * palette.filter((n) => n.category === 'Triggers').map((n) => n.displayName);
 * ```
 */
export interface NodeDescriptor {
  readonly type: string;
  readonly version: number;
  readonly displayName: string;
  readonly category: string;
  readonly description?: string;
  readonly inputs: Readonly<Record<string, PortDefinition>>;
  readonly outputs: Readonly<Record<string, PortDefinition>>;
  readonly dynamicPorts: readonly DynamicPortDefinition[];
  readonly parameterSchema: JsonSchema;
  /** True for nodes shipped with this package. */
  readonly builtIn: boolean;
}

const JSON_TYPES: Record<string, unknown> = {
  string: { type: 'string' },
  number: { type: 'number' },
  boolean: { type: 'boolean' },
  object: { type: ['object', 'string', 'null'] },
  array: { type: ['array', 'string', 'null'] },
  date: { type: 'string', format: 'date-time' },
  color: { type: 'string' },
  'query-filter': { type: 'object' },
  json: {},
  component: { type: 'string' },
  '*': {},
};

/**
 * Derives a parameter JSON schema from a definition's non-signal inputs.
 *
 * @example
 * ```ts
 * deriveParameterSchema({ inputs: { format: { type: 'string' } } }); // { type: 'object', properties: { format: { type: 'string' } }, additionalProperties: true }
 * ```
 */
export function deriveParameterSchema(
  definition: Pick<NodeDefinition, 'inputs' | 'dynamicPorts'>,
): JsonSchema {
  const properties: Record<string, unknown> = {};
  for (const [name, port] of Object.entries(definition.inputs ?? {})) {
    if (port.type === 'signal') continue;
    const base =
      port.type === 'enum'
        ? { enum: [...(port.enum ?? [])] }
        : ((JSON_TYPES[port.type] as Record<string, unknown> | undefined) ?? {});
    const entry: Record<string, unknown> = { ...base };
    if (port.displayName !== undefined) entry['title'] = port.displayName;
    if (port.description !== undefined) entry['description'] = port.description;
    if (port.default !== undefined) entry['default'] = port.default;
    properties[name] = entry;
  }
  const patternProperties: Record<string, unknown> = {};
  for (const family of definition.dynamicPorts ?? []) {
    if (family.plug !== 'input') continue;
    const prefix = family.pattern.split('<')[0] ?? '';
    if (prefix === '') continue;
    patternProperties[`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`] = {
      description: family.description,
    };
  }
  return Object.keys(patternProperties).length === 0
    ? { type: 'object', properties, additionalProperties: true }
    : { type: 'object', properties, patternProperties, additionalProperties: true };
}

function invalidDefinition(path: string, expected: string, received: unknown): BackendError {
  return new BackendError(
    'INVALID_CONFIG',
    `node definition ${path}: expected ${expected}, got ${describeValue(received)}`,
    { details: { path, expected, received: describeValue(received) } },
  );
}

/**
 * Checks the shape of a node definition; throws `INVALID_CONFIG` naming the bad member.
 *
 * @example
 * ```ts
 * validateNodeDefinition({ type: 'x', version: 1, displayName: 'X', category: 'Misc', create: () => ({}) });
 * ```
 */
export function validateNodeDefinition(definition: unknown): asserts definition is NodeDefinition {
  if (typeof definition !== 'object' || definition === null) {
    throw invalidDefinition('', 'an object', definition);
  }
  const d = definition as Record<string, unknown>;
  if (typeof d['type'] !== 'string' || d['type'] === '') {
    throw invalidDefinition('type', 'a non-empty string', d['type']);
  }
  const at = (key: string) => `${d['type'] as string}.${key}`;
  if (typeof d['version'] !== 'number' || !Number.isInteger(d['version']) || d['version'] < 1) {
    throw invalidDefinition(at('version'), 'an integer >= 1', d['version']);
  }
  if (typeof d['displayName'] !== 'string') {
    throw invalidDefinition(at('displayName'), 'a string', d['displayName']);
  }
  if (typeof d['category'] !== 'string') {
    throw invalidDefinition(at('category'), 'a string', d['category']);
  }
  if (typeof d['create'] !== 'function') {
    throw invalidDefinition(at('create'), 'a function', d['create']);
  }
  for (const group of ['inputs', 'outputs'] as const) {
    const ports = d[group];
    if (ports === undefined) continue;
    if (typeof ports !== 'object' || ports === null || Array.isArray(ports)) {
      throw invalidDefinition(at(group), 'an object of ports', ports);
    }
    for (const [name, port] of Object.entries(ports as Record<string, unknown>)) {
      if (
        typeof port !== 'object' ||
        port === null ||
        typeof (port as PortDefinition).type !== 'string'
      ) {
        throw invalidDefinition(at(`${group}.${name}`), 'a port { type }', port);
      }
    }
  }
  if (d['module'] !== undefined && typeof d['module'] !== 'string') {
    throw invalidDefinition(at('module'), 'a module URL or path', d['module']);
  }
}

/**
 * The set of node types a runtime knows: built-ins plus registered ones. A type name maps to one
 * definition; registering a type again replaces it only with a higher `version`
 * (or with `replace: true`).
 *
 * @example
 * ```ts
 * const catalog = new NodeCatalog();
 * catalog.register(myNode);
 * catalog.get('acme.upper')?.displayName;
 * ```
 */
export class NodeCatalog {
  readonly #definitions = new Map<string, NodeDefinition>();
  readonly #builtIn = new Set<string>();

  /**
   * Creates a catalog holding `definitions` (marked built-in).
   *
   * @example
   * ```ts
   * const catalog = new NodeCatalog(builtInNodes);
   * ```
   */
  constructor(builtIns: readonly NodeDefinition[] = []) {
    for (const definition of builtIns) {
      validateNodeDefinition(definition);
      this.#definitions.set(definition.type, definition);
      this.#builtIn.add(definition.type);
    }
  }

  /**
   * Adds a node type. Throws `SCHEMA_CONFLICT` when the type exists with the same or a higher
   * version, unless `replace` is set.
   *
   * @example
   * ```ts
   * catalog.register(defineNode({ ...myNode, version: 2 }));
   * ```
   */
  register(definition: NodeDefinition, options: { replace?: boolean } = {}): void {
    validateNodeDefinition(definition);
    const existing = this.#definitions.get(definition.type);
    if (
      existing !== undefined &&
      options.replace !== true &&
      existing.version >= definition.version
    ) {
      throw new BackendError(
        'SCHEMA_CONFLICT',
        `node type ${JSON.stringify(definition.type)} is already registered with version ${existing.version}; register a higher version or pass { replace: true }`,
        { details: { path: 'type', received: definition.type } },
      );
    }
    this.#definitions.set(definition.type, definition);
    this.#builtIn.delete(definition.type);
  }

  /**
   * The definition of a type, or `undefined`.
   *
   * @example
   * ```ts
   * catalog.get('Expression')?.version;
   * ```
   */
  get(type: string): NodeDefinition | undefined {
    return this.#definitions.get(type);
  }

  /**
   * True when the type is known.
   *
   * @example
   * ```ts
   * catalog.has('REST2'); // true
   * ```
   */
  has(type: string): boolean {
    return this.#definitions.has(type);
  }

  /**
   * All definitions (live objects, including implementations).
   *
   * @example
   * ```ts
   * for (const definition of catalog.definitions()) console.log(definition.type);
   * ```
   */
  definitions(): NodeDefinition[] {
    return [...this.#definitions.values()];
  }

  /**
   * Serialisable descriptors of every type, sorted by category then display name.
   *
   * @example
   * ```ts
   * const palette = catalog.list();
   * ```
   */
  list(): NodeDescriptor[] {
    return this.definitions()
      .map((d) => {
        const descriptor: NodeDescriptor = {
          type: d.type,
          version: d.version,
          displayName: d.displayName,
          category: d.category,
          ...(d.description === undefined ? {} : { description: d.description }),
          inputs: { ...(d.inputs ?? {}) },
          outputs: { ...(d.outputs ?? {}) },
          dynamicPorts: [...(d.dynamicPorts ?? [])],
          parameterSchema: d.parameterSchema ?? deriveParameterSchema(d),
          builtIn: this.#builtIn.has(d.type),
        };
        return descriptor;
      })
      .sort((a, b) =>
        a.category === b.category
          ? a.displayName.localeCompare(b.displayName)
          : a.category.localeCompare(b.category),
      );
  }
}
