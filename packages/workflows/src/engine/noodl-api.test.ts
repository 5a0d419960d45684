import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSQLAdapter } from '@localbackend/sqlite';
import type { WorkflowRuntime } from '../runtime/workflow-runtime';
import { callGraph, inlineRuntime, memoryAdapter } from '../../test/support/harness';

let adapter: LocalSQLAdapter;
let runtime: WorkflowRuntime;

beforeAll(async () => {
  adapter = await memoryAdapter();
  runtime = inlineRuntime({ adapter });
  for (const [title, points, done] of [
    ['a', 1, false],
    ['b', 5, true],
    ['c', 9, false],
  ] as const) {
    await adapter.create({
      collection: 'Task',
      data: { title, points, done, due: new Date(Date.UTC(2026, 0, points)) },
    });
  }
});
afterAll(async () => {
  await runtime.close();
  await adapter.disconnect();
});

/** Runs a Function script and answers `{ value: <Outputs.value> }` on Done (or the error). */
async function script(code: string): Promise<unknown> {
  const { json } = await callGraph(
    runtime,
    [
      {
        id: 'f',
        type: 'JavaScriptFunction',
        parameters: {
          functionScript: `try { ${code} } catch (e) { Outputs.value = "ERR " + (e && e.message || e); } Outputs.Done();`,
        },
        ports: [{ name: 'out-Done', plug: 'output', type: 'signal' }],
      },
    ],
    [
      ['req', 'receive', 'f', 'run'],
      ['f', 'out-value', 'res', 'pm-value'],
      ['f', 'out-Done', 'res', 'send'],
    ],
  );
  return json.result?.['value'];
}

describe('Noodl.Records', () => {
  it('query: Records filter, sort, limit, and { results, count } with count: true', async () => {
    expect(
      await script(
        'const r = await Noodl.Records.query("Task", { done: { equalTo: false } }, { sort: "-points" }); Outputs.value = r.map((t) => t.title);',
      ),
    ).toEqual(['c', 'a']);
    expect(
      await script(
        'const r = await Noodl.Records.query("Task", {}, { limit: 1, count: true, sort: ["title"] }); Outputs.value = [r.count, r.results.map((t) => t.title)];',
      ),
    ).toEqual([3, ['a']]);
    expect(
      await script(
        'const r = await Noodl.Records.query("Task", { and: [{ points: { greaterThan: 1 } }, { points: { lessThan: 9 } }] }); Outputs.value = r.map((t) => t.title);',
      ),
    ).toEqual(['b']);
  });

  it('query treats equalTo: undefined as no constraint, and rejects a filter with two keys', async () => {
    expect(
      await script(
        'const r = await Noodl.Records.query("Task", { title: { equalTo: undefined } }); Outputs.value = r.length;',
      ),
    ).toBe(3);
    expect(
      await script('await Noodl.Records.query("Task", { a: { equalTo: 1 }, b: { equalTo: 2 } });'),
    ).toMatch(/^ERR .*Filter must only have one key found a,b/);
  });

  it('count, distinct and aggregate', async () => {
    expect(
      await script(
        'Outputs.value = await Noodl.Records.count("Task", { done: { equalTo: true } });',
      ),
    ).toBe(1);
    expect(
      await script('Outputs.value = (await Noodl.Records.distinct("Task", "done")).sort();'),
    ).toEqual([false, true]);
    expect(
      await script(
        'Outputs.value = await Noodl.Records.aggregate("Task", { total: { sum: "points" }, top: { max: "points" } });',
      ),
    ).toEqual({ total: 15, top: 9 });
    expect(
      await script(
        'Outputs.value = await Noodl.Records.aggregate("Task", { total: { sum: "points" } }, { points: { greaterThan: 100 } });',
      ),
    ).toEqual({});
    expect(await script('await Noodl.Records.aggregate("Task");')).toMatch(
      /^ERR aggregate: a group/,
    );
  });

  it('create, fetch, save (copies properties onto the object), increment and delete; one object per id per run', async () => {
    const value = await script(`
      const t = await Noodl.Records.create("Task", { title: "new", points: 2 });
      const again = await Noodl.Records.fetch(t.id);
      await Noodl.Records.save(t, { points: 3 });
      await Noodl.Records.increment(t.id, { points: 10 });
      const stored = await Noodl.Records.fetch(t);
      await Noodl.Records.delete(t);
      let gone = false;
      try { await Noodl.Records.fetch(t.id, { className: "Task" }); } catch (e) { gone = true; }
      Outputs.value = { same: again === t, points: stored.points, updated: t.updatedAt instanceof Date || typeof t.updatedAt, gone };
    `);
    expect(value).toEqual({ same: true, points: 13, updated: true, gone: true });
  });

  it('rejects with an Error naming the problem when the class cannot be known', async () => {
    expect(await script('await Noodl.Records.fetch("unknownid12");')).toBe(
      'ERR No class name specified',
    );
    expect(await script('await Noodl.Records.create("", {});')).toBe('ERR No class name specified');
  });

  it('does not mutate the properties object passed to create', async () => {
    expect(
      await script(
        'const p = { title: "p", when: new Date(0) }; await Noodl.Records.create("Task", p); Outputs.value = p.when instanceof Date || Object.prototype.toString.call(p.when);',
      ),
    ).toBe(true);
  });

  it('addRelation / removeRelation with classes remembered in the run', async () => {
    const value = await script(`
      const list = await Noodl.Records.create("List", { name: "L", items: { __type: "Relation", className: "Task" } });
      const [task] = await Noodl.Records.query("Task", { title: { equalTo: "a" } });
      await Noodl.Records.addRelation({ record: list, key: "items", targetRecord: task });
      const related = await Noodl.Records.query("Task", { relatedTo: { id: list.id, key: "items" } });
      await Noodl.Records.removeRelation({ recordId: list.id, key: "items", targetRecordId: task.id });
      const after = await Noodl.Records.query("Task", { relatedTo: { id: list.id, key: "items" } });
      Outputs.value = [related.map((t) => t.title), after.length];
    `);
    expect(value).toEqual([['a'], 0]);
  });
});

