import { describe, it } from 'vitest';
import { LocalSQLAdapter } from '@localbackend/sqlite';

describe('scratch', () => {
  it('sqlite', async () => {
    const a = new LocalSQLAdapter(':memory:');
    await a.connect();
    const events: unknown[] = [];
    a.on('create', (e) => events.push(e));
    const r = await a.create({ collection: 'Todo', data: { title: 'x', due: new Date(), n: 1 } });
    console.log(r, await a.getSchema());
    console.log(await a.query({ collection: 'Todo', where: { n: { $gt: 0 } } }));
    await a.create({ collection: '_WorkflowRun', objectId: 'abc', data: { workflow: 'x', input: '{}' } });
    console.log(await a.query({ collection: '_WorkflowRun' }));
    try { await a.transaction(async (tx) => { await tx.create({ collection: 'Todo', data: { title: 'y' } }); throw new Error('no'); }); } catch (e) { console.log('rolled back', (e as Error).message); }
    console.log(events.length);
    console.log(await a.aggregate({ collection: 'Todo', aggregates: { s: { sum: 'n' } }, where: { n: { $gt: 5 } } }));
    let t = performance.now();
    for (let i = 0; i < 1000; i++) await a.getSchema();
    console.log('getSchema us', (performance.now() - t));
  });
});
