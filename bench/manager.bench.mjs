// BackendManager: (1) startBackend to the first /health answer, for a supervised child process
// (target < 1 s) and in-process, against a bare Node child process answering HTTP (the floor of
// any child-process design) measured in the same run; (2) the IPC round trip of backend:status
// through registerIpcHandlers + createBackendApi over a structured-clone channel (as Electron
// serialises), against a bare handler returning a constant through the same channel (target
// < 100 ms, the original design's figure).
// Run: pnpm --filter "@localbackend/manager..." build && node bench/run.mjs manager
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BackendManager,
  PortAllocator,
  createBackendApi,
  registerIpcHandlers,
} from '../packages/manager/dist/index.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'lb-bench-manager-'));
const ports = new PortAllocator({ start: 31_000, end: 31_999 });

async function firstHealth(port, started) {
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      await response.arrayBuffer();
      if (response.ok) return performance.now() - started;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p99 = (xs) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];
const ms = (x) => `${x.toFixed(1)} ms`;

async function bareChild() {
  const port = await ports.allocate();
  const started = performance.now();
  const child = spawn(process.execPath, [
    '-e',
    `require('http').createServer((q, s) => s.end('{"status":"ok"}')).listen(${port}, '127.0.0.1')`,
  ]);
  const took = await firstHealth(port, started);
  child.kill();
  await new Promise((r) => child.on('close', r));
  ports.release(port);
  return took;
}

async function managedStart(manager, id) {
  const started = performance.now();
  const status = await manager.startBackend(id);
  const took = await firstHealth(status.port, started);
  await manager.stopBackend(id);
  return took;
}

const ROUNDS = 7;
try {
  // ---- 1. start to first /health
  const child = new BackendManager({ root, basePort: 31_500, maxPort: 31_999 });
  const inProcess = new BackendManager({
    root,
    mode: 'in-process',
    basePort: 31_500,
    maxPort: 31_999,
  });
  const a = await child.createBackend('bench child');
  const b = await inProcess.createBackend('bench in-process');
  await managedStart(child, a.id); // warm the file cache
  await managedStart(inProcess, b.id);
  const bare = [];
  const managed = [];
  const local = [];
  for (let i = 0; i < ROUNDS; i++) {
    bare.push(await bareChild());
    managed.push(await managedStart(child, a.id));
    local.push(await managedStart(inProcess, b.id));
  }
  console.log(`manager: startBackend -> first /health answer, median of ${ROUNDS}`);
  console.log(`  bare child process with an http server (baseline): ${ms(median(bare))}`);
  console.log(
    `  startBackend, supervised child process: ${ms(median(managed))}  -> ${(median(managed) / median(bare)).toFixed(2)}x baseline (target < 1000 ms)`,
  );
  console.log(`  startBackend, in-process: ${ms(median(local))}`);

  // ---- 2. IPC round trip of backend:status
  const handlers = new Map();
  const ipcMain = { handle: (channel, fn) => handlers.set(channel, fn) };
  const ipcRenderer = {
    async invoke(channel, ...args) {
      const result = await handlers.get(channel)({ sender: {} }, ...structuredClone(args));
      return structuredClone(result);
    },
  };
  registerIpcHandlers(ipcMain, { manager: child });
  ipcMain.handle('bench:constant', () => ({
    ok: true,
    value: { id: a.id, state: 'running', running: true, port: 1, pid: 1, restarts: 0 },
  }));
  const api = createBackendApi(ipcRenderer);
  await child.startBackend(a.id);
  const N = 2000;
  const time = async (fn) => {
    for (let i = 0; i < 200; i++) await fn();
    const samples = [];
    for (let i = 0; i < N; i++) {
      const t = performance.now();
      await fn();
      samples.push(performance.now() - t);
    }
    return samples;
  };
  const constant = await time(() => ipcRenderer.invoke('bench:constant'));
  const running = await time(() => api.status(a.id));
  await child.stopBackend(a.id);
  const stopped = await time(() => api.status(a.id));
  const us = (x) => `${(x * 1000).toFixed(1)} us`;
  console.log(`manager: IPC round trip of backend:status (structured-clone channel), ${N} calls`);
  console.log(
    `  bare handler returning a constant (baseline): median ${us(median(constant))}, p99 ${us(p99(constant))}`,
  );
  console.log(
    `  backend:status, running backend: median ${us(median(running))}, p99 ${us(p99(running))}  -> ${(median(running) / median(constant)).toFixed(1)}x baseline (target < 100 ms)`,
  );
  console.log(
    `  backend:status, stopped backend (reads run.json + config.json): median ${us(median(stopped))}, p99 ${us(p99(stopped))}  -> ${(median(stopped) / median(constant)).toFixed(1)}x baseline`,
  );
  await child.stopAll();
  await inProcess.stopAll();
} finally {
  rmSync(root, { recursive: true, force: true });
}
