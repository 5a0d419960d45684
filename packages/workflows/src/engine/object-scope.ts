import { fastId } from './fast-id';

/**
 * Options of {@link NoodlObject.set}.
 *
 * @example
 * ```ts
 * obj.set('count', 1, { silent: true });
 * ```
 */
export interface SetOptions {
  /** Do not emit `change`. */
  readonly silent?: boolean;
  /** Emit `change` even when the value is the same. */
  readonly forceChange?: boolean;
  /** Accepted for compatibility; no effect. */
  readonly resolve?: boolean;
}

/**
 * An event of a {@link NoodlObject}: `change` ({ name, value, old }) or `delete`.
 *
 * @example
 * ```ts
 * obj.on('change', (event: ObjectEvent) => console.log(event.name, event.value));
 * ```
 */
export interface ObjectEvent {
  readonly name?: string;
  readonly value?: unknown;
  readonly old?: unknown;
}

/**
 * A Noodl Object: an id plus fields. Field reads and writes by property (`obj.title = 'x'`) map to
 * {@link NoodlObject.get} / {@link NoodlObject.set}, except for the member names below.
 *
 * @example
 * ```ts
 * const todo = scope.create({ title: 'Buy milk' });
 * todo.title; // 'Buy milk'
 * todo.set('done', true);
 * JSON.stringify(todo); // '{"title":"Buy milk","done":true,"id":"..."}'
 * ```
 */
export interface NoodlObject {
  /** The object id (read-only). */
  readonly id: string;
  /** The raw fields. */
  readonly data: Record<string, unknown>;
  getId(): string;
  get(name: string): unknown;
  set(name: string, value: unknown, options?: SetOptions): void;
  setAll(values: Readonly<Record<string, unknown>>): void;
  fill(value: unknown): void;
  on(event: string, listener: (event: ObjectEvent) => void): void;
  off(event: string, listener: (event: ObjectEvent) => void): void;
  notify(event: string, payload?: ObjectEvent): void;
  toJSON(): Record<string, unknown>;
  [field: string]: unknown;
}

const MEMBER_NAMES = [
  'id',
  'data',
  'getId',
  'get',
  'set',
  'setAll',
  'fill',
  'on',
  'off',
  'notify',
  'toJSON',
  'then',
] as const;
const MEMBERS: ReadonlySet<string> = new Set(MEMBER_NAMES);

/**
 * An empty field store: no prototype (field names such as `__proto__` or `toString` are plain
 * fields), but built from `{}` so that V8 keeps it in fast mode (`Object.create(null)` starts in
 * dictionary mode): records of one class share a hidden class, and reading, copying and
 * serialising them is several times cheaper.
 */
function emptyFields(): Record<string, unknown> {
  return Object.setPrototypeOf({}, null) as Record<string, unknown>;
}

/** The state behind one Noodl object proxy (also the proxy's target). */
class ObjectCore {
  readonly data: Record<string, unknown> = emptyFields();
  listeners: Map<string, Set<(event: ObjectEvent) => void>> | undefined;
  /** Fields holding an ISO string that reads as a Date (converted on first read). */
  lazyDates: string[] | undefined;
  bound: Record<string, unknown> | undefined;
  /** The class this id was loaded from (see {@link ObjectScope.setClass}). */
  className: string | undefined;
  proxy!: NoodlObject;

  constructor(
    readonly id: string,
    readonly warn: (message: string) => void,
  ) {}

  /** A field's value, turning a lazy date into a Date (kept) on first read. */
  read(name: string): unknown {
    const value = this.data[name];
    if (this.lazyDates !== undefined && this.forgetLazyDate(name) && typeof value === 'string') {
      const date = new Date(value);
      this.data[name] = date;
      return date;
    }
    return value;
  }

  /** Removes `name` from the lazy dates; true when it was one. */
  forgetLazyDate(name: string): boolean {
    const lazy = this.lazyDates;
    if (lazy === undefined) return false;
    const index = lazy.indexOf(name);
    if (index < 0) return false;
    if (lazy.length === 1) this.lazyDates = undefined;
    else lazy.splice(index, 1);
    return true;
  }

