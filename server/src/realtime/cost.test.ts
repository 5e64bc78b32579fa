import { describe, expect, it } from 'vitest';
import { DEFAULT_REALTIME_PRICES, costOf, parseRealtimePrices, responseBreakdown, transcriptionBreakdown } from './cost.js';

describe('realtime usage → cost', () => {
  it('prices text, audio and cached input and text and audio output (hand-computed)', () => {
    // 1200 input tokens: 200 text (150 of them cached) + 1000 audio (400 cached); 300 output: 50 text + 250 audio.
    const b = responseBreakdown({
      input_tokens: 1200,
      output_tokens: 300,
      input_token_details: { text_tokens: 200, audio_tokens: 1000, cached_tokens: 550, cached_tokens_details: { text_tokens: 150, audio_tokens: 400 } },
      output_token_details: { text_tokens: 50, audio_tokens: 250 },
    });
    expect(b).toMatchObject({ textIn: 50, cachedTextIn: 150, audioIn: 600, cachedAudioIn: 400, textOut: 50, audioOut: 250 });
    // 50×4 + 150×0.4 + 600×32 + 400×0.4 + 50×16 + 250×64 = 200 + 60 + 19200 + 160 + 800 + 16000 = 36420 per 1M
    expect(costOf(b, DEFAULT_REALTIME_PRICES)).toBeCloseTo(0.03642, 12);
  });

  it('without cached details, takes cached tokens from text first', () => {
    const b = responseBreakdown({ input_tokens: 300, input_token_details: { text_tokens: 100, audio_tokens: 200, cached_tokens: 150 }, output_tokens: 0 });
    expect(b).toMatchObject({ textIn: 0, cachedTextIn: 100, audioIn: 150, cachedAudioIn: 50 });
  });

  it('prices transcription by tokens or by duration', () => {
    expect(costOf(transcriptionBreakdown({ type: 'tokens', input_tokens: 1000, output_tokens: 100, total_tokens: 1100 }), DEFAULT_REALTIME_PRICES)).toBeCloseTo((1000 * 3 + 100 * 5) / 1e6, 12);
    expect(costOf(transcriptionBreakdown({ type: 'duration', seconds: 90 }), { ...DEFAULT_REALTIME_PRICES, transcriptionPerMinute: 0.006 })).toBeCloseTo(0.009, 12);
  });

  it('reads price overrides and refuses bad ones', () => {
    expect(parseRealtimePrices('{"audioOutput": 20}', 'EUR')).toMatchObject({ audioOutput: 20, audioInput: 32, currency: 'EUR' });
    expect(() => parseRealtimePrices('{"audioOut": 20}')).toThrow(/PICHAT_REALTIME_PRICES/);
    expect(() => parseRealtimePrices('{')).toThrow(/not valid JSON/);
  });
});
