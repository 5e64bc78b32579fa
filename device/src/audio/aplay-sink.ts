import { spawn, type ChildProcess } from 'node:child_process';
import { bytesForMs, durationMs, type AudioFormat } from '@pichat/shared';
import type { AudioSink, Playback, PlaybackResult } from '../daemon/ports.js';
import { Playhead } from './playhead.js';

export interface AplaySinkOptions {
  /** ALSA PCM name; undefined plays on `default`. */
  device?: string;
  /** Silence appended to every reply so that the device does not clip its end, in ms. */
  tailPadMs: number;
  formats: readonly AudioFormat[];
  /** The aplay binary; a test may point at a stand-in. */
  command?: string;
  /** Extra time to wait for aplay to drain and exit after the playhead says the end was heard, in ms. */
  exitGraceMs?: number;
  now?: () => number;
}

/** The aplay command line for raw PCM on stdin. `-R 1` starts playback at the first frame, not a full buffer. */
export function aplayArgs(format: AudioFormat, device: string | undefined): string[] {
  return [
    '-q',
    ...(device ? ['-D', device] : []),
    '-t',
    'raw',
    '-f',
    'S16_LE',
    '-r',
    String(format.sampleRateHz),
    '-c',
    String(format.channels),
    '-R',
    '1',
    '-',
  ];
}

/**
 * Plays by piping raw PCM into `aplay`, one process per reply: nothing native in the daemon, so a broken ALSA setup
 * costs one failed reply, never the process. A stop kills aplay, which closes (and so silences) the PCM at once.
 */
export class AplaySink implements AudioSink {
  readonly name = 'aplay';
  constructor(private readonly o: AplaySinkOptions) {}

  get formats(): readonly AudioFormat[] {
    return this.o.formats;
  }

  open(format: AudioFormat): Playback {
    return new AplayPlayback(format, this.o);
  }
}

class AplayPlayback implements Playback {
  private readonly child: ChildProcess;
  private readonly playhead: Playhead;
  private contentMs = 0;
  private ending = false;
  private exited = false;
  private stderrTail = '';
  private result: PlaybackResult | undefined;
  private settle: ((r: PlaybackResult) => void) | undefined;
  private readonly done: Promise<PlaybackResult>;
  private exitTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly format: AudioFormat,
    private readonly o: AplaySinkOptions,
  ) {
    this.playhead = new Playhead(o.now);
    this.done = new Promise((resolve) => (this.settle = resolve));
    this.child = spawn(o.command ?? 'aplay', aplayArgs(format, o.device), { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child.on('error', (error) => this.fail(error));
    // EPIPE when aplay died: its exit reports the failure.
    this.child.stdin?.on('error', () => undefined);
    this.child.stderr?.on('data', (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-400)));
    this.child.on('close', (code, signal) => this.onExit(code, signal));
  }

  write(pcm: Uint8Array): void {
    if (this.ending || this.result || this.exited) return;
    const ms = durationMs(this.format, pcm.byteLength);
    this.contentMs += ms;
    this.playhead.add(ms);
    this.child.stdin?.write(pcm);
  }

  finish(): Promise<PlaybackResult> {
    if (!this.ending && !this.result) {
      this.ending = true;
      const pad = new Uint8Array(bytesForMs(this.format, this.o.tailPadMs));
      this.playhead.add(durationMs(this.format, pad.byteLength));
      this.child.stdin?.end(pad);
      // aplay drains and exits by itself; a wedged device must not hold the turn forever.
      this.exitTimer = setTimeout(
        () => this.fail(new Error('aplay did not finish in time')),
        this.playhead.aheadMs() + (this.o.exitGraceMs ?? 3000),
      );
    }
    return this.done;
  }

  stop(): PlaybackResult {
    if (this.result) return this.result;
    const result: PlaybackResult = { heardMs: Math.min(this.playhead.heardMs(), this.contentMs), interrupted: true };
    this.end(result);
    return result;
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    clearTimeout(this.exitTimer);
    if (this.result) return;
    if (code === 0 && this.ending) {
      this.end({ heardMs: this.contentMs, interrupted: false });
      return;
    }
    const detail = this.stderrTail.trim().split('\n').pop() ?? '';
    this.fail(new Error(`aplay exited (${signal ?? `code ${code}`})${detail ? `: ${detail}` : ''}`));
  }

  private fail(error: Error): void {
    if (this.result) return;
    this.end({ heardMs: Math.min(this.playhead.heardMs(), this.contentMs), interrupted: false, error });
  }

  private end(result: PlaybackResult): void {
    this.result = result;
    clearTimeout(this.exitTimer);
    this.settle?.(result);
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
