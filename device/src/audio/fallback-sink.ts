import type { AudioFormat, Logger } from '@pichat/shared';
import type { AudioSink, Playback, PlaybackResult } from '../daemon/ports.js';

/**
 * Plays on `primary` until one of its playbacks fails, then on `fallback` for good (a failing native output rarely
 * heals; aplay is always there). The failed reply itself is not replayed: its audio went to the broken device.
 */
export class FallbackSink implements AudioSink {
  private failed = false;

  constructor(
    private readonly primary: AudioSink,
    private readonly fallback: AudioSink,
    private readonly log: Logger,
  ) {}

  get name(): string {
    return this.failed ? this.fallback.name : this.primary.name;
  }

  get formats(): readonly AudioFormat[] {
    return this.primary.formats;
  }

  open(format: AudioFormat): Playback {
    if (this.failed) return this.fallback.open(format);
    const playback = this.primary.open(format);
    const watch = (r: PlaybackResult): PlaybackResult => {
      if (r.error && !this.failed) {
        this.failed = true;
        this.log.warn('playback failed, switching output', { from: this.primary.name, to: this.fallback.name, error: r.error });
      }
      return r;
    };
    return {
      write: (pcm) => playback.write(pcm),
      finish: async () => watch(await playback.finish()),
      stop: () => watch(playback.stop()),
    };
  }
}
