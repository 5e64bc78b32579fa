import type { Settings } from '../store/store.js';

/** Accents by name (seed 002's clients send `"accent": "polish"`) and the locale whose voices speak them. */
export const ACCENT_LOCALES: Readonly<Record<string, string>> = {
  american: 'en-US', british: 'en-GB', english: 'en-GB', australian: 'en-AU', canadian: 'en-CA', indian: 'en-IN',
  irish: 'en-IE', scottish: 'en-GB', 'new zealand': 'en-NZ', 'south african': 'en-ZA', polish: 'pl-PL', german: 'de-DE',
  austrian: 'de-AT', swiss: 'de-CH', french: 'fr-FR', spanish: 'es-ES', mexican: 'es-MX', italian: 'it-IT',
  portuguese: 'pt-PT', brazilian: 'pt-BR', dutch: 'nl-NL', flemish: 'nl-BE', swedish: 'sv-SE', norwegian: 'nb-NO',
  danish: 'da-DK', finnish: 'fi-FI', czech: 'cs-CZ', slovak: 'sk-SK', hungarian: 'hu-HU', romanian: 'ro-RO',
  greek: 'el-GR', turkish: 'tr-TR', russian: 'ru-RU', ukrainian: 'uk-UA', japanese: 'ja-JP', chinese: 'zh-CN',
  korean: 'ko-KR', hindi: 'hi-IN', arabic: 'ar-SA',
};

/**
 * The provider environment with the web UI's settings laid over it, for `createProviders()` at start and after
 * every settings change. Pure. Empty settings leave the environment's value.
 *
 * - `selected_model` → PICHAT_LLM_MODEL (and AZURE_OPENAI_DEPLOYMENT_GPT4 when PICHAT_LLM=azure)
 * - `system_prompt` → PICHAT_SYSTEM_PROMPT
 * - `language` → PICHAT_LANGUAGE (first subtag lower-cased: en-US)
 * - `voice_settings.gender` → PICHAT_VOICE_GENDER
 * - `voice_settings.accent`: an Azure voice name (…Neural) → AZURE_SPEECH_VOICE; a locale (en-GB), or an accent
 *   named as the earlier backend's clients name it ("polish", "british": ACCENT_LOCALES) → the voice's locale through
 *   PICHAT_LANGUAGE when `language` is empty
 * - the language (or a locale accent) and the gender also pick the offline voice, PICHAT_ESPEAK_VOICE: the language
 *   lower-cased as espeak-ng names its voices (en-GB → en-gb), `+f3` for female, no variant for male (espeak-ng's
 *   own voices are male); whatever the settings leave open comes from the environment's voice (default en-us).
 *   An espeak-ng language that is not installed falls back to en-us when the providers are made (offline.ts).
 */
export function settingsEnv(settings: Settings, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  const model = settings.selected_model.trim();
  if (model) {
    out.PICHAT_LLM_MODEL = model;
    if (env.PICHAT_LLM === 'azure') out.AZURE_OPENAI_DEPLOYMENT_GPT4 = model;
  }
  if (settings.system_prompt.trim()) out.PICHAT_SYSTEM_PROMPT = settings.system_prompt;
  const accent = settings.voice_settings.accent.trim();
  const accentLocale = ACCENT_LOCALES[accent.toLowerCase()] ?? (/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})+$/.test(accent) ? accent : '');
  const language = settings.language.trim() || accentLocale;
  if (language) out.PICHAT_LANGUAGE = language.replace(/^[A-Za-z]+/, (s) => s.toLowerCase());
  if (/Neural$/.test(accent)) out.AZURE_SPEECH_VOICE = accent;
  if (settings.voice_settings.gender) out.PICHAT_VOICE_GENDER = settings.voice_settings.gender;
  if (language || settings.voice_settings.gender) {
    const [base = 'en-us', variant] = (env.PICHAT_ESPEAK_VOICE || 'en-us').split('+');
    const voice = language ? language.toLowerCase() : base;
    const gender = settings.voice_settings.gender;
    const chosen = gender === 'female' ? 'f3' : gender === 'male' ? undefined : variant;
    out.PICHAT_ESPEAK_VOICE = chosen ? `${voice}+${chosen}` : voice;
  }
  return out;
}

/** A voice a request names: gender (`female`, `male`) and accent (a locale or an accent's name), both optional. */
export interface RequestedVoice {
  gender?: string;
  accent?: string;
}

/**
 * The provider environment for a request naming `voice`: `settingsEnv` for the saved settings with the request's
 * gender and accent laid over them (PICHAT_ESPEAK_VOICE, PICHAT_LANGUAGE, PICHAT_VOICE_GENDER follow). A gender other
 * than female or male, or an empty accent, keeps the setting's.
 */
export function requestedVoiceEnv(voice: RequestedVoice, settings: Settings, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const gender = voice.gender === 'female' || voice.gender === 'male' ? voice.gender : settings.voice_settings.gender;
  const accent = voice.accent?.trim() || settings.voice_settings.accent;
  return settingsEnv({ ...settings, voice_settings: { gender, accent } }, env);
}
