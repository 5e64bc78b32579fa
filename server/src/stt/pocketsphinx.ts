import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPEECH_FORMAT, describeFormat, sameFormat, type AudioFormat } from '@pichat/shared';
import type { SpeechToText, SttResult, SttStream } from '../pipeline/providers.js';
import type { CompiledSkill } from '../skills/skill.js';
import { SttError } from './errors.js';
import { NoiseFloor } from './noise-floor.js';
import { SpeechLevel, type SpeechLevelOptions } from './speech-level.js';
import { buildGrammar, isGarbageWord, loadDictionary, type GrammarOptions } from './grammar.js';

export { SttError } from './errors.js';

/** Where Debian's `pocketsphinx-en-us` puts the US English model. */
export const DEBIAN_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/**
 * Decoder settings every pass uses. Wide beams: with the default ones the search often loses every path through a
 * long grammar and returns nothing. Spectral noise removal off: it hurt accuracy on every corpus we measured.
 */
const COMMON_ARGS = ['-beam', '1e-80', '-wbeam', '1e-60', '-pbeam', '1e-80', '-maxhmmpf', '-1', '-remove_noise', 'no'];

/** Default level of the added hiss (see noise-floor.ts), chosen on the development corpus. */
export const DEFAULT_NOISE_FLOOR_DBFS = -70;

/** One decoding pass: extra decoder arguments, and whether its grammar offers the garbage loop (see grammar.ts). */
export interface DecodingPass {
  args?: readonly string[];
  garbage?: boolean;
}

/**
 * The default passes, run side by side on the same audio: the grammar with the garbage loop at 100 frames per
 * second, and again at 130. A result is accepted only when neither holds garbage and both give the same words (the
 * default `sameCommand`); two decodings at different frame rates rarely agree word for word on speech that is not a
 * command. On the development corpus (right skill / wrong skill / false accepts of out-of-vocabulary speech):
 * garbage loop in the first pass only, agreement on the skill 93.6 / 1.8 / 35.6 %, on the words 90.9 / 0.9 / 24.4 %;
 * garbage loop in both passes, on the skill 90.9 / 1.8 / 22.2 %, on the words 88.2 / 0.9 / 15.6 % (this default).
 * On the benchmark corpus the default gives 88.2 / 0.9 / 4.4 %.
 */
export const DEFAULT_PASSES: readonly DecodingPass[] = [{ garbage: true }, { garbage: true, args: ['-frate', '130'] }];

export interface PocketsphinxOptions {
  /** The skills whose sentence templates make the grammar. */
  skills: readonly CompiledSkill[];
  /** `pocketsphinx_continuous` executable. Default: found on PATH. */
  binary?: string;
  /** Model directory holding `en-us/` and `cmudict-en-us.dict`. Default DEBIAN_MODEL_DIR. */
  modelDir?: string;
  /** Where the grammar and dictionary are written. Default: a new directory under the OS temp dir. */
  dataDir?: string;
  /**
   * The parallel decoding passes (default DEFAULT_PASSES). A result is accepted only when no hypothesis holds garbage
   * and `sameCommand` holds for every pair of hypotheses; otherwise it is rejected.
   */
  passes?: readonly DecodingPass[];
  /** When two hypotheses mean the same command. Default: equal normalised text. Pass `sameSkill(...)` to compare skills. */
  sameCommand?: (a: string, b: string) => boolean;
  /** Grammar options: the garbage loop's phone probability (see grammar.ts). */
  grammar?: GrammarOptions;
  /** Keep the next turn's decoders started and their models loaded (default true). */
  prespawn?: boolean;
  /** Upper bound on the wait for the final hypothesis after `finish()`, in ms (default 5000). */
  finishTimeoutMs?: number;
  /**
   * Leading audio quieter than this (absolute 16-bit sample value, default 64 ≈ -54 dBFS) is not sent to the decoder:
   * pocketsphinx's live normalisation is thrown off by digital silence before speech.
   */
  leadingSilenceThreshold?: number;
  /** Level normalisation before decoding (see speech-level.ts); `false` sends the audio as it comes. */
  speechLevel?: SpeechLevelOptions | false;
  /** Level of the hiss added after normalisation, in dBFS (see noise-floor.ts; default -70); `false` adds none. */
  noiseFloorDbfs?: number | false;
}

/** One decoding process: `cat | pocketsphinx_continuous -infile /dev/stdin ...` in its own process group. */
interface Decoder {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
}

/**
 * Embedded speech-to-text: pocketsphinx constrained to the skills' grammar, one set of decoder processes per turn,
 * started at `start()` so decoding runs while the user speaks. Audio must be SPEECH_FORMAT (16 kHz mono s16le).
 *
 * Guarantees: every child it starts is killed on abort or reaped after `finish()`; `write()` never throws; failures
 * (missing binary, crash, timeout) reject `finish()` with an SttError; an abort resolves `finish()` with ''.
 * Does not guarantee: any recognition accuracy on accents or noise beyond what is measured in the benchmark.
 *
 * Call `close()` when done to kill the pre-spawned decoders.
 */
