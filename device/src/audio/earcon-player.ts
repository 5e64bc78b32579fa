import type { AudioFormat, Logger } from '@pichat/shared';
import type { AudioSink, Playback, PlaybackResult } from '../daemon/ports.js';
import { EARCON_FORMAT, renderEarcon, type Earcon } from './earcons.js';
import { volumeToGain } from './volume.js';

export interface EarconPlayerOptions {
  /** Where earcons and replies play. */
  sink: AudioSink;
  /** Earcon loudness relative to the device volume, percent (0 = silent). */
  levelPercent: number;
  /** The current device volume, 0..100. */
  volume: () => number;
  log: Logger;
}

/**
 * Plays earcons locally and hands replies through, as one `AudioSink`, so that the two never fight over the
 * speaker: a reply opening silences a playing earcon, and an earcon asked for while a reply plays is skipped (the
 * reply is the feedback). Earcons are rendered once per volume and cached.
 */
export class EarconPlayer implements AudioSink {
  private current: Playback | undefined;
  private replies = 0;
  private readonly cache = new Map<string, Uint8Array>();

  constructor(private readonly o: EarconPlayerOptions) {}

  get name(): string {
    return this.o.sink.name;
  }

  get formats(): readonly AudioFormat[] {
    return this.o.sink.formats;
  }

  /** True while an earcon is sounding. */
  get playing(): boolean {
    return this.current !== undefined;
  }

  play(earcon: Earcon): void {
    if (this.o.levelPercent <= 0 || this.replies > 0) return;
    const gain = volumeToGain(this.o.volume()) * (this.o.levelPercent / 100);
    if (gain <= 0) return;
    const key = `${earcon}@${gain.toFixed(4)}`;
    let pcm = this.cache.get(key);
    if (!pcm) {
      pcm = renderEarcon(earcon, gain);
      this.cache.set(key, pcm);
    }
    this.current?.stop();
    const playback = this.o.sink.open(EARCON_FORMAT);
    this.current = playback;
    playback.write(pcm);
    void playback.finish().then((r) => {
      if (this.current === playback) this.current = undefined;
      if (r.error) this.o.log.warn('earcon failed', { earcon, error: r.error });
    });
  }

  open(format: AudioFormat): Playback {
    this.stopEarcon();
    const playback = this.o.sink.open(format);
    this.replies++;
    let open = true;
    const done = (r: PlaybackResult): PlaybackResult => {
      if (open) {
        open = false;
        this.replies--;
      }
      return r;
    };
    return {
      write: (pcm) => playback.write(pcm),
      finish: async () => done(await playback.finish()),
      stop: () => done(playback.stop()),
    };
  }

  /** Silences a playing earcon (shutdown, or a reply taking the speaker). */
  stopEarcon(): void {
    const current = this.current;
    this.current = undefined;
    current?.stop();
  }
}
