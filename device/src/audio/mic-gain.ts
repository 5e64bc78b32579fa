import { applyGain } from '@pichat/shared';
import type { AudioSource, Capture, CaptureListener } from '../daemon/ports.js';

/** Linear gain of a level in decibels. */
export const dbToGain = (db: number): number => 10 ** (db / 20);

/**
 * Mic gain as a wrapper: every frame of `source` is multiplied by `gainDb` (saturating), so a quiet USB microphone
 * reaches the recogniser at a usable level without touching the ALSA mixer. 0 dB returns `source` itself.
 */
export function withMicGain<S extends AudioSource>(source: S, gainDb: number): AudioSource {
  if (gainDb === 0) return source;
  const gain = dbToGain(gainDb);
  return {
    format: source.format,
    frameMs: source.frameMs,
    latencyMs: source.latencyMs,
    start(listener: CaptureListener): Capture {
      return source.start({ frame: (pcm) => listener.frame(applyGain(pcm, gain)), failed: (e) => listener.failed(e) });
    },
    forget: () => source.forget?.(),
  };
}
