import { fastId } from '../engine/fast-id';
import type { NodeBehavior, NodeContext, NodeDefinition } from '../catalog/node-definition';
import { ANY_PORT, afterPass, autoRuns } from './node-helpers';

/**
 * `Condition`: after each pass re-sends `result`/`isfalse` and pulses `ontrue` or `onfalse`.
 * Without `eval` connected every arrival of `condition` evaluates.
 *
 * @example
 * ```ts
 * catalog.get('Condition') === conditionNode; // true
 * ```
 */
export const conditionNode: NodeDefinition = {
  type: 'Condition',
  version: 1,
  displayName: 'Condition',
  category: 'Logic',
  description: 'Pulses On True or On False depending on the condition.',
  inputs: {
    condition: { type: 'boolean', displayName: 'Condition' },
    eval: { type: 'signal', displayName: 'Evaluate' },
  },
  outputs: {
    ontrue: { type: 'signal', displayName: 'On True' },
    onfalse: { type: 'signal', displayName: 'On False' },
    result: { type: 'boolean', displayName: 'Is True' },
    isfalse: { type: 'boolean', displayName: 'Is False' },
  },
  create(node): NodeBehavior {
    let condition: unknown;
    let evaluated = false;
    const evaluate = afterPass(node, () => {
      evaluated = true;
      node.flagOutputDirty('result');
      node.flagOutputDirty('isfalse');
      node.sendSignal(condition ? 'ontrue' : 'onfalse');
    });
    return {
      setInput(name, value) {
        if (name !== 'condition') return;
        condition = value;
        if (autoRuns(node, 'eval')) evaluate();
      },
      signal(name) {
        if (name === 'eval') evaluate();
      },
      getOutput(name) {
        if (!evaluated) return undefined;
        if (name === 'result') return Boolean(condition);
        if (name === 'isfalse') return !condition;
        return undefined;
      },
    };
  },
};

function numberedInputs(
  node: NodeContext,
  combine: (values: unknown[], setCount: number) => boolean,
  changeOnly: boolean,
): NodeBehavior {
  const values = new Map<number, unknown>();
  let result: boolean | undefined;
  const evaluate = afterPass(node, () => {
    const next = combine([...values.values()], values.size);
    if (changeOnly && next === result) return;
    result = next;
    node.flagOutputDirty('result');
  });
  return {
    acceptInput: (name) => (/^input \d+$/.test(name) ? { type: 'boolean' } : undefined),
    setInput(name, value) {
      const match = /^input (\d+)$/.exec(name);
      if (match === null) return;
      values.set(Number(match[1]), value);
      evaluate();
    },
    getOutput: (name) => (name === 'result' ? result : undefined),
  };
}

/**
 * `And`: true iff at least one input was set and none is falsy; sent when the result changes.
 *
 * @example
 * ```ts
 * catalog.get('And') === andNode; // true
 * ```
 */
export const andNode: NodeDefinition = {
  type: 'And',
  version: 1,
  displayName: 'And',
  category: 'Logic',
  description: 'True when every input is truthy.',
  outputs: { result: { type: 'boolean', displayName: 'Result' } },
  dynamicPorts: [
    {
      pattern: 'input <n>',
      plug: 'input',
      type: 'boolean',
      description: 'Numbered inputs input 0, input 1, …',
    },
  ],
  create: (node) =>
    numberedInputs(node, (values, count) => count > 0 && values.every(Boolean), true),
};

/**
 * `Or`: true when any input is truthy; sent whenever an input changes.
 *
 * @example
 * ```ts
 * catalog.get('Or') === orNode; // true
 * ```
 */
export const orNode: NodeDefinition = {
  type: 'Or',
  version: 1,
  displayName: 'Or',
  category: 'Logic',
  description: 'True when any input is truthy.',
  outputs: { result: { type: 'boolean', displayName: 'Result' } },
  dynamicPorts: [
    {
      pattern: 'input <n>',
      plug: 'input',
      type: 'boolean',
      description: 'Numbered inputs input 0, input 1, …',
    },
  ],
  create: (node) => numberedInputs(node, (values) => values.some(Boolean), false),
};

/**
 * `Inverter`: `result = !value`, sent on every input (undefined stays undefined).
 *
 * @example
 * ```ts
 * catalog.get('Inverter') === inverterNode; // true
 * ```
 */
