import { SPEECH_FORMAT } from '@pichat/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { TestDevice } from './support/device-client.js';
import { eventually } from './support/eventually.js';
import { pushToTalk, speech, startRealtimeServer, type LocalVoice, type RealtimeTestServer } from './support/realtime-server.js';

let server: RealtimeTestServer | undefined;
let device: TestDevice | undefined;
/** One push-to-talk turn of `device`; resolves with its turn.done. */
async function talk(turnId: string) {
  await pushToTalk(device!, turnId);
  return device!.waitFor('turn.done', (m) => m.turnId === turnId);
}

afterEach(async () => {
  await device?.close();
  await server?.close();
  server = undefined;
  device = undefined;
});

const replyText = (d: TestDevice, turnId: string): string =>
  d.messages().flatMap((m) => (m.type === 'reply.delta' && m.turnId === turnId ? [m.text] : [])).join('');

describe('realtime barge-in', () => {
  it('cancels the running response and truncates it at the device playback position', async () => {
    // A long reply streamed slowly: the user presses again while it plays.
    server = await startRealtimeServer({ reply: (n) => (n === 0 ? { audioMs: 3000, chunkDelayMs: 40, text: 'one two three four five six seven eight nine ten' } : {}) });
    device = await TestDevice.ready(server.url, server.token);
    await pushToTalk(device, 't1');
    await device.waitFor('audio.start', (m) => m.turnId === 't1');
    await eventually(() => device!.audioFor('t1').byteLength > 22050 * 2 * 0.4, 5000, '400 ms of reply audio');
    device.send({ type: 'playback.done', turnId: 't1', heardMs: 300, interrupted: true });
    await pushToTalk(device, 't2');
    expect(await device.waitFor('turn.done', (m) => m.turnId === 't1')).toMatchObject({ outcome: 'superseded' });
    expect(await device.waitFor('turn.done', (m) => m.turnId === 't2', 5000)).toMatchObject({ outcome: 'answered' });

    const standin = server.standin;
    const truncate = standin.ofType('conversation.item.truncate');
    expect(truncate).toEqual([expect.objectContaining({ item_id: 'item_asst_0', content_index: 0, audio_end_ms: 300 })]);
    const types = standin.events.map((e) => e.event.type);
    expect(types.indexOf('response.cancel')).toBeGreaterThan(-1);
    expect(types.indexOf('response.cancel')).toBeLessThan(types.indexOf('conversation.item.truncate'));
    // The truncation was accepted (not past the audio the model had produced).
    expect(standin.events.some((e) => e.event.type === 'error')).toBe(false);

    // History keeps only what was heard of t1, marked interrupted.
    const store = server.store!;
    await eventually(async () => (await store.listConversations())[0]?.messageCount === 4, 5000, 'four messages');
    const [conversation] = await store.listConversations();
    const messages = await store.listMessages(conversation!.id);
    const t1 = messages.find((m) => m.turnId === 't1' && m.role === 'assistant')!;
    expect(t1.interrupted).toBe(true);
    expect('one two three four five six seven eight nine ten'.startsWith(t1.text)).toBe(true);
    expect(t1.text.length).toBeLessThan(20);
  });
});

