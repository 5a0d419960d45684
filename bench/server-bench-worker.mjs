// Helper process of server.bench.mjs (not a benchmark itself): the load generator and the
// WebSocket clients run here, in their own process, so that they do not share the event loop
// with the servers being measured.
//   node server-bench-worker.mjs load <url> <connections> <seconds> [method] [json body]
//   node server-bench-worker.mjs clients <wsUrl> <count> <collection>   (then IPC messages)
import { createRequire } from 'node:module';

const require = createRequire(new URL('../packages/server/package.json', import.meta.url));
const [mode, ...args] = process.argv.slice(2);
const now = () => performance.timeOrigin + performance.now();

if (mode === 'load') {
  const autocannon = require('autocannon');
  const [url, connections, seconds, method = 'GET', body] = args;
  const result = await autocannon({
    url,
    connections: Number(connections),
    duration: Number(seconds),
    pipelining: 1,
    method,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
  });
  process.stdout.write(
    JSON.stringify({
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
      total: result.requests.total,
    }),
  );
} else if (mode === 'clients') {
  const WebSocket = require('ws');
  const [url, count, collection] = args;
  const clients = [];
  let received = [];
  let expected = 0;
  await Promise.all(
    Array.from({ length: Number(count) }, async () => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      ws.on('message', (data) => {
        const t = now();
        const message = JSON.parse(String(data));
        if (message.type === 'subscribed') return;
        received.push(t);
        if (received.length === expected) {
          process.send({ type: 'received', times: received });
          received = [];
        }
      });
      if (collection !== '-') {
        await new Promise((resolve) => {
          ws.once('message', resolve);
          ws.send(JSON.stringify({ type: 'subscribe', collection }));
        });
      }
      clients.push(ws);
    }),
  );
  process.on('message', (message) => {
    if (message.type === 'expect') {
      expected = message.count;
      process.send({ type: 'ready' });
    } else if (message.type === 'close') {
      for (const ws of clients) ws.terminate();
      process.exit(0);
    }
  });
  process.send({ type: 'connected', count: clients.length });
}
