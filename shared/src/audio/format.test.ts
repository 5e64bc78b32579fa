import { describe, expect, test } from 'vitest';
import {
  SPEECH_FORMAT,
  audioFormatSchema,
  bytesForMs,
  bytesPerMs,
  describeFormat,
  durationMs,
  frameBytes,
  sameFormat,
  type AudioFormat,
} from './format.js';

const stereo48k: AudioFormat = { encoding: 'pcm_s16le', sampleRateHz: 48000, channels: 2 };
const mono22k: AudioFormat = { encoding: 'pcm_s16le', sampleRateHz: 22050, channels: 1 };

describe('audio format arithmetic', () => {
  test('the speech format is 16 kHz mono s16le and frozen', () => {
    expect(SPEECH_FORMAT).toEqual({ encoding: 'pcm_s16le', sampleRateHz: 16000, channels: 1 });
    expect(Object.isFrozen(SPEECH_FORMAT)).toBe(true);
  });

  test('bytes per frame and per millisecond', () => {
    expect(frameBytes(SPEECH_FORMAT)).toBe(2);
    expect(frameBytes(stereo48k)).toBe(4);
    expect(bytesPerMs(SPEECH_FORMAT)).toBe(32);
    expect(bytesPerMs(stereo48k)).toBe(192);
    expect(bytesPerMs(mono22k)).toBeCloseTo(44.1, 10);
  });

  test('durations', () => {
    expect(durationMs(SPEECH_FORMAT, 32000)).toBe(1000);
    expect(durationMs(stereo48k, 192 * 40)).toBe(40);
    expect(durationMs(mono22k, 44100)).toBeCloseTo(1000, 9);
  });

  test('bytesForMs rounds down to whole frames', () => {
    expect(bytesForMs(SPEECH_FORMAT, 20)).toBe(640);
    expect(bytesForMs(mono22k, 40)).toBe(882 * 2);
    expect(bytesForMs(mono22k, 1)).toBe(22 * 2);
    expect(bytesForMs(stereo48k, 0.01)).toBe(0);
    expect(bytesForMs(stereo48k, 1) % 4).toBe(0);
  });

  test('sameFormat and describeFormat', () => {
    expect(sameFormat(SPEECH_FORMAT, { ...SPEECH_FORMAT })).toBe(true);
    expect(sameFormat(SPEECH_FORMAT, { ...SPEECH_FORMAT, channels: 2 })).toBe(false);
    expect(sameFormat(SPEECH_FORMAT, mono22k)).toBe(false);
    expect(describeFormat(SPEECH_FORMAT)).toBe('pcm_s16le 16000 Hz mono');
    expect(describeFormat(stereo48k)).toBe('pcm_s16le 48000 Hz 2 ch');
  });

  test('the schema accepts 8–48 kHz, 1–2 channels, s16le only', () => {
    expect(audioFormatSchema.safeParse(stereo48k).success).toBe(true);
    for (const bad of [
      { ...SPEECH_FORMAT, sampleRateHz: 7999 },
      { ...SPEECH_FORMAT, sampleRateHz: 48001 },
      { ...SPEECH_FORMAT, sampleRateHz: 96000 },
      { ...SPEECH_FORMAT, channels: 3 },
      { ...SPEECH_FORMAT, encoding: 'pcm_u8' },
      { ...SPEECH_FORMAT, bits: 16 },
    ]) {
      expect(audioFormatSchema.safeParse(bad).success).toBe(false);
    }
  });
});
