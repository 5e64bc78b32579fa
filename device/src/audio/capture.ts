import lpcm16 from 'node-record-lpcm16';
import type { Recording, RecordOptions } from 'node-record-lpcm16';
import { type AudioFormat, bytesForMs, type Logger, SPEECH_FORMAT } from '@pichat/shared';
import type { AudioSource, Capture, CaptureListener } from '../daemon/ports.js';
import { Framer } from './framer.js';

/**
 * arecord's period, in ms: it hands over audio a period at a time, a quarter of its buffer, which it caps at 500 ms
 * (125 ms with most cards). A shorter one (`--period-time`, which the library cannot pass) wakes the daemon more often
 * while it only keeps the pre-roll: 20 ms periods took 1.7 % of a core idle and 80 ms 1.2 %, against 0.75 % and 1.0 %
 * at 125 ms (device-footprint bench with the stand-in arecord at each period, medians of three runs side by side),
 * over the idle target of 1 %.
 */
export const ARECORD_PERIOD_MS = 125;

export interface ArecordSourceOptions {
  /** ALSA capture PCM by name (`default`, `plughw:CARD=Device,DEV=0`; see `arecord -L`). */
  device: string;
  /** Frame duration, in ms (20–40). */
  frameMs: number;
  log: Logger;
  /** node-record-lpcm16's `record`; tests may substitute. */
  record?: (options: RecordOptions) => Recording;
}

/**
 * The microphone through node-record-lpcm16 running `arecord` (raw 16 kHz mono s16le), one recorder process per
 * turn (or one for all of them, under PreRollSource). The library's quirks are contained here
 * (gillesdemey/node-record-lpcm16#44): `stop()` makes arecord exit and the library emit a *string* `error` on the
 * stream; a missing binary emits ENOENT on the child process with no listener; a busy or absent device makes arecord
 * exit 1 at once. Each of these either is ignored (after a stop) or becomes one `failed(Error)`; none reaches the
 * process.
 */
export class ArecordSource implements AudioSource {
  readonly format: AudioFormat = SPEECH_FORMAT;

  constructor(private readonly o: ArecordSourceOptions) {}

  get frameMs(): number {
    return this.o.frameMs;
  }

  /** A period, and the frame the framer may still hold back of it. */
  get latencyMs(): number {
    return ARECORD_PERIOD_MS + this.o.frameMs;
  }

  start(listener: CaptureListener): Capture {
    let over = false;
    const framer = new Framer(bytesForMs(this.format, this.o.frameMs));
    let stderrTail = '';
    let recording: Recording | undefined;

    const fail = (error: Error): void => {
      if (over) return;
      over = true;
      try {
        recording?.stop();
      } catch {
        // already gone
      }
      listener.failed(error);
    };

    try {
      recording = (this.o.record ?? lpcm16.record)({
        recorder: 'arecord',
        audioType: 'raw',
        sampleRate: this.format.sampleRateHz,
        channels: this.format.channels,
        device: this.o.device,
      });
    } catch (error) {
      queueMicrotask(() => fail(error instanceof Error ? error : new Error(String(error))));
      return { stop: () => void (over = true), closed: Promise.resolve() };
    }

    const child = recording.process;
    const closed = new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.once('error', () => resolve()); // never spawned: there is no process to wait for
    });
    const stream = recording.stream();
    child.on('error', (error: NodeJS.ErrnoException) => {
      fail(error.code === 'ENOENT' ? new Error('arecord not found: install alsa-utils') : error);
    });
    child.stderr?.on('data', (d: Buffer) => (stderrTail = (stderrTail + d.toString('utf8')).slice(-400)));
    // The library reports every non-zero exit here, as a string; the exit handler below says it better.
    stream.on('error', () => undefined);
    stream.on('data', (chunk: Buffer) => {
      if (!over) framer.push(chunk, (frame) => !over && listener.frame(frame));
    });
    child.on('close', (code, signal) => {
      if (over) return;
      const detail = stderrTail.trim().split('\n').pop() ?? '';
      fail(new Error(`arecord stopped by itself (${signal ?? `code ${code}`})${detail ? `: ${detail}` : ''}`));
    });
    this.o.log.debug('capture started', { device: this.o.device, pid: child.pid });

    return {
      closed,
      stop: () => {
        if (over) return;
        over = true;
        framer.reset();
        try {
          recording?.stop();
        } catch {
          // arecord already exited
        }
      },
    };
  }
}