describe('Noodl.Objects, Noodl.Object, Noodl.Variables', () => {
  it('Objects[id] creates on read, assignment merges fields; Object.create/exists/instanceOf/guid; Variables per run', async () => {
    const value = await script(`
      const a = Noodl.Objects.alpha; a.x = 1;
      Noodl.Objects.alpha = { y: 2 };
      const b = Noodl.Object.create({ id: "beta", z: 3 });
      Noodl.Variables.counter = (Noodl.Variables.counter || 0) + 1;
      Outputs.value = { alpha: a.toJSON(), exists: Noodl.Object.exists("beta"), inst: Noodl.Object.instanceOf(b), guid: Noodl.Object.guid().length, vars: Noodl.Variables.counter, keys: Object.keys(b) };
    `);
    expect(value).toEqual({
      alpha: { x: 1, y: 2, id: 'alpha' },
      exists: true,
      inst: true,
      guid: 10,
      vars: 1,
      keys: ['z'],
    });
  });

  it('object ids are read-only and change events fire only on real changes', async () => {
    const value = await script(`
      const o = Noodl.Object.get("o1"); let changes = 0; o.on("change", () => changes++);
      o.id = "other"; o.set("v", 1); o.set("v", 1); o.v = 2; o.set("v", 2, { forceChange: true }); o.set("v", 3, { silent: true });
      Outputs.value = { id: o.id, changes, v: o.v };
    `);
    expect(value).toEqual({ id: 'o1', changes: 3, v: 3 });
  });
});

describe('Noodl.Users', () => {
  it('Current is undefined without a session; logIn without a user service rejects clearly', async () => {
    expect(await script('Outputs.value = Noodl.Users.Current === undefined;')).toBe(true);
    expect(await script('await Noodl.Users.logIn("a", "b");')).toMatch(/logIn is not available/);
  });
});

describe('default user service (sessions through the adapter)', () => {
  it('authenticates a Parse-style _Session token and exposes the _User as Noodl.Users.Current', async () => {
    const user = await adapter.create({
      collection: '_User',
      data: {
        username: 'ada',
        email: 'ada@example.com',
        password: 'secret-hash',
        hashed_password: '$scrypt$x',
      },
    });
    await adapter.create({
      collection: '_Session',
      data: {
        sessionToken: 'r:live',
        user: user.objectId,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      },
    });
    await adapter.create({
      collection: '_Session',
      data: {
        sessionToken: 'r:expired',
        user: user.objectId,
        expiresAt: new Date(Date.now() - 60_000).toISOString(),
      },
    });
    const authed = inlineRuntime({ adapter });
    const call = (token: string) =>
      callGraph(
        authed,
        [
          {
            id: 'f',
            type: 'JavaScriptFunction',
            parameters: {
              functionScript:
                'const c = Noodl.Users.Current; Outputs.value = c && { id: c.UserId, name: c.Properties.username, password: c.Properties.password, hash: c.Properties.hashed_password }; Outputs.Done();',
            },
            ports: [{ name: 'out-Done', plug: 'output', type: 'signal' }],
          },
        ],
        [
          ['req', 'receive', 'f', 'run'],
          ['req', 'auth', 'res', 'pm-auth'],
          ['f', 'out-value', 'res', 'pm-user'],
          ['f', 'out-Done', 'res', 'send'],
        ],
        {},
        { 'x-parse-session-token': token },
      );
    expect((await call('r:live')).json.result).toEqual({
      auth: true,
      user: { id: user.objectId, name: 'ada' },
    });
    expect((await call('r:expired')).json.result).toEqual({ auth: false });
    expect((await call('r:unknown')).json.result).toEqual({ auth: false });
    await authed.close();
  });
});