export const inverterNode: NodeDefinition = {
  type: 'Inverter',
  version: 1,
  displayName: 'Inverter',
  category: 'Logic',
  description: 'Outputs the logical opposite of its input.',
  inputs: { value: { type: 'boolean', displayName: 'Value' } },
  outputs: { result: { type: 'boolean', displayName: 'Result' } },
  create(node): NodeBehavior {
    let value: unknown;
    return {
      setInput(name, v) {
        if (name !== 'value') return;
        value = v;
        node.flagOutputDirty('result');
      },
      getOutput: (name) => (name === 'result' && value !== undefined ? !value : undefined),
    };
  },
};

function valueNode(
  type: 'String' | 'Number' | 'Boolean',
  cast: (v: unknown) => unknown,
  initial: unknown,
): NodeDefinition {
  const outputs: NodeDefinition['outputs'] = {
    savedValue: {
      type: type === 'String' ? 'string' : type === 'Number' ? 'number' : 'boolean',
      displayName: 'Value',
    },
    changed: { type: 'signal', displayName: 'Changed' },
    stored: { type: 'signal', displayName: 'Stored' },
    ...(type === 'String' ? { length: { type: 'number' as const, displayName: 'Length' } } : {}),
  };
  return {
    type,
    version: 1,
    displayName: type,
    category: 'Data',
    description: `Holds a ${type.toLowerCase()} value. With Set connected, the value is applied on Set.`,
    inputs: {
      value: {
        type: type === 'String' ? 'string' : type === 'Number' ? 'number' : 'boolean',
        displayName: 'Value',
      },
      saveValue: { type: 'signal', displayName: 'Set' },
    },
    outputs,
    create(node): NodeBehavior {
      let current = initial;
      let pending: unknown;
      let hasPending = false;
      const apply = (value: unknown) => {
        if (value === current) return;
        current = value;
        node.flagOutputDirty('savedValue');
        if (type === 'String') node.flagOutputDirty('length');
        node.sendSignal('changed');
      };
      return {
        setInput(name, value) {
          if (name !== 'value') return;
          const cast_ = cast(value);
          if (node.isInputConnected('saveValue')) {
            pending = cast_;
            hasPending = true;
          } else {
            apply(cast_);
          }
        },
        signal(name) {
          if (name !== 'saveValue') return;
          if (hasPending) apply(pending);
          node.sendSignal('stored');
        },
        getOutput(name) {
          if (name === 'savedValue') return current;
          if (name === 'length' && type === 'String') return String(current).length;
          return undefined;
        },
      };
    },
  };
}

/**
 * `String`: holds a string (`String(value)`); initial `''`.
 *
 * @example
 * ```ts
 * catalog.get('String') === stringNode; // true
 * ```
 */
export const stringNode = valueNode(
  'String',
  (v) => (v === undefined || v === null ? '' : String(v)),
  '',
);
/**
 * `Number`: holds a number (`Number(value)`); initial `0`.
 *
 * @example
 * ```ts
 * catalog.get('Number') === numberNode; // true
 * ```
 */
export const numberNode = valueNode('Number', (v) => Number(v), 0);
/**
 * `Boolean`: holds a boolean (`Boolean(value)`, so `"false"` is true, as in Noodl); initial `false`.
 *
 * @example
 * ```ts
 * catalog.get('Boolean') === booleanNode; // true
 * ```
 */
export const booleanNode = valueNode('Boolean', (v) => Boolean(v), false);

/**
 * `String Format`: replaces every `{name}` of `format` with the input of that name (`''` when
 * unset). Values are inserted literally (`$&` is not expanded).
 *
 * @example
 * ```ts
 * catalog.get('String Format') === stringFormatNode; // true
 * ```
 */
export const stringFormatNode: NodeDefinition = {
  type: 'String Format',
  version: 1,
  displayName: 'String Format',
  category: 'Strings',
  description:
    'Builds a string from a format with {name} placeholders; each placeholder is an input.',
  inputs: { format: { type: 'string', displayName: 'Format' } },
  outputs: { formatted: { type: 'string', displayName: 'Formatted' } },
  dynamicPorts: [
    {
      pattern: '<name>',
      plug: 'input',
      type: 'string',
      description: 'One input per {name} placeholder',
    },
  ],
  create(node): NodeBehavior {
    let format = '';
    let formatted: string | undefined;
    const values = new Map<string, unknown>();
    const update = afterPass(node, () => {
      formatted = format.replace(/\{([A-Za-z0-9_]*)\}/g, (_match, key: string) => {
        const value = values.get(key);
        return value === undefined || value === null ? '' : String(value);
      });
      node.flagOutputDirty('formatted');
    });
    return {
      acceptInput: (name) => (name === 'format' ? undefined : { type: 'string' }),
      setInput(name, value) {
        if (name === 'format') format = typeof value === 'string' ? value : String(value ?? '');
        else values.set(name, value);
        update();
      },
      getOutput: (name) => (name === 'formatted' ? formatted : undefined),
    };
  },
};

