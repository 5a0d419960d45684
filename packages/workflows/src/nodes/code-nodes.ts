import type {
  NodeBehavior,
  NodeContext,
  NodeDefinition,
  SandboxFunction,
} from '../catalog/node-definition';
import { noodlApi } from '../engine/noodl-api';
import type { RunContext } from '../engine/run-context';
import {
  ANY_PORT,
  SIGNAL_PORT,
  afterPass,
  autoRuns,
  errorMessage,
  savedPortType,
} from './node-helpers';

/**
 * Parameters of Function node scripts, in order.
 *
 * @example
 * ```ts
 * sandbox.compile(script, FUNCTION_PARAMS, { async: true });
 * ```
 */
export const FUNCTION_PARAMS = [
  'Inputs',
  'Outputs',
  'Noodl',
  'Component',
  'console',
  'setTimeout',
  'clearTimeout',
  'setImmediate',
  'fetch',
  'require',
] as const;

const SIGNAL_CALL = /Outputs\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*['"]([^'"]+)['"]\s*\])\s*\(/g;

/**
 * The output names a Function script calls as signals (`Outputs.Done()`).
 *
 * @example
 * ```ts
 * signalOutputsOf('Outputs.Done(); Outputs.value = 1'); // Set { 'Done' }
 * ```
 */
export function signalOutputsOf(script: unknown): Set<string> {
  const names = new Set<string>();
  if (typeof script !== 'string') return names;
  for (const match of script.matchAll(SIGNAL_CALL)) {
    const name = match[1] ?? match[2];
    if (name !== undefined) names.add(name);
  }
  return names;
}

function sandboxArgs(
  node: NodeContext,
  inputs: unknown,
  outputs: unknown,
  component: unknown,
): unknown[] {
  const globals = node.run.sandbox.globals(node.id, node.type);
  return [
    inputs,
    outputs,
    noodlApi(node.run as RunContext),
    component,
    globals['console'],
    globals['setTimeout'],
    globals['clearTimeout'],
    globals['setImmediate'],
    globals['fetch'],
    globals['require'],
  ];
}

/**
 * Creates the `Outputs` object of a script: assigning sends on `out-<name>` only when the value
 * changed (`!==`); signal outputs are functions that pulse.
 *
 * @example
 * ```ts
 * const outputs = scriptOutputs(node, () => signals);
 * ```
 */
export function scriptOutputs(
  node: NodeContext,
  isSignal: (name: string) => boolean,
): Record<string, unknown> {
  const values = new Map<string, unknown>();
  const pulses = new Map<string, unknown>();
  return new Proxy(Object.create(null) as Record<string, unknown>, {
    get(_t, prop) {
      if (typeof prop !== 'string') return undefined;
      if (isSignal(prop)) {
        let pulse = pulses.get(prop);
        if (pulse === undefined) {
          const fire = () => node.sendSignal(`out-${prop}`);
          pulse = Object.assign(fire, { send: fire });
          pulses.set(prop, pulse);
        }
        return pulse;
      }
      return values.get(prop);
    },
    set(_t, prop, value: unknown) {
      if (typeof prop !== 'string') return true;
      if (isSignal(prop)) {
        node.log(
          'warn',
          `Outputs.${prop} is a signal; call Outputs.${prop}() instead of assigning it`,
        );
        return true;
      }
      if (values.has(prop) && values.get(prop) === value) return true;
      values.set(prop, value);
      node.sendValue(`out-${prop}`, value);
      return true;
    },
    has: (_t, prop) => typeof prop === 'string' && values.has(prop),
    ownKeys: () => [...values.keys()],
    getOwnPropertyDescriptor: (_t, prop) =>
      typeof prop === 'string' && values.has(prop)
        ? { value: values.get(prop), writable: true, enumerable: true, configurable: true }
        : undefined,
  });
}

/**
 * `JavaScriptFunction` (Function): runs its script as the body of
 * `async function (Inputs, Outputs, Noodl, Component)`. Without `run` connected it runs whenever
 * the script or an input changes (so at start-up); with it, only on `run`.
 *
 * @example
 * ```ts
 * catalog.get('JavaScriptFunction') === functionNode; // true
 * ```
 */
export const functionNode: NodeDefinition = {
  type: 'JavaScriptFunction',
  version: 1,
  displayName: 'Function',
  category: 'Custom Code',
  description:
    'Runs JavaScript with Inputs, Outputs and the Noodl API (Records, Objects, Variables, Users). Assigning Outputs.x sends out-x when it changed; Outputs.Done() pulses a signal.',
  inputs: {
    functionScript: { type: 'string', displayName: 'Script' },
    run: { type: 'signal', displayName: 'Run' },
    scriptInputs: { type: 'array', displayName: 'Inputs', editorOnly: true },
    scriptOutputs: { type: 'array', displayName: 'Outputs', editorOnly: true },
  },
  outputs: {},
  dynamicPorts: [
    { pattern: 'in-<name>', plug: 'input', type: '*', description: 'Script input Inputs.<name>' },
    {
      pattern: 'intype-<name>',
      plug: 'input',
      type: 'string',
      description: 'Editor type of an input (ignored)',
    },
    {
      pattern: 'outtype-<name>',
      plug: 'input',
      type: 'string',
      description: 'Editor type of an output (ignored)',
    },
    {
      pattern: 'out-<name>',
      plug: 'output',
      type: '*',
      description: 'Script output Outputs.<name> (a signal when marked so or called)',
    },
  ],
  create(node): NodeBehavior {
    const inputs: Record<string, unknown> = {};
    const self: Record<string, unknown> = {};
    const component = {};
    let fn: SandboxFunction | undefined;
    let signals = signalOutputsOf(node.parameters['functionScript']);
    for (const port of node.savedPorts) {
      if (port.plug !== 'input' && port.type === 'signal' && port.name.startsWith('out-'))
        signals.add(port.name.slice(4));
    }
    const isSignal = (name: string) =>
      signals.has(name) || savedPortType(node, `out-${name}`) === 'signal';
    const outputs = scriptOutputs(node, isSignal);
    const execute = afterPass(node, () => {
      if (fn === undefined || node.run.ended) return;
      let result: unknown;
      try {
        result = fn.call(self, sandboxArgs(node, inputs, outputs, component));
      } catch (error) {
        node.log('error', `Error in JS node run code. ${errorMessage(error)}`);
        return;
      }
      if (
        result !== null &&
        typeof result === 'object' &&
        typeof (result as Promise<unknown>).then === 'function'
      ) {
        node.run.track(Promise.resolve(result)).catch((error: unknown) => {
          node.log('error', `Error in JS node run code. ${errorMessage(error)}`);
        });
      }
    });
    return {
      acceptInput(name) {
        if (name.startsWith('in-')) return ANY_PORT;
        if (name.startsWith('intype-') || name.startsWith('outtype-')) return { type: 'string' };
        return undefined;
      },
      acceptOutput(name) {
        if (!name.startsWith('out-')) return undefined;
        return isSignal(name.slice(4)) ? SIGNAL_PORT : ANY_PORT;
      },
      setInput(name, value) {
        if (name === 'functionScript') {
          const script = typeof value === 'string' ? value : '';
          signals = new Set([...signals, ...signalOutputsOf(script)]);
          try {
            fn = node.run.sandbox.compile(script, FUNCTION_PARAMS, `Function ${node.id}`, {
              async: true,
            });
          } catch (error) {
            fn = undefined;
            node.log(
              'error',
              `the script does not compile, so the node never runs: ${errorMessage(error)}`,
            );
            return;
          }
          if (autoRuns(node, 'run')) execute();
        } else if (name.startsWith('in-')) {
          inputs[name.slice(3)] = value;
          if (autoRuns(node, 'run')) execute();
        }
      },
      signal(name) {
        if (name === 'run') execute();
      },
      getOutput: (name) =>
        name.startsWith('out-') && !isSignal(name.slice(4)) ? outputs[name.slice(4)] : undefined,
    };
  },
};

/**
 * Names the Expression node never treats as inputs (helpers, keywords and JS globals).
 *
 * @example
 * ```ts
 * EXPRESSION_RESERVED.has('Math'); // true: never an input
 * ```
 */
export const EXPRESSION_RESERVED = new Set([
  'min',
  'max',
  'cos',
  'sin',
  'tan',
  'sqrt',
  'pi',
  'round',
  'floor',
  'ceil',
  'abs',
  'random',
  'Math',
  'window',
  'document',
  'undefined',
  'Vars',
  'true',
  'false',
  'null',
  'Boolean',
  // JS keywords and globals (Noodl treated these as inputs, which broke such expressions).
  'typeof',
  'instanceof',
  'new',
  'in',
  'of',
  'void',
  'delete',
  'this',
  'return',
  'function',
  'var',
  'let',
  'const',
  'if',
  'else',
  'for',
  'while',
  'do',
  'switch',
  'case',
  'break',
  'continue',
  'throw',
  'try',
  'catch',
  'finally',
  'class',
  'extends',
  'super',
  'yield',
  'await',
  'async',
  'NaN',
  'Infinity',
  'globalThis',
  'Date',
  'JSON',
  'Number',
  'String',
  'Object',
  'Array',
  'RegExp',
  'Symbol',
  'Map',
  'Set',
  'Promise',
  'Error',
  'parseInt',
  'parseFloat',
  'isNaN',
  'isFinite',
  'encodeURIComponent',
  'decodeURIComponent',
  'encodeURI',
  'decodeURI',
  'BigInt',
  'Intl',
]);

const MATH_HELPERS: readonly [string, unknown][] = [
  ['min', Math.min],
  ['max', Math.max],
  ['cos', Math.cos],
  ['sin', Math.sin],
  ['tan', Math.tan],
  ['sqrt', Math.sqrt],
  ['pi', Math.PI],
  ['round', Math.round],
  ['floor', Math.floor],
  ['ceil', Math.ceil],
  ['abs', Math.abs],
  ['random', Math.random],
];

/**
 * The free identifiers of an expression (its inputs): every identifier outside string literals,
 * the part before the first `.`, without helpers, keywords and JS globals, and not after a `.`.
 *
 * @example
 * ```ts
 * expressionVariables('"Hello " + Name + params.x'); // ['Name', 'params']
 * ```
 */
export function expressionVariables(expression: string): string[] {
  const found: string[] = [];
  const n = expression.length;
  let i = 0;
  let previous = '';
  const skipString = (quote: string): void => {
    i++;
    while (i < n && expression[i] !== quote) {
      if (expression[i] === '\\') i++;
      i++;
    }
    i++;
  };
  while (i < n) {
    const c = expression[i]!;
    if (c === '"' || c === "'") {
      skipString(c);
      previous = 'x';
      continue;
    }
    if (c === '`') {
      // Template literal: only ${...} parts hold identifiers.
      i++;
      let literal = '';
      while (i < n && expression[i] !== '`') {
        if (expression[i] === '\\') {
          i += 2;
          continue;
        }
        if (expression[i] === '$' && expression[i + 1] === '{') {
          let depth = 1;
          let j = i + 2;
          while (j < n && depth > 0) {
            if (expression[j] === '{') depth++;
            else if (expression[j] === '}') depth--;
            j++;
          }
          literal += ` ${expression.slice(i + 2, j - 1)} `;
          i = j;
          continue;
        }
        i++;
      }
      i++;
      for (const name of expressionVariables(literal)) if (!found.includes(name)) found.push(name);
      previous = 'x';
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < n && /[0-9A-Za-z_.]/.test(expression[i]!)) i++;
      previous = '0';
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i;
      while (j < n && /[A-Za-z0-9_$]/.test(expression[j]!)) j++;
      const name = expression.slice(i, j);
      const afterDot = previous === '.';
      // Skip the rest of a member chain (a.b.c).
      while (j < n && expression[j] === '.' && j + 1 < n && /[A-Za-z_$]/.test(expression[j + 1]!)) {
        j++;
        while (j < n && /[A-Za-z0-9_$]/.test(expression[j]!)) j++;
      }
      // An object-literal key (`{ a: 1 }`) is not a variable.
      let k = j;
      while (k < n && expression[k] === ' ') k++;
      const isKey =
        expression[k] === ':' &&
        expression[k + 1] !== ':' &&
        /[{,]\s*$/.test(expression.slice(0, i));
      if (!afterDot && !isKey && !EXPRESSION_RESERVED.has(name) && !found.includes(name))
        found.push(name);
      i = j;
      previous = 'a';
      continue;
    }
    if (c === '.' && expression.slice(i, i + 3) === '...') {
      i += 3;
      previous = ' ';
      continue;
    }
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') previous = c;
    i++;
  }
  return found;
}

/**
 * `Expression`: evaluates a JavaScript expression of its inputs (one input per free identifier,
 * each starting at 0). Outputs `result`, `isTrue`, `isFalse` (re-sent on change) and pulses
 * `isTrueEv` or `isFalseEv` on every evaluation.
 *
 * @example
 * ```ts
 * catalog.get('Expression') === expressionNode; // true
 * ```
 */
export const expressionNode: NodeDefinition = {
  type: 'Expression',
  version: 1,
  displayName: 'Expression',
  category: 'Custom Code',
  description:
    'Evaluates a JavaScript expression; every free identifier becomes an input (starting at 0).',
  inputs: {
    expression: { type: 'string', displayName: 'Expression', inputPriority: 1 },
    run: { type: 'signal', displayName: 'Run' },
  },
  outputs: {
    result: { type: '*', displayName: 'Result' },
    isTrue: { type: 'boolean', displayName: 'Is True' },
    isFalse: { type: 'boolean', displayName: 'Is False' },
    isTrueEv: { type: 'signal', displayName: 'On True' },
    isFalseEv: { type: 'signal', displayName: 'On False' },
  },
  dynamicPorts: [
    {
      pattern: '<identifier>',
      plug: 'input',
      type: '*',
      description: 'One input per free identifier of the expression',
    },
  ],
  create(node): NodeBehavior {
    let variables: string[] = [];
    const values = new Map<string, unknown>();
    let fn: SandboxFunction | undefined;
    let result: unknown = 0;
    let hasExpression = false;
    const truthy = () => Boolean(result);
    const evaluate = afterPass(node, () => {
      let value: unknown = 0;
      if (fn !== undefined) {
        try {
          value = fn.call(undefined, [
            ...MATH_HELPERS.map(([, v]) => v),
            ...variables.map((v) => (values.has(v) ? values.get(v) : 0)),
          ]);
        } catch (error) {
          node.log('warn', `Expression evaluation failed: ${errorMessage(error)}`);
          value = 0;
        }
      }
      const wasTrue = truthy();
      const changed = value !== result && !(Number.isNaN(value) && Number.isNaN(result));
      result = value;
      if (changed) {
        node.flagOutputDirty('result');
        if (truthy() !== wasTrue) {
          node.flagOutputDirty('isTrue');
          node.flagOutputDirty('isFalse');
        }
      }
      node.sendSignal(truthy() ? 'isTrueEv' : 'isFalseEv');
    });
    return {
      acceptInput(name) {
        if (name === 'expression' || name === 'run') return undefined;
        return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) && !EXPRESSION_RESERVED.has(name)
          ? ANY_PORT
          : undefined;
      },
      setInput(name, value) {
        if (name === 'expression') {
          const text = typeof value === 'string' ? value : String(value ?? '');
          hasExpression = text.trim() !== '';
          variables = hasExpression ? expressionVariables(text) : [];
          for (const variable of variables) node.registerInput(variable, ANY_PORT);
          try {
            fn = hasExpression
              ? node.run.sandbox.compile(
                  text,
                  [...MATH_HELPERS.map(([k]) => k), ...variables],
                  `Expression ${node.id}`,
                  { expression: true },
                )
              : undefined;
          } catch (error) {
            fn = undefined;
            node.log('error', `the expression does not compile: ${errorMessage(error)}`);
          }
          if (autoRuns(node, 'run')) evaluate();
          return;
        }
        values.set(name, value);
        if (autoRuns(node, 'run')) evaluate();
      },
      signal(name) {
        if (name === 'run') evaluate();
      },
      getOutput(name) {
        if (name === 'result') return result;
        if (name === 'isTrue') return truthy();
        if (name === 'isFalse') return !truthy();
        return undefined;
      },
    };
  },
};
