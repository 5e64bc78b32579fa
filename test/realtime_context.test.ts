import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../server/src/store/store.js';
import { ChatClient, login } from './support/chat-client.js';
import { TestDevice } from './support/device-client.js';
import { eventually } from './support/eventually.js';
import { pushToTalk, startRealtimeServer, type RealtimeTestServer } from './support/realtime-server.js';

let server: RealtimeTestServer | undefined;
let device: TestDevice | undefined;
let browser: ChatClient | undefined;
afterEach(async () => {
  await browser?.close();
  await device?.close();
  await server?.close();
  browser = device = server = undefined;
});

/** Client event types (and the text of conversation items) sent on upstream connection `n` (1-based), in order. */
function sentOn(n: number): string[] {
  return server!.standin.events
    .filter((e) => e.connection === n)
    .map(({ event }) => {
      if (event.type !== 'conversation.item.create') return String(event.type);
      const item = event.item as { role: string; content: { text: string }[] };
      return `${item.role}: ${item.content[0]!.text}`;
    })
    .filter((t) => t !== 'input_audio_buffer.append');
}

async function linkIdle(): Promise<void> {
  const holder = `device:${server!.store!.devices.list()[0]!.id}`;
  await eventually(() => server!.realtime.session(holder)?.upstream.state === 'idle', 5000, 'the link closed as unused');
}

