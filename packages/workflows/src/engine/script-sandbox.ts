import vm from 'node:vm';
import { BackendError } from '@localbackend/adapter';

/** Compiled functions kept per sandbox. */
const CACHE_LIMIT = 1_000;

/** A function compiled in the sandbox's context. */
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
 * Runs user JavaScript (Function, Expression, REST and JSON-filter scripts) in one shared `vm`
 * context per thread, with a time limit on the synchronous part of every call. Per-run things
 * (`Inputs`, `Outputs`, `Noodl`, `console`, timers, `fetch`) are passed as parameters, so runs do
 * not share them; the context's own globals are shared by the scripts of one thread.
 *
 * `vm` is a scope and time limit, not a security boundary: scripts are the project's own code.
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
  readonly #context: vm.Context;
  readonly #global: Record<string, unknown>;
  readonly #invoker: vm.Script;
  readonly #cache = new Map<string, CompiledScript | BackendError>();
  /** The time limit of the synchronous part of one call, in ms. */
  readonly timeoutMs: number;

  constructor(options: { timeoutMs?: number } = {}) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.#global = Object.create(null) as Record<string, unknown>;
    this.#context = vm.createContext(this.#global, {
      name: 'localbackend-workflow-sandbox',
      codeGeneration: { strings: true, wasm: false },
    });
    this.#invoker = new vm.Script('__localbackendInvoke()', { filename: 'workflow-invoke' });
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
    const source = `(${options.async === true ? 'async ' : ''}function (${params.join(', ')}) {\n${inner}\n})`;
    let result: CompiledScript | BackendError;
    try {
      const script = new vm.Script(source, { filename: options.label ?? 'workflow-script' });
      result = script.runInContext(this.#context, { timeout: this.timeoutMs }) as CompiledScript;
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
    const previous = this.#global['__localbackendInvoke'];
    this.#global['__localbackendInvoke'] = () => fn.apply(thisArg, args as unknown[]);
    try {
      return this.#invoker.runInContext(this.#context, { timeout: this.timeoutMs });
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
      this.#global['__localbackendInvoke'] = previous;
    }
  }
}
