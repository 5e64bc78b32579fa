import type { AudioFormat, Logger } from '@pichat/shared';
import type { AudioSource, Capture, CaptureListener } from '../daemon/ports.js';
import { backoffDelayMs } from '../link/backoff.js';

export interface PreRollOptions {
  /** The real microphone; it is kept running. */
  inner: AudioSource;
  /** Audio kept from before a press and sent first, in ms. */
  preRollMs: number;
  log: Logger;
  /** First and longest wait before restarting a recorder that died, in ms. */
  restartInitialMs?: number;
  restartMaxMs?: number;
  random?: () => number;
}

/**
 * Keeps the microphone open between turns and remembers the last `preRollMs` of audio, so that a turn starts with
 * what was said just before the press and the first syllable is not lost (FIELD-NOTES: pre-roll). `start()` hands
 * the remembered frames to the listener synchronously, before any live frame, so that they follow `turn.start`
 * directly on the wire.
 *
 * Supervised: a recorder that dies (arecord exiting 1 at boot because the card is not there yet, a USB mic pulled)
 * is restarted with back-off; a turn that was listening gets one `failed`. A press while the recorder is down tries
 * to start it at once. Guarantees: never more than `preRollMs` (rounded up to a frame) of old audio; a frame goes
 * either to the ring or to the listener, never both.
 */
export class PreRollSource implements AudioSource {
  private readonly ring: Uint8Array[] = [];
  private readonly ringFrames: number;
  private capture: Capture | undefined;
  /** Identifies the recorder run whose callbacks count; callbacks of an older run are ignored. */
  private run_: object | undefined;
  private listener: CaptureListener | undefined;
  private attempt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: PreRollOptions) {
    this.ringFrames = Math.max(0, Math.ceil(o.preRollMs / o.inner.frameMs));
  }

  get format(): AudioFormat {
    return this.o.inner.format;
  }

  get frameMs(): number {
    return this.o.inner.frameMs;
  }

  get latencyMs(): number | undefined {
    return this.o.inner.latencyMs;
  }

  /** True while a recorder is running. */
  get running(): boolean {
    return this.run_ !== undefined;
  }

  /** Opens the microphone now, ahead of the first press. Idempotent. */
  open(): void {
    if (!this.run_ && !this.closed) this.run();
  }

  start(listener: CaptureListener): Capture {
    const previous = this.listener;
    this.listener = listener;
    if (previous) previous.failed(new Error('capture taken over by a new turn'));
    if (!this.run_ && !this.closed) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
      this.run();
    }
    for (const frame of this.ring.splice(0)) {
      if (this.listener !== listener) break;
      listener.frame(frame);
    }
    return {
      stop: () => {
        if (this.listener === listener) this.listener = undefined;
      },
      // The recorder outlives the turn; `close()` is what waits for it.
      closed: Promise.resolve(),
    };
  }

  /** Drops the remembered audio: the next turn starts with what is heard from now on. */
  forget(): void {
    this.ring.length = 0;
  }

  /** Stops the recorder for good and resolves once it is gone. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.listener = undefined;
    const capture = this.capture;
    this.capture = undefined;
    this.run_ = undefined;
    capture?.stop();
    await capture?.closed;
  }

  private run(): void {
    let sawAudio = false;
    const run = {};
    this.run_ = run;
    const capture = this.o.inner.start({
      frame: (pcm) => {
        if (this.run_ !== run) return;
        if (!sawAudio) {
          sawAudio = true;
          this.attempt = 0;
        }
        if (this.listener) {
          this.listener.frame(pcm);
          return;
        }
        if (this.ringFrames === 0) return;
        this.ring.push(pcm);
        if (this.ring.length > this.ringFrames) this.ring.shift();
      },
      failed: (error) => {
        if (this.run_ !== run) return;
        this.run_ = undefined;
        this.capture = undefined;
        this.ring.length = 0;
        const listener = this.listener;
        this.listener = undefined;
        listener?.failed(error);
        if (this.closed) return;
        const delayMs = backoffDelayMs(this.attempt++, {
          initialMs: this.o.restartInitialMs ?? 1000,
          maxMs: this.o.restartMaxMs ?? 30_000,
          ...(this.o.random ? { random: this.o.random } : {}),
        });
        this.o.log.warn('microphone stopped, restarting', { error, retryInMs: delayMs });
        this.restartTimer = setTimeout(() => {
          this.restartTimer = undefined;
          if (!this.run_ && !this.closed) this.run();
        }, delayMs);
      },
    });
    if (this.run_ === run) this.capture = capture;
  }
}
