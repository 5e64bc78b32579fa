import { afterEach, describe, expect, it } from 'vitest';
import { TestDevice } from './support/device-client.js';
import { eventually } from './support/eventually.js';
import { pushToTalk, startRealtimeServer, type RealtimeTestServer } from './support/realtime-server.js';

let server: RealtimeTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Hand-computed at the default prices (USD per 1M tokens: text in 4, audio in 32, text out 16, audio out 64). */
const RESPONSE_COST = (40 * 4 + 60 * 32 + 10 * 16 + 50 * 64) / 1e6; // 0.00544
/** gpt-4o-mini-transcribe: audio in 3, text out 5 per 1M tokens. */
const TRANSCRIPTION_COST = (50 * 3 + 8 * 5) / 1e6; // 0.00019

describe('a realtime turn from a device', () => {
  it('runs press → speech → release through the realtime model, with the device protocol unchanged', async () => {
    server = await startRealtimeServer();
    const device = await TestDevice.ready(server.url, server.token);
    await pushToTalk(device, 't1', 500);
    const done = await device.waitFor('turn.done', (m) => m.turnId === 't1');
    expect(done).toMatchObject({ outcome: 'answered', handler: 'realtime' });
    expect(done.timings).toHaveProperty('firstAudioSent');

    expect(await device.waitFor('transcript', (m) => m.turnId === 't1')).toMatchObject({ text: 'what is the weather like', final: true });
    const reply = device.messages().flatMap((m) => (m.type === 'reply.delta' && m.turnId === 't1' ? [m.text] : [])).join('');
    expect(reply).toBe('It is sunny and warm today.');
    // 600 ms of 24 kHz reply audio arrives converted to a format the device plays (22.05 kHz: the closest higher).
    const start = await device.waitFor('audio.start', (m) => m.turnId === 't1');
    expect(start.format.sampleRateHz).toBe(22050);
    expect(device.audioFor('t1').byteLength / (22.05 * 2)).toBeCloseTo(600, -1);

    // Upstream: session.update first, 16 → 24 kHz audio, then commit and response.create (push-to-talk, no VAD).
    const types = server.standin.events.map((e) => e.event.type);
    expect(types[0]).toBe('session.update');
    const session = server.standin.ofType('session.update')[0] as { session: { audio: { input: { turn_detection: null; format: { rate: number } } } } };
    expect(session.session.audio.input.turn_detection).toBeNull();
    expect(session.session.audio.input.format.rate).toBe(24000);
    const appended = server.standin.ofType('input_audio_buffer.append').reduce((n, e) => n + Buffer.from(String(e.audio), 'base64').byteLength, 0);
    expect(Math.abs(appended - 500 * 48)).toBeLessThanOrEqual(8);
    expect(types.indexOf('input_audio_buffer.commit')).toBeLessThan(types.indexOf('response.create'));

    // History: both sides, with the turn's cost (response + transcription, hand-computed).
    const store = server.store!;
    const cost = RESPONSE_COST + TRANSCRIPTION_COST;
    await eventually(async () => (await store.usageTotals()).records === 2 && (await store.listConversations())[0]?.messageCount === 2, 5000, 'history and usage');
    {
      const [conversation] = await store.listConversations();
      const messages = await store.listMessages(conversation!.id);
      expect(messages.map((m) => [m.role, m.text])).toEqual([
        ['user', 'what is the weather like'],
        ['assistant', 'It is sunny and warm today.'],
      ]);
      expect(messages[1]!.cost).toBeCloseTo(cost, 10);
      expect(messages[1]!.handler).toBe('realtime');
      const totals = await store.usageTotals({ conversationId: conversation!.id });
      expect(totals.records).toBe(2);
      expect(totals.cost).toBeCloseTo(cost, 10);
      expect((await store.usageTotals({ deviceId: store.devices.list()[0]!.id })).cost).toBeCloseTo(cost, 10);
    }
    await device.close();
  });

  it("keeps each device's usage its own when two devices use the same turn id at once", async () => {
    // The first response is slow: the second device's turn "t1" starts and ends while the first device's "t1" waits.
    server = await startRealtimeServer({ reply: (n) => (n === 0 ? { firstDelayMs: 1500 } : {}) });
    server.registry.add('hall', 'test-token-2');
    const kitchen = await TestDevice.ready(server.url, server.token);
    const hall = await TestDevice.ready(server.url, 'test-token-2');
    await pushToTalk(kitchen, 't1');
    await server.standin.until(() => server!.standin.ofType('response.create').length === 1, 3000, "the kitchen's response.create");
    await pushToTalk(hall, 't1');
    await hall.waitFor('turn.done', (m) => m.turnId === 't1');
    await kitchen.waitFor('turn.done', (m) => m.turnId === 't1');

    const store = server.store!;
    await eventually(async () => (await store.usageTotals()).records === 4, 5000, 'four usage records');
    const cost = RESPONSE_COST + TRANSCRIPTION_COST;
    for (const device of store.devices.list()) {
      const totals = await store.usageTotals({ deviceId: device.id });
      expect([device.name, totals.records]).toEqual([device.name, 2]);
      expect(totals.cost).toBeCloseTo(cost, 10);
      const [conversation] = await store.listConversations({ deviceId: device.id });
      expect((await store.usageTotals({ conversationId: conversation!.id })).cost).toBeCloseTo(cost, 10);
    }
    await kitchen.close();
    await hall.close();
  });

  it('queues audio spoken before the upstream is open and sends it after session.update', async () => {
    server = await startRealtimeServer();
    const device = await TestDevice.ready(server.url, server.token);
    // The link opens on the press; the frames follow at once, long before the TLS + WebSocket handshake is done.
    await pushToTalk(device, 't1', 300);
    await device.waitFor('turn.done', (m) => m.turnId === 't1');
    const events = server.standin.events.filter((e) => e.connection === 1).map((e) => e.event.type);
    expect(events[0]).toBe('session.update');
    const appends = server.standin.ofType('input_audio_buffer.append');
    expect(appends.reduce((n, e) => n + Buffer.from(String(e.audio), 'base64').byteLength, 0)).toBeGreaterThanOrEqual(300 * 48 - 8);
    expect(server.standin.connections).toBe(1);
    await device.close();
  });

  it('accepts the beta event names (Azure preview deployments)', async () => {
    server = await startRealtimeServer({ flavor: 'beta' }, { PICHAT_REALTIME_FLAVOR: 'beta' });
    const device = await TestDevice.ready(server.url, server.token);
    await pushToTalk(device, 't1');
    expect(await device.waitFor('turn.done', (m) => m.turnId === 't1')).toMatchObject({ outcome: 'answered' });
    expect(device.audioFor('t1').byteLength).toBeGreaterThan(0);
    const update = server.standin.ofType('session.update')[0] as { session: Record<string, unknown> };
    expect(update.session).toMatchObject({ input_audio_format: 'pcm16', turn_detection: null });
    await device.close();
  });

  it('answers a local skill (volume) itself when the transcript matches, cancelling the model', async () => {
    server = await startRealtimeServer({ transcript: () => 'volume up', reply: () => ({ chunkDelayMs: 50, audioMs: 2000 }) });
    const device = await TestDevice.ready(server.url, server.token);
    await pushToTalk(device, 't1');
    const done = await device.waitFor('turn.done', (m) => m.turnId === 't1');
    expect(done.handler).toMatch(/volume/);
    expect(await device.waitFor('control')).toMatchObject({ volume: expect.any(Number) });
    await server.standin.until(() => server!.standin.ofType('response.cancel').length === 1, 3000, 'response.cancel');
    expect(server.localTts.texts.length).toBe(1);
    await device.close();
  });
});
