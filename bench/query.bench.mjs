// Cost of parse + compile for a 3-condition filter: cold (no cache), cached (same shape, new
// values), and the same SQL string built by hand in the same run.
// Run: pnpm --filter @localbackend/query build && node bench/run.mjs query
import { prepareQuery } from '../packages/query/dist/index.js';

const schema = {
  name: 'Todo',
  columns: [
    { name: 'title', type: 'String' },
    { name: 'done', type: 'Boolean' },
    { name: 'priority', type: 'Number' },
  ],
};
const options = { dialect: 'sqlite', table: 'Todo', schema };
const cold = { ...options, cache: false };

// 1024 filters of the same shape with different values.
const inputs = Array.from({ length: 1024 }, (_, i) => ({
  where: { done: i % 2 === 0, priority: { $gte: i % 7 }, title: `task ${i}` },
}));

const OPS = { $eq: '=', $ne: '<>', $lt: '<', $lte: '<=', $gt: '>', $gte: '>=' };
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const quote = (name) => {
  if (!NAME.test(name)) throw new Error(`bad name ${name}`);
  return `"${name}"`;
};
const bind = (v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v);
/**
 * The baseline: what a minimal hand-written builder does for the same filter (like the original
 * design's QueryBuilder): walk the keys, validate and quote names, map operators, collect
 * parameters, join. No types, no null handling, no other formats.
 */
function handBuilt(input) {
  const t = quote('Todo');
  const parts = [];
  const parameters = [];
  for (const key of Object.keys(input.where)) {
    const value = input.where[key];
    const column = `${t}.${quote(key)}`;
    if (typeof value === 'object' && value !== null) {
      for (const op of Object.keys(value)) {
        parts.push(`${column} ${OPS[op]} ?`);
        parameters.push(bind(value[op]));
      }
    } else {
      parts.push(`${column} = ?`);
      parameters.push(bind(value));
    }
  }
  return { sql: `SELECT * FROM ${t} WHERE (${parts.join(' AND ')})`, parameters };
}

for (const input of inputs.slice(0, 4)) {
  const ours = prepareQuery(input, options);
  const hand = handBuilt(input);
  if (
    ours.sql !== hand.sql ||
    JSON.stringify(ours.parameters) !== JSON.stringify(hand.parameters)
  ) {
    throw new Error(
      `baseline differs:\n${ours.sql} ${JSON.stringify(ours.parameters)}\n${hand.sql} ${JSON.stringify(hand.parameters)}`,
    );
  }
}

let sink = 0;
function measure(fn, opsPerBatch, batches) {
  for (let i = 0; i < opsPerBatch; i++) sink += fn(inputs[i & 1023]).sql.length; // warm-up
  const perOp = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < opsPerBatch; i++) sink += fn(inputs[i & 1023]).sql.length;
    perOp.push(Number(process.hrtime.bigint() - start) / opsPerBatch);
  }
  perOp.sort((a, b) => a - b);
  return perOp[Math.floor(perOp.length / 2)];
}

/** Not a baseline: one filter's SQL as a constant template, which V8 folds away. Shown for honesty. */
function constantTemplate(input) {
  const w = input.where;
  return {
    sql: 'SELECT * FROM "Todo" WHERE ("Todo"."done" = ? AND "Todo"."priority" >= ? AND "Todo"."title" = ?)',
    parameters: [w.done ? 1 : 0, w.priority.$gte, w.title],
  };
}

const hand = measure(handBuilt, 50_000, 31);
const constant = measure(constantTemplate, 50_000, 31);
const cached = measure((input) => prepareQuery(input, options), 50_000, 31);
const uncached = measure((input) => prepareQuery(input, cold), 5_000, 31);

const ns = (x) => `${x.toFixed(0)} ns`;
console.log(
  'query: parse + compile of a 3-condition filter (SQLite dialect, with schema), median per call',
);
console.log(`  hand-built SQL string (baseline): ${ns(hand)}`);
console.log(
  `  prepareQuery cached (same shape, new values): ${ns(cached)}  -> ${(cached / hand).toFixed(2)}x hand-built (target <= 3x)`,
);
console.log(
  `  prepareQuery cold (cache: false): ${(uncached / 1000).toFixed(2)} us  -> ${(uncached / hand).toFixed(1)}x hand-built (target <= 20 us)`,
);
console.log(
  `  (for reference: a constant SQL string for this one filter, no building at all: ${ns(constant)}; cached is ${(cached / constant).toFixed(0)}x that)`,
);
if (sink === 0) console.log('');
