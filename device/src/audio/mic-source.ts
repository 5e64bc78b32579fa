import micModule from 'mic';
import type { MicInstance, MicOptions } from 'mic';
import { type AudioFormat, bytesForMs, type Logger, SPEECH_FORMAT } from '@pichat/shared';
import type { AudioSource, Capture, CaptureListener } from '../daemon/ports.js';
import { findCommand } from '../system/find-command.js';
import { ARECORD_PERIOD_MS } from './capture.js';
import { Framer } from './framer.js';
import { WavStreamHeader } from './wav-stream-header.js';

export interface MicSourceOptions {
  /** ALSA capture PCM by name (`default`, `plughw:CARD=Device,DEV=0`; see `--list-devices`). */
  device: string;
  /** Frame duration, in ms (20–40). */
  frameMs: number;
  log: Logger;
  /** The `mic` factory; tests may substitute. */
  mic?: (options: MicOptions) => MicInstance;
  /** Longest wait for arecord to go after a stop, in ms. */
  closeTimeoutMs?: number;
}

/**
 * The microphone through the `mic` package (the alternative to node-record-lpcm16), with its quirks contained
 * (FIELD-NOTES): it defaults to device `plughw:1,0` (a device is always passed here); the published version never
 * asks arecord for raw output, so a WAV header leads the stream (stripped); it discards arecord's stderr unless in
 * debug mode and spawns without an `error` listener, so a missing arecord would crash the process (checked on PATH
 * before every start) and a failing one says nothing (reported as "stopped by itself"). It never exposes the child,
 * so "gone" is the end of its stream.
 */
export class MicSource implements AudioSource {
  readonly format: AudioFormat = SPEECH_FORMAT;

  constructor(private readonly o: MicSourceOptions) {}

  get frameMs(): number {
    return this.o.frameMs;
  }

  /** mic runs arecord with its default period too (capture.ts). */
  get latencyMs(): number {
    return ARECORD_PERIOD_MS + this.o.frameMs;
  }

  start(listener: CaptureListener): Capture {
    let over = false;
    const fail = (error: Error): void => {
      if (over) return;
      over = true;
      try {
        instance?.stop();
      } catch {
        // already gone
      }
      listener.failed(error);
    };
    let instance: MicInstance | undefined;
    if (!this.o.mic && !findCommand('arecord')) {
      queueMicrotask(() => fail(new Error('arecord not found: install alsa-utils')));
      return { stop: () => void (over = true), closed: Promise.resolve() };
    }
    const framer = new Framer(bytesForMs(this.format, this.o.frameMs));
    const header = new WavStreamHeader();
    try {
      instance = (this.o.mic ?? micModule)({
        device: this.o.device,
        rate: String(this.format.sampleRateHz),
        channels: String(this.format.channels),
        bitwidth: '16',
        encoding: 'signed-integer',
        endian: 'little',
        fileType: 'raw',
        exitOnSilence: 0,
        debug: false,
      });
    } catch (error) {
      queueMicrotask(() => fail(error instanceof Error ? error : new Error(String(error))));
      return { stop: () => void (over = true), closed: Promise.resolve() };
    }
    const stream = instance.getAudioStream();
    const closed = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('audioProcessExitComplete', resolve);
    });
    stream.on('error', (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))));
    stream.on('data', (chunk: Buffer) => {
      if (over) return;
      const audio = header.push(chunk);
      if (audio.byteLength > 0) framer.push(audio, (frame) => !over && listener.frame(frame));
    });
    stream.on('audioProcessExitComplete', () => {
      fail(new Error(`arecord (via mic) stopped by itself on ${this.o.device}; mic hides its messages, try PICHAT_CAPTURE_BACKEND=arecord to see them`));
    });
    instance.start();
    this.o.log.debug('capture started', { backend: 'mic', device: this.o.device });

    const timeoutMs = this.o.closeTimeoutMs ?? 2000;
    return {
      closed: Promise.race([closed, new Promise<void>((r) => setTimeout(r, timeoutMs).unref())]),
      stop: () => {
        if (over) return;
        over = true;
        framer.reset();
        try {
          instance?.stop();
        } catch {
          // arecord already exited
        }
      },
    };
  }
}
