import { SPEECH_FORMAT } from '@pichat/shared';
import { afterEach, describe, expect, it } from 'vitest';
import type { Brain } from '../server/src/pipeline/providers.js';
import { parsePrices } from '../server/src/providers/prices.js';
import type { UsageSink } from '../server/src/providers/usage.js';
import { TestDevice } from './support/device-client.js';
import { startTestServer, type TestServer } from './support/server.js';

/**
 * Pipeline usage (LLM tokens, TTS characters, STT audio) reported by providers is stored with its turn's device and
 * conversation and priced, so that the web UI's totals per conversation and device include it.
 */
describe('usage of pipeline providers is recorded per turn', () => {
  let server: TestServer | undefined;
  afterEach(async () => server?.close());

  it('prices an LLM call and adds it to the device and conversation totals', async () => {
    let sink: UsageSink | undefined;
    const brain: Brain = {
      reply: (_request, signal) => {
        // What the OpenAI-compatible adapter reports at the end of a streamed reply.
        sink?.({ provider: 'openai-chat', model: 'gpt-4o-mini', kind: 'tokens', input: 1200, output: 300 }, signal);
        return Promise.resolve({ handler: 'llm', actions: [], text: (async function* () { yield 'Hello there.'; })() });
      },
    };
    server = await startTestServer({ store: true });
    server.app.setProviders({ stt: server.stt, brain, tts: server.tts });
    // $0.15 per million input tokens, $0.60 per million output tokens.
    const prices = parsePrices('[{"provider":"openai-chat","model":"gpt-4o-mini","kind":"tokens","input":0.15,"output":0.6}]');
    sink = server.app.recorder!.usageSink(prices, 'USD');

    const device = await TestDevice.ready(server.url, server.token);
    device.send({ type: 'turn.start', turnId: 'u1', format: SPEECH_FORMAT });
    device.sendRaw(new Uint8Array(640));
    device.send({ type: 'turn.end', turnId: 'u1' });
    await device.waitFor('turn.done', (m) => m.turnId === 'u1');
    await device.close();

    const store = server.store!;
    const expected = (1200 * 0.15 + 300 * 0.6) / 1_000_000;
    const deviceId = store.devices.list()[0]!.id;
    await expect.poll(async () => (await store.usageTotals({ deviceId })).records, { timeout: 5000 }).toBe(1);
    const byDevice = await store.usageTotals({ deviceId });
    expect(byDevice.cost).toBeCloseTo(expected, 12);
    expect(byDevice.currency).toBe('USD');
    const [conversation] = await store.listConversations({ limit: 1 });
    expect((await store.usageTotals({ conversationId: conversation!.id })).cost).toBeCloseTo(expected, 12);
  });
});
