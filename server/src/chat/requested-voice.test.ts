import { describe, expect, it } from 'vitest';
import type { TextToSpeech } from '../pipeline/providers.js';
import { FakeTts } from '../testing/fakes.js';
import { DEFAULT_SETTINGS } from '../store/store.js';
import { requestedTts } from './requested-voice.js';

/** Providers whose TTS is `provider`; `voiced` records what it was asked for (undefined: a fixed voice). */
function providers(provider: string, perRequest: boolean) {
  const asked: { locale: string; gender: string }[] = [];
  const voice = new FakeTts();
  return {
    asked,
    voice,
    description: { stt: { provider: 'x' }, brain: { provider: 'x' }, tts: { provider }, language: 'en-US' },
    voiced: (choice: { locale: string; gender: 'female' | 'male' }): TextToSpeech | undefined => (asked.push(choice), perRequest ? voice : undefined),
  };
}

/** The offline engines' voices: `named` records the espeak-ng voices asked for. */
function offline() {
  const named: (string | undefined)[] = [];
  const tts = new FakeTts();
  return { named, tts, voiced: (voice: string | undefined): TextToSpeech => (named.push(voice), tts) };
}
const OFFLINE = new FakeTts().name;

const polishMale = { gender: 'male', accent: 'polish' };

describe('requestedTts: the voice a text_to_speech request names', () => {
  it('offline: the espeak-ng voice those settings pick', () => {
    const o = offline();
    expect(requestedTts(polishMale, DEFAULT_SETTINGS, {}, providers(OFFLINE, false), o)).toBeDefined();
    expect(o.named).toEqual(['pl-pl']);
    requestedTts({ gender: 'female' }, DEFAULT_SETTINGS, {}, providers(OFFLINE, false), o);
    expect(o.named[1]).toBe('en-us+f3');
  });

  it('Azure: the voice for the locale and gender, the rest from the saved settings', () => {
    const p = providers('azure-speech-tts', true);
    expect(requestedTts(polishMale, DEFAULT_SETTINGS, {}, p, offline())).toBe(p.voice);
    const saved = { ...DEFAULT_SETTINGS, language: 'de-DE', voice_settings: { gender: 'male' as const, accent: '' } };
    requestedTts({ gender: 'female' }, saved, {}, p, offline());
    requestedTts({}, DEFAULT_SETTINGS, {}, p, offline());
    expect(p.asked).toEqual([
      { locale: 'pl-PL', gender: 'male' },
      { locale: 'de-DE', gender: 'female' },
      { locale: 'en-US', gender: 'female' },
    ]);
  });

  it('a TTS whose voice is fixed (OpenAI, ElevenLabs): undefined, the configured voice speaks', () => {
    expect(requestedTts(polishMale, DEFAULT_SETTINGS, {}, providers('openai-speech', false), offline())).toBeUndefined();
  });
});
