import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatBytes, createLogger, silentLogger } from '@pichat/shared';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import type { TextToSpeech } from '../pipeline/providers.js';
import { createOfflineProviders, installedVoice } from './offline.js';

function recordingLogger(): ReturnType<typeof createLogger> & { warnings: string[] } {
  const warnings: string[] = [];
  return Object.assign(createLogger('warn', (line) => void warnings.push(line)), { warnings });
}

describe('installedVoice: the offline voice the web settings picked, if espeak-ng speaks it', () => {
  it('keeps a voice espeak-ng has, by its full name or its language', () => {
    const log = recordingLogger();
    expect(installedVoice('en-gb-x-rp+f3', log)).toBe('en-gb-x-rp+f3');
    expect(installedVoice('pl-pl', log)).toBe('pl-pl');
    expect(installedVoice('en-us', log)).toBe('en-us');
    expect(log.warnings).toEqual([]);
  });
  it('falls back to en-us, keeping the variant, for a language espeak-ng does not have, and says so', () => {
    const log = recordingLogger();
    expect(installedVoice('tlh-kx+f3', log)).toBe('en-us+f3');
    expect(installedVoice('zz', log)).toBe('en-us');
    expect(log.warnings).toHaveLength(2);
    expect(log.warnings[0]).toContain('no voice for this language');
  });
});

async function speak(tts: TextToSpeech, text: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of tts.synthesize(text, new AbortController().signal).chunks) chunks.push(chunk);
  return concatBytes(...chunks);
}

describe('createOfflineProviders: voiced()', () => {
  it('speaks in the voice the settings picked, and in the configured one without', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pichat-offline-'));
    const offline = createOfflineProviders(loadConfig({ PICHAT_DATA_DIR: dataDir }), silentLogger);
    try {
      expect(offline.voiced(undefined)).toBe(offline.tts);
      expect(offline.voiced('en-us')).toBe(offline.tts);
      const text = 'It is ten past nine.';
      const [usual, female, unknown] = await Promise.all([
        speak(offline.tts, text),
        speak(offline.voiced('en-us+f3'), text),
        speak(offline.voiced('tlh-kx+f3'), text), // not installed: en-us, with the variant
      ]);
      expect(usual.byteLength).toBeGreaterThan(10_000);
      expect(female.byteLength).toBeGreaterThan(10_000);
      expect(Buffer.from(female).equals(Buffer.from(usual))).toBe(false);
      expect(Buffer.from(unknown).equals(Buffer.from(female))).toBe(true);
    } finally {
      offline.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
