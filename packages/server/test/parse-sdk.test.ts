/**
 * The official Parse JS SDK (`parse/node`), unchanged, against the server.
 */
import Parse from 'parse/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionRunner } from '../src/index';
import { MASTER_KEY, startServer, type TestServer } from './helpers';

let t: TestServer;

const runner: FunctionRunner = {
  async run(name, req) {
    if (name === 'add') {
      const { a, b } = JSON.parse(req.body) as { a: number; b: number };
      return { statusCode: 200, body: JSON.stringify({ result: { sum: a + b } }) };
    }
    return { statusCode: 400, body: JSON.stringify({ error: `no ${name}` }) };
  },
};

beforeAll(async () => {
  t = await startServer({ appId: 'sdk-app', functionRunner: runner });
  Parse.initialize('sdk-app', undefined, MASTER_KEY);
  (Parse as unknown as { serverURL: string }).serverURL = t.url;
  const players = ['ann', 'bob', 'cid', 'dee', 'eve'];
  await Parse.Object.saveAll(
    players.map((name, i) => {
      const o = new Parse.Object('Player');
      o.set({ name, score: (i + 1) * 10, team: i % 2 === 0 ? 'red' : 'blue' });
      if (i < 3) o.set('nickname', `${name}!`);
      return o;
    }),
  );
});
afterAll(() => t.stop());

