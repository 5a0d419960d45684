import vm from 'node:vm';
import { BackendError } from '@localbackend/adapter';

/** Compiled functions kept per sandbox. */
const CACHE_LIMIT = 1_000;

/**
 * A function compiled in the sandbox's context.
 *
 * @example
 * ```ts
 * const fn: CompiledScript = sandbox.compile('a + 1', ['a'], { expression: true });
 * ```
 */
export type CompiledScript = (...args: unknown[]) => unknown;

/**
 * Options of {@link ScriptSandbox.compile}.
 *
 * @example
 * ```ts
 * const options: CompileOptions = { async: true, label: 'Function node n1' };
 * ```
 */
export interface CompileOptions {
  /** Compile as an `async function` (Function node scripts). */
  readonly async?: boolean;
  /** `body` is an expression whose value the function returns (Expression node). */
  readonly expression?: boolean;
  /** Shown in stack traces. */
  readonly label?: string;
}

/**
 * Node globals scripts do not see: they are shadowed by parameters of the same names (set to
 * `undefined`). Untracked timers (`setInterval`) are hidden too; the run offers tracked ones.
 *
 * @example
 * ```ts
 * HIDDEN_GLOBALS.includes('process'); // true: scripts see undefined
 * ```
 */
export const HIDDEN_GLOBALS: readonly string[] = [
  'process',
  'Buffer',
  'global',
  'globalThis',
  'setInterval',
  'clearInterval',
  'clearImmediate',
  'require',
  'module',
  'exports',
  '__filename',
  '__dirname',
  'WebAssembly',
];

/**
 * Runs user JavaScript (Function, Expression, REST and JSON-filter scripts) with a time limit on
 * the synchronous part of every call. Scripts are compiled in the thread's own realm (so values
 * they exchange with the engine and the adapter are ordinary objects: `instanceof Date` and
 * plain-object checks work both ways) inside a function whose parameters shadow Node's globals
 * (`process`, `Buffer`, `globalThis`...). Per-run things (`Inputs`, `Outputs`, `Noodl`, `console`,
 * timers, `fetch`) are passed as parameters, so runs do not share them.
 *
 * This is a scope and a time limit, not a security boundary: scripts are the project's own code.
 * Isolation against runaway code comes from the worker threads (see the package README).
 *
 * @example
 * ```ts
 * const sandbox = new ScriptSandbox({ timeoutMs: 1000 });
 * const add = sandbox.compile('a + b', ['a', 'b'], { expression: true });
 * sandbox.invoke(add, undefined, [1, 2]); // 3
 * ```
 */
export class ScriptSandbox {
  readonly #invoker: vm.Script;
  readonly #cache = new Map<string, CompiledScript | BackendError>();
  /** The time limit of the synchronous part of one call, in ms. */
  readonly timeoutMs: number;

  constructor(options: { timeoutMs?: number } = {}) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.#invoker = new vm.Script('globalThis[Symbol.for("localbackend.workflows.invoke")]()', {
      filename: 'workflow-invoke',
    });
  }

  /**
   * Compiles `body` as a function of `params` (cached by source). Throws `INVALID_VALUE` with the
   * syntax error's message when it does not compile.
   *
   * @example
   * ```ts
   * const fn = sandbox.compile('Outputs.x = Inputs.a', ['Inputs', 'Outputs'], { async: true });
   * ```
   */
  compile(body: string, params: readonly string[], options: CompileOptions = {}): CompiledScript {
    const key = `${options.async === true ? 'a' : 's'}${options.expression === true ? 'e' : 'b'}|${params.join(',')}|${body}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      if (cached instanceof BackendError) throw cached;
      return cached;
    }
    const inner = options.expression === true ? `return (${body}\n);` : body;
    const hidden = HIDDEN_GLOBALS.filter((name) => !params.includes(name));
    const source = `(function (${hidden.join(', ')}) { return ${options.async === true ? 'async ' : ''}function (${params.join(', ')}) {\n${inner}\n}; })`;
    let result: CompiledScript | BackendError;
    try {
      const script = new vm.Script(source, { filename: options.label ?? 'workflow-script' });
      const outer = script.runInThisContext({ timeout: this.timeoutMs }) as () => CompiledScript;
      result = outer();
      if (!MAY_LOOP.test(body)) terminating.add(result);
    } catch (error) {
      result = new BackendError(
        'INVALID_VALUE',
        `${options.label ?? 'script'}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
        { cause: error },
      );
    }
    if (this.#cache.size >= CACHE_LIMIT) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(key, result);
    if (result instanceof BackendError) throw result;
    return result;
  }

  /**
   * Calls a compiled function; its synchronous part may run at most {@link ScriptSandbox.timeoutMs}.
   * A runaway call throws `TIMEOUT`.
   *
   * @example
   * ```ts
   * sandbox.invoke(fn, thisObject, [inputs, outputs]);
   * ```
   */
  invoke(fn: CompiledScript, thisArg: unknown, args: readonly unknown[]): unknown {
    // A script without loops, function literals or classes cannot run forever: it is called
    // directly (the time limit starts a watchdog thread per call, about 40 µs).
    if (terminating.has(fn)) return fn.apply(thisArg, args as unknown[]);
    const slot = globalThis as unknown as Record<symbol, unknown>;
    const previous = slot[INVOKE];
    slot[INVOKE] = () => fn.apply(thisArg, args as unknown[]);
    try {
      return this.#invoker.runInThisContext({ timeout: this.timeoutMs });
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new BackendError(
          'TIMEOUT',
          `a script ran longer than ${this.timeoutMs} ms without yielding (endless loop?)`,
          { cause: error },
        );
      }
      throw error;
    } finally {
      slot[INVOKE] = previous;
    }
  }
}

const INVOKE = Symbol.for('localbackend.workflows.invoke');
/** Source constructs that can make a script run without end (loops, recursion, generators). */
const MAY_LOOP = /\b(while|for|do|function|class|eval|Function)\b|=>/;
/** Compiled scripts that provably end (no construct of MAY_LOOP). */
const terminating = new WeakSet<CompiledScript>();