  /** Marks `name` as holding an ISO string that reads as a Date. */
  addLazyDate(name: string): void {
    const lazy = this.lazyDates;
    if (lazy === undefined) this.lazyDates = [name];
    else if (!lazy.includes(name)) lazy.push(name);
  }

  /** Every lazy date turned into a Date. */
  materialize(): Record<string, unknown> {
    if (this.lazyDates !== undefined) for (const name of [...this.lazyDates]) this.read(name);
    return this.data;
  }

  set(name: string, value: unknown, options?: SetOptions): void {
    if (typeof name !== 'string') return;
    if (this.lazyDates !== undefined) this.forgetLazyDate(name);
    const old = this.read(name);
    this.data[name] = value;
    if (options?.silent === true || this.listeners === undefined) return;
    if (old !== value || options?.forceChange === true) this.emit('change', { name, value, old });
  }

  emit(event: string, payload: ObjectEvent): void {
    const set = this.listeners?.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (error) {
        this.warn(
          `object ${this.id}: a ${event} listener threw: ${(error as Error)?.message ?? String(error)}`,
        );
      }
    }
  }

  /** The member `name`, bound to this object (created on first access). */
  member(name: string): unknown {
    if (name === 'id') return this.id;
    if (name === 'data') return this.materialize();
    if (name === 'then') return undefined;
    const bound = (this.bound ??= Object.create(null) as Record<string, unknown>);
    const existing = bound[name];
    if (existing !== undefined) return existing;
    let fn: unknown;
    switch (name) {
      case 'getId':
        fn = () => this.id;
        break;
      case 'get':
        fn = (field: string) => this.read(field);
        break;
      case 'set':
        fn = (field: string, value: unknown, options?: SetOptions) =>
          this.set(field, value, options);
        break;
      case 'setAll':
        fn = (values: Readonly<Record<string, unknown>>) => {
          if (typeof values !== 'object' || values === null) return;
          for (const [key, value] of Object.entries(values)) this.set(key, value);
        };
        break;
      case 'fill':
        fn = (value: unknown) => {
          for (const key of Object.keys(this.data)) this.set(key, value);
        };
        break;
      case 'on':
        fn = (event: string, listener: (event: ObjectEvent) => void) => {
          if (typeof listener !== 'function') return;
          const listeners = (this.listeners ??= new Map());
          let set = listeners.get(event);
          if (set === undefined) listeners.set(event, (set = new Set()));
          set.add(listener);
        };
        break;
      case 'off':
        fn = (event: string, listener: (event: ObjectEvent) => void) => {
          this.listeners?.get(event)?.delete(listener);
        };
        break;
      case 'notify':
        fn = (event: string, payload: ObjectEvent = {}) => this.emit(event, payload);
        break;
      case 'toJSON':
        fn = () => ({ ...this.data, id: this.id });
        break;
      default:
        return undefined;
    }
    bound[name] = fn;
    return fn;
  }
}

/** Reading this symbol from a Noodl object proxy returns its core (engine-internal). */
const CORE = Symbol('localbackend.workflows.objectCore');

function coreOf(value: unknown): ObjectCore | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const core = (value as Record<symbol, unknown>)[CORE];
  return core instanceof ObjectCore ? core : undefined;
}

