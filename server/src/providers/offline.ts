import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createLocalBrain } from '../brain/local.js';
import type { ServerConfig } from '../config.js';
import type { Logger } from '../log.js';
import { compileSkills, defaultSkills } from '../skills/index.js';
import { PocketsphinxStt } from '../stt/pocketsphinx.js';
import { EspeakTts } from '../tts/espeak.js';
import type { OfflineProviders } from './factory.js';

/**
 * The embedded default: pocketsphinx constrained to the local skills' sentences, the local skills, espeak-ng.
 * The recogniser and the brain share one compiled skill list, so what can be heard is exactly what can be
 * answered. A missing engine is reported once at start with the package to install; the server still runs
 * (turns then fail with a spoken apology where possible) so that the web UI and cloud providers keep working.
 */
export function createOfflineProviders(config: ServerConfig, log: Logger): OfflineProviders & { close(): void } {
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
  });
  const tts = new EspeakTts({ voice: config.PICHAT_ESPEAK_VOICE, wordsPerMinute: config.PICHAT_ESPEAK_WPM });
  const brain = createLocalBrain({ skills });
  return { stt, tts, brain, close: () => stt.close() };
}

function onPath(binary: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
