/*
 * Child process for the multi-process tests (bundled by test/helpers/child-process.ts).
 *   durability  <db> <log>              create records forever; append each id to <log> after its promise resolved
 *   concurrent  <db> <log> <ms> <tag>   create, increment a shared counter and add shared fields for <ms>; print a JSON summary
 *   transfers   <db> <ms>               move amounts between accounts in transactions (the total stays 1000)
 */
import { appendFileSync } from 'node:fs';
import { LocalSQLAdapter } from '../../src/index';

const [mode, dbPath, ...rest] = process.argv.slice(2);

async function durability(db: LocalSQLAdapter, log: string): Promise<void> {
  console.log('ready');
  for (let i = 0; ; i++) {
    const record = await db.create({
      collection: 'Durable',
      data: { i, payload: 'x'.repeat(i % 200), at: new Date() },
    });
    appendFileSync(log, `${record.objectId}\n`);
  }
}

async function concurrent(
  db: LocalSQLAdapter,
  log: string,
  ms: number,
  tag: string,
): Promise<void> {
  const errors: string[] = [];
  let created = 0;
  let increments = 0;
  const ids: string[] = [];
  try {
    await db.create({ collection: 'Shared', objectId: 'counter', data: { value: 0 } });
  } catch (error) {
    if ((error as { code?: string }).code !== 'DUPLICATE_VALUE')
      errors.push(String((error as { code?: string }).code));
  }
  console.log('ready');
  const end = Date.now() + ms;
  for (let i = 0; Date.now() < end; i++) {
    try {
      const data: Record<string, unknown> = { tag, i };
      if (i % 50 === 0) data[`shared_${Math.floor(i / 50)}`] = i;
      const record = await db.create({ collection: 'Shared', data: data as never });
      ids.push(record.objectId);
      created++;
      if (i % 3 === 0) {
        await db.increment({ collection: 'Shared', objectId: 'counter', fields: { value: 1 } });
        increments++;
      }
      if (i % 25 === 0) {
        await db.transaction(async (tx) => {
          const a = await tx.create({ collection: 'Shared', data: { tag, i, inTx: true } });
          await tx.save({ collection: 'Shared', objectId: a.objectId, data: { i: i + 1 } });
          ids.push(a.objectId);
          created++;
        });
      }
      if (ids.length >= 200) {
        appendFileSync(log, `${ids.join('\n')}\n`);
        ids.length = 0;
      }
    } catch (error) {
      errors.push(
        `${String((error as { code?: string }).code)}: ${String((error as Error).message)}`,
      );
    }
  }
  if (ids.length > 0) appendFileSync(log, `${ids.join('\n')}\n`);
  console.log(JSON.stringify({ created, increments, errors }));
}

async function transfers(db: LocalSQLAdapter, ms: number): Promise<void> {
  console.log('ready');
  const end = Date.now() + ms;
  let done = 0;
  for (let i = 0; Date.now() < end; i++) {
    const from = `acct${i % 10}`;
    const to = `acct${(i * 7 + 3) % 10}`;
    if (from === to) continue;
    await db.transaction(async (tx) => {
      const a = await tx.fetch({ collection: 'Account', objectId: from });
      const b = await tx.fetch({ collection: 'Account', objectId: to });
      await tx.save({
        collection: 'Account',
        objectId: from,
        data: { balance: (a.balance as number) - 1 },
      });
      await tx.save({
        collection: 'Account',
        objectId: to,
        data: { balance: (b.balance as number) + 1 },
      });
    });
    done++;
  }
  console.log(JSON.stringify({ done }));
}

const db = new LocalSQLAdapter(dbPath!);
await db.connect();
if (mode === 'durability') await durability(db, rest[0]!);
else if (mode === 'concurrent') await concurrent(db, rest[0]!, Number(rest[1]), rest[2]!);
else if (mode === 'transfers') await transfers(db, Number(rest[0]));
await db.disconnect();
