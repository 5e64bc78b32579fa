import { SPEECH_FORMAT } from '@pichat/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Brain } from '../server/src/pipeline/providers.js';
import { FakeBrain, FakeStt, FakeTts } from '../server/src/testing/fakes.js';
import { ChatClient, login } from './support/chat-client.js';
import { TestDevice } from './support/device-client.js';
import { eventually } from './support/eventually.js';
import { startTestServer, type TestServer } from './support/server.js';

const pcm = (ms: number): Uint8Array => new Uint8Array(Math.round(16 * ms) * 2).fill(1);

async function turn(d: TestDevice, turnId: string): Promise<void> {
  d.send({ type: 'turn.start', turnId, format: SPEECH_FORMAT });
  await d.streamPcm(pcm(100));
  d.send({ type: 'turn.end', turnId });
  await d.waitFor('turn.done', (m) => m.turnId === turnId);
}

describe('every voice turn is recorded and shown live', () => {
  let server: TestServer;
  let browser: ChatClient;

  beforeEach(async () => {
    server = await startTestServer({ store: true, brain: new FakeBrain((t) => `You said ${t}. That is all.`, 3) });
    const cookie = await login(server.httpUrl, server.admin!.username, server.admin!.password);
    browser = await ChatClient.connect(server.httpUrl, cookie);
  });

  afterEach(async () => {
    await browser.close();
    await server.close();
  });

  it('records the transcript and the reply with timings, and streams them to a browser as they happen', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    await turn(d, 't1');
    const user = await browser.waitAction('message_created', (p) => (p.message as { role: string }).role === 'user');
    const deltas = await browser.waitAction('reply_delta');
    const reply = await browser.waitAction('message_created', (p) => (p.message as { role: string }).role === 'assistant');
    const done = await browser.waitAction('turn_done');
    expect(user.at).toBeLessThanOrEqual(deltas.at);
    expect(user.payload.message).toMatchObject({ content: 'what time is it', source: 'device', turn_id: 't1' });
    expect(reply.payload.message).toMatchObject({ content: 'You said what time is it. That is all.', interrupted: false, handler: 'fake', outcome: 'answered' });
    expect((reply.payload.message as { timings: Record<string, number> }).timings).toHaveProperty('sttFinal');
    expect(done.payload).toMatchObject({ outcome: 'answered', device_name: 'kitchen' });
    expect(server.stt.streams[0]?.channel).toMatch(/^device:.+/); // the recogniser may adapt to this device's microphone
    expect(browser.frames.filter((f) => f.action === 'conversation_created')).toHaveLength(1);

    const [conversation] = await server.store!.listConversations();
    expect(conversation).toMatchObject({ title: 'What time is it', messageCount: 2 });
    const messages = await server.store!.listMessages(conversation!.id);
    expect(messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'what time is it'],
      ['assistant', 'You said what time is it. That is all.'],
    ]);
    await d.close();
  });

  it('continues the conversation and gives the brain its history; a new one after the idle time', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    await turn(d, 'a1');
    await browser.waitAction('turn_done', (p) => p.turn_id === 'a1');
    await turn(d, 'a2');
    await browser.waitAction('turn_done', (p) => p.turn_id === 'a2');
    expect(server.brain.requests[1]!.context.history).toEqual([
      { role: 'user', text: 'what time is it' },
      { role: 'assistant', text: 'You said what time is it. That is all.' },
    ]);
    expect(await server.store!.listConversations()).toHaveLength(1);

    // Age the conversation past the idle time (10 min) by moving its last message back.
    server.store!.db.prepare('UPDATE conversations SET last_message_at = last_message_at - 11 * 60 * 1000').run();
    await turn(d, 'a3');
    await browser.waitAction('turn_done', (p) => p.turn_id === 'a3');
    expect(await server.store!.listConversations()).toHaveLength(2);
    expect(server.brain.requests[2]!.context.history).toEqual([]);
    await d.close();
  });

  it('starts a new conversation after the "new conversation" action', async () => {
    await server.close();
    // The first reply carries the action (as the new_conversation skill's does); the second is plain.
    let replies = 0;
    const brain: Brain = {
      reply: async () => ({
        handler: 'script',
        text: (async function* () {
          yield 'OK.';
        })(),
        actions: replies++ === 0 ? [{ type: 'new_conversation' }] : [],
      }),
    };
    server = await startTestServer({ store: true, providers: { stt: new FakeStt(), brain, tts: new FakeTts() } });
    const d = await TestDevice.ready(server.url, server.token);
    await turn(d, 'n1');
    await turn(d, 'n2');
    const list = await eventually(async () => {
      const l = await server.store!.listConversations();
      return l.length === 2 && l.every((c) => c.messageCount === 2) && l;
    });
    expect(list).toHaveLength(2);
    await d.close();
  });

  it('keeps only the heard part of an interrupted reply, marked interrupted (playback.done before the barge-in)', async () => {
    await server.close();
    // 10 ms of audio per character: the reply's two sentences last 250 ms and 220 ms.
    server = await startTestServer({
      store: true,
      brain: new FakeBrain(() => 'The first sentence is here. The second one follows.', 1),
      tts: new FakeTts({ msPerChar: 10 }),
    });
    const cookie = await login(server.httpUrl, server.admin!.username, server.admin!.password);
    await browser.close();
    browser = await ChatClient.connect(server.httpUrl, cookie);
    const d = await TestDevice.ready(server.url, server.token);
    await turn(d, 'b1');
    await browser.waitAction('message_created', (p) => (p.message as { role: string }).role === 'assistant');
    // The device played 270 ms + a bit: the first sentence and one word of the second.
    d.send({ type: 'playback.done', turnId: 'b1', heardMs: 330, interrupted: true });
    const updated = await browser.waitAction('message_updated');
    expect(updated.payload.message).toMatchObject({ content: 'The first sentence is here. The', interrupted: true });
    await turn(d, 'b2');
    const conversation = (await server.store!.listConversations())[0]!;
    const messages = await server.store!.listMessages(conversation.id);
    expect(messages[1]).toMatchObject({ text: 'The first sentence is here. The', interrupted: true });
    expect(server.brain.requests[1]!.context.history?.[1]).toEqual({ role: 'assistant', text: 'The first sentence is here. The' });
    await d.close();
  });

  it('a barge-in during the reply: playback.done arrives first, then turn.start aborts the old turn', async () => {
    await server.close();
    const slow = new FakeTts({ msPerChar: 10 });
    server = await startTestServer({ store: true, brain: new FakeBrain(() => 'One two three four five six. Seven eight nine ten.', 1), tts: slow });
    const d = await TestDevice.ready(server.url, server.token);
    d.send({ type: 'turn.start', turnId: 'c1', format: SPEECH_FORMAT });
    await d.streamPcm(pcm(100));
    d.send({ type: 'turn.end', turnId: 'c1' });
    await d.waitFor('audio.start', (m) => m.turnId === 'c1');
    d.send({ type: 'playback.done', turnId: 'c1', heardMs: 60, interrupted: true });
    d.send({ type: 'turn.start', turnId: 'c2', format: SPEECH_FORMAT });
    await d.streamPcm(pcm(100));
    d.send({ type: 'turn.end', turnId: 'c2' });
    await d.waitFor('turn.done', (m) => m.turnId === 'c2');
    const conversation = (await server.store!.listConversations())[0]!;
    const messages = await eventually(async () => {
      const m = await server.store!.listMessages(conversation.id);
      return m.length === 4 && m;
    });
    const first = messages.find((m) => m.turnId === 'c1' && m.role === 'assistant');
    expect(first).toMatchObject({ interrupted: true });
    expect('One two three four five six. Seven eight nine ten.'.startsWith(first!.text)).toBe(true);
    expect(first!.text.length).toBeLessThan(12);
    await d.close();
  });
});

describe('speech that was not understood', () => {
  it('is recorded as an empty question with the spoken apology', async () => {
    const server = await startTestServer({ store: true, stt: new FakeStt(() => ({ text: '', rejected: true })) });
    const d = await TestDevice.ready(server.url, server.token);
    await turn(d, 'r1');
    const [conversation] = await eventually(async () => {
      const l = await server.store!.listConversations();
      return l.length === 1 && l[0]!.messageCount === 2 && l;
    });
    const messages = await server.store!.listMessages(conversation!.id);
    expect(messages.map((m) => [m.role, m.text, m.outcome ?? null])).toEqual([
      ['user', '', null],
      ['assistant', "Sorry, I can't do that offline. Ask me what I can do.", 'no_speech'],
    ]);
    await d.close();
    await server.close();
  });
});