export class PocketsphinxStt implements SpeechToText {
  readonly name = 'pocketsphinx';
  /** The directory holding the grammars (`grammar.fsg`, `grammar-garbage.fsg`) and `grammar.dict`. */
  readonly dataDir: string;
  private readonly binary: string;
  private readonly argSets: string[][];
  private readonly sameCommand: (a: string, b: string) => boolean;
  private readonly prespawn: boolean;
  private readonly finishTimeoutMs: number;
  private readonly threshold: number;
  private readonly speechLevel: SpeechLevelOptions | false;
  private readonly noiseFloorDbfs: number | false;
  private spare: Decoder[] | undefined;
  private closed = false;

  /** Builds the grammar (throws a GrammarError if a command word is not in the dictionary) and writes it to disk. */
  constructor(options: PocketsphinxOptions) {
    const modelDir = options.modelDir ?? DEBIAN_MODEL_DIR;
    const dictionary = loadDictionary(join(modelDir, 'cmudict-en-us.dict'));
    const grammar = buildGrammar(options.skills, dictionary, options.grammar);
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    this.dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'pichat-sphinx-'));
    const files = { garbage: join(this.dataDir, 'grammar-garbage.fsg'), commands: join(this.dataDir, 'grammar.fsg') };
    const dictPath = join(this.dataDir, 'grammar.dict');
    writeFileSync(files.commands, grammar.fsg);
    // With the loop turned off (probability 0), passes asking for it get the commands alone.
    writeFileSync(files.garbage, grammar.garbageFsg ?? grammar.fsg);
    writeFileSync(dictPath, grammar.dictionary);
    this.binary = options.binary ?? 'pocketsphinx_continuous';
    const base = ['-infile', '/dev/stdin', '-dict', dictPath, '-hmm', join(modelDir, 'en-us')];
    this.argSets = (options.passes ?? DEFAULT_PASSES).map((pass) => [
      ...base,
      '-fsg',
      pass.garbage ? files.garbage : files.commands,
      ...COMMON_ARGS,
      ...(pass.args ?? []),
      '-logfn',
      '/dev/null',
    ]);
    if (this.argSets.length === 0) throw new Error('PocketsphinxStt needs at least one pass');
    this.sameCommand = options.sameCommand ?? ((a, b) => a === b);
    this.prespawn = options.prespawn ?? true;
    this.finishTimeoutMs = options.finishTimeoutMs ?? 5000;
    this.threshold = options.leadingSilenceThreshold ?? 64;
    this.speechLevel = options.speechLevel ?? {};
    this.noiseFloorDbfs = options.noiseFloorDbfs ?? DEFAULT_NOISE_FLOOR_DBFS;
    if (this.noiseFloorDbfs !== false) new NoiseFloor(this.noiseFloorDbfs); // throws a RangeError now rather than per turn
    if (this.prespawn) this.spare = this.spawnSet();
  }

  start(options: { format: AudioFormat; signal: AbortSignal; language?: string }): SttStream {
    if (!sameFormat(options.format, SPEECH_FORMAT)) {
      const message = `pocketsphinx needs ${describeFormat(SPEECH_FORMAT)}, got ${describeFormat(options.format)}`;
      return failedStream(new SttError(message, false));
    }
    if (this.closed) return failedStream(new SttError('speech recogniser is closed', false));
    let decoders = this.spare;
    this.spare = undefined;
    if (!decoders || decoders.some((d) => d.child.exitCode !== null || d.child.signalCode !== null)) {
      if (decoders) for (const d of decoders) kill(d);
      decoders = this.spawnSet();
    }
    if (this.prespawn) this.spare = this.spawnSet();
    const level = this.speechLevel === false ? undefined : new SpeechLevel(this.speechLevel);
    const floor = this.noiseFloorDbfs === false ? undefined : new NoiseFloor(this.noiseFloorDbfs);
    return new SphinxStream(decoders, options.signal, this.threshold, { level, floor }, this.finishTimeoutMs, (texts) =>
      this.decide(texts),
    );
  }

  /** Kills the pre-spawned decoders; later `start()` calls fail. Running turns are not affected. */
  close(): void {
    this.closed = true;
    if (this.spare) for (const d of this.spare) kill(d);
    this.spare = undefined;
  }

  private decide(texts: string[]): SttResult {
    const words = texts.map((t) => t.split(/\s+/).filter((w) => w !== ''));
    if (words.every((w) => w.length === 0)) return { text: '' };
    if (words.some((w) => w.some(isGarbageWord))) return { text: '', rejected: true };
    const hyps = words.map((w) => w.join(' ').replace(/\(\d+\)/g, '').toLowerCase());
    const first = hyps[0] as string;
    if (first === '' || hyps.some((h) => h === '' || !this.sameCommand(first, h))) return { text: '', rejected: true };
    return { text: first };
  }

  private spawnSet(): Decoder[] {
    return this.argSets.map((args) => startDecoder(this.binary, args));
  }
}

