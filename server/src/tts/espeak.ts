import { spawn } from 'node:child_process';
import { concatBytes, type AudioFormat } from '@pichat/shared';
import type { TextToSpeech, TtsStream } from '../pipeline/providers.js';
import { TtsError } from './errors.js';

export { TtsError } from './errors.js';

export interface EspeakOptions {
  /** `espeak-ng` executable. Default: found on PATH. */
  binary?: string;
  /** espeak-ng voice, e.g. `en-us`, `en-gb-x-rp+f3` (default `en-us`). */
  voice?: string;
  /** Speaking rate in words per minute (default 165; espeak-ng accepts 80..450). */
  wordsPerMinute?: number;
  /** Output sample rate espeak-ng's voices produce, in Hz (default 22050; all standard voices use it). */
  sampleRateHz?: number;
}

/**
 * Embedded text-to-speech with espeak-ng. One process per `synthesize()`; its WAV output (`--stdout`) is read as it
 * is produced: the header is parsed off the stream and the PCM is yielded in whole samples, in the sizes espeak-ng
 * writes them (re-chunking for the wire is the caller's job).
 *
 * Guarantees: an abort kills the process and ends `chunks` without an error; a missing binary, a crash or output
 * that is not the announced format raises a TtsError from `chunks`. The text goes to espeak-ng on stdin, never as an
 * argument, so it cannot be taken for an option.
 */
export class EspeakTts implements TextToSpeech {
  readonly name = 'espeak-ng';
  private readonly binary: string;
  private readonly voice: string;
  private readonly wordsPerMinute: number;
  private readonly format: AudioFormat;

  constructor(options: EspeakOptions = {}) {
    this.binary = options.binary ?? 'espeak-ng';
    this.voice = options.voice ?? 'en-us';
    this.wordsPerMinute = options.wordsPerMinute ?? 165;
    this.format = { encoding: 'pcm_s16le', sampleRateHz: options.sampleRateHz ?? 22050, channels: 1 };
  }

  synthesize(text: string, signal: AbortSignal): TtsStream {
    return { format: this.format, chunks: this.run(text, signal) };
  }

  private async *run(text: string, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    if (signal.aborted || text.trim() === '') return;
    const child = spawn(this.binary, ['--stdout', '-v', this.voice, '-s', String(this.wordsPerMinute)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let spawnError: Error | undefined;
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('error', (error) => {
        spawnError = error;
        resolve({ code: null, signal: null });
      });
      child.once('close', (code, sig) => resolve({ code, signal: sig }));
    });
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 2048) stderr += d;
    });
    child.stdin.on('error', () => {}); // EPIPE if espeak-ng is gone; reported from its exit status.
    child.stdin.end(`${text.replace(/\s+/g, ' ')}\n`);
    const parser = new WavStreamParser(this.format);
    try {
      for await (const data of child.stdout as AsyncIterable<Buffer>) {
        if (signal.aborted) break;
        const pcm = parser.push(data);
        if (pcm.byteLength > 0) yield pcm;
      }
      const exit = await exited;
      if (signal.aborted) return;
      if (spawnError) {
        const missing = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
        throw new TtsError(
          missing ? `${this.binary} not found; install espeak-ng` : `cannot start espeak-ng: ${spawnError.message}`,
          !missing,
          { cause: spawnError },
        );
      }
      if (exit.code !== 0) {
        throw new TtsError(`espeak-ng failed (exit ${exit.code ?? exit.signal}): ${stderr.trim().slice(-300)}`, true);
      }
      parser.end();
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
}

/**
 * Incremental RIFF/WAVE reader for a stream whose header sizes are unknown (espeak-ng writes 0x7fffffff or 0):
 * skips chunks up to `data`, checks the format, then passes PCM through in whole samples.
 */
export class WavStreamParser {
  private header: Uint8Array = new Uint8Array(0);
  private inData = false;
  private carry: Uint8Array = new Uint8Array(0);

  constructor(private readonly expected: AudioFormat) {}

  /** Feeds bytes; returns the PCM they complete (possibly empty). Throws a TtsError on a foreign format. */
  push(bytes: Uint8Array): Uint8Array {
    if (!this.inData) {
      this.header = concatBytes(this.header, bytes);
      const start = this.findData();
      if (start < 0) {
        if (this.header.byteLength > 65536) throw new TtsError('espeak-ng output has no WAV data chunk', false);
        return new Uint8Array(0);
      }
      this.inData = true;
      bytes = this.header.subarray(start);
      this.header = new Uint8Array(0);
    }
    const all = this.carry.byteLength > 0 ? concatBytes(this.carry, bytes) : bytes;
    const whole = all.byteLength - (all.byteLength % 2);
    this.carry = all.slice(whole);
    return all.subarray(0, whole);
  }

  /** Checks the stream ended properly (a header was seen). */
  end(): void {
    if (!this.inData && this.header.byteLength > 0) throw new TtsError('espeak-ng output ended inside the WAV header', true);
  }

  /** Offset of the PCM in the buffered header bytes, or -1 if not there yet. */
  private findData(): number {
    const h = this.header;
    if (h.byteLength < 12) return -1;
    const ascii = (o: number): string => String.fromCharCode(...h.subarray(o, o + 4));
    if (ascii(0) !== 'RIFF' || ascii(8) !== 'WAVE') throw new TtsError('espeak-ng output is not WAV', false);
    const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
    let offset = 12;
    while (offset + 8 <= h.byteLength) {
      const id = ascii(offset);
      const size = view.getUint32(offset + 4, true);
      if (id === 'data') return offset + 8;
      if (id === 'fmt ') {
        if (offset + 8 + 16 > h.byteLength) return -1;
        const channels = view.getUint16(offset + 10, true);
        const rate = view.getUint32(offset + 12, true);
        const bits = view.getUint16(offset + 22, true);
        if (channels !== this.expected.channels || rate !== this.expected.sampleRateHz || bits !== 16) {
          throw new TtsError(`espeak-ng produced ${rate} Hz ${channels} ch ${bits}-bit audio; expected ${this.expected.sampleRateHz} Hz mono 16-bit`, false);
        }
      }
      offset += 8 + size + (size % 2);
    }
    return -1;
  }
}

