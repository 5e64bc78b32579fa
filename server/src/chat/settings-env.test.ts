import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../store/store.js';
import { requestedVoiceEnv, settingsEnv } from './settings-env.js';

describe('settingsEnv: web settings over the provider environment', () => {
  it('leaves the environment alone for empty settings', () => {
    expect(settingsEnv(DEFAULT_SETTINGS, { PICHAT_LLM_MODEL: 'x' })).toEqual({ PICHAT_LLM_MODEL: 'x' });
  });
  it('maps every setting', () => {
    const env = settingsEnv(
      { ...DEFAULT_SETTINGS, selected_model: 'gpt-4', system_prompt: 'Be brief.', language: 'PL-pl', voice_settings: { gender: 'male', accent: 'pl-PL-MarekNeural' } },
      { PICHAT_LLM: 'azure' },
    );
    expect(env).toEqual({
      PICHAT_LLM: 'azure',
      PICHAT_LLM_MODEL: 'gpt-4',
      AZURE_OPENAI_DEPLOYMENT_GPT4: 'gpt-4',
      PICHAT_SYSTEM_PROMPT: 'Be brief.',
      PICHAT_LANGUAGE: 'pl-pl',
      AZURE_SPEECH_VOICE: 'pl-PL-MarekNeural',
      PICHAT_VOICE_GENDER: 'male',
      PICHAT_ESPEAK_VOICE: 'pl-pl',
    });
  });
  it("takes an accent named as the earlier backend's clients name it for its locale", () => {
    const polish = settingsEnv({ ...DEFAULT_SETTINGS, voice_settings: { gender: 'female', accent: 'Polish' } }, {});
    expect(polish).toMatchObject({ PICHAT_LANGUAGE: 'pl-PL', PICHAT_ESPEAK_VOICE: 'pl-pl+f3', PICHAT_VOICE_GENDER: 'female' });
    expect(settingsEnv({ ...DEFAULT_SETTINGS, voice_settings: { gender: '', accent: 'british' } }, {}).PICHAT_LANGUAGE).toBe('en-GB');
    expect(settingsEnv({ ...DEFAULT_SETTINGS, voice_settings: { gender: '', accent: 'klingon' } }, {}).PICHAT_LANGUAGE).toBeUndefined();
  });
  it('picks the offline voice from the language and gender, the rest from the environment', () => {
    const female = { ...DEFAULT_SETTINGS, voice_settings: { gender: 'female' as const, accent: '' } };
    expect(settingsEnv(female, {}).PICHAT_ESPEAK_VOICE).toBe('en-us+f3');
    expect(settingsEnv(female, { PICHAT_ESPEAK_VOICE: 'en-gb-x-rp+m3' }).PICHAT_ESPEAK_VOICE).toBe('en-gb-x-rp+f3');
    const british = { ...DEFAULT_SETTINGS, voice_settings: { gender: '' as const, accent: 'en-GB' } };
    expect(settingsEnv(british, { PICHAT_ESPEAK_VOICE: 'en-us+m3' }).PICHAT_ESPEAK_VOICE).toBe('en-gb+m3');
    expect(settingsEnv({ ...british, voice_settings: { gender: 'male', accent: 'en-GB' } }, {}).PICHAT_ESPEAK_VOICE).toBe('en-gb');
    expect(settingsEnv(DEFAULT_SETTINGS, { PICHAT_ESPEAK_VOICE: 'en-gb-x-rp' }).PICHAT_ESPEAK_VOICE).toBe('en-gb-x-rp');
  });
  it('uses a locale accent as the language when none is set', () => {
    expect(settingsEnv({ ...DEFAULT_SETTINGS, voice_settings: { gender: '', accent: 'en-GB' } }, {}).PICHAT_LANGUAGE).toBe('en-GB');
  });
});

describe('requestedVoiceEnv: a text_to_speech request naming a voice', () => {
  const saved: Settings = { ...DEFAULT_SETTINGS, voice_settings: { gender: 'female', accent: 'british' } };
  const espeak = (voice: { gender?: string; accent?: string }, settings = saved, env: NodeJS.ProcessEnv = {}): string | undefined =>
    requestedVoiceEnv(voice, settings, env).PICHAT_ESPEAK_VOICE;
  it("lays the request's gender and accent over the saved settings", () => {
    expect(requestedVoiceEnv({ gender: 'male', accent: 'polish' }, saved, {})).toMatchObject({ PICHAT_ESPEAK_VOICE: 'pl-pl', PICHAT_LANGUAGE: 'pl-PL', PICHAT_VOICE_GENDER: 'male' });
    expect(espeak({ gender: 'male' })).toBe('en-gb');
    expect(espeak({ accent: 'en-AU' })).toBe('en-au+f3');
  });
  it('keeps the setting for an unknown gender or an empty accent, and the environment where settings are empty', () => {
    expect(espeak({ gender: 'robot', accent: '  ' })).toBe('en-gb+f3');
    expect(espeak({}, DEFAULT_SETTINGS, { PICHAT_ESPEAK_VOICE: 'en-gb-x-rp' })).toBe('en-gb-x-rp');
    expect(espeak({}, DEFAULT_SETTINGS, {})).toBeUndefined();
  });
});
