import { describe, expect, it } from 'vitest';
import { normalizeEvent, sessionUpdate, truncateItem } from './events.js';

describe('realtime events', () => {
  it('normalises GA and beta names alike', () => {
    const pcm = Buffer.from([1, 0, 2, 0]).toString('base64');
    for (const type of ['response.output_audio.delta', 'response.audio.delta']) {
      expect(normalizeEvent({ type, response_id: 'r', item_id: 'i', delta: pcm })).toMatchObject({ type: 'audio.delta', responseId: 'r', itemId: 'i', pcm: Buffer.from([1, 0, 2, 0]) });
    }
    for (const type of ['response.output_audio_transcript.delta', 'response.audio_transcript.delta', 'response.output_text.delta', 'response.text.delta']) {
      expect(normalizeEvent({ type, response_id: 'r', item_id: 'i', delta: 'hi' })).toMatchObject({ type: 'text.delta', text: 'hi' });
    }
  });

  it('reads usage and failure from response.done, and error events', () => {
    expect(normalizeEvent({ type: 'response.done', response: { id: 'r', status: 'failed', status_details: { error: { type: 'insufficient_quota', code: 'insufficient_quota' } }, usage: { input_tokens: 1 } } })).toMatchObject({
      type: 'response.done',
      status: 'failed',
      errorCode: 'insufficient_quota',
      usage: { input_tokens: 1 },
    });
    expect(normalizeEvent({ type: 'error', error: { type: 'invalid_request_error', code: 'x', message: 'm', event_id: 'pc_1' } })).toEqual({ type: 'error', code: 'x', errorType: 'invalid_request_error', message: 'm', clientEventId: 'pc_1' });
    expect(normalizeEvent({ type: 'rate_limits.updated' })).toBeUndefined();
    expect(normalizeEvent('nonsense')).toBeUndefined();
  });

  it('configures push-to-talk sessions in both generations', () => {
    const base = { model: 'm', voice: 'alloy', instructions: 'be brief', transcribeModel: 't', language: 'pl-PL' };
    expect(sessionUpdate({ ...base, flavor: 'ga' })).toMatchObject({ session: { type: 'realtime', audio: { input: { turn_detection: null, transcription: { model: 't', language: 'pl' } }, output: { voice: 'alloy' } } } });
    expect(sessionUpdate({ ...base, flavor: 'beta' })).toMatchObject({ session: { voice: 'alloy', input_audio_format: 'pcm16', turn_detection: null } });
    expect(truncateItem('i', 1234.7)).toEqual({ type: 'conversation.item.truncate', item_id: 'i', content_index: 0, audio_end_ms: 1234 });
  });
});