/**
 * `Substring`: `string.substr(start, end - start)`; `end` never set means "to the end".
 *
 * @example
 * ```ts
 * catalog.get('Substring') === substringNode; // true
 * ```
 */
export const substringNode: NodeDefinition = {
  type: 'Substring',
  version: 1,
  displayName: 'Substring',
  category: 'Strings',
  description: 'Part of a string from start to end (end unset: to the end).',
  inputs: {
    string: { type: 'string', displayName: 'String' },
    start: { type: 'number', displayName: 'Start', default: 0 },
    end: { type: 'number', displayName: 'End' },
  },
  outputs: { result: { type: 'string', displayName: 'Result' } },
  create(node): NodeBehavior {
    let text = '';
    let start = 0;
    let end: number | undefined;
    let result: string | undefined;
    const update = afterPass(node, () => {
      const from = Number.isFinite(start) ? start : 0;
      result = end === undefined ? text.substring(from) : text.substr(from, end - from);
      node.flagOutputDirty('result');
    });
    return {
      setInput(name, value) {
        if (name === 'string') text = value === undefined || value === null ? '' : String(value);
        else if (name === 'start') start = Number(value);
        else if (name === 'end') end = Number(value);
        else return;
        update();
      },
      getOutput: (name) => (name === 'result' ? result : undefined),
    };
  },
};

/**
 * `Counter`: counts `increase`/`decrease` pulses within optional limits; `reset` returns to the
 * start value.
 *
 * @example
 * ```ts
 * catalog.get('Counter') === counterNode; // true
 * ```
 */
export const counterNode: NodeDefinition = {
  type: 'Counter',
  version: 1,
  displayName: 'Counter',
  category: 'Logic',
  description: 'Counts up and down on signals, optionally within limits.',
  inputs: {
    increase: { type: 'signal', displayName: 'Increase Count' },
    decrease: { type: 'signal', displayName: 'Decrease Count' },
    reset: { type: 'signal', displayName: 'Reset To Start' },
    startValue: { type: 'number', displayName: 'Start Value', default: 0 },
    limitsEnabled: { type: 'boolean', displayName: 'Min and Max Limits', default: false },
    limitsMin: { type: 'number', displayName: 'Min Value', default: 0 },
    limitsMax: { type: 'number', displayName: 'Max Value', default: 0 },
  },
  outputs: {
    currentCount: { type: 'number', displayName: 'Current Count' },
    countChanged: { type: 'signal', displayName: 'Count Changed' },
  },
  create(node): NodeBehavior {
    let count = 0;
    let startValue = 0;
    let startSet = false;
    let limits = false;
    let min = 0;
    let max = 0;
    const set = (next: number) => {
      if (next === count) return;
      count = next;
      node.flagOutputDirty('currentCount');
      node.sendSignal('countChanged');
    };
    return {
      setInput(name, value) {
        if (name === 'startValue') {
          startValue = Number(value) || 0;
          if (!startSet) {
            startSet = true;
            set(startValue);
          }
        } else if (name === 'limitsEnabled') limits = Boolean(value);
        else if (name === 'limitsMin') min = Number(value) || 0;
        else if (name === 'limitsMax') max = Number(value) || 0;
      },
      signal(name) {
        if (name === 'increase') {
          if (!limits || count + 1 <= max) set(count + 1);
        } else if (name === 'decrease') {
          if (!limits || count - 1 >= min) set(count - 1);
        } else if (name === 'reset') set(startValue);
      },
      getOutput: (name) => (name === 'currentCount' ? count : undefined),
    };
  },
};

/**
 * `Unique Id`: a 10-character id generated at creation and on `new`.
 *
 * @example
 * ```ts
 * catalog.get('Unique Id') === uniqueIdNode; // true
 * ```
 */