describe('a realtime conversation across upstream connections', () => {
  it('a follow-up after the unused link closed: the new connection gets the conversation so far first', async () => {
    server = await startRealtimeServer(
      { transcript: (n) => (n === 0 ? 'who wrote hamlet' : 'when was he born'), reply: (n) => ({ text: n === 0 ? 'William Shakespeare.' : 'In 1564.' }) },
      { PICHAT_REALTIME_IDLE_CLOSE_MS: '200' },
    );
    device = await TestDevice.ready(server.url, server.token);
    await pushToTalk(device, 't1');
    expect(await device.waitFor('turn.done', (m) => m.turnId === 't1')).toMatchObject({ outcome: 'answered', handler: 'realtime' });
    await eventually(async () => (await server!.store!.listConversations())[0]?.messageCount === 2, 5000, 'the first exchange recorded');
    await linkIdle();

    await pushToTalk(device, 't2');
    expect(await device.waitFor('turn.done', (m) => m.turnId === 't2')).toMatchObject({ outcome: 'answered', handler: 'realtime' });
    expect(server.standin.connections).toBe(2);
    expect(sentOn(2)).toEqual([
      'session.update',
      'user: who wrote hamlet',
      'assistant: William Shakespeare.',
      'input_audio_buffer.clear',
      'input_audio_buffer.commit',
      'response.create',
    ]);
    const [conversation] = await server.store!.listConversations();
    expect(conversation!.messageCount).toBe(4); // one conversation goes on, in the history as upstream
  });

  it('"start a new conversation": the model starts afresh, and nothing earlier is replayed', async () => {
    const transcripts = ['who wrote hamlet', "let's start a new conversation", 'when was he born'];
    server = await startRealtimeServer({ transcript: (n) => transcripts[n] ?? '' });
    device = await TestDevice.ready(server.url, server.token);
    await pushToTalk(device, 't1');
    await device.waitFor('turn.done', (m) => m.turnId === 't1');
    await pushToTalk(device, 't2');
    expect(await device.waitFor('turn.done', (m) => m.turnId === 't2')).toMatchObject({ outcome: 'answered', handler: 'new_conversation' });
    await linkIdle(); // the link restarted: the next turn opens a new, empty conversation upstream

    await pushToTalk(device, 't3');
    expect(await device.waitFor('turn.done', (m) => m.turnId === 't3')).toMatchObject({ outcome: 'answered', handler: 'realtime' });
    expect(server.standin.connections).toBe(2);
    expect(sentOn(2)).toEqual(['session.update', 'input_audio_buffer.clear', 'input_audio_buffer.commit', 'response.create']);
    await eventually(async () => (await server!.store!.listConversations()).length === 2, 5000, 'a second conversation');
  });

  it('a device whose conversation is over (idle longer than a conversation lasts) starts a new one upstream too', async () => {
    // Conversations that last 0 ms: every turn starts a new one, in the history and upstream alike.
    server = await startRealtimeServer({}, { PICHAT_REALTIME_IDLE_CLOSE_MS: '200' }, { web: { conversationIdleMs: 0 } });
    device = await TestDevice.ready(server.url, server.token);
    await pushToTalk(device, 't1');
    await device.waitFor('turn.done', (m) => m.turnId === 't1');
    await eventually(async () => (await server!.store!.listConversations())[0]?.messageCount === 2, 5000, 'the first exchange recorded');
    await linkIdle();

    await pushToTalk(device, 't2');
    await device.waitFor('turn.done', (m) => m.turnId === 't2');
    expect(sentOn(2)).toEqual(['session.update', 'input_audio_buffer.clear', 'input_audio_buffer.commit', 'response.create']);
    await eventually(async () => (await server!.store!.listConversations()).length === 2, 5000, 'a second conversation');
  });

  it('a browser continuing a conversation gets it first; a new chat starts empty upstream', async () => {
    server = await startRealtimeServer({ reply: () => ({ text: 'In 1564.' }) });
    browser = await ChatClient.connect(server.httpUrl, await login(server.httpUrl, server.admin!.username, server.admin!.password));
    const conv = (await browser.request('create_conversation', { title: 'Hamlet' })).payload.conversation as { id: string };
    const store = server.store!;
    await store.addMessage({ conversationId: conv.id, role: 'user', text: 'who wrote hamlet', source: 'web' });
    await store.addMessage({ conversationId: conv.id, role: 'assistant', text: 'William Shakespeare.', source: 'web' });
    const reply = async (payload: Record<string, unknown>): Promise<void> => {
      const rid = browser!.send('send_message', payload);
      const sent = await browser!.waitFor((f) => f.action === 'message_sent' && f.request_id === rid, 5000, 'message_sent');
      await browser!.waitAction('turn_done', (p) => p.turn_id === sent.payload.turn_id);
    };

    await reply({ conversation_id: conv.id, content: 'when was he born' });
    expect(sentOn(1)).toEqual([
      'session.update',
      'user: who wrote hamlet',
      'assistant: William Shakespeare.',
      'input_audio_buffer.clear',
      'user: when was he born',
      'response.create',
    ]);

    await reply({ content: 'hello' }); // a new chat: the page has no conversation id yet
    expect(server.standin.connections).toBe(2);
    expect(sentOn(2)).toEqual(['session.update', 'input_audio_buffer.clear', 'user: hello', 'response.create']);
  });

  it('a new model mid-turn: the turn waiting on the old connection fails at once, saying so; the next one is answered', async () => {
    server = await startRealtimeServer({ reply: (n) => (n === 0 ? { firstDelayMs: 60_000 } : {}) });
    device = await TestDevice.ready(server.url, server.token);
    await pushToTalk(device, 't1');
    await server.standin.until(() => server!.standin.ofType('response.create').length === 1, 5000, 'response.create');
    server.realtime.applySettings({ ...DEFAULT_SETTINGS, voice_mode: 'realtime', realtime_model: 'gpt-realtime-next' });
    expect(await device.waitFor('turn.done', (m) => m.turnId === 't1')).toMatchObject({ outcome: 'failed' });
    expect((await device.waitFor('error', (m) => m.turnId === 't1')).message).toMatch(/model was changed while answering/);

    await pushToTalk(device, 't2');
    expect(await device.waitFor('turn.done', (m) => m.turnId === 't2')).toMatchObject({ outcome: 'answered', handler: 'realtime' });
    expect(server.standin.connections).toBe(2);
  });
});
