import type { TextToSpeech } from '../pipeline/providers.js';
import { DEFAULT_ESPEAK_VOICE } from '../config.js';
import { DEFAULT_LANGUAGE, DEFAULT_VOICE_GENDER } from '../providers/config.js';
import type { Providers } from '../providers/factory.js';
import type { OfflineEngines } from '../providers/offline.js';
import type { Settings } from '../store/store.js';
import { requestedVoiceEnv, type RequestedVoice } from './settings-env.js';

/**
 * The speech for a `text_to_speech` request naming a voice (seed 002's `voice_gender`, `voice_accent`): the voice the
 * settings would pick with the request's gender and accent laid over them. Offline, the espeak-ng voice; with Azure
 * Speech, the Azure voice for that locale and gender; undefined (the configured voice speaks) for a TTS whose voice
 * is fixed (OpenAI, ElevenLabs).
 */
export function requestedTts(
  voice: RequestedVoice,
  settings: Settings,
  env: NodeJS.ProcessEnv,
  providers: Pick<Providers, 'description' | 'voiced'>,
  offline: Pick<OfflineEngines, 'tts' | 'voiced'>,
): TextToSpeech | undefined {
  const chosen = requestedVoiceEnv(voice, settings, env);
  if (providers.description.tts.provider === offline.tts.name) return offline.voiced(chosen.PICHAT_ESPEAK_VOICE || DEFAULT_ESPEAK_VOICE);
  const gender = chosen.PICHAT_VOICE_GENDER === 'male' || chosen.PICHAT_VOICE_GENDER === 'female' ? chosen.PICHAT_VOICE_GENDER : DEFAULT_VOICE_GENDER;
  return providers.voiced({ locale: chosen.PICHAT_LANGUAGE || DEFAULT_LANGUAGE, gender });
}
