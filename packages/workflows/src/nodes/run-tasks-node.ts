import type { ComponentHandle, NodeBehavior, NodeDefinition } from '../catalog/node-definition';
import type { NoodlObject } from '../engine/object-scope';
import { errorMessage, toArray } from './node-helpers';

/**
 * `RunTasks` (Run Tasks): for each item, creates an instance of the task template component
 * (inner `idSource: 'foreach'` nodes bind to the item), sets its `Id`/`id` and same-named inputs,
 * pulses its `Do`, and waits for its `Success` or `Failure` output. At most `maxRunningTasks` run
 * at once. When all finished: `success` (none failed) or `failure`, then `done`.
 *
 * Fixed relative to Noodl: an empty list pulses `success` then `done`; with `stopOnFailure` the
 * node pulses `failure` and `aborted` once and returns to idle; a template that cannot be created
 * counts as a failed task; `items` strings are parsed as JSON, never evaluated.
 *
 * @example
 * ```ts
 * catalog.get('RunTasks') === runTasksNode; // true
 * ```
 */
export const runTasksNode: NodeDefinition = {
  type: 'RunTasks',
  version: 1,
  displayName: 'Run Tasks',
  category: 'Cloud Functions',
  description: 'Runs a task component once per item, a few at a time.',
  inputs: {
    taskTemplate: { type: 'component', displayName: 'Template' },
    maxRunningTasks: { type: 'number', displayName: 'Max Running Tasks', default: 10 },
    stopOnFailure: { type: 'boolean', displayName: 'Stop On Failure', default: false },
    items: { type: 'array', displayName: 'Items' },
    run: { type: 'signal', displayName: 'Do' },
    abort: { type: 'signal', displayName: 'Abort' },
  },
  outputs: {
    success: { type: 'signal', displayName: 'Success' },
    failure: { type: 'signal', displayName: 'Failure' },
    done: { type: 'signal', displayName: 'Done' },
    aborted: { type: 'signal', displayName: 'Aborted' },
  },
  create(node): NodeBehavior {
    let template: string | undefined;
    let maxRunning = 10;
    let stopOnFailure = false;
    let items: unknown[] = [];
    let batch = 0;
    let state: 'idle' | 'running' | 'aborting' | 'stopping' = 'idle';
    let queue: unknown[] = [];
    let running = 0;
    let failed = false;
    const live = new Set<ComponentHandle>();

    const objectOf = (item: unknown): NoodlObject => {
      const objects = node.run.objects;
      if (objects.isObject(item)) return item;
      if (typeof item === 'object' && item !== null) {
        const fields = item as Record<string, unknown>;
        const id =
          typeof fields['id'] === 'string'
            ? fields['id']
            : typeof fields['objectId'] === 'string'
              ? fields['objectId']
              : undefined;
        const object = objects.get(id);
        for (const [key, value] of Object.entries(fields)) if (key !== 'id') object.set(key, value);
        return object;
      }
      const object = objects.get();
      object.set('value', item);
      return object;
    };

    const finishBatch = (): void => {
      state = 'idle';
      node.sendSignal(failed ? 'failure' : 'success');
      node.sendSignal('done');
    };

    const completed = (
      mine: number,
      handle: ComponentHandle | undefined,
      success: boolean,
    ): void => {
      if (mine !== batch) return;
      if (handle !== undefined) {
        live.delete(handle);
        queueMicrotask(() => handle.dispose());
      }
      running--;
      if (!success) failed = true;
      if (state === 'aborting') {
        state = 'idle';
        batch++;
        node.sendSignal('aborted');
        return;
      }
      if (stopOnFailure && failed && state === 'running') {
        state = 'stopping';
        queue = [];
      }
      if (state === 'stopping') {
        if (running === 0) {
          state = 'idle';
          node.sendSignal('failure');
          node.sendSignal('aborted');
        }
        return;
      }
      startNext(mine);
      if (state === 'running' && running === 0 && queue.length === 0) finishBatch();
    };

    const startTask = (mine: number, item: unknown): void => {
      running++;
      const object = objectOf(item);
      const seen = { Success: false, Failure: false };
      let handle: ComponentHandle | undefined;
      let done = false;
      try {
        handle = node.graph.createComponent(template!, {
          forEachItem: object,
          forcedConnectedInputs: ['Do'],
          onOutput(name, value) {
            if (done || (name !== 'Success' && name !== 'Failure')) return;
            const on = Boolean(value);
            const was = seen[name];
            seen[name] = on;
            if (on && !was) {
              done = true;
              completed(mine, handle, name === 'Success');
            }
          },
        });
      } catch (error) {
        node.log(
          'error',
          `task template ${JSON.stringify(template)} could not be created: ${errorMessage(error)}`,
        );
        completed(mine, undefined, false);
        return;
      }
      live.add(handle);
      for (const input of handle.inputNames) {
        if (input === 'Do') continue;
        if (input === 'Id' || input === 'id') handle.setInput(input, object.id);
        else if (Object.hasOwn(object.data, input)) handle.setInput(input, object.get(input));
      }
      handle.setInput('Do', true);
      handle.setInput('Do', false);
    };

    const startNext = (mine: number): void => {
      while (state === 'running' && running < maxRunning && queue.length > 0)
        startTask(mine, queue.shift());
    };

    return {
      setInput(name, value) {
        if (name === 'taskTemplate')
          template = typeof value === 'string' && value !== '' ? value : undefined;
        else if (name === 'maxRunningTasks')
          maxRunning = Math.max(1, Math.floor(Number(value)) || 10);
        else if (name === 'stopOnFailure') stopOnFailure = value === true;
        else if (name === 'items') items = (toArray(value) ?? []).filter((item) => Boolean(item));
      },
      signal(name) {
        if (name === 'run') {
          if (state !== 'idle') {
            node.log('warn', 'Run Tasks is still running; Do ignored');
            return;
          }
          if (template === undefined) {
            node.log('warn', 'Run Tasks has no task template; Do ignored');
            return;
          }
          batch++;
          state = 'running';
          failed = false;
          running = 0;
          queue = [...items];
          if (queue.length === 0) {
            finishBatch();
            return;
          }
          startNext(batch);
          if (running === 0 && queue.length === 0 && state === 'running') finishBatch();
        } else if (name === 'abort') {
          if (state !== 'running' && state !== 'stopping') return;
          queue = [];
          if (running === 0) {
            state = 'idle';
            batch++;
            node.sendSignal('aborted');
          } else {
            state = 'aborting';
          }
        }
      },
      dispose() {
        for (const handle of live) handle.dispose();
        live.clear();
      },
    };
  },
};