/** One handler for every Noodl object proxy (the target is the object's core). */
const HANDLER: ProxyHandler<ObjectCore> = {
  get(core, prop) {
    if (typeof prop === 'symbol')
      return prop === CORE ? core : prop === Symbol.toStringTag ? 'NoodlObject' : undefined;
    if (MEMBERS.has(prop)) return core.member(prop);
    return core.read(prop);
  },
  set(core, prop, value) {
    if (typeof prop === 'symbol') return true;
    if (prop === 'id') {
      core.warn(`object ${core.id}: the id of an object cannot be changed`);
      return true;
    }
    if (MEMBERS.has(prop)) {
      core.warn(
        `object ${core.id}: ${prop} is a member of Noodl objects and cannot be set as a field; use set('${prop}', value)`,
      );
      return true;
    }
    core.set(prop, value);
    return true;
  },
  has(core, prop) {
    return typeof prop === 'string' && (MEMBERS.has(prop) || prop in core.data);
  },
  deleteProperty(core, prop) {
    if (typeof prop === 'string' && prop in core.data) {
      core.set(prop, undefined);
      delete core.data[prop];
    }
    return true;
  },
  ownKeys(core) {
    return Object.keys(core.data);
  },
  getOwnPropertyDescriptor(core, prop) {
    if (typeof prop !== 'string' || !(prop in core.data)) return undefined;
    return { value: core.read(prop), writable: true, enumerable: true, configurable: true };
  },
  defineProperty() {
    return false;
  },
  getPrototypeOf() {
    return Object.prototype;
  },
};

/**
 * A Noodl Array: a real JS array with an `id` and Noodl's helpers.
 *
 * @example
 * ```ts
 * const list = scope.newArray([1, 2]);
 * list.add(3); list.size(); // 3
 * ```
 */
export class NoodlArray<T = unknown> extends Array<T> {
  /** Array methods (`map`, `filter`...) return plain arrays. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** The array id (set by its scope). */
  declare id: string;
  declare private listeners: Set<(event: ObjectEvent) => void>;

  /**
   * The item at `index`.
   *
   * @example
   * ```ts
   * list.get(0);
   * ```
   */
  get(index: number): T | undefined {
    return this[index];
  }

  /**
   * The number of items.
   *
   * @example
   * ```ts
   * list.size();
   * ```
   */
  size(): number {
    return this.length;
  }

  /**
   * Appends an item and emits `change`.
   *
   * @example
   * ```ts
   * list.add(obj);
   * ```
   */
  add(item: T): void {
    this.push(item);
    this.emitChange();
  }

  /**
   * Removes the first occurrence of an item and emits `change`.
   *
   * @example
   * ```ts
   * list.remove(obj);
   * ```
   */
  remove(item: T): void {
    const index = this.indexOf(item);
    if (index >= 0) {
      this.splice(index, 1);
      this.emitChange();
    }
  }

  /**
   * True when the array holds the item.
   *
   * @example
   * ```ts
   * list.contains(obj);
   * ```
   */
  contains(item: T): boolean {
    return this.includes(item);
  }

  /**
   * Listens for `change`.
   *
   * @example
   * ```ts
   * list.on('change', () => console.log(list.size()));
   * ```
   */
  on(event: string, listener: (event: ObjectEvent) => void): void {
    if (event !== 'change' || typeof listener !== 'function') return;
    if (this.listeners === undefined) {
      Object.defineProperty(this, 'listeners', { value: new Set(), enumerable: false });
    }
    this.listeners.add(listener);
  }

  /**
   * Stops listening.
   *
   * @example
   * ```ts
   * list.off('change', listener);
   * ```
   */
  off(event: string, listener: (event: ObjectEvent) => void): void {
    if (event === 'change') this.listeners?.delete(listener);
  }

  private emitChange(): void {
    for (const listener of [...(this.listeners ?? [])]) {
      try {
        listener({});
      } catch {
        // listeners of arrays are user code; a throwing one must not break the caller
      }
    }
  }
}

/** A deferred array of records (see {@link ObjectScope.deferArray}). */
interface DeferredArray {
  readonly array: NoodlArray;
  readonly ids: ReadonlySet<string>;
  readonly fill: (array: NoodlArray) => void;
  readonly json: () => string | undefined;
}

/**
 * The per-run store of Noodl objects: `Noodl.Object`, `Noodl.Objects`, the record cache (the same
 * id is the same object everywhere in a run) and the class each record id was loaded from.
 *
 * @example
 * ```ts
 * const scope = new ObjectScope();
 * const a = scope.get('x'); a.set('n', 1);
 * scope.get('x') === a; // true
 * ```
 */