export const uniqueIdNode: NodeDefinition = {
  type: 'Unique Id',
  version: 1,
  displayName: 'Unique Id',
  category: 'Utilities',
  description: 'Generates a unique id; a new one on New.',
  inputs: { new: { type: 'signal', displayName: 'New' } },
  outputs: { guid: { type: 'string', displayName: 'Id' } },
  create(node): NodeBehavior {
    let guid = fastId();
    return {
      signal(name) {
        if (name !== 'new') return;
        guid = fastId();
        node.flagOutputDirty('guid');
      },
      getOutput: (name) => (name === 'guid' ? guid : undefined),
    };
  },
};

/**
 * `Boolean To String`: `trueString` or `falseString` by the input.
 *
 * @example
 * ```ts
 * catalog.get('Boolean To String') === booleanToStringNode; // true
 * ```
 */
export const booleanToStringNode: NodeDefinition = {
  type: 'Boolean To String',
  version: 1,
  displayName: 'Boolean To String',
  category: 'Strings',
  description: 'Outputs one of two strings depending on a boolean.',
  inputs: {
    trueString: { type: 'string', displayName: 'String for true' },
    falseString: { type: 'string', displayName: 'String for false' },
    input: { type: 'boolean', displayName: 'Selector' },
  },
  outputs: { currentValue: { type: 'string', displayName: 'Current Value' } },
  create(node): NodeBehavior {
    let trueString = '';
    let falseString = '';
    let input = false;
    let current: string | undefined;
    const update = afterPass(node, () => {
      const next = input ? trueString : falseString;
      if (next === current) return;
      current = next;
      node.flagOutputDirty('currentValue');
    });
    return {
      setInput(name, value) {
        if (name === 'trueString') trueString = String(value ?? '');
        else if (name === 'falseString') falseString = String(value ?? '');
        else if (name === 'input') input = Boolean(value);
        else return;
        update();
      },
      getOutput: (name) => (name === 'currentValue' ? current : undefined),
    };
  },
};

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Formats a date with `{year} {month} {monthShort} {monthNumber} {date} {weekday}
 * {weekdayShort} {hours} {minutes} {seconds}` placeholders, in UTC.
 *
 * @example
 * ```ts
 * formatDate(new Date('2026-03-04T05:06:07Z'), '{year}-{monthNumber}-{date}'); // '2026-03-04'
 * ```
 */
export function formatDate(date: Date, format: string): string {
  const parts: Record<string, string> = {
    year: String(date.getUTCFullYear()),
    month: MONTHS[date.getUTCMonth()]!,
    monthShort: MONTHS[date.getUTCMonth()]!.slice(0, 3),
    monthNumber: pad(date.getUTCMonth() + 1),
    date: pad(date.getUTCDate()),
    weekday: WEEKDAYS[date.getUTCDay()]!,
    weekdayShort: WEEKDAYS[date.getUTCDay()]!.slice(0, 3),
    hours: pad(date.getUTCHours()),
    minutes: pad(date.getUTCMinutes()),
    seconds: pad(date.getUTCSeconds()),
  };
  return format.replace(/\{([A-Za-z]+)\}/g, (match, key: string) => parts[key] ?? match);
}

/**
 * `Date To String`: formats the input date with a format string (UTC).
 *
 * @example
 * ```ts
 * catalog.get('Date To String') === dateToStringNode; // true
 * ```
 */
export const dateToStringNode: NodeDefinition = {
  type: 'Date To String',
  version: 1,
  displayName: 'Date To String',
  category: 'Strings',
  description:
    'Formats a date: {year} {month} {monthShort} {monthNumber} {date} {weekday} {hours} {minutes} {seconds} (UTC).',
  inputs: {
    formatString: { type: 'string', displayName: 'Format', default: '{date} {month} {year}' },
    input: { type: 'date', displayName: 'Date' },
  },
  outputs: { currentValue: { type: 'string', displayName: 'Date String' } },
  create(node): NodeBehavior {
    let format = '{date} {month} {year}';
    let date: Date | undefined;
    let current: string | undefined;
    const update = afterPass(node, () => {
      if (date === undefined || Number.isNaN(date.getTime())) return;
      current = formatDate(date, format);
      node.flagOutputDirty('currentValue');
    });
    return {
      setInput(name, value) {
        if (name === 'formatString' || name === 'format') format = String(value ?? '');
        else if (name === 'input' || name === 'date')
          date = value instanceof Date ? value : new Date(value as string);
        else return;
        update();
      },
      acceptInput: (name) => (name === 'format' || name === 'date' ? ANY_PORT : undefined),
      getOutput: (name) => (name === 'currentValue' ? current : undefined),
    };
  },
};
