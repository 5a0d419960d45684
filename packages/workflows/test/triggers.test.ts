import cron from 'node-cron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LocalSQLAdapter } from '@localbackend/sqlite';
import type { RunRecord } from '../src/records/run-store';
import { ScheduleTrigger } from '../src/triggers/trigger-manager';
import { WorkflowRuntime } from '../src/runtime/workflow-runtime';
import { project, type ComponentSpec } from './support/build-workflow';
import { memoryAdapter } from './support/harness';

async function waitFor<T>(read: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const fnNode = (script: string) => ({
  id: 'f',
  type: 'JavaScriptFunction',
  parameters: { functionScript: script },
});

function scheduled(name: string, expression: string): ComponentSpec {
  return {
    name: `/#__local__/${name}`,
    nodes: [
      { id: 't', type: 'noodl.trigger.schedule', parameters: { cron: expression } },
      fnNode('await Noodl.Records.create("Tick", { at: Inputs.lastRun.toISOString() });'),
    ],
    wires: [
      ['t', 'lastRun', 'f', 'in-lastRun'],
      ['t', 'triggered', 'f', 'run'],
    ],
  };
}

function onChange(name: string, collection: string, events: string): ComponentSpec {
  return {
    name: `/#__local__/${name}`,
    nodes: [
      { id: 't', type: 'noodl.trigger.dbChange', parameters: { collection, events } },
      fnNode(
        'await Noodl.Records.create("Audit", { kind: Inputs.type, recordId: Inputs.id, total: Inputs.record.total });',
      ),
    ],
    wires: [
      ['t', 'eventType', 'f', 'in-type'],
      ['t', 'recordId', 'f', 'in-id'],
      ['t', 'record', 'f', 'in-record'],
      ['t', 'triggered', 'f', 'run'],
    ],
  };
}

describe('ScheduleTrigger (fake timers)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires on every matching second of a six-field expression, at the scheduled times', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00.400Z') });
    const fired: string[] = [];
    const trigger = new ScheduleTrigger('*/2 * * * * *', undefined, (at) =>
      fired.push(at.toISOString()),
    );
    trigger.start();
    await vi.advanceTimersByTimeAsync(10_000);
    trigger.stop();
    expect(fired).toEqual([
      '2026-01-01T00:00:02.000Z',
      '2026-01-01T00:00:04.000Z',
      '2026-01-01T00:00:06.000Z',
      '2026-01-01T00:00:08.000Z',
      '2026-01-01T00:00:10.000Z',
    ]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fired).toHaveLength(5);
  });

  it('honours the time zone', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T09:59:59.500Z') });
    const fired: string[] = [];
    // 12:00 in Oslo (UTC+2 in June) is 10:00 UTC.
    const trigger = new ScheduleTrigger('0 0 12 * * *', 'Europe/Oslo', (at) =>
      fired.push(at.toISOString()),
    );
    trigger.start();
    await vi.advanceTimersByTimeAsync(2_000);
    trigger.stop();
    expect(fired).toEqual(['2026-06-01T10:00:00.000Z']);
  });

  it('leaves nothing in node-cron after stop()', () => {
    const before = cron.getTasks().size;
    const trigger = new ScheduleTrigger('* * * * * *', undefined, () => {});
    trigger.start();
    expect(cron.getTasks().size).toBe(before + 1);
    trigger.stop();
    expect(cron.getTasks().size).toBe(before);
  });
});

