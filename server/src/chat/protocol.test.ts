import { describe, expect, it } from 'vitest';
import { decodeChatRequest, encodeChat } from './protocol.js';

describe('web chat protocol decoding (seed 002 shapes)', () => {
  it('accepts every seed action with its payload', () => {
    const valid: unknown[] = [
      { action: 'get_conversations' },
      { action: 'create_conversation', payload: { title: 'New Conversation' } },
      { action: 'get_conversation', payload: { id: 'uuid' } },
      { action: 'update_conversation', payload: { id: 'uuid', title: 'New Title' } },
      { action: 'delete_conversation', payload: { id: 'uuid' } },
      { action: 'send_message', payload: { conversation_id: 'uuid', content: 'Message content', is_audio: false } },
      { action: 'get_messages', payload: { conversation_id: 'uuid' } },
      { action: 'get_settings' },
      { action: 'update_settings', payload: { selected_model: 'gpt-4', voice_settings: { gender: 'female', accent: 'polish' } } },
      { action: 'text_to_speech', payload: { text: 'Text to convert to speech', voice_gender: 'female', voice_accent: 'polish' } },
      { action: 'speech_to_text', payload: { audio_data: 'UklGRg==' } },
    ];
    for (const v of valid) expect(decodeChatRequest(JSON.stringify(v)), JSON.stringify(v)).toMatchObject({ ok: true });
  });

  it('echoes request_id and names the bad field', () => {
    expect(decodeChatRequest('{"action":"get_conversation","payload":{},"request_id":"7"}')).toEqual({
      ok: false,
      code: 'invalid_payload',
      message: expect.stringMatching(/^payload\.id: /),
      action: 'get_conversation',
      requestId: '7',
    });
  });

  it('refuses bad JSON, non-objects, unknown actions and prototype keys', () => {
    expect(decodeChatRequest('{')).toMatchObject({ ok: false, code: 'bad_json' });
    expect(decodeChatRequest('"x"')).toMatchObject({ ok: false, code: 'invalid_message' });
    expect(decodeChatRequest('{"action":"constructor"}')).toMatchObject({ ok: false, code: 'unknown_action' });
    expect(decodeChatRequest('{"action":"toString"}')).toMatchObject({ ok: false, code: 'unknown_action' });
    expect(decodeChatRequest('{"action":"get_settings","request_id":5}')).toMatchObject({ ok: false, code: 'invalid_message' });
  });

  it('encodes with and without request_id', () => {
    expect(JSON.parse(encodeChat('settings', { a: 1 }, 'r1'))).toEqual({ action: 'settings', payload: { a: 1 }, request_id: 'r1' });
    expect(JSON.parse(encodeChat('pong', {}))).toEqual({ action: 'pong', payload: {} });
  });
});
