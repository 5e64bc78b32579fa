/**
 * Azure neural voices by locale and gender, for choosing a voice from settings ("female, Polish") without knowing
 * voice names. Only a set of common locales; any voice can still be named explicitly (AZURE_SPEECH_VOICE).
 */
export type VoiceGender = 'female' | 'male';

const VOICES: Readonly<Record<string, Readonly<Record<VoiceGender, string>>>> = {
  'en-US': { female: 'en-US-JennyNeural', male: 'en-US-GuyNeural' },
  'en-GB': { female: 'en-GB-SoniaNeural', male: 'en-GB-RyanNeural' },
  'en-AU': { female: 'en-AU-NatashaNeural', male: 'en-AU-WilliamNeural' },
  'pl-PL': { female: 'pl-PL-ZofiaNeural', male: 'pl-PL-MarekNeural' },
  'de-DE': { female: 'de-DE-KatjaNeural', male: 'de-DE-ConradNeural' },
  'fr-FR': { female: 'fr-FR-DeniseNeural', male: 'fr-FR-HenriNeural' },
  'es-ES': { female: 'es-ES-ElviraNeural', male: 'es-ES-AlvaroNeural' },
  'it-IT': { female: 'it-IT-ElsaNeural', male: 'it-IT-DiegoNeural' },
  'nl-NL': { female: 'nl-NL-ColetteNeural', male: 'nl-NL-MaartenNeural' },
  'pt-BR': { female: 'pt-BR-FranciscaNeural', male: 'pt-BR-AntonioNeural' },
  'uk-UA': { female: 'uk-UA-PolinaNeural', male: 'uk-UA-OstapNeural' },
  'cs-CZ': { female: 'cs-CZ-VlastaNeural', male: 'cs-CZ-AntoninNeural' },
};

export interface VoiceChoice {
  voice: string;
  /** The locale the voice speaks, for the SSML `xml:lang`. */
  locale: string;
}

/**
 * Picks a voice: an explicit `voice` wins (its locale is read from its name); else the table's voice for the
 * locale (matched case-insensitively), else for another region of the same language ("pl" → pl-PL), else en-US.
 */
export function selectVoice(options: { locale: string; gender: VoiceGender; voice?: string }): VoiceChoice {
  if (options.voice) {
    const m = /^([a-z]{2,3}-[A-Za-z]{2,4})-/.exec(options.voice);
    return { voice: options.voice, locale: m?.[1] ?? options.locale };
  }
  const wanted = options.locale.toLowerCase();
  const exact = Object.keys(VOICES).find((l) => l.toLowerCase() === wanted);
  const language = wanted.split(/[-_]/)[0];
  const sameLanguage = exact ?? Object.keys(VOICES).find((l) => l.toLowerCase().split('-')[0] === language);
  const locale = sameLanguage ?? 'en-US';
  return { voice: VOICES[locale]![options.gender], locale };
}
