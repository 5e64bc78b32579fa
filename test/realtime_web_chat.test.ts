import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient, login } from './support/chat-client.js';
import { eventually } from './support/eventually.js';
import { speech, startRealtimeServer, type RealtimeTestServer } from './support/realtime-server.js';

let server: RealtimeTestServer | undefined;
const clients: ChatClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server?.close();
  server = undefined;
});

/** Default stand-in usage at the default prices: a response 0.00544, a transcription 0.00019 (see realtime_turn). */
const RESPONSE_COST = 5440 / 1e6;
const TRANSCRIPTION_COST = 190 / 1e6;

async function browsers(s: RealtimeTestServer): Promise<[ChatClient, ChatClient]> {
  const cookie = await login(s.httpUrl, s.admin!.username, s.admin!.password);
  const a = await ChatClient.connect(s.httpUrl, cookie);
  const b = await ChatClient.connect(s.httpUrl, cookie);
  clients.push(a, b);
  return [a, b];
}

describe('realtime mode in the web chat', () => {
  it('runs browser push-to-talk through the realtime model: reply audio to the page, history and cost live', async () => {
    server = await startRealtimeServer();
    const [c, other] = await browsers(server);
    const conv = (await c.request('create_conversation', { title: 'Realtime voice' })).payload.conversation as { id: string };
    const started = await c.request('voice_start', { conversation_id: conv.id, turn_id: 'ptt-rt' });
    expect(started.payload).toMatchObject({ turn_id: 'ptt-rt', mode: 'realtime' });
    const pcm = speech(500);
    for (let i = 0; i < pcm.byteLength; i += 3200) c.raw(Buffer.from(pcm.subarray(i, i + 3200)));
    c.send('voice_end', { turn_id: 'ptt-rt' });

    await c.waitAction('voice', (p) => p.type === 'transcript' && p.text === 'what is the weather like');
    await c.waitAction('voice', (p) => p.type === 'audio.start');
    const done = await c.waitAction('voice', (p) => p.type === 'turn.done' && p.turnId === 'ptt-rt');
    expect(done.payload).toMatchObject({ outcome: 'answered', handler: 'realtime' });
    // 600 ms of 24 kHz reply audio, played by the page at 24 kHz.
    expect(c.audio.reduce((n, b) => n + b.byteLength, 0) / 48).toBeCloseTo(600, -1);
    const reply = c.frames.flatMap((f) => (f.action === 'voice' && f.payload.type === 'reply.delta' ? [String(f.payload.text)] : [])).join('');
    expect(reply).toBe('It is sunny and warm today.');

    // Live in the other browser: the messages and the usage with the conversation's running cost.
    await other.waitAction('message_created', (p) => (p.message as { turn_id: string; role: string }).turn_id === 'ptt-rt' && (p.message as { role: string }).role === 'assistant');
    const usage = await other.waitAction('realtime_usage', (p) => p.kind === 'response' && p.conversation_id === conv.id);
    expect(usage.payload.cost).toBeCloseTo(RESPONSE_COST, 10);

    const store = server.store!;
    await eventually(async () => (await store.usageTotals({ conversationId: conv.id })).records === 2, 5000, 'usage recorded');
    const messages = await store.listMessages(conv.id);
    expect(messages.map((m) => [m.role, m.text, m.source])).toEqual([
      ['user', 'what is the weather like', 'web'],
      ['assistant', 'It is sunny and warm today.', 'web'],
    ]);
    expect(messages[1]!.cost).toBeCloseTo(RESPONSE_COST + TRANSCRIPTION_COST, 10);
    const costs = await c.request('get_costs', { conversation_id: conv.id });
    expect((costs.payload.conversation as { cost: number }).cost).toBeCloseTo(RESPONSE_COST + TRANSCRIPTION_COST, 10);
  });

  it('answers a typed message to a realtime conversation in text, streamed as reply deltas', async () => {
    server = await startRealtimeServer();
    const [c, other] = await browsers(server);
    const conv = (await c.request('create_conversation', { title: 'Realtime text' })).payload.conversation as { id: string };
    const sent = await c.request('send_message', { conversation_id: conv.id, content: 'tell me about the weather' });
    const turnId = sent.payload.turn_id as string;
    await other.waitAction('message_created', (p) => (p.message as { turn_id: string; role: string }).turn_id === turnId && (p.message as { role: string }).role === 'assistant');
    const deltas = c.frames.flatMap((f) => (f.action === 'reply_delta' && f.payload.turn_id === turnId ? [String(f.payload.text)] : [])).join('');
    expect(deltas).toBe('It is sunny and warm today.');

    // Upstream: the user's words as a text item, then a text-only response; no audio was sent or asked for.
    const item = server.standin.ofType('conversation.item.create')[0] as { item: { role: string; content: { type: string; text: string }[] } };
    expect(item.item).toMatchObject({ role: 'user', content: [{ type: 'input_text', text: 'tell me about the weather' }] });
    expect(server.standin.ofType('response.create')[0]).toMatchObject({ response: { output_modalities: ['text'] } });
    expect(server.standin.ofType('input_audio_buffer.commit')).toHaveLength(0);

    const store = server.store!;
    await eventually(async () => (await store.usageTotals({ conversationId: conv.id })).records === 1, 5000, 'usage recorded');
    const messages = await store.listMessages(conv.id);
    expect(messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'tell me about the weather'],
      ['assistant', 'It is sunny and warm today.'],
    ]);
    expect(messages[1]!.cost).toBeCloseTo(RESPONSE_COST, 10);
  });

  it('falls back to the pipeline with a spoken reason when realtime is unavailable (no key)', async () => {
    server = await startRealtimeServer({}, { PICHAT_REALTIME_API_KEY: '' });
    const [c] = await browsers(server);
    const settings = await c.request('get_settings');
    expect(settings.payload.settings).toMatchObject({ realtime: { available: false, reason: expect.any(String) } });
    const conv = (await c.request('create_conversation', { title: 'No key' })).payload.conversation as { id: string };
    const started = await c.request('voice_start', { conversation_id: conv.id, turn_id: 'ptt-nokey' });
    expect(started.payload).toMatchObject({ mode: 'pipeline' });
    for (let i = 0; i < 5; i++) c.raw(Buffer.alloc(640));
    c.send('voice_end', { turn_id: 'ptt-nokey' });
    const done = await c.waitAction('voice', (p) => p.type === 'turn.done' && p.turnId === 'ptt-nokey');
    expect(done.payload).toMatchObject({ outcome: 'answered', handler: 'fake' });
    const reply = c.frames.flatMap((f) => (f.action === 'voice' && f.payload.type === 'reply.delta' ? [String(f.payload.text)] : [])).join('');
    expect(reply.toLowerCase()).toContain('realtime');
    expect(server.standin.connections).toBe(0);
  });
});
