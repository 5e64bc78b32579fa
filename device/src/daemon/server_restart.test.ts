import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
// The real PiChat server, built from source with its instant stand-in providers.
import { build, type App } from '../../../server/src/app.js';
import { MemoryDeviceRegistry } from '../../../server/src/devices/registry.js';
import { FakeBrain, FakeStt, FakeTts } from '../../../server/src/testing/fakes.js';
import { memoryLogger, PROTOCOL_VERSION } from '@pichat/shared';
import { WsLink } from '../link/ws-link.js';
import { frame, harness } from '../testing/daemon-harness.js';

/**
 * Reconnect against the real server: a turn is running when the server process goes away (its HTTP server and
 * every socket closed, as on `systemctl restart`); the device goes offline at once, answers presses with offline
 * feedback, redials with back-off, and runs a full turn once a new server listens on the same port.
 */

const WAIT = { timeout: 8000, interval: 10 };
const registry = new MemoryDeviceRegistry();
const { token } = registry.create('restart-test');

function server(): App {
  return build({
    registry,
    providers: { stt: new FakeStt(), brain: new FakeBrain(() => 'It is ten past three.'), tts: new FakeTts({ msPerChar: 5 }) },
  });
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('server restart mid-turn (real server, real socket)', () => {
  it('offline at once, offline feedback while down, back by itself, then a full turn works', async () => {
    let app = server();
    const { port } = await app.listen(0, '127.0.0.1');
    cleanups.push(() => app.close());

    const log = memoryLogger();
    const link = new WsLink({
      url: `ws://127.0.0.1:${port}/ws/device`,
      token,
      hello: () => ({ type: 'hello', protocol: PROTOCOL_VERSION, capabilities: { playback: [{ encoding: 'pcm_s16le', sampleRateHz: 16000, channels: 1 }], features: ['volume'] } }),
      log,
      pingIntervalMs: 200,
      deadAfterMs: 1000,
      helloTimeoutMs: 2000,
      backoffInitialMs: 50,
      backoffMaxMs: 300,
      maxBufferedBytes: 64 * 1024,
    });
    cleanups.push(() => link.close());
    const { daemon, source, sink, states, feedback } = harness({ link, log, replyTimeoutMs: 5000, errorHoldMs: 500 });
    cleanups.push(() => daemon.close());
    link.start();
    await vi.waitFor(() => expect(daemon.state).toBe('idle'), WAIT);

    // Mid-turn: the user is talking when the server stops.
    daemon.press();
    for (let i = 0; i < 5; i++) source.emit(frame());
    expect(daemon.state).toBe('listening');
    await app.close();
    await vi.waitFor(() => expect(daemon.state).toBe('offline'), WAIT);
    expect(source.running).toBe(false);

    // While it is down, a press answers at once with offline feedback and never captures.
    const startsBefore = source.starts;
    daemon.press();
    daemon.release();
    expect(daemon.state).toBe('offline');
    expect(feedback.at(-1)).toBe('offline');
    expect(source.starts).toBe(startsBefore);

    // The server comes back on the same port; the device finds it by itself.
    app = server();
    await app.listen(port, '127.0.0.1');
    await vi.waitFor(() => expect(daemon.state).toBe('idle'), WAIT);

    daemon.press();
    for (let i = 0; i < 10; i++) source.emit(frame());
    daemon.release();
    await vi.waitFor(() => expect(daemon.state).toBe('speaking'), WAIT);
    const reply = sink.last!;
    await vi.waitFor(() => expect(reply.finished).toBe(true), WAIT);
    expect(reply.bytes).toBeGreaterThan(0);
    reply.drain({ heardMs: 100 });
    await vi.waitFor(() => expect(daemon.state).toBe('idle'), WAIT);
    expect(states).toEqual(['idle', 'listening', 'offline', 'idle', 'listening', 'thinking', 'speaking', 'idle']);
    expect(log.lines.some((l) => l.includes('link lost, reconnecting'))).toBe(true);
  });
});
