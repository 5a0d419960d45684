#!/usr/bin/env node
// Prints every change of a running localbackend backend as it happens, one line per event, from
// its realtime WebSocket (the raw protocol: see docs/realtime-protocol.md).
//
//   node examples/reference-app/scripts/watch-changes.mjs [backend-url] [collection ...]
//
// Without a URL it uses the port of the reference app's running backend (from
// .data/todo-app/run.json) or http://127.0.0.1:8577. Without collections it subscribes to
// nothing, so the server sends the changes of every collection.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const args = process.argv.slice(2);
const url = args[0]?.startsWith('http') ? args.shift() : defaultUrl();
const collections = args;

function defaultUrl() {
  const dataDir =
    process.env.REFERENCE_APP_DATA_DIR ?? new URL('../.data', import.meta.url).pathname;
  try {
    const { port } = JSON.parse(readFileSync(`${dataDir}/todo-app/run.json`, 'utf8'));
    return `http://127.0.0.1:${port}`;
  } catch {
    return 'http://127.0.0.1:8577';
  }
}

const socket = new WebSocket(url.replace(/^http/, 'ws'));
socket.on('open', () => {
  console.log(
    `watching ${url} (${collections.length ? collections.join(', ') : 'every collection'}); Ctrl-C to stop`,
  );
  for (const collection of collections) {
    socket.send(JSON.stringify({ type: 'subscribe', collection, requestId: collection }));
  }
});
socket.on('message', (data) => {
  const message = JSON.parse(String(data));
  if (message.event) {
    const { collection, objectId, object } = message.data;
    const time = new Date(message.timestamp).toISOString().slice(11, 23);
    console.log(
      `${time} ${message.event.padEnd(6)} ${collection}/${objectId} ${JSON.stringify(object)}`,
    );
  } else if (message.type === 'error') {
    console.error(`error ${message.code}: ${message.message}`);
  }
});
socket.on('error', (error) => {
  console.error(`cannot connect to ${url}: ${error.message}`);
  process.exitCode = 1;
});
socket.on('close', () => process.exit());
process.on('SIGINT', () => socket.close());