describe('triggers in a running runtime', () => {
  let adapter: LocalSQLAdapter;
  let runtime: WorkflowRuntime;
  let runs: RunRecord[];

  beforeEach(async () => {
    adapter = await memoryAdapter();
    runtime = new WorkflowRuntime({ adapter, workers: 1, records: { flushIntervalMs: 20 } });
    runs = [];
    runtime.on('run', (record) => runs.push(record));
  });
  afterEach(async () => {
    await runtime.close();
    await adapter.disconnect();
  });

  it('runs a schedule with a seconds field on time (real time)', async () => {
    runtime.load(project(scheduled('every-second', '* * * * * *')), { source: 'tick' });
    const started = Date.now();
    await waitFor(() => runs.filter((r) => r.trigger === 'schedule').length >= 3, 10_000);
    // Three ticks need at most three seconds plus the wait for the first boundary; the
    // generous bound only catches a schedule that does not fire every second at all.
    expect(Date.now() - started).toBeLessThan(6_000);
    const scheduledRuns = runs.filter((r) => r.trigger === 'schedule');
    expect(scheduledRuns.every((r) => r.status === 'success')).toBe(true);
    const ticks = (await adapter.query({ collection: 'Tick', sort: 'at' })).results.map((t) =>
      Date.parse(String(t['at'])),
    );
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    for (const at of ticks) expect(at % 1000).toBe(0);
    // Consecutive ticks are whole seconds apart (node-cron skips a tick the event loop
    // missed on a loaded machine rather than firing it late).
    for (let i = 1; i < ticks.length; i++) {
      const gap = ticks[i]! - ticks[i - 1]!;
      expect(gap).toBeGreaterThanOrEqual(1000);
      expect(gap % 1000).toBe(0);
    }
  });

  it('fires a dbChange trigger once per matching committed change and never for a rolled-back one', async () => {
    runtime.load(project(onChange('audit-orders', 'Order', 'create')), { source: 'audit' });
    await adapter.create({ collection: 'Order', data: { total: 1 } });
    await adapter.create({ collection: 'Order', data: { total: 2 } });
    await adapter.create({ collection: 'Other', data: { total: 99 } });
    await expect(
      adapter.transaction(async (tx) => {
        await tx.create({ collection: 'Order', data: { total: 3 } });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const first = await adapter.create({ collection: 'Order', data: { total: 4 } });
    await adapter.save({ collection: 'Order', objectId: first.objectId, data: { total: 5 } });
    await waitFor(() => runs.filter((r) => r.trigger === 'dbChange').length >= 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(runs.filter((r) => r.trigger === 'dbChange')).toHaveLength(3);
    const audits = (await adapter.query({ collection: 'Audit', sort: 'total' })).results;
    expect(audits.map((a) => [a['kind'], a['total']])).toEqual([
      ['create', 1],
      ['create', 2],
      ['create', 4],
    ]);
    expect(audits[2]!['recordId']).toBe(first.objectId);
  });

  it('listens to all event types with events: all', async () => {
    runtime.load(project(onChange('audit-all', 'Order', 'all')), { source: 'audit-all' });
    const order = await adapter.create({ collection: 'Order', data: { total: 1 } });
    await adapter.save({ collection: 'Order', objectId: order.objectId, data: { total: 2 } });
    await adapter.delete({ collection: 'Order', objectId: order.objectId });
    await waitFor(() => runs.length >= 3);
    const kinds = (await adapter.query({ collection: 'Audit' })).results
      .map((a) => a['kind'])
      .sort();
    expect(kinds).toEqual(['create', 'delete', 'save']);
  });

  it('stops old triggers on reload and unload: no schedule or listener leaks', async () => {
    const tasksBefore = cron.getTasks().size;
    const doc = project(scheduled('hourly', '0 * * * *'), onChange('watch', 'Order', 'create'));
    runtime.load(doc, { source: 'both' });
    expect(runtime.stats().triggers).toEqual({ schedules: 1, listeners: 1, webhooks: 0 });
    expect(cron.getTasks().size).toBe(tasksBefore + 1);
    for (let i = 0; i < 5; i++) runtime.load(doc, { source: 'both' });
    expect(runtime.stats().triggers).toEqual({ schedules: 1, listeners: 1, webhooks: 0 });
    expect(cron.getTasks().size).toBe(tasksBefore + 1);
    await adapter.create({ collection: 'Order', data: { total: 1 } });
    await waitFor(() => runs.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toHaveLength(1);
    runtime.unload('both');
    expect(runtime.stats().triggers).toEqual({ schedules: 0, listeners: 0, webhooks: 0 });
    expect(cron.getTasks().size).toBe(tasksBefore);
    await adapter.create({ collection: 'Order', data: { total: 2 } });
    await new Promise((r) => setTimeout(r, 200));
    expect(runs).toHaveLength(1);
  });

  it('reports a broken trigger configuration with the node and keeps the previous version', () => {
    runtime.load(project(scheduled('nightly', '0 3 * * *')), { source: 'nightly' });
    expect(() =>
      runtime.load(project(scheduled('nightly', 'every day')), { source: 'nightly' }),
    ).toThrow(
      /nightly: \/#__local__\/nightly: node t \(noodl\.trigger\.schedule\): invalid cron expression "every day"/,
    );
    expect(() =>
      runtime.load(project(onChange('bad', '_WorkflowRun', 'all')), { source: 'bad' }),
    ).toThrow(/cannot trigger workflows/);
    expect(() =>
      runtime.load(project(onChange('bad', 'Order', 'update')), { source: 'bad' }),
    ).toThrow(/events: expected all, create, save or delete/);
    expect(runtime.list().map((w) => w.name)).toEqual(['nightly']);
    expect(runtime.stats().triggers.schedules).toBe(1);
  });

  it('serves webhooks: Response answers, no Response answers 202 at once, secret and method are checked', async () => {
    runtime.load(
      project(
        {
          name: '/#__local__/hooks/echo',
          nodes: [
            {
              id: 'w',
              type: 'noodl.trigger.webhook',
              parameters: { path: '/hooks/echo', method: 'POST', secret: 's3cret' },
            },
            { id: 'res', type: 'noodl.cloud.response' },
          ],
          wires: [
            ['w', 'body', 'res', 'pm-body'],
            ['w', 'query', 'res', 'pm-query'],
            ['w', 'received', 'res', 'send'],
          ],
        },
        {
          name: '/#__local__/ingest',
          nodes: [
            { id: 'w', type: 'noodl.trigger.webhook', parameters: { method: 'ANY' } },
            fnNode('await Noodl.Records.create("Event", Inputs.body);'),
          ],
          wires: [
            ['w', 'body', 'f', 'in-body'],
            ['w', 'received', 'f', 'run'],
          ],
        },
      ),
      { source: 'hooks' },
    );
    const echo = await runtime.webhook('hooks/echo', {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'X-Webhook-Secret': 's3cret' },
      query: { page: '2' },
    });
    expect(echo.statusCode).toBe(200);
    expect(echo.body).toBe('{"result":{"body":{"a":1},"query":{"page":"2"}}}');
    expect(
      (await runtime.webhook('hooks/echo', { method: 'POST', body: '{}', headers: {} })).statusCode,
    ).toBe(401);
    expect(
      (
        await runtime.webhook('hooks/echo', {
          method: 'POST',
          body: '{}',
          query: { secret: 'wrong' },
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (
        await runtime.webhook('hooks/echo', {
          method: 'GET',
          headers: { 'x-webhook-secret': 's3cret' },
        })
      ).statusCode,
    ).toBe(405);
    expect((await runtime.webhook('nowhere', { method: 'POST' })).statusCode).toBe(404);
    const accepted = await runtime.webhook('/ingest/', { method: 'PUT', body: '{"kind":"push"}' });
    expect(accepted.statusCode).toBe(202);
    expect(JSON.parse(accepted.body)).toEqual({
      result: { accepted: true, runId: accepted.runId },
    });
    await waitFor(() => runs.find((r) => r.id === accepted.runId));
    expect((await adapter.query({ collection: 'Event' })).results.map((e) => e['kind'])).toEqual([
      'push',
    ]);
    expect(runtime.stats().triggers.webhooks).toBe(2);
  });
});
