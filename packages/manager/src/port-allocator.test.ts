import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PortAllocator, isPortFree } from './port-allocator';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(port: number, host: string): Promise<net.Server> {
  const server = net.createServer();
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

describe('isPortFree', () => {
  it('is false for a port held by another socket, on 127.0.0.1 or on every address', async () => {
    const a = new PortAllocator({ start: 22_000, end: 22_100 });
    const p1 = await a.allocate();
    const p2 = await a.allocate();
    expect(await isPortFree(p1)).toBe(true);
    await listen(p1, '127.0.0.1');
    await listen(p2, '0.0.0.0');
    expect(await isPortFree(p1)).toBe(false);
    expect(await isPortFree(p2)).toBe(false);
  });
});

describe('PortAllocator', () => {
  it('hands out the lowest free port, skipping taken, excluded and reserved ones', async () => {
    const ports = new PortAllocator({ start: 22_200, end: 22_300 });
    const first = await ports.allocate();
    await listen(first + 1, '127.0.0.1');
    const second = await ports.allocate({ exclude: new Set([first + 2]) });
    expect(second).toBe(first + 3);
    ports.release(first);
    expect(await ports.allocate()).toBe(first);
  });

  it('never gives the same port to concurrent allocations', async () => {
    const ports = new PortAllocator({ start: 22_400, end: 22_500 });
    const got = await Promise.all(Array.from({ length: 20 }, () => ports.allocate()));
    expect(new Set(got).size).toBe(20);
  });

  it('tryReserve refuses a reserved or occupied port', async () => {
    const ports = new PortAllocator({ start: 22_600, end: 22_700 });
    const port = await ports.allocate();
    expect(await ports.tryReserve(port)).toBe(false);
    ports.release(port);
    await listen(port, '127.0.0.1');
    expect(await ports.tryReserve(port)).toBe(false);
  });

  it('reports UNAVAILABLE when the range is exhausted and INVALID_CONFIG for a bad range', async () => {
    const ports = new PortAllocator({ start: 22_800, end: 22_801 });
    await ports.allocate();
    await ports.allocate();
    await expect(ports.allocate()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(() => new PortAllocator({ start: 10, end: 5 })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });
});