describe('Parse JS SDK', () => {
  it('save and fetch with types intact', async () => {
    const when = new Date('2026-03-04T05:06:07.000Z');
    const o = new Parse.Object('Thing');
    o.set({
      title: 'x',
      n: 1.5,
      flag: true,
      when,
      list: [1, 'a'],
      obj: { k: 'v' },
      geo: new Parse.GeoPoint(59.9, 10.7),
    });
    await o.save();
    expect(o.id).toMatch(/^[A-Za-z0-9]{10}$/);
    expect(o.createdAt).toBeInstanceOf(Date);
    const fetched = await new Parse.Query('Thing').get(o.id!);
    expect(fetched.get('title')).toBe('x');
    expect(fetched.get('n')).toBe(1.5);
    expect(fetched.get('flag')).toBe(true);
    expect(fetched.get('when')).toEqual(when);
    expect(fetched.get('list')).toEqual([1, 'a']);
    expect(fetched.get('obj')).toEqual({ k: 'v' });
    expect(fetched.get('geo').latitude).toBeCloseTo(59.9);
    const again = new Parse.Object('Thing');
    again.id = o.id!;
    await again.fetch();
    expect(again.get('title')).toBe('x');
    o.set('title', 'y');
    await o.save();
    expect((await new Parse.Query('Thing').get(o.id!)).get('title')).toBe('y');
  });

  it('queries with equalTo, greaterThan, containedIn, exists, matches, ascending/descending, limit/skip, count', async () => {
    const q = () => new Parse.Query('Player');
    expect(
      (await q().equalTo('team', 'red').ascending('name').find()).map((p) => p.get('name')),
    ).toEqual(['ann', 'cid', 'eve']);
    expect(
      (await q().greaterThan('score', 30).descending('score').find()).map((p) => p.get('name')),
    ).toEqual(['eve', 'dee']);
    expect(
      (await q().containedIn('name', ['bob', 'dee', 'zed']).ascending('name').find()).map((p) =>
        p.get('name'),
      ),
    ).toEqual(['bob', 'dee']);
    expect(await q().exists('nickname').count()).toBe(3);
    expect(await q().doesNotExist('nickname').count()).toBe(2);
    expect(
      (
        await q()
          .matches('name', /^[a-c]/)
          .ascending('name')
          .find()
      ).map((p) => p.get('name')),
    ).toEqual(['ann', 'bob', 'cid']);
    expect((await q().matches('name', /^ANN$/i).find()).map((p) => p.get('name'))).toEqual(['ann']);
    expect(
      (await q().ascending('score').skip(1).limit(2).find()).map((p) => p.get('score')),
    ).toEqual([20, 30]);
    expect(await q().count()).toBe(5);
    const first = await q().ascending('name').first();
    expect(first?.get('name')).toBe('ann');
  });

  it('select returns only the selected fields', async () => {
    const [p] = await new Parse.Query('Player').select('name').equalTo('name', 'bob').find();
    expect(p!.get('name')).toBe('bob');
    expect(p!.get('score')).toBeUndefined();
  });

  it('pointers and include', async () => {
    const team = new Parse.Object('Team');
    await team.save({ name: 'Reds' });
    const member = new Parse.Object('Member');
    await member.save({ name: 'ann', team });
    const plain = await new Parse.Query('Member').get(member.id!);
    expect(plain.get('team').id).toBe(team.id);
    expect(plain.get('team').get('name')).toBeUndefined();
    const included = await new Parse.Query('Member').include('team').get(member.id!);
    expect(included.get('team').get('name')).toBe('Reds');
    const byPointer = await new Parse.Query('Member').equalTo('team', team).find();
    expect(byPointer.map((m) => m.id)).toEqual([member.id]);
  });

  it('relations', async () => {
    const tags = ['a', 'b', 'c'].map((name) => new Parse.Object('Label', { name }));
    await Parse.Object.saveAll(tags);
    const post = new Parse.Object('Article');
    await post.save({ title: 'hello' });
    const relation = post.relation('labels');
    relation.add(tags);
    await post.save();
    expect((await relation.query().ascending('name').find()).map((l) => l.get('name'))).toEqual([
      'a',
      'b',
      'c',
    ]);
    relation.remove(tags[1]!);
    await post.save();
    const reloaded = await new Parse.Query('Article').get(post.id!);
    expect(
      (await reloaded.relation('labels').query().ascending('name').find()).map((l) =>
        l.get('name'),
      ),
    ).toEqual(['a', 'c']);
  });

  it('increment, add and unset', async () => {
    const o = new Parse.Object('Counter');
    await o.save({ n: 1, tags: ['x'] });
    o.increment('n', 4);
    o.addUnique('tags', 'y');
    await o.save();
    expect(o.get('n')).toBe(5);
    expect(o.get('tags')).toEqual(['x', 'y']);
    o.unset('tags');
    await o.save();
    const fetched = await new Parse.Query('Counter').get(o.id!);
    expect(fetched.get('n')).toBe(5);
    expect(fetched.get('tags')).toBeUndefined();
  });

  it('destroy and destroyAll', async () => {
    const a = new Parse.Object('Trash');
    const b = new Parse.Object('Trash');
    const c = new Parse.Object('Trash');
    await Parse.Object.saveAll([a, b, c]);
    await a.destroy();
    await expect(new Parse.Query('Trash').get(a.id!)).rejects.toMatchObject({
      code: Parse.Error.OBJECT_NOT_FOUND,
    });
    await Parse.Object.destroyAll([b, c]);
    expect(await new Parse.Query('Trash').count()).toBe(0);
  });

  it('saveAll batches creates and updates', async () => {
    const objects: Parse.Object[] = Array.from(
      { length: 45 },
      (_, i) => new Parse.Object('Bulk', { i }),
    );
    await Parse.Object.saveAll(objects);
    expect(objects.every((o) => typeof o.id === 'string')).toBe(true);
    objects.forEach((o) => o.set('doubled', o.get('i') * 2));
    await Parse.Object.saveAll(objects);
    const last = await new Parse.Query('Bulk').equalTo('i', 44).first();
    expect(last?.get('doubled')).toBe(88);
    expect(await new Parse.Query('Bulk').count()).toBe(45);
  });

  it('Parse.Cloud.run goes through the function runner', async () => {
    expect(await Parse.Cloud.run('add', { a: 2, b: 3 })).toEqual({ sum: 5 });
    await expect(Parse.Cloud.run('missing')).rejects.toMatchObject({
      code: 141,
      message: 'no missing',
    });
  });

  it('errors arrive as Parse.Error with Parse codes', async () => {
    await expect(new Parse.Query('Player').get('doesnotexist')).rejects.toMatchObject({
      code: 101,
    });
    const bad = new Parse.Object('Player');
    bad.set('score', 'not a number');
    await expect(bad.save()).rejects.toMatchObject({ code: 111 });
  });

  it('distinct, aggregate, config and schema', async () => {
    expect((await new Parse.Query('Player').distinct('team')).sort()).toEqual(['blue', 'red']);
    const rows = await new Parse.Query('Player')
      .equalTo('team', 'red')
      .aggregate([{ $group: { _id: null, total: { $sum: '$score' } } }]);
    expect(rows).toEqual([{ objectId: null, total: 90 }]);
    await t.server.configStore!.update({ motd: 'hi' });
    const config = await Parse.Config.get();
    expect(config.get('motd')).toBe('hi');
    const schema = await new Parse.Schema('Player').get();
    expect(schema.fields.score).toEqual({ type: 'Number' });
  });
});
