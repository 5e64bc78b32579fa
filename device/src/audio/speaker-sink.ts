import { createRequire } from 'node:module';
import { bytesForMs, durationMs, type AudioFormat } from '@pichat/shared';
import type { AudioSink, Playback, PlaybackResult } from '../daemon/ports.js';
import { Playhead } from './playhead.js';

/** The slice of `speaker`'s API this module uses (its own typings lack `device` and `samplesPerFrame`). */
export interface SpeakerLike {
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean;
  /** `true` drops what the device still holds (immediate silence); `false` would block the event loop draining. */
  close(flush: boolean): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface SpeakerOptions {
  channels: number;
  sampleRate: number;
  bitDepth: 16;
  signed: true;
  /** Frames per native write: bounds how long a stop waits for the write in flight. */
  samplesPerFrame: number;
  device?: string;
}

export type SpeakerFactory = (options: SpeakerOptions) => SpeakerLike;

export interface SpeakerSinkOptions {
  /** ALSA PCM name; undefined plays on `default`. */
  device?: string;
  /** Silence appended to every reply so that the device does not clip its end, in ms. */
  tailPadMs: number;
  /** Audio per native write, in ms. A stop waits for at most one write: keep it well under 50 ms. */
  writeMs?: number;
  formats: readonly AudioFormat[];
  /** Makes the speaker; tests pass a recorder, `loadSpeaker()` the real one. */
  create: SpeakerFactory;
  now?: () => number;
}

/**
 * Loads the native `speaker` module. Loading it aborts the process (SIGABRT, uncatchable) when ALSA has no `default`
 * PCM (TooTallNate/node-speaker#126, #96), so call this only after `probeSpeaker()` said yes.
 */
export function loadSpeaker(): SpeakerFactory {
  const Speaker = createRequire(import.meta.url)('speaker') as new (o: SpeakerOptions) => SpeakerLike;
  return (options) => new Speaker(options);
}

/**
 * Plays through the `speaker` native module, in process. Writes go one at a time so that `close()` never runs while
 * a native write is in flight (closing under a pending write can crash: node-speaker#28, #92), and nothing is piped.
 * The end of a reply is not drained (a blocking call on the event loop): the sink waits out the playhead, then drops
 * the padding that is left.
 */
export class SpeakerSink implements AudioSink {
  readonly name = 'speaker';
  constructor(private readonly o: SpeakerSinkOptions) {}

  get formats(): readonly AudioFormat[] {
    return this.o.formats;
  }

  open(format: AudioFormat): Playback {
    return new SpeakerPlayback(format, this.o);
  }
}

class SpeakerPlayback implements Playback {
  private readonly speaker: SpeakerLike;
  private readonly playhead: Playhead;
  private readonly pieceBytes: number;
  private readonly queue: Uint8Array[] = [];
  private contentMs = 0;
  private inFlight = false;
  private ending = false;
  private result: PlaybackResult | undefined;
  private closed = false;
  private settle: ((r: PlaybackResult) => void) | undefined;
  private readonly done: Promise<PlaybackResult>;
  private endTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly format: AudioFormat,
    private readonly o: SpeakerSinkOptions,
  ) {
    this.playhead = new Playhead(o.now);
    this.pieceBytes = bytesForMs(format, o.writeMs ?? 20);
    this.done = new Promise((resolve) => (this.settle = resolve));
    this.speaker = o.create({
      channels: format.channels,
      sampleRate: format.sampleRateHz,
      bitDepth: 16,
      signed: true,
      samplesPerFrame: this.pieceBytes / (2 * format.channels),
      ...(o.device ? { device: o.device } : {}),
    });
    this.speaker.on('error', (error) => {
      // A rejected native write reports only here, without calling the write's callback.
      this.inFlight = false;
      this.fail(error);
    });
  }

  write(pcm: Uint8Array): void {
    if (this.ending || this.result) return;
    this.contentMs += durationMs(this.format, pcm.byteLength);
    this.enqueue(pcm);
    this.pump();
  }

  finish(): Promise<PlaybackResult> {
    if (!this.ending && !this.result) {
      this.ending = true;
      this.enqueue(new Uint8Array(bytesForMs(this.format, this.o.tailPadMs)));
      this.pump();
    }
    return this.done;
  }

  stop(): PlaybackResult {
    if (this.result) return this.result;
    this.queue.length = 0;
    clearTimeout(this.endTimer);
    this.end({ heardMs: Math.min(this.playhead.heardMs(), this.contentMs), interrupted: true });
    return this.result ?? { heardMs: 0, interrupted: true };
  }

  private enqueue(pcm: Uint8Array): void {
    for (let i = 0; i < pcm.byteLength; i += this.pieceBytes) {
      this.queue.push(pcm.subarray(i, Math.min(pcm.byteLength, i + this.pieceBytes)));
    }
  }

  private pump(): void {
    if (this.inFlight || this.result) return;
    const piece = this.queue.shift();
    if (!piece) {
      if (this.ending) this.waitOutPlayhead();
      return;
    }
    this.inFlight = true;
    this.playhead.add(durationMs(this.format, piece.byteLength));
    this.speaker.write(piece, (error) => {
      this.inFlight = false;
      if (error) this.fail(error);
      else if (this.result) this.closeDevice();
      else this.pump();
    });
  }

  private waitOutPlayhead(): void {
    if (this.endTimer) return;
    this.endTimer = setTimeout(() => this.end({ heardMs: this.contentMs, interrupted: false }), this.playhead.aheadMs());
  }

  private fail(error: Error): void {
    if (this.result) return;
    this.queue.length = 0;
    this.end({ heardMs: Math.min(this.playhead.heardMs(), this.contentMs), interrupted: false, error });
  }

  private end(result: PlaybackResult): void {
    if (this.result) return;
    this.result = result;
    this.settle?.(result);
    if (!this.inFlight) this.closeDevice();
  }

  private closeDevice(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.speaker.close(true);
    } catch {
      // Closing a device that failed to open throws; there is nothing left to release.
    }
  }
}