export class ObjectScope {
  readonly #objects = new Map<string, ObjectCore>();
  /** The object `load` is filling (its put functions are made once per scope). */
  #loading: ObjectCore | undefined;
  #put: ((name: string, value: unknown) => void) | undefined;
  #putDate: ((name: string, iso: string) => void) | undefined;
  readonly #arrays = new Map<string, NoodlArray>();
  /** Classes of ids without an object in this scope (objects keep theirs on their core). */
  #classes: Map<string, string> | undefined;
  /** Arrays of records whose objects are not created yet (see {@link ObjectScope.deferArray}). */
  #deferred: DeferredArray[] | undefined;
  readonly #warn: (message: string) => void;

  /**
   * Creates an empty scope; `warn` receives messages about ignored writes.
   *
   * @example
   * ```ts
   * const scope = new ObjectScope((m) => console.warn(m));
   * ```
   */
  constructor(warn: (message: string) => void = () => {}) {
    this.#warn = warn;
  }

  /**
   * A new 10-character id.
   *
   * @example
   * ```ts
   * scope.guid(); // 'x7Gk2PqL0a'
   * ```
   */
  guid(): string {
    return fastId();
  }

  /**
   * The object with this id, created empty when absent (a new id when none is given).
   *
   * @example
   * ```ts
   * const request = scope.get('Request');
   * ```
   */
  get(id?: unknown): NoodlObject {
    return this.#core(
      typeof id === 'string' && id !== '' ? id : typeof id === 'number' ? String(id) : this.guid(),
    ).proxy;
  }

  #core(key: string): ObjectCore {
    const existing = this.#objects.get(key);
    if (existing !== undefined) return existing;
    if (this.#deferred !== undefined && this.#settleId(key)) {
      const settled = this.#objects.get(key);
      if (settled !== undefined) return settled;
    }
    const created = new ObjectCore(key, this.#warn);
    created.proxy = new Proxy(created, HANDLER) as unknown as NoodlObject;
    this.#objects.set(key, created);
    return created;
  }

  /**
   * Creates (or updates) an object from `data`; the id comes from `data.id` or is new.
   *
   * @example
   * ```ts
   * const todo = scope.create({ title: 'x' });
   * ```
   */
  create(data: unknown = {}): NoodlObject {
    const fields =
      typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
    const object = this.get(fields['id']);
    for (const [key, value] of Object.entries(fields)) {
      if (key !== 'id') object.set(key, value);
    }
    return object;
  }

  /**
   * True when an object with this id exists.
   *
   * @example
   * ```ts
   * scope.exists('Request'); // true once the request arrived
   * ```
   */
  exists(id: unknown): boolean {
    if (typeof id !== 'string') return false;
    if (this.#objects.has(id)) return true;
    return this.#deferred !== undefined && this.#settleId(id) && this.#objects.has(id);
  }

  /**
   * True for Noodl objects of this (or any) scope.
   *
   * @example
   * ```ts
   * scope.isObject(scope.get('a')); // true
   * ```
   */
  isObject(value: unknown): value is NoodlObject {
    return coreOf(value) !== undefined;
  }

  /**
   * The class a record id was loaded from in this run.
   *
   * @example
   * ```ts
   * scope.classOf(todo.id); // 'Todo'
   * ```
   */
  classOf(id: string): string | undefined {
    if (this.#deferred !== undefined && !this.#objects.has(id)) this.#settleId(id);
    return this.#objects.get(id)?.className ?? this.#classes?.get(id);
  }

  /**
   * Remembers the class of a record id.
   *
   * @example
   * ```ts
   * scope.setClass('a1', 'Todo');
   * ```
   */
  setClass(id: string, className: string): void {
    if (this.#deferred !== undefined && !this.#objects.has(id)) this.#settleId(id);
    const core = this.#objects.get(id);
    if (core !== undefined) {
      core.className = className;
      this.#classes?.delete(id);
    } else (this.#classes ??= new Map()).set(id, className);
  }

  /**
   * Sets a field of an object of this scope without going through its proxy (fast path for the
   * engine; same semantics as `object.set`).
   *
   * @example
   * ```ts
   * scope.assign(object, 'title', 'x');
   * ```
   */
  assign(object: NoodlObject, name: string, value: unknown, options?: SetOptions): void {
    const core = coreOf(object);
    if (core === undefined) object.set(name, value, options);
    else core.set(name, value, options);
  }

  /**
   * Fills the object `id` from a record in one go (engine fast path for loading records): plain
   * fields, and ISO date fields that read as `Date`s. Change listeners are notified as by `set`.
   * `put` and `putDate` are valid during the call of `fill` only.
   *
   * @example
   * ```ts
   * const object = scope.load('a1', (put, putDate) => { put('title', 'x'); putDate('createdAt', iso); });
   * ```
   */
  load(
    id: string,
    fill: (
      put: (name: string, value: unknown) => void,
      putDate: (name: string, iso: string) => void,
    ) => void,
  ): NoodlObject {
    const core = this.#core(id === '' ? this.guid() : id);
    if (core.listeners !== undefined) {
      fill(
        (name, value) => core.set(name, value),
        (name, iso) => core.set(name, new Date(iso)),
      );
      return core.proxy;
    }
    // Plain fill: the put functions write into whichever object is being loaded (loads nest
    // when a record holds records), made once per scope instead of twice per record.
    this.#put ??= (name, value) => {
      const target = this.#loading;
      if (target === undefined) return;
      target.data[name] = value;
      if (target.lazyDates !== undefined) target.forgetLazyDate(name);
    };
    this.#putDate ??= (name, iso) => {
      const target = this.#loading;
      if (target === undefined) return;
      target.data[name] = iso;
      target.addLazyDate(name);
    };
    const outer = this.#loading;
    this.#loading = core;
    try {
      fill(this.#put, this.#putDate);
    } finally {
      this.#loading = outer;
    }
    return core.proxy;
  }

  /**
   * Stores an ISO date string in a field that reads as a `Date` (converted on first read), so
   * records that are only passed on and serialised never build Date objects.
   *
   * @example
   * ```ts
   * scope.assignDate(object, 'createdAt', '2026-01-01T00:00:00.000Z');
   * object.createdAt instanceof Date; // true
   * ```
   */
  assignDate(object: NoodlObject, name: string, iso: string): void {
    const core = coreOf(object);
    if (core === undefined || core.listeners !== undefined) {
      object.set(name, new Date(iso));
      return;
    }
    core.data[name] = iso;
    core.addLazyDate(name);
  }

  /**
   * The JSON text of a value the way `JSON.stringify` would write it, with a fast path for Noodl
   * objects (their fields plus `id`) and arrays of them.
   *
   * @example
   * ```ts
   * scope.json(list); // '[{"title":"x","id":"a"}]'
   * ```
   */
  json(value: unknown): string | undefined {
    if (this.#deferred !== undefined && Array.isArray(value)) {
      const deferred = this.#deferredOf(value);
      if (deferred !== undefined) {
        const text = deferred.json();
        if (text !== undefined) return text;
        this.#settle(deferred);
      }
    }
    const core = coreOf(value);
    if (core !== undefined) {
      const fields = JSON.stringify(core.data);
      const id = JSON.stringify(core.id);
      return fields === '{}' ? `{"id":${id}}` : `${fields.slice(0, -1)},"id":${id}}`;
    }
    if (Array.isArray(value)) {
      // One JSON.stringify over plain copies (fields, then id) instead of one per item.
      const copies: unknown[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const itemCore = coreOf(item);
        if (itemCore === undefined) {
          copies[i] = item;
          continue;
        }
        // No prototype: a field named __proto__ stays a plain field, as in `data`.
        const copy = Object.assign(emptyFields(), itemCore.data);
        copy['id'] = itemCore.id;
        copies[i] = copy;
      }
      return JSON.stringify(copies);
    }
    return JSON.stringify(value);
  }

  /**
   * A new Noodl array holding `items`.
   *
   * @example
   * ```ts
   * const list = scope.newArray([a, b]);
   * ```
   */
  newArray<T>(items: readonly T[] = [], id?: string): NoodlArray<T> {
    const array = new NoodlArray<T>();
    for (const item of items) array.push(item);
    const key = id ?? this.guid();
    Object.defineProperty(array, 'id', { value: key, enumerable: false, writable: false });
    this.#arrays.set(key, array as NoodlArray);
    return array;
  }

  /**
   * The array with this id, or `undefined`.
   *
   * @example
   * ```ts
   * scope.getArray(list.id) === list; // true
   * ```
   */
  getArray(id: unknown): NoodlArray | undefined {
    const array = typeof id === 'string' ? this.#arrays.get(id) : undefined;
    if (array !== undefined && this.#deferred !== undefined) this.settleArray(array);
    return array;
  }

  /**
   * A Noodl array of records whose objects are created only when something needs them (engine
   * fast path for query results that go straight to a Response): until then the array is empty,
   * {@link ObjectScope.json} writes it with `json()`, and reaching any of `ids` through this scope
   * (get, exists, classOf, a load of the same id...), the array through {@link getArray}, or
   * calling {@link settleArray} runs `fill` first, which must push the objects into the array
   * exactly as an eager load would have. Returns `undefined` (load eagerly instead) when one of
   * the ids already has an object or a deferred load in this scope, so that deferring never
   * changes which values an object holds.
   *
   * @example
   * ```ts
   * const list = scope.deferArray(['a1'], (array) => array.push(load('a1')), () => '[{"id":"a1"}]');
   * ```
   */
  deferArray(
    ids: readonly string[],
    fill: (array: NoodlArray) => void,
    json: () => string | undefined,
  ): NoodlArray | undefined {
    const seen = new Set<string>();
    for (const id of ids) {
      if (id === '' || seen.has(id) || this.#objects.has(id)) return undefined;
      seen.add(id);
      if (this.#deferred !== undefined) {
        for (const other of this.#deferred) if (other.ids.has(id)) return undefined;
      }
    }
    const array = this.newArray();
    (this.#deferred ??= []).push({ array, ids: seen, fill, json });
    return array;
  }

  /**
   * True while `array` is a deferred array whose objects are not created yet.
   *
   * @example
   * ```ts
   * scope.isDeferred(list) ? rowCount : list.length;
   * ```
   */
  isDeferred(array: unknown): boolean {
    return (
      this.#deferred !== undefined && Array.isArray(array) && this.#deferredOf(array) !== undefined
    );
  }

  /**
   * Creates the objects of a deferred array now (no-op for other arrays).
   *
   * @example
   * ```ts
   * scope.settleArray(list); // list holds its records
   * ```
   */
  settleArray(array: unknown): void {
    if (this.#deferred === undefined || !Array.isArray(array)) return;
    const deferred = this.#deferredOf(array);
    if (deferred !== undefined) this.#settle(deferred);
  }

  #deferredOf(array: readonly unknown[]): DeferredArray | undefined {
    for (const deferred of this.#deferred ?? []) if (deferred.array === array) return deferred;
    return undefined;
  }

  /** Settles the deferred array that holds `id`; true when there was one. */
  #settleId(id: string): boolean {
    for (const deferred of this.#deferred ?? []) {
      if (deferred.ids.has(id)) {
        this.#settle(deferred);
        return true;
      }
    }
    return false;
  }

  #settle(deferred: DeferredArray): void {
    const list = this.#deferred;
    if (list === undefined) return;
    const index = list.indexOf(deferred);
    if (index < 0) return;
    if (list.length === 1) this.#deferred = undefined;
    else list.splice(index, 1);
    deferred.fill(deferred.array);
  }

  /**
   * Forgets every object (the run ended).
   *
   * @example
   * ```ts
   * scope.clear();
   * ```
   */
  clear(): void {
    this.#objects.clear();
    this.#arrays.clear();
    this.#classes = undefined;
    this.#deferred = undefined;
  }
}
