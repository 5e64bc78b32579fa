import { z } from 'zod';

/**
 * Every audio buffer in PiChat travels with its format. Only signed 16-bit little-endian PCM is spoken on the
 * wire: it is what arecord, ALSA, espeak-ng and the speech services all produce or accept without a codec.
 */
export const audioFormatSchema = z
  .object({
    encoding: z.literal('pcm_s16le'),
    sampleRateHz: z.number().int().min(8000).max(48000),
    channels: z.number().int().min(1).max(2),
  })
  .strict();

export type AudioFormat = z.infer<typeof audioFormatSchema>;

/** The capture format of the device and the input format of every speech-to-text provider. */
export const SPEECH_FORMAT: AudioFormat = Object.freeze({ encoding: 'pcm_s16le', sampleRateHz: 16000, channels: 1 });

/** Bytes in one sample frame (all channels). */
export function frameBytes(format: AudioFormat): number {
  return 2 * format.channels;
}

/** Bytes per millisecond of audio in this format (may be fractional, e.g. 44.1 for 22.05 kHz mono). */
export function bytesPerMs(format: AudioFormat): number {
  return (format.sampleRateHz * frameBytes(format)) / 1000;
}

/** Duration in milliseconds of `byteLength` bytes of audio. */
export function durationMs(format: AudioFormat, byteLength: number): number {
  return byteLength / bytesPerMs(format);
}

/** Bytes for `ms` milliseconds of audio, rounded down to whole sample frames. */
export function bytesForMs(format: AudioFormat, ms: number): number {
  const frames = Math.floor((format.sampleRateHz * ms) / 1000);
  return frames * frameBytes(format);
}

export function sameFormat(a: AudioFormat, b: AudioFormat): boolean {
  return a.encoding === b.encoding && a.sampleRateHz === b.sampleRateHz && a.channels === b.channels;
}

export function describeFormat(f: AudioFormat): string {
  return `${f.encoding} ${f.sampleRateHz} Hz ${f.channels === 1 ? 'mono' : `${f.channels} ch`}`;
}
