import { durationMs, type AudioFormat } from '@pichat/shared';
import type { AudioSink, Playback, PlaybackResult } from '../daemon/ports.js';

/**
 * A start-of-reply jitter buffer as a wrapper around any sink: the first `jitterMs` of a reply are held back and
 * handed to the output together, so that a network hiccup between the first chunks does not become an audible gap
 * (an underrun plays nothing: node-speaker#18). Held audio is released when `jitterMs` of it has arrived, when
 * `jitterMs` has passed since the first chunk, or at `finish()`, whichever is first: the start of a reply is
 * delayed by at most `jitterMs`. After that, chunks pass straight through. `stop()` drops what is held.
 */
export function withJitterBuffer(sink: AudioSink, jitterMs: number): AudioSink {
  if (jitterMs <= 0) return sink;
  return {
    get name() {
      return sink.name;
    },
    get formats() {
      return sink.formats;
    },
    open: (format: AudioFormat): Playback => new JitterPlayback(sink.open(format), format, jitterMs),
  };
}

class JitterPlayback implements Playback {
  private held: Uint8Array[] = [];
  private heldMs = 0;
  private released = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly inner: Playback,
    private readonly format: AudioFormat,
    private readonly jitterMs: number,
  ) {}

  write(pcm: Uint8Array): void {
    if (this.released) return this.inner.write(pcm);
    this.held.push(pcm);
    this.heldMs += durationMs(this.format, pcm.byteLength);
    if (this.heldMs >= this.jitterMs) this.release();
    else this.timer ??= setTimeout(() => this.release(), this.jitterMs);
  }

  finish(): Promise<PlaybackResult> {
    this.release();
    return this.inner.finish();
  }

  stop(): PlaybackResult {
    clearTimeout(this.timer);
    this.held = [];
    this.released = true;
    return this.inner.stop();
  }

  private release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.released) return;
    this.released = true;
    for (const pcm of this.held) this.inner.write(pcm);
    this.held = [];
  }
}