function startDecoder(binary: string, args: string[]): Decoder {
  // Node gives a child a socket, not a pipe, for stdin, and pocketsphinx cannot open /dev/stdin on a socket:
  // `cat` turns it into a pipe. Own process group (detached) so that one kill reaches both.
  const child = spawn('sh', ['-c', 'cat | exec "$0" "$@"', binary, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const decoder: Decoder = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('close', (code, signal) => resolve({ code, signal }));
    }),
  };
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => (decoder.stdout += d));
  child.stderr?.on('data', (d: string) => {
    if (decoder.stderr.length < 4096) decoder.stderr += d;
  });
  child.stdin?.on('error', () => {}); // EPIPE when the decoder died; surfaces from its exit status instead.
  return decoder;
}

function kill(decoder: Decoder): void {
  const { child } = decoder;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

function failedStream(error: SttError): SttStream {
  return { write: () => {}, finish: () => Promise.reject(error) };
}

class SphinxStream implements SttStream {
  private started = false;
  private finished: Promise<SttResult> | undefined;
  private readonly onAbort = (): void => {
    for (const d of this.decoders) kill(d);
  };

  constructor(
    private readonly decoders: Decoder[],
    private readonly signal: AbortSignal,
    private readonly threshold: number,
    private readonly shaping: { level: SpeechLevel | undefined; floor: NoiseFloor | undefined },
    private readonly timeoutMs: number,
    private readonly decide: (texts: string[]) => SttResult,
  ) {
    if (signal.aborted) this.onAbort();
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  write(pcm: Uint8Array): void {
    if (this.finished || this.signal.aborted) return;
    let data = pcm;
    if (!this.started) {
      const first = firstLoudSample(pcm, this.threshold);
      if (first < 0) return;
      this.started = true;
      data = pcm.subarray(first * 2);
    }
    const { level, floor } = this.shaping;
    // The level's output is a fresh buffer the floor may add to in place; the caller's own audio is copied first
    // (new Uint8Array, not slice(): on a Buffer, slice() is a view).
    this.send(level ? level.push(data) : [floor ? new Uint8Array(data) : data]);
  }

  private send(chunks: Uint8Array[]): void {
    const { floor } = this.shaping;
    for (const chunk of chunks) {
      floor?.addTo(chunk);
      for (const d of this.decoders) {
        if (d.child.stdin?.writable) d.child.stdin.write(chunk);
      }
    }
  }

  finish(): Promise<SttResult> {
    this.finished ??= this.settle().finally(() => this.signal.removeEventListener('abort', this.onAbort));
    return this.finished;
  }

  private async settle(): Promise<SttResult> {
    const { level } = this.shaping;
    if (this.started && level && !this.signal.aborted) this.send(level.flush());
    for (const d of this.decoders) d.child.stdin?.end();
    if (this.signal.aborted) {
      this.onAbort();
      await Promise.all(this.decoders.map((d) => d.exit));
      return { text: '' };
    }
    if (!this.started) {
      // Nothing above the silence threshold: nothing to decode.
      this.onAbort();
      await Promise.all(this.decoders.map((d) => d.exit));
      return { text: '' };
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    try {
      const exits = await Promise.race([Promise.all(this.decoders.map((d) => d.exit)), timeout]);
      if (exits === 'timeout') {
        this.onAbort();
        throw new SttError(`pocketsphinx gave no result within ${this.timeoutMs} ms`, true);
      }
      if (this.signal.aborted) return { text: '' };
      exits.forEach((exit, i) => {
        const d = this.decoders[i] as Decoder;
        if (exit.error) throw new SttError(`cannot start pocketsphinx: ${exit.error.message}`, false, { cause: exit.error });
        if (exit.code === 127) throw new SttError(`pocketsphinx_continuous not found (${d.stderr.trim()})`, false);
        if (exit.code !== 0) {
          const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
          throw new SttError(`pocketsphinx failed (${how}): ${d.stderr.trim().slice(-300)}`, true);
        }
      });
      return this.decide(this.decoders.map((d) => d.stdout.replace(/\n+/g, ' ').trim()));
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Index of the first sample whose magnitude reaches `threshold`, minus 10 ms of lead-in; -1 if none. */
function firstLoudSample(pcm: Uint8Array, threshold: number): number {
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength - (pcm.byteLength % 2));
  const n = view.byteLength / 2;
  for (let i = 0; i < n; i++) {
    const s = view.getInt16(i * 2, true);
    if (s >= threshold || s <= -threshold) return Math.max(0, i - 160);
  }
  return -1;
}
