import type { AddressInfo } from 'node:net';
import {
  decodeDeviceMessage,
  type DeviceHello,
  encodeMessage,
  memoryLogger,
  type ServerMessage,
  SPEECH_FORMAT,
} from '@pichat/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { WsLink, type WsLinkOptions } from './ws-link.js';

const TOKEN = 'test-token-123';

const SERVER_HELLO: ServerMessage = {
  type: 'hello',
  protocol: 1,
  server: { name: 'pichat', version: 'test' },
  device: { id: 'dev-1', name: 'bench' },
  limits: { maxFrameBytes: 4096, maxTurnMs: 30_000, inputFormats: [SPEECH_FORMAT] },
};

const DEVICE_HELLO: DeviceHello = {
  type: 'hello',
  protocol: 1,
  device: { name: 'bench', version: '0.1.0' },
  capabilities: { playback: [SPEECH_FORMAT], features: ['volume'] },
  volume: 60,
};

/** A minimal device endpoint: checks the bearer token, answers the hello, records what it receives. */
async function startServer(options: { autoPong?: boolean; port?: number } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: options.port ?? 0, autoPong: options.autoPong ?? true });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const received: unknown[] = [];
  const auth: (string | undefined)[] = [];
  const sockets: WebSocket[] = [];
  wss.on('connection', (ws, req) => {
    auth.push(req.headers.authorization);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      ws.close(4401, 'unauthorized');
      return;
    }
    sockets.push(ws);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void received.push({ audio: (data as Buffer).byteLength });
      const d = decodeDeviceMessage(data.toString());
      received.push(d.ok ? d.message : d);
      if (d.ok && d.message.type === 'hello') ws.send(encodeMessage(SERVER_HELLO));
    });
  });
  const port = (wss.address() as AddressInfo).port;
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => resolve());
    });
  return { wss, port, received, auth, sockets, stop };
}

type Server = Awaited<ReturnType<typeof startServer>>;

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function makeLink(port: number, overrides: Partial<WsLinkOptions> = {}) {
  const log = memoryLogger();
  const link = new WsLink({
    url: `ws://127.0.0.1:${port}/ws/device`,
    token: TOKEN,
    hello: () => DEVICE_HELLO,
    log,
    pingIntervalMs: 1000,
    deadAfterMs: 5000,
    helloTimeoutMs: 2000,
    backoffInitialMs: 20,
    backoffMaxMs: 100,
    maxBufferedBytes: 64 * 1024,
    ...overrides,
  });
  const events: string[] = [];
  const messages: ServerMessage[] = [];
  const audio: number[] = [];
  link.subscribe({
    up: () => events.push('up'),
    down: (reason) => events.push(`down: ${reason}`),
    message: (m) => messages.push(m),
    audio: (a) => audio.push(a.byteLength),
  });
  cleanups.push(() => link.close());
  return { link, log, events, messages, audio };
}

async function serve(options?: Parameters<typeof startServer>[0]): Promise<Server> {
  const s = await startServer(options);
  cleanups.push(s.stop);
  return s;
}

const WAIT = { timeout: 5000, interval: 10 };

