import { connect } from 'node:net';
import { PROTOCOL_VERSION, SPEECH_FORMAT } from '@pichat/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestDevice } from './support/device-client.js';
import { startTestServer, type TestServer } from './support/server.js';

const pcm = (ms: number): Uint8Array => new Uint8Array(Math.round(16 * ms) * 2).fill(1);

describe('device endpoint: bad input gets a clear error and hurts nobody else', () => {
  let server: TestServer;
  let other: TestDevice;

  beforeEach(async () => {
    server = await startTestServer({ limits: { maxTurnMs: 1000, maxFrameBytes: 8192 } });
    server.registry.add('living room', 'other-token');
    other = await TestDevice.ready(server.url, 'other-token');
  });

  afterEach(async () => {
    // The bystander must still get a full answer after whatever the test did.
    other.send({ type: 'turn.start', turnId: 'bystander', format: SPEECH_FORMAT });
    await other.streamPcm(pcm(200));
    other.send({ type: 'turn.end', turnId: 'bystander' });
    const done = await other.waitFor('turn.done', (m) => m.turnId === 'bystander');
    expect(done.outcome).toBe('answered');
    await other.close();
    await server.close();
  });

  it('refuses a missing or wrong token with HTTP 401', async () => {
    await expect(TestDevice.connect(server.url, undefined)).rejects.toMatchObject({ status: 401 });
    await expect(TestDevice.connect(server.url, 'not-a-token')).rejects.toMatchObject({ status: 401 });
  });

  it('survives clients that reset the connection while being refused (bad token, unknown path)', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);
    process.prependListener('uncaughtException', onUncaught);
    try {
      const { port } = new URL(server.url);
      for (const path of ['/ws/device', '/ws/nothing', '/ws/device', '/ws/nothing']) {
        const client = connect(Number(port), '127.0.0.1');
        client.on('error', () => undefined);
        await new Promise<void>((resolve) => client.once('connect', resolve));
        client.write(
          `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer nope\r\n\r\n',
        );
        client.resetAndDestroy();
      }
      // Until the server has dropped every refused socket: only the bystander's connection is left.
      const open = (): Promise<number> => new Promise((resolve, reject) => server.app.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
      await expect.poll(open, { timeout: 5000 }).toBe(1);
      expect(uncaught).toEqual([]);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
  });

  it('answers an upgrade whose target the URL parser refuses with HTTP 400 instead of crashing', async () => {
    const { port } = new URL(server.url);
    for (const target of ['http://[/', 'http://a:99999/']) {
      const client = connect(Number(port), '127.0.0.1');
      client.setEncoding('utf8');
      let answer = '';
      client.on('data', (d: string) => (answer += d));
      const ended = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.write(
        `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${server.token}\r\n\r\n`,
      );
      await ended;
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    }
  });

  it('answers malformed JSON with bad_json and keeps the connection', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    d.sendRaw('{"type": "turn.start", ');
    expect((await d.waitFor('error')).code).toBe('bad_json');
    d.sendRaw('[1,2,3]');
    expect((await d.waitFor('error', (e) => e.code === 'invalid_message')).message).toMatch(/object/);
    await runTurn(d, 'after-bad-json');
    await d.close();
  });

  it('answers an unknown message type with unknown_type', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    d.sendRaw(JSON.stringify({ type: 'self.destruct', turnId: 'x' }));
    const err = await d.waitFor('error');
    expect(err.code).toBe('unknown_type');
    expect(err.message).toContain('self.destruct');
    await d.close();
  });

  it('requires hello first and refuses another protocol version with close 4400', async () => {
    const d = await TestDevice.connect(server.url, server.token);
    d.send({ type: 'turn.start', turnId: 't1', format: SPEECH_FORMAT });
    expect((await d.waitFor('error')).code).toBe('hello_required');
    d.send({ type: 'hello', protocol: PROTOCOL_VERSION + 1, capabilities: { playback: [SPEECH_FORMAT], features: [] } });
    expect((await d.waitFor('error', (e) => e.code === 'protocol_version')).message).toMatch(/protocol/);
    expect(await d.waitClosed()).toBe(4400);
  });

  it('answers audio outside a turn with one no_active_turn error, not one per frame', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    for (let i = 0; i < 5; i++) d.sendRaw(pcm(20));
    await d.waitFor('error', (e) => e.code === 'no_active_turn');
    await runTurn(d, 'then-a-turn');
    expect(d.messages().filter((m) => m.type === 'error' && m.code === 'no_active_turn')).toHaveLength(1);
    await d.close();
  });

  it('refuses a turn with a missing or unsupported audio format', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    d.sendRaw(JSON.stringify({ type: 'turn.start', turnId: 'nofmt' }));
    const missing = await d.waitFor('error');
    expect(missing.code).toBe('unsupported_format');
    expect(missing.message).toMatch(/format/);
    d.send({ type: 'turn.start', turnId: 'stereo', format: { encoding: 'pcm_s16le', sampleRateHz: 44100, channels: 2 } });
    const unsupported = await d.waitFor('error', (e) => e.turnId === 'stereo');
    expect(unsupported.code).toBe('unsupported_format');
    expect(unsupported.turnId).toBe('stereo');
    expect(unsupported.message).toMatch(/16000 Hz mono/);
    d.sendRaw(JSON.stringify({ type: 'turn.start', turnId: 'ulaw', format: { encoding: 'mulaw', sampleRateHz: 8000, channels: 1 } }));
    expect((await d.waitFor('error', (e) => /encoding/.test(e.message))).code).toBe('unsupported_format');
    expect(server.stt.streams).toHaveLength(0);
    await d.close();
  });

  it('drops a frame over the protocol limit with frame_too_large and closes on one over the transport limit', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    d.send({ type: 'turn.start', turnId: 'big', format: SPEECH_FORMAT });
    d.sendRaw(pcm(20));
    d.sendRaw(new Uint8Array(8194));
    const err = await d.waitFor('error');
    expect(err.code).toBe('frame_too_large');
    d.sendRaw(pcm(20));
    d.send({ type: 'turn.end', turnId: 'big' });
    await d.waitFor('turn.done', (m) => m.turnId === 'big');
    expect(server.stt.streams[0]!.bytes).toBe(2 * pcm(20).byteLength); // the big frame never reached STT

    d.sendRaw(new Uint8Array(2 * 1024 * 1024));
    expect(await d.waitClosed()).toBe(1009);
  });

  it('ends a turn at the maximum length with turn_too_long and still answers it', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    d.send({ type: 'turn.start', turnId: 'long', format: SPEECH_FORMAT });
    await d.streamPcm(pcm(1500));
    const err = await d.waitFor('error');
    expect(err).toMatchObject({ code: 'turn_too_long', turnId: 'long' });
    d.send({ type: 'turn.end', turnId: 'long' }); // late release: ignored quietly
    const done = await d.waitFor('turn.done', (m) => m.turnId === 'long');
    expect(done.outcome).toBe('answered');
    expect(server.stt.streams[0]!.bytes).toBeLessThanOrEqual(pcm(1000).byteLength + 640);
    await runTurn(d, 'next');
    expect(d.messages().filter((m) => m.type === 'error')).toHaveLength(1);
    await d.close();
  });

  it('aborts the turn of a device that disconnects mid-turn and leaks nothing', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    d.send({ type: 'turn.start', turnId: 'gone', format: SPEECH_FORMAT });
    await d.streamPcm(pcm(200));
    await expect.poll(() => server.stt.streams.length, { timeout: 5000 }).toBe(1);
    await d.close();
    await expect.poll(() => server.app.hub.connected.size, { timeout: 5000 }).toBe(1);
    expect(server.stt.streams[0]!.aborted).toBe(true);
    expect(server.stt.open).toBe(0);
    expect(server.app.hub.activeTurns).toBe(0);
  });

  it('aborts the running turn when a second turn.start arrives (barge-in)', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    d.send({ type: 'turn.start', turnId: 'first', format: SPEECH_FORMAT });
    await d.streamPcm(pcm(100));
    d.send({ type: 'turn.start', turnId: 'second', format: SPEECH_FORMAT });
    await d.streamPcm(pcm(100));
    d.send({ type: 'turn.end', turnId: 'second' });
    const first = await d.waitFor('turn.done', (m) => m.turnId === 'first');
    expect(first.outcome).toBe('superseded');
    const second = await d.waitFor('turn.done', (m) => m.turnId === 'second');
    expect(second.outcome).toBe('answered');
    expect(server.stt.streams[0]!.aborted).toBe(true);
    expect(server.stt.streams[0]!.bytes).toBe(pcm(100).byteLength);
    expect(server.stt.streams[1]!.bytes).toBe(pcm(100).byteLength);
    expect(d.audioFor('first').byteLength).toBe(0);
    expect(server.stt.open).toBe(0);
    await d.close();
  });

  it('answers turn.end and turn.cancel for a turn that is not running with no_active_turn', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    d.send({ type: 'turn.end', turnId: 'never-started' });
    expect((await d.waitFor('error')).code).toBe('no_active_turn');
    d.send({ type: 'turn.cancel', turnId: 'never-started-either' });
    expect((await d.waitFor('error', (e) => e.turnId === 'never-started-either')).code).toBe('no_active_turn');
    await d.close();
  });

  it('cancels a turn on turn.cancel', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    d.send({ type: 'turn.start', turnId: 'oops', format: SPEECH_FORMAT });
    await d.streamPcm(pcm(100));
    d.send({ type: 'turn.cancel', turnId: 'oops' });
    expect((await d.waitFor('turn.done', (m) => m.turnId === 'oops')).outcome).toBe('cancelled');
    expect(server.stt.open).toBe(0);
    await d.close();
  });

  it('replaces a stale connection of the same device with close 4409', async () => {
    const first = await TestDevice.ready(server.url, server.token);
    const second = await TestDevice.ready(server.url, server.token);
    expect(await first.waitClosed()).toBe(4409);
    await runTurn(second, 'on-the-new-link');
    await second.close();
  });

  it('starts nothing from frames a replaced connection delivers before its close handshake ends', async () => {
    await TestDevice.ready(server.url, server.token);
    const [deviceId, replaced] = [...server.app.hub.connected.entries()].find(([, s]) => s.device.name === 'kitchen')!;
    const second = await TestDevice.ready(server.url, server.token);
    expect(server.app.hub.connected.get(deviceId)).not.toBe(replaced);
    // What ws hands over from a device that has not yet answered the close frame (a slow or busy link).
    const socket = (replaced as unknown as { socket: import('ws').WebSocket }).socket;
    const streams = server.stt.streams.length;
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'turn.start', turnId: 'ghost', format: SPEECH_FORMAT })), false);
    socket.emit('message', Buffer.from(pcm(100)), true);
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'turn.end', turnId: 'ghost' })), false);
    expect(server.stt.streams.length).toBe(streams);
    expect(replaced.activeTurn).toBeUndefined();
    expect(server.brain.requests).toHaveLength(0);
    await second.close();
  });
});

async function runTurn(d: TestDevice, turnId: string): Promise<void> {
  d.send({ type: 'turn.start', turnId, format: SPEECH_FORMAT });
  await d.streamPcm(pcm(100));
  d.send({ type: 'turn.end', turnId });
  const done = await d.waitFor('turn.done', (m) => m.turnId === turnId);
  expect(done.outcome).toBe('answered');
}