describe('realtime failures', () => {
  it('an upstream drop mid-response: spoken explanation, partial reply kept, pipeline meanwhile, reconnect', async () => {
    server = await startRealtimeServer({ reply: (n) => (n === 0 ? { dropAfterChunks: 2, chunkDelayMs: 20, audioMs: 2000, text: 'Well, let me think about that for a moment.' } : {}) });
    device = await TestDevice.ready(server.url, server.token);
    await pushToTalk(device, 't1');
    const done = await device.waitFor('turn.done', (m) => m.turnId === 't1');
    expect(done.outcome).toBe('failed');
    expect(await device.waitFor('error', (m) => m.turnId === 't1')).toMatchObject({ code: 'brain_failed', message: expect.stringContaining('dropped') });
    expect(server.localTts.texts.join(' ')).toContain('connection to the realtime model dropped');
    expect(replyText(device, 't1')).toMatch(/^Well, let The connection to the realtime model dropped/);

    // Nothing already said is lost: the question and the partial answer are in the history.
    const store = server.store!;
    await eventually(async () => (await store.listConversations())[0]?.messageCount === 2, 5000, 'two messages');
    const [conversation] = await store.listConversations();
    const [user, assistant] = await store.listMessages(conversation!.id);
    expect(user!.text).toBe('what is the weather like');
    expect(assistant!.text).toContain('Well, let');
    expect(assistant!.outcome).toBe('failed');

    // The link reconnects by itself (backoff); once open, turns go to the realtime model again.
    await server.standin.until(() => server!.standin.connections === 2, 5000, 'a reconnect');
    await eventually(() => server!.realtime.session('device:' + store.devices.list()[0]!.id)?.upstream.state === 'open', 5000, 'link open');
    expect(await talk('t2')).toMatchObject({ outcome: 'answered', handler: 'realtime' });
  });

  it('a refused key: spoken explanation, then the regular pipeline, never a crash', async () => {
    server = await startRealtimeServer({}, { PICHAT_REALTIME_API_KEY: 'sk-wrong' });
    device = await TestDevice.ready(server.url, server.token);
    expect(await talk('t1')).toMatchObject({ outcome: 'failed' });
    expect(server.standin.refused).toEqual([401]);
    expect(server.localTts.texts.join(' ')).toContain('refused the API key');
    // The user's words are kept although the model never heard them (the regular recogniser on the kept audio).
    expect(await device.waitFor('transcript', (m) => m.turnId === 't1')).toMatchObject({ text: 'recovered words' });

    expect(await talk('t2')).toMatchObject({ outcome: 'answered', handler: 'fake' });
    expect(server.standin.refused).toEqual([401]);
  });

  it('a barge-in stops the spoken explanation at once', async () => {
    // A local voice that speaks one chunk, then holds until it is stopped.
    const stopped: string[] = [];
    const texts: string[] = [];
    const localTts: LocalVoice = {
      name: 'held-voice',
      texts,
      synthesize(text, signal) {
        texts.push(text);
        return {
          format: SPEECH_FORMAT,
          chunks: (async function* () {
            yield new Uint8Array(640);
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
            stopped.push(text);
          })(),
        };
      },
    };
    server = await startRealtimeServer({}, { PICHAT_REALTIME_API_KEY: 'sk-wrong' }, { localTts });
    device = await TestDevice.ready(server.url, server.token);
    await pushToTalk(device, 't1');
    await eventually(() => texts.length === 1, 5000, 'the explanation begun');
    device.send({ type: 'turn.start', turnId: 't2', format: SPEECH_FORMAT });
    await device.waitFor('turn.done', (m) => m.turnId === 't1', 3000); // not after the voice's own 15 s limit
    await eventually(() => stopped.length === 1, 3000, 'the local voice stopped');
    expect(stopped[0]).toContain('refused the API key');
  });

  it('a refused key while the user is still talking: one attempt, not one per audio frame', async () => {
    server = await startRealtimeServer({}, { PICHAT_REALTIME_API_KEY: 'sk-wrong' });
    device = await TestDevice.ready(server.url, server.token);
    device.send({ type: 'turn.start', turnId: 't1', format: SPEECH_FORMAT });
    await device.streamPcm(speech(1000), { realTime: true }); // the refusal comes while these frames still arrive
    device.send({ type: 'turn.end', turnId: 't1' });
    expect(await device.waitFor('turn.done', (m) => m.turnId === 't1')).toMatchObject({ outcome: 'failed' });
    expect(server.standin.refused).toEqual([401]);
  });

  it('an error event answering response.create fails the turn with an explanation', async () => {
    // No fallback window (0 ms), so that the next turns go to the same link again.
    server = await startRealtimeServer({ reply: (n) => (n === 0 ? { error: { code: 'server_error', type: 'server_error' } } : {}) }, { PICHAT_REALTIME_FALLBACK_MS: '0' });
    device = await TestDevice.ready(server.url, server.token);
    expect(await talk('t1')).toMatchObject({ outcome: 'failed' });
    expect(device.audioFor('t1').byteLength).toBeGreaterThan(0); // the explanation, spoken locally
    // The refused request left nothing behind: the next turns get their own responses.
    for (const id of ['t2', 't3']) {
      await pushToTalk(device, id);
      expect(await device.waitFor('turn.done', (m) => m.turnId === id)).toMatchObject({ outcome: 'answered', handler: 'realtime' });
    }
    expect(server.standin.ofType('response.cancel')).toHaveLength(0);
  });

  it('a response failing with insufficient_quota sends later turns to the pipeline', async () => {
    server = await startRealtimeServer({ reply: () => ({ failWith: { code: 'insufficient_quota', type: 'insufficient_quota' } }) });
    device = await TestDevice.ready(server.url, server.token);
    expect(await talk('t1')).toMatchObject({ outcome: 'failed' });
    expect(server.localTts.texts.join(' ')).toContain('quota');
    expect(await talk('t2')).toMatchObject({ outcome: 'answered', handler: 'fake' });
  });

  it('a slow response within the limit is answered', async () => {
    server = await startRealtimeServer({ reply: () => ({ firstDelayMs: 600, chunkDelayMs: 100 }) });
    device = await TestDevice.ready(server.url, server.token);
    await pushToTalk(device, 't1');
    expect(await device.waitFor('turn.done', (m) => m.turnId === 't1', 8000)).toMatchObject({ outcome: 'answered', handler: 'realtime' });
  });

  it('a response that never comes times out with an explanation', async () => {
    server = await startRealtimeServer({ reply: () => ({ silent: true }) }, { PICHAT_REALTIME_RESPONSE_TIMEOUT_MS: '300' });
    device = await TestDevice.ready(server.url, server.token);
    expect(await talk('t1')).toMatchObject({ outcome: 'failed' });
    expect(server.localTts.texts.join(' ')).toContain('did not answer in time');
    // "I'm switching to the regular assistant": the next turn does not wait on the stalled model again.
    expect(await talk('t2')).toMatchObject({ outcome: 'answered', handler: 'fake' });
  });

  it.each([
    ['an error event refusing the request', { error: { code: 'server_error', type: 'server_error' } }],
    ['a failed response (response.done failed)', { failWith: { code: 'server_error', type: 'server_error' } }],
  ] as const)('%s sends the next turn to the pipeline too', async (_what, first) => {
    server = await startRealtimeServer({ reply: (n) => (n === 0 ? first : {}) });
    device = await TestDevice.ready(server.url, server.token);
    expect(await talk('t1')).toMatchObject({ outcome: 'failed' });
    expect(await talk('t2')).toMatchObject({ outcome: 'answered', handler: 'fake' });
  });

  it('a response that was never created leaves nothing behind: the next turn is answered', async () => {
    // No fallback window (0 ms), so that the next turn goes to realtime again.
    server = await startRealtimeServer({ reply: (n) => (n === 0 ? { silent: true } : {}) }, { PICHAT_REALTIME_RESPONSE_TIMEOUT_MS: '300', PICHAT_REALTIME_FALLBACK_MS: '0' });
    device = await TestDevice.ready(server.url, server.token);
    expect(await talk('t1')).toMatchObject({ outcome: 'failed' });
    expect(await talk('t2')).toMatchObject({ outcome: 'answered', handler: 'realtime' });
  });

  it('without a key, says once why realtime mode is unavailable and answers through the pipeline', async () => {
    server = await startRealtimeServer({}, { PICHAT_REALTIME_API_KEY: '' });
    expect(server.realtime.status()).toMatchObject({ available: false, reason: expect.stringContaining('no API key') });
    device = await TestDevice.ready(server.url, server.token);
    expect(await talk('t1')).toMatchObject({ outcome: 'answered', handler: 'fake' });
    expect(replyText(device, 't1')).toMatch(/^Realtime mode is unavailable: no API key is configured/);
    await pushToTalk(device, 't2');
    await device.waitFor('turn.done', (m) => m.turnId === 't2');
    expect(replyText(device, 't2')).not.toMatch(/unavailable/);
    expect(server.standin.connections).toBe(0);
  });
});