describe('WsLink', () => {
  it('connects with the bearer token, says hello, and delivers validated messages and audio', async () => {
    const server = await serve();
    const l = makeLink(server.port);
    l.link.start();
    await vi.waitFor(() => expect(l.link.isUp).toBe(true), WAIT);
    expect(server.auth).toEqual([`Bearer ${TOKEN}`]);
    expect(server.received[0]).toEqual(DEVICE_HELLO);

    expect(l.link.send({ type: 'turn.start', turnId: 't1', format: SPEECH_FORMAT })).toBe(true);
    expect(l.link.sendAudio(new Uint8Array(640))).toBe(true);
    await vi.waitFor(() => expect(server.received).toHaveLength(3), WAIT);
    expect(server.received[2]).toEqual({ audio: 640 });

    const ws = server.sockets[0]!;
    ws.send('{"type":"nonsense"}');
    ws.send('not json');
    ws.send(encodeMessage({ type: 'control', volume: 30 }));
    ws.send(new Uint8Array(882));
    await vi.waitFor(() => expect(l.audio).toEqual([882]), WAIT);
    expect(l.messages).toEqual([{ type: 'control', volume: 30 }]);
    expect(l.log.lines.filter((x) => x.includes('invalid message from the server'))).toHaveLength(2);
    expect(l.events).toEqual(['up']);
  });

  it('reconnects after the server closes the connection, and after a full server restart', async () => {
    const server = await serve();
    const l = makeLink(server.port);
    l.link.start();
    await vi.waitFor(() => expect(l.link.isUp).toBe(true), WAIT);

    server.sockets[0]!.close(1001, 'restarting');
    await vi.waitFor(() => expect(l.events).toEqual(['up', 'down: restarting', 'up']), WAIT);
    expect(server.auth).toHaveLength(2);

    await server.stop();
    await vi.waitFor(() => expect(l.link.isUp).toBe(false), WAIT);
    expect(l.link.send({ type: 'turn.cancel', turnId: 't1' })).toBe(false);
    expect(l.link.sendAudio(new Uint8Array(640))).toBe(false);
    const again = await serve({ port: server.port });
    await vi.waitFor(() => expect(l.link.isUp).toBe(true), WAIT);
    expect(again.received[0]).toEqual(DEVICE_HELLO);
    expect(l.events.filter((e) => e === 'up')).toHaveLength(3);
  });

  it('declares a silent server dead after the heartbeat timeout and redials', async () => {
    const server = await serve({ autoPong: false });
    const l = makeLink(server.port, { pingIntervalMs: 50, deadAfterMs: 300 });
    let upAt = 0;
    let downAt = 0;
    l.link.subscribe({ up: () => (upAt ||= Date.now()), down: () => (downAt ||= Date.now()) });
    l.link.start();
    await vi.waitFor(() => expect(l.events[1]).toBe('down: no answer from the server for 300 ms'), WAIT);
    const deadAfter = downAt - upAt; // the server's hello was the last frame it sent
    expect(deadAfter).toBeGreaterThanOrEqual(300);
    expect(deadAfter).toBeLessThan(1000);
    await vi.waitFor(() => expect(l.events.filter((e) => e === 'up')).toHaveLength(2), WAIT);
  });

  it('stays up with a server that answers pings', async () => {
    const server = await serve();
    const l = makeLink(server.port, { pingIntervalMs: 30, deadAfterMs: 150 });
    l.link.start();
    await vi.waitFor(() => expect(l.link.isUp).toBe(true), WAIT);
    let pings = 0;
    server.sockets[0]!.on('ping', () => pings++);
    await vi.waitFor(() => expect(pings).toBeGreaterThanOrEqual(15), WAIT); // 450 ms: three timeouts' worth
    expect(l.events).toEqual(['up']);
  });

  it('a rejected token is reported clearly and retried slowly, never in a tight loop', async () => {
    const server = await serve();
    const l = makeLink(server.port, { token: 'wrong-token-1', backoffMaxMs: 60_000 });
    l.link.start();
    await vi.waitFor(() => expect(l.log.lines.some((x) => x.includes('rejected the device token'))).toBe(true), WAIT);
    const retry = l.log.lines.find((x) => x.includes('cannot reach the server'));
    expect(Number(/retryInMs=(\d+)/.exec(retry ?? '')?.[1])).toBeGreaterThanOrEqual(30_000);
    expect(l.link.isUp).toBe(false);
    expect(l.link.reconnecting).toBe(true);
  });

  it('wake() cuts a back-off short', async () => {
    const server = await serve();
    await server.stop();
    const l = makeLink(server.port, { backoffInitialMs: 60_000, backoffMaxMs: 60_000 });
    l.link.start();
    await vi.waitFor(() => expect(l.link.reconnecting).toBe(true), WAIT);
    await serve({ port: server.port });
    l.link.wake();
    await vi.waitFor(() => expect(l.link.isUp).toBe(true), WAIT);
  });

  it('drops audio instead of queueing it when the socket is backed up', async () => {
    const server = await serve();
    const l = makeLink(server.port, { maxBufferedBytes: 256 * 1024 });
    l.link.start();
    await vi.waitFor(() => expect(l.link.isUp).toBe(true), WAIT);
    // The server stops reading: the kernel buffers fill, then ws's own buffer grows.
    (server.sockets[0] as unknown as { _socket: { pause(): void } })._socket.pause();
    const chunk = new Uint8Array(64 * 1024);
    let sent = 0;
    while (l.link.sendAudio(chunk) && sent < 10_000) sent++;
    expect(sent).toBeLessThan(10_000);
    expect(l.link.droppedFrames).toBe(1);
    // Control messages still go out: they are tiny and a turn.end must not be lost.
    expect(l.link.send({ type: 'turn.end', turnId: 't1' })).toBe(true);
  });
});

describe('WsLink against a server that refuses the upgrade', () => {
  it('reads HTTP 401 as a rejected token and backs off to the cap', async () => {
    const { createServer } = await import('node:http');
    const http = createServer();
    http.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => http.close(() => r())));
    const l = makeLink((http.address() as AddressInfo).port, { backoffMaxMs: 60_000 });
    l.link.start();
    await vi.waitFor(() => expect(l.log.lines.some((x) => x.includes('cannot reach the server'))).toBe(true), WAIT);
    const line = l.log.lines.find((x) => x.includes('cannot reach the server'))!;
    expect(line).toContain('rejected the device token (HTTP 401)');
    expect(Number(/retryInMs=(\d+)/.exec(line)?.[1])).toBeGreaterThanOrEqual(30_000);
  });
});
