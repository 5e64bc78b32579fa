import type { AudioFormat, Logger } from '@pichat/shared';
import type { AudioSink } from '../daemon/ports.js';
import { AplaySink } from './aplay-sink.js';
import { FallbackSink } from './fallback-sink.js';
import { probeSpeaker, type ProbeResult } from './speaker-probe.js';
import { loadSpeaker, SpeakerSink } from './speaker-sink.js';

/**
 * Reply formats announced in the hello. ALSA's `default` (plug) converts any of them; naming several lets the server
 * send what its TTS makes (espeak-ng 22.05 kHz, cloud voices 16/24 kHz) without resampling.
 */
export const PLAYBACK_FORMATS: readonly AudioFormat[] = Object.freeze(
  [16000, 22050, 24000, 48000].map((sampleRateHz) => ({ encoding: 'pcm_s16le' as const, sampleRateHz, channels: 1 })),
);

export interface SelectSinkOptions {
  backend: 'speaker' | 'aplay';
  /** ALSA playback PCM name; `default` means ALSA's default. */
  device: string;
  tailPadMs: number;
  log: Logger;
  /** Replaceable for tests. */
  probe?: (device: string | undefined) => Promise<ProbeResult>;
}

/**
 * Picks the output: `speaker` when asked for and a child process shows it can load and open the device (loading it
 * in the daemon unchecked could abort the process), with `aplay` as the fallback for later failures; `aplay`
 * otherwise.
 */
export async function selectSink(o: SelectSinkOptions): Promise<AudioSink> {
  const device = o.device === 'default' ? undefined : o.device;
  const aplay = new AplaySink({ tailPadMs: o.tailPadMs, formats: PLAYBACK_FORMATS, ...(device ? { device } : {}) });
  if (o.backend === 'aplay') return aplay;
  const probed = await (o.probe ?? probeSpeaker)(device);
  if (!probed.ok) {
    o.log.warn('speaker output unavailable, using aplay', { problem: probed.reason });
    return aplay;
  }
  const speaker = new SpeakerSink({
    tailPadMs: o.tailPadMs,
    formats: PLAYBACK_FORMATS,
    create: loadSpeaker(),
    ...(device ? { device } : {}),
  });
  return new FallbackSink(speaker, aplay, o.log);
}
