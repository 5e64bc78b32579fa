import { encodeWav, SPEECH_FORMAT } from '@pichat/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, login } from './support/chat-client.js';
import { TestDevice } from './support/device-client.js';
import { eventually } from './support/eventually.js';
import { startTestServer, type TestServer } from './support/server.js';
import type { RequestedVoice } from '../server/src/chat/settings-env.js';
import type { TextToSpeech } from '../server/src/pipeline/providers.js';

describe('/ws/chat: every action of the web chat protocol', () => {
  let server: TestServer;
  let cookie: string;
  let c: ChatClient;
  let other: ChatClient;
  const voicesAsked: RequestedVoice[] = [];
  const namedVoice: TextToSpeech = {
    name: 'named-voice',
    synthesize: () => ({
      format: SPEECH_FORMAT,
      chunks: (async function* () {
        yield new Uint8Array(640);
      })(),
    }),
  };

  beforeAll(async () => {
    server = await startTestServer({
      store: true,
      web: { chat: { maxBufferedBytes: 64 * 1024 } },
      // A request naming a voice speaks with what this returns (main: the offline voice those settings pick).
      voiceFor: async (voice) => {
        voicesAsked.push(voice);
        return voice.accent === 'klingon' ? undefined : namedVoice;
      },
    });
    cookie = await login(server.httpUrl, server.admin!.username, server.admin!.password);
    c = await ChatClient.connect(server.httpUrl, cookie);
    other = await ChatClient.connect(server.httpUrl, cookie);
  });
  afterAll(async () => {
    await c.close();
    await other.close();
    await server.close();
  });

  it('refuses a socket without a login (401) or from another origin (403)', async () => {
    await expect(ChatClient.connect(server.httpUrl, undefined)).rejects.toMatchObject({ status: 401 });
    await expect(ChatClient.connect(server.httpUrl, 'pichat_session=forged')).rejects.toMatchObject({ status: 401 });
    await expect(ChatClient.connect(server.httpUrl, cookie, 'http://evil.example')).rejects.toMatchObject({ status: 403 });
  });

  it('conversations: create, list, get, update, delete, with live copies to other browsers', async () => {
    const created = await c.request('create_conversation', { title: 'Groceries' });
    expect(created.action).toBe('conversation_created');
    const conv = created.payload.conversation as { id: string; title: string };
    expect(conv.title).toBe('Groceries');
    await other.waitAction('conversation_created', (p) => (p.conversation as { id: string }).id === conv.id);

    const list = await c.request('get_conversations');
    expect(list.action).toBe('conversations_list');
    expect((list.payload.conversations as { id: string; last_message_at: string }[])[0]).toMatchObject({ id: conv.id, last_message_at: expect.any(String) });
    // Pages: a full page names where the next one starts, and the last page says there is none.
    const second = await c.request('create_conversation', { title: 'Second' });
    const first = await c.request('get_conversations', { limit: 1 });
    expect((first.payload.conversations as { id: string }[]).map((x) => x.id)).toEqual([(second.payload.conversation as { id: string }).id]);
    const rest = await c.request('get_conversations', { limit: 500, before: first.payload.next_before });
    expect((rest.payload.conversations as { id: string }[])[0]?.id).toBe(conv.id);
    expect(rest.payload.next_before).toBeNull();
    await c.request('delete_conversation', { id: (second.payload.conversation as { id: string }).id });

    const got = await c.request('get_conversation', { id: conv.id });
    expect(got).toMatchObject({ action: 'conversation', payload: { conversation: { id: conv.id }, messages: [] } });

    const updated = await c.request('update_conversation', { id: conv.id, title: 'Shopping' });
    expect(updated.payload.conversation).toMatchObject({ title: 'Shopping' });
    await other.waitAction('conversation_updated', (p) => (p.conversation as { title: string }).title === 'Shopping');
    // The requester gets its direct answer, not a second live copy.
    expect(c.frames.filter((f) => f.action === 'conversation_updated')).toHaveLength(1);

    expect((await c.request('delete_conversation', { id: conv.id })).payload).toEqual({ id: conv.id });
    await other.waitAction('conversation_deleted', (p) => p.id === conv.id);
    expect((await c.request('get_conversation', { id: conv.id })).payload).toMatchObject({ code: 'not_found' });
    expect((await c.request('delete_conversation', { id: conv.id })).payload).toMatchObject({ code: 'not_found' });
  });

  it('send_message: the reply streams to every browser and both messages are recorded', async () => {
    const sent = await c.request('send_message', { content: 'hello there' });
    const { conversation_id: id, turn_id: turnId } = (sent.action === 'message_sent' ? sent : await c.waitAction('message_sent')).payload as { conversation_id: string; turn_id: string };
    for (const browser of [c, other]) {
      await browser.waitAction('message_created', (p) => (p.message as { role: string; turn_id: string }).role === 'user' && (p.message as { turn_id: string }).turn_id === turnId);
      await browser.waitAction('reply_delta', (p) => p.turn_id === turnId);
      await browser.waitAction('message_created', (p) => (p.message as { role: string; turn_id: string }).role === 'assistant' && (p.message as { turn_id: string }).turn_id === turnId);
      await browser.waitAction('turn_done', (p) => p.turn_id === turnId);
    }
    const messages = await c.request('get_messages', { conversation_id: id });
    expect(messages.action).toBe('messages_list');
    expect((messages.payload.messages as { role: string; content: string; source: string }[]).map((m) => [m.role, m.content, m.source])).toEqual([
      ['user', 'hello there', 'web'],
      ['assistant', 'You said hello there.', 'web'],
    ]);
    expect(server.brain.requests.at(-1)!.text).toBe('hello there');
  });

  it('send_message with is_audio also returns the spoken reply as WAV', async () => {
    const id = c.send('send_message', { content: 'speak to me', is_audio: true });
    const audio = await c.waitFor((f) => f.request_id === id && f.action === 'audio');
    const wav = Buffer.from(audio.payload.audio_data as string, 'base64');
    expect(wav.subarray(0, 4).toString('latin1')).toBe('RIFF');
  });

  it('settings: get and update, validated', async () => {
    expect((await c.request('get_settings')).payload.settings).toMatchObject({ selected_model: '', voice_settings: { gender: '' } });
    const updated = await c.request('update_settings', { selected_model: 'gpt-4', voice_settings: { gender: 'female', accent: 'pl-PL' } });
    expect(updated).toMatchObject({ action: 'settings_updated', payload: { settings: { selected_model: 'gpt-4', voice_settings: { gender: 'female', accent: 'pl-PL' } } } });
    await other.waitAction('settings_updated');
    expect((await c.request('update_settings', { voice_settings: { gender: 'robot' } })).payload).toMatchObject({ code: 'invalid_payload' });
    expect((await c.request('update_settings', { colour: 'red' })).payload).toMatchObject({ code: 'invalid_payload' });
  });

  it('text_to_speech and speech_to_text', async () => {
    const spoken = await c.request('text_to_speech', { text: 'Hello', voice_gender: 'female', voice_accent: 'polish' });
    expect(spoken.action).toBe('audio');
    expect(spoken.payload.voice).toBe('named-voice');
    expect(voicesAsked).toEqual([{ gender: 'female', accent: 'polish' }]);
    // No voice named: the configured speech, without asking; a voice it cannot give: the configured speech too.
    expect((await c.request('text_to_speech', { text: 'Hello' })).payload.voice).toBe(server.tts.name);
    expect((await c.request('text_to_speech', { text: 'Hello', voice_accent: 'klingon' })).payload.voice).toBe(server.tts.name);
    expect(voicesAsked).toHaveLength(2);
    expect(Buffer.from(spoken.payload.audio_data as string, 'base64').subarray(0, 4).toString('latin1')).toBe('RIFF');
    const wav = Buffer.from(encodeWav(SPEECH_FORMAT, new Uint8Array(6400))).toString('base64');
    expect(await c.request('speech_to_text', { audio_data: wav })).toMatchObject({ action: 'transcription', payload: { text: 'what time is it' } });
    expect(server.stt.streams.at(-1)?.channel).toBe('web');
    const stereo = Buffer.from(encodeWav({ encoding: 'pcm_s16le', sampleRateHz: 44100, channels: 2 }, new Uint8Array(800))).toString('base64');
    expect((await c.request('speech_to_text', { audio_data: stereo })).payload).toMatchObject({ code: 'invalid_payload' });
  });

  it('get_messages pages back through a long conversation with before_id', async () => {
    const store = server.store!;
    const conv = await store.createConversation({ title: 'long' });
    const ids: number[] = [];
    for (let i = 1; i <= 7; i++) ids.push((await store.addMessage({ conversationId: conv.id, role: i % 2 ? 'user' : 'assistant', text: `m${i}`, source: 'web' }))!.id);
    const page = async (payload: Record<string, unknown>) =>
      ((await c.request('get_messages', { conversation_id: conv.id, ...payload })).payload.messages as { content: string }[]).map((m) => m.content);
    expect(await page({ limit: 3 })).toEqual(['m5', 'm6', 'm7']);
    expect(await page({ before_id: ids[4], limit: 3 })).toEqual(['m2', 'm3', 'm4']);
    expect(await page({ before_id: ids[1], limit: 3 })).toEqual(['m1']);
    expect(await page({ before_id: ids[0] })).toEqual([]);
    expect(await page({ after_id: ids[4] })).toEqual(['m6', 'm7']);
    const both = await c.request('get_messages', { conversation_id: conv.id, after_id: ids[0], before_id: ids[4] });
    expect(both).toMatchObject({ action: 'error', payload: { code: 'invalid_payload' } });
    const rest = await fetch(`${server.httpUrl}/api/conversations/${conv.id}/messages?before_id=${ids[2]}`, { headers: { Cookie: cookie } });
    expect(((await rest.json()) as { messages: { content: string }[] }).messages.map((m) => m.content)).toEqual(['m1', 'm2']);
  });

  it('answers invalid, missing and unknown input with an error and keeps the connection', async () => {
    const cases: [unknown, string][] = [
      [{ action: 'get_conversation', request_id: 'x1' }, 'invalid_payload'],
      [{ action: 'get_conversation', payload: { id: 5 }, request_id: 'x2' }, 'invalid_payload'],
      [{ action: 'update_conversation', payload: { id: 'a', title: '' }, request_id: 'x3' }, 'invalid_payload'],
      [{ action: 'send_message', payload: { content: '   ' }, request_id: 'x4' }, 'invalid_payload'],
      [{ action: 'send_message', payload: { content: 'x'.repeat(8001) }, request_id: 'x5' }, 'invalid_payload'],
      [{ action: 'get_messages', payload: {}, request_id: 'x6' }, 'invalid_payload'],
      [{ action: 'self_destruct', payload: {}, request_id: 'x7' }, 'unknown_action'],
      [{ payload: {}, request_id: 'x8' }, 'invalid_message'],
      [{ action: 'get_settings', payload: {}, extra: 1, request_id: 'x9' }, 'invalid_message'],
      [{ action: 'speech_to_text', payload: { audio_data: '<script>' }, request_id: 'x10' }, 'invalid_payload'],
      [{ action: '__proto__', payload: {}, request_id: 'x11' }, 'unknown_action'],
      [{ action: 'get_messages', payload: { conversation_id: 'nope' }, request_id: 'x12' }, 'not_found'],
    ];
    for (const [message, code] of cases) {
      c.raw(JSON.stringify(message));
      const id = (message as { request_id: string }).request_id;
      const answer = await c.waitFor((f) => f.request_id === id);
      expect(answer.action, JSON.stringify(message).slice(0, 80)).toBe('error');
      expect(answer.payload.code, JSON.stringify(message).slice(0, 80)).toBe(code);
    }
    c.raw('{"action": ');
    await c.waitFor((f) => f.action === 'error' && f.payload.code === 'bad_json');
    c.raw('[1,2]');
    await c.waitFor((f) => f.action === 'error' && f.payload.code === 'invalid_message');
    expect((await c.request('ping')).action).toBe('pong');
  });

  it('closes a socket that sends an oversized frame (1009) and nobody else notices', async () => {
    const big = await ChatClient.connect(server.httpUrl, cookie);
    big.raw('x'.repeat(3 * 1024 * 1024));
    expect(await big.waitClosed()).toBe(1009);
    expect((await c.request('ping')).action).toBe('pong');
  });

  it('drops a browser that stops reading instead of buffering for it (bounded memory)', async () => {
    const stalled = await ChatClient.connect(server.httpUrl, cookie);
    const socket = (stalled.ws as unknown as { _socket: import('node:net').Socket })._socket;
    socket.pause(); // the browser stops reading: the kernel buffers fill, then the server's queue
    const before = process.memoryUsage().rss;
    expect(server.app.live.subscribers).toBe(3);
    const payload = { text: 'x'.repeat(4000) };
    for (let i = 0; i < 2000 && server.app.live.subscribers >= 3; i++) {
      server.app.live.publish({ action: 'reply_delta', payload });
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    // 2000 × 4 KB = 8 MB published; the stalled browser was dropped after its 64 KiB allowance.
    await eventually(() => server.app.live.subscribers === 2, 5000, 'stalled subscriber dropped');
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    socket.resume();
    expect(await stalled.waitClosed()).toBeGreaterThan(0);
    // The others still get events.
    expect((await c.request('ping')).action).toBe('pong');
  });

  it('search finds messages by words and prefixes', async () => {
    await c.request('send_message', { content: 'remember the blueberries' });
    await eventually(async () => (await server.store!.search('blueberries')).length === 2);
    const found = await c.request('search', { query: 'bluebe' });
    expect(found.action).toBe('search_results');
    expect((found.payload.results as { message: { content: string } }[]).map((r) => r.message.content)).toContain('remember the blueberries');
    expect(((await c.request('search', { query: '"OR NEAR(' })).payload.results as unknown[]).length).toBe(0);
  });

  it('browser push-to-talk runs through the turn pipeline and plays the reply audio in the page', async () => {
    const conv = (await c.request('create_conversation', { title: 'Voice' })).payload.conversation as { id: string };
    const started = await c.request('voice_start', { conversation_id: conv.id, turn_id: 'ptt-1' });
    expect(started).toMatchObject({ action: 'voice_started', payload: { turn_id: 'ptt-1' } });
    for (let i = 0; i < 5; i++) c.raw(Buffer.alloc(640));
    c.send('voice_end', { turn_id: 'ptt-1' });
    await c.waitAction('voice', (p) => p.type === 'transcript' && p.text === 'what time is it');
    await c.waitAction('voice', (p) => p.type === 'audio.start');
    const done = await c.waitAction('voice', (p) => p.type === 'turn.done' && p.turnId === 'ptt-1');
    expect(done.payload.outcome).toBe('answered');
    expect(server.stt.streams.at(-1)?.channel).toBe('web');
    expect(c.audio.length).toBeGreaterThan(0);
    await other.waitAction('message_created', (p) => (p.message as { turn_id: string; role: string }).turn_id === 'ptt-1' && (p.message as { role: string }).role === 'assistant');
    const messages = await server.store!.listMessages(conv.id);
    expect(messages.map((m) => [m.role, m.source])).toEqual([
      ['user', 'web'],
      ['assistant', 'web'],
    ]);
  });

  it("a browser that names itself gets its own recogniser channel (its microphone is learnt apart); a bad name is refused", async () => {
    const started = await c.request('voice_start', { turn_id: 'ptt-own', browser_id: 'b7f3c2a19d4e4b0c' });
    expect(started).toMatchObject({ action: 'voice_started', payload: { turn_id: 'ptt-own' } });
    c.raw(Buffer.alloc(640));
    c.send('voice_end', { turn_id: 'ptt-own' });
    await c.waitAction('voice', (p) => p.type === 'turn.done' && p.turnId === 'ptt-own');
    expect(server.stt.streams.at(-1)?.channel).toBe('web:b7f3c2a19d4e4b0c');
    for (const browser_id of ['short', 'has space in it', 'x'.repeat(65)]) {
      expect((await c.request('voice_start', { turn_id: 'ptt-bad', browser_id })).payload).toMatchObject({ code: 'invalid_payload' });
    }
  });

  it('a device turn appears live in every open browser', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    d.send({ type: 'turn.start', turnId: 'live-1', format: SPEECH_FORMAT });
    await d.streamPcm(new Uint8Array(3200));
    d.send({ type: 'turn.end', turnId: 'live-1' });
    for (const browser of [c, other]) {
      await browser.waitAction('message_created', (p) => (p.message as { turn_id: string }).turn_id === 'live-1');
      await browser.waitAction('turn_done', (p) => p.turn_id === 'live-1');
    }
    await d.close();
  });
});
