import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../store/store.js';
import { settingsEnv } from './settings-env.js';

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
    });
  });
  it('uses a locale accent as the language when none is set', () => {
    expect(settingsEnv({ ...DEFAULT_SETTINGS, voice_settings: { gender: '', accent: 'en-GB' } }, {}).PICHAT_LANGUAGE).toBe('en-GB');
  });
});
