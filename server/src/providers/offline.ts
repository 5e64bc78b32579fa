import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createLocalBrain } from '../brain/local.js';
import type { ServerConfig } from '../config.js';
import type { Logger } from '@pichat/shared';
import { compileSkills, defaultSkills } from '../skills/index.js';
import { PocketsphinxStt } from '../stt/pocketsphinx.js';
import type { TextToSpeech } from '../pipeline/providers.js';
import { EspeakTts } from '../tts/espeak.js';
import type { OfflineProviders } from './factory.js';

/**
 * The embedded default: pocketsphinx constrained to the local skills' sentences, the local skills, espeak-ng.
 * The recogniser and the brain share one compiled skill list, so what can be heard is exactly what can be
 * answered. A missing engine is reported once at start with the package to install; the server still runs
 * (turns then fail with a spoken apology where possible) so that the web UI and cloud providers keep working.
 */
/** The offline engines, with the offline speech in any espeak-ng voice (`voiced`). */
export interface OfflineEngines extends OfflineProviders {
  voiced(voice: string | undefined): TextToSpeech;
  close(): void;
}

export function createOfflineProviders(config: ServerConfig, log: Logger): OfflineEngines {
  for (const [binary, pkg] of [
    ['pocketsphinx_continuous', 'pocketsphinx pocketsphinx-en-us'],
    ['espeak-ng', 'espeak-ng'],
  ] as const) {
    if (!onPath(binary)) log.warn('offline speech engine missing: install it with apt-get', { binary, packages: pkg });
  }
  const skills = compileSkills(defaultSkills());
  const stt = new PocketsphinxStt({
    skills,
    dataDir: join(config.dataDir, 'grammar'),
    grammar: { garbagePhoneProbability: config.PICHAT_STT_GARBAGE, decoyWordProbability: config.PICHAT_STT_DECOYS },
    secondPass: config.PICHAT_STT_SECOND_PASS,
  });
  const tts = new EspeakTts({ voice: installedVoice(config.PICHAT_ESPEAK_VOICE, log), wordsPerMinute: config.PICHAT_ESPEAK_WPM });
  const brain = createLocalBrain({ skills });
  /**
   * The offline speech in another espeak-ng voice (the web settings' language and gender; see settings-env.ts). An
   * EspeakTts holds nothing but its settings, so one is made per call.
   */
  const voiced = (voice: string | undefined): TextToSpeech =>
    !voice || voice === config.PICHAT_ESPEAK_VOICE ? tts : new EspeakTts({ voice: installedVoice(voice, log), wordsPerMinute: config.PICHAT_ESPEAK_WPM });
  return { stt, tts, brain, voiced, close: () => stt.close() };
}

/**
 * `voice` when espeak-ng has its language (`pl-pl` is spoken by `pl`), else en-us with the same variant: a language
 * picked in the web settings that espeak-ng does not speak must not silence every reply. Unchecked (as given) when
 * espeak-ng cannot list its voices.
 */
export function installedVoice(voice: string, log: Logger, languages = espeakLanguages()): string {
  if (!languages) return voice;
  const [base = '', variant] = voice.split('+');
  const lower = base.toLowerCase();
  if (languages.has(lower) || languages.has(lower.split('-')[0]!)) return voice;
  const fallback = variant ? `en-us+${variant}` : 'en-us';
  log.warn('espeak-ng has no voice for this language; speaking en-us', { voice, fallback });
  return fallback;
}

/** What `espeak-ng --voices` listed: null when it could not (not installed); not asked yet while undefined. */
let languageList: Set<string> | null | undefined;

/** The languages of espeak-ng's voices, read once (a failure too); undefined when it cannot list them. */
function espeakLanguages(): Set<string> | undefined {
  if (languageList === undefined) {
    try {
      const list = execFileSync('espeak-ng', ['--voices'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
      languageList = new Set(list.split('\n').slice(1).map((line) => line.trim().split(/\s+/)[1]?.toLowerCase()).filter((l): l is string => !!l));
    } catch {
      languageList = null;
    }
  }
  return languageList ?? undefined;
}

function onPath(binary: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
