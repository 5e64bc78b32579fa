import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPEECH_FORMAT, describeFormat, sameFormat } from '@pichat/shared';
import type { SpeechToText, SttResult, SttStartOptions, SttStream } from '../pipeline/providers.js';
import { sameSkill, type CompiledSkill } from '../skills/skill.js';
import { ChannelMeans } from './channel-means.js';
import { DecoderLog } from './decoder-log.js';
import { msPerPhone, parseDecoderOutput, squeezedWords, type DecoderOutput } from './decoder-output.js';
import { SttError } from './errors.js';
import { NoiseFloor } from './noise-floor.js';
import { SpeechLevel, type SpeechLevelOptions } from './speech-level.js';
import { buildGrammar, isGarbageWord, loadDictionary, type GrammarOptions } from './grammar.js';

export { SttError } from './errors.js';

/** Where Debian's `pocketsphinx-en-us` puts the US English model. */
export const DEBIAN_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/**
 * Decoder settings every pass uses. Wide beams: with the default ones the search often loses every path through a
 * long grammar and returns nothing, and with the decoy words they prune the commands' paths too (default beams,
 * development corpus: 89.1 % right and 22.2 % false accepts, against 94.5 / 11.1 % with these, no duration check).
 * Spectral noise removal off: it hurt accuracy on every corpus we measured.
 * Word times on: the duration check (DecodingPass.squeezeSlack) needs them.
 */
const COMMON_ARGS = ['-beam', '1e-80', '-wbeam', '1e-60', '-pbeam', '1e-80', '-maxhmmpf', '-1', '-remove_noise', 'no', '-time', 'yes'];

/**
 * With several passes (AGREEMENT_PASSES; the default has one): how far apart in words the passes' hypotheses may be
 * and still count as one command (with the same skill and slot
 * values): "how do it work" / "how do this work", "what skills do you have" / "what skills do you know". With the
 * duration check taking back part of what a looser agreement lets through, on the development corpora, each voice
 * one device (right skill / false accepts; first corpus, then the large one): the very same words 92.7 / 4.4 % and
 * 91.2 / 7.4 %; one edit (this default) 94.5 / 6.7 % and 92.4 / 8.9 %; two edits 95.5 / 8.9 % and 93.6 / 9.6 %,
 * which the recognition bench then measured at 96.4 / 11.1 % and 92.7 / 10.4 %: over the 10 % allowed.
 */
export const DEFAULT_MAX_WORD_EDITS = 1;

/** Default level of the added hiss (see noise-floor.ts), chosen on the development corpus. */
export const DEFAULT_NOISE_FLOOR_DBFS = -70;

/**
 * One decoding pass: extra decoder arguments, whether its grammar offers the garbage loop (see grammar.ts), the
 * slack of its duration check (see DEFAULT_PASSES; unset: this pass's word times are not checked), and for a pass
 * after the first, the slowest speech it is asked about: it only confirms the first pass's words when they lasted at
 * least `minMsPerPhone` milliseconds a phone on average (unset: always).
 */
export interface DecodingPass {
  args?: readonly string[];
  garbage?: boolean;
  squeezeSlack?: number;
  minMsPerPhone?: number;
}

/**
 * The default: one pass, the grammar with the garbage loop of phones and decoy words (grammar.ts), its words checked
 * for squeezing with one frame of slack. Whole English words beside the commands explain other speech well enough that
 * one decoding decides; before the decoys it took two or three decoders at different frame rates agreeing
 * (AGREEMENT_PASSES) to keep false accepts down, at the price of the commands lost whenever one of them slipped.
 *
 * Duration check (`squeezeSlack`, in frames): each phone of the model lasts at least three frames (30 ms at 100 frames
 * a second). When the grammar forces speech it does not hold onto a command, some command word is squeezed through at
 * or near that minimum; words really spoken rarely are, except in very fast speech. The slack was chosen with the decoys
 * on the development corpora (see grammar.ts for the figures); replayed decoder output there (decoys at 5e-5, F, TH and
 * HH words included; right skill / false accepts, first corpus then the large one): no check 94.5 / 11.1 % and 96.4 /
 * 11.1 %; slack 0, 93.6 / 8.9 % and 95.8 / 7.4 %; slack 1, 93.6 / 4.4 % and 94.8 / 6.7 %. Current figures: README.
 */
export const DEFAULT_PASSES: readonly DecodingPass[] = [{ garbage: true, squeezeSlack: 1 }];

/**
 * The previous default, kept to compare against (the recognition bench's PICHAT_RECOGNITION_PASSES=agreement, with the
 * decoy words off): the garbage loop at 100, 130 and 115 frames a second. The first pass's words count only when
 * another confirms them (see decide()): the 130 pass at any pace, the 115 one when the speech was slow (the first
 * pass's words at 100 ms a phone or more). Each pass checks its words at its own frame rate, the 130 one with three
 * frames of slack. With the phone loop alone, two decodings at different frame rates rarely agree on speech that is
 * not a command, but they also disagree on one command in fifteen.
 */
export const AGREEMENT_PASSES: readonly DecodingPass[] = [
  { garbage: true, squeezeSlack: 0 },
  { garbage: true, args: ['-frate', '130'], squeezeSlack: 3 },
  { garbage: true, args: ['-frate', '115'], squeezeSlack: 0, minMsPerPhone: 100 },
];

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
   * The decoding passes, run side by side (default DEFAULT_PASSES, one). The first pass's hypothesis is accepted when
   * it holds no garbage or squeezed word and, if there are other passes, one of them confirms it (see decide());
   * otherwise it is rejected.
   */
  passes?: readonly DecodingPass[];
  /**
   * When two hypotheses mean the same command. Default: the same skill and slot values, in words at most
   * DEFAULT_MAX_WORD_EDITS apart (`sameSkill(skills, 1)`); `(a, b) => a === b` asks for the very same words.
   */
  sameCommand?: (a: string, b: string) => boolean;
  /** Grammar options: the garbage loop's phone and decoy word probabilities (see grammar.ts). */
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
  /**
   * Learn each channel's cepstral mean across turns and start its decoders from it (see channel-means.ts; default
   * true). Turns started without a `channel` always use the model's own starting mean.
   */
  adaptChannels?: boolean;
  /**
   * Duration check (default true): the hypothesis is rejected when a pass with a `squeezeSlack` decoded one of its
   * words in at most that many frames more than the fewest possible (see DEFAULT_PASSES); `false` turns it off.
   */
  durationCheck?: boolean;
}

/** Frames (10 ms at the default rate) a turn must have decoded before its mean counts towards its channel's. */
const MIN_ADAPT_FRAMES = 30;

/**
 * How long after a turn's recognition ends the next turn's decoders are started, in ms: not at once, where starting
 * the processes and loading their models would compete with the reply's first words for the CPU.
 */
const REPLENISH_DELAY_MS = 300;

/** One decoding process: `cat | pocketsphinx_continuous -infile /dev/stdin ...` in its own process group. */
interface Decoder {
  child: ChildProcess;
  stdout: string;
  log: DecoderLog;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
}

/**
 * Embedded speech-to-text: pocketsphinx constrained to the skills' grammar, one set of decoder processes per turn,
 * started at `start()` so decoding runs while the user speaks. Audio must be SPEECH_FORMAT (16 kHz mono s16le).
 *
 * Each channel (`start({ channel })`: a device, the web chat) has its own learnt cepstral mean (channel-means.ts):
 * a finished turn moves it, and the channel's next decoders start from it. The next turn's decoders are started
 * (models loaded) shortly after each turn ends, for that turn's channel; a turn on another channel starts its own.
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
  /** Each pass's decoder command line (binary first; the audio comes on stdin), e.g. to measure what a pass costs. */
  get decoderCommands(): string[][] {
    return this.argSets.map((args) => [this.binary, ...args]);
  }
  /** Each pass's frame rate (frames per second), to time its words. */
  private readonly frameRates: number[];
  /** Phones per dictionary entry (`what(2)` → 3), for the duration check. */
  private readonly phoneCounts: ReadonlyMap<string, number>;
  /** Each pass's duration check slack in frames; undefined where the pass is not checked. */
  private readonly squeezeSlacks: (number | undefined)[];
  /** Each pass's `minMsPerPhone` (see DecodingPass). */
  private readonly minMsPerPhone: (number | undefined)[];
  private readonly sameCommand: (a: string, b: string) => boolean;
  private readonly prespawn: boolean;
  private readonly finishTimeoutMs: number;
  private readonly threshold: number;
  private readonly speechLevel: SpeechLevelOptions | false;
  private readonly noiseFloorDbfs: number | false;
  /** The model's `feat.params` and the channels' learnt means; undefined when adaptation is off. */
  private readonly adaptation: { featParams: string; means: ChannelMeans } | undefined;
  /** The next turn's decoders, started for one channel's mean (`key`). */
  private spare: { key: string; decoders: Decoder[] } | undefined;
  private replenishTimer: NodeJS.Timeout | undefined;
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
    // With no garbage loop at all (phones and decoys both at probability 0), passes asking for it get the commands alone.
    writeFileSync(files.garbage, grammar.garbageFsg ?? grammar.fsg);
    writeFileSync(dictPath, grammar.dictionary);
    this.binary = options.binary ?? 'pocketsphinx_continuous';
    const base = ['-infile', '/dev/stdin', '-dict', dictPath, '-hmm', join(modelDir, 'en-us')];
    // No -logfn: the log goes to stderr, where DecoderLog reads the cepstral mean and keeps the tail for errors.
    const passes = options.passes ?? DEFAULT_PASSES;
    this.frameRates = passes.map((pass) => frameRateOf(pass.args ?? []));
    this.phoneCounts = grammar.phoneCounts;
    passes.forEach(({ squeezeSlack, minMsPerPhone }, i) => {
      if (squeezeSlack !== undefined && !(Number.isInteger(squeezeSlack) && squeezeSlack >= 0)) {
        throw new RangeError(`squeezeSlack must be a whole number of frames >= 0, got ${squeezeSlack}`);
      }
      if (minMsPerPhone !== undefined && (i === 0 || !(Number.isFinite(minMsPerPhone) && minMsPerPhone > 0))) {
        throw new RangeError(`minMsPerPhone must be a number of ms > 0, on a pass after the first; got ${minMsPerPhone}`);
      }
    });
    this.squeezeSlacks = passes.map((pass) => (options.durationCheck === false ? undefined : pass.squeezeSlack));
    this.minMsPerPhone = passes.map((pass) => pass.minMsPerPhone);
    this.argSets = passes.map((pass) => [
      ...base,
      '-fsg',
      pass.garbage ? files.garbage : files.commands,
      ...COMMON_ARGS,
      ...(pass.args ?? []),
    ]);
    this.adaptation = options.adaptChannels === false ? undefined : loadAdaptation(join(modelDir, 'en-us', 'feat.params'), this.dataDir);
    if (this.argSets.length === 0) throw new Error('PocketsphinxStt needs at least one pass');
    this.sameCommand = options.sameCommand ?? sameSkill(options.skills, DEFAULT_MAX_WORD_EDITS);
    this.prespawn = options.prespawn ?? true;
    this.finishTimeoutMs = options.finishTimeoutMs ?? 5000;
    this.threshold = options.leadingSilenceThreshold ?? 64;
    this.speechLevel = options.speechLevel ?? {};
    this.noiseFloorDbfs = options.noiseFloorDbfs ?? DEFAULT_NOISE_FLOOR_DBFS;
    if (this.noiseFloorDbfs !== false) new NoiseFloor(this.noiseFloorDbfs); // throws a RangeError now rather than per turn
    if (this.prespawn) this.replenish(this.adaptation?.means.recent());
  }

  /** The cepstral mean the next turn on `channel` starts from; undefined when adaptation is off. */
  channelMean(channel: string): readonly number[] | undefined {
    return this.adaptation?.means.get(channel);
  }

  start(options: SttStartOptions): SttStream {
    if (!sameFormat(options.format, SPEECH_FORMAT)) {
      const message = `pocketsphinx needs ${describeFormat(SPEECH_FORMAT)}, got ${describeFormat(options.format)}`;
      return failedStream(new SttError(message, false));
    }
    if (this.closed) return failedStream(new SttError('speech recogniser is closed', false));
    const channel = this.adaptation ? options.channel : undefined;
    clearTimeout(this.replenishTimer);
    const decoders = this.takeSpare(channel) ?? this.spawnSet(channel);
    const level = this.speechLevel === false ? undefined : new SpeechLevel(this.speechLevel);
    const floor = this.noiseFloorDbfs === false ? undefined : new NoiseFloor(this.noiseFloorDbfs);
    const outputs: (DecoderOutput | undefined)[] = decoders.map(() => undefined);
    return new SphinxStream(decoders, options.signal, this.threshold, { level, floor }, this.finishTimeoutMs, (pass, stdout) => {
      outputs[pass] = parseDecoderOutput(stdout, this.frameRates[pass] ?? 100);
      const result = this.decide(outputs);
      if (result !== undefined) this.learn(channel, decoders); // once: the first pass, whose log it reads, has ended
      return result;
    }, () => this.replenishLater(channel));
  }

  /** The spare decoders if they were started for this channel's current mean and are alive; otherwise kills them. */
  private takeSpare(channel: string | undefined): Decoder[] | undefined {
    const spare = this.spare;
    this.spare = undefined;
    if (!spare) return undefined;
    if (spare.key === this.keyFor(channel) && spare.decoders.every((d) => d.child.exitCode === null && d.child.signalCode === null)) {
      return spare.decoders;
    }
    for (const d of spare.decoders) kill(d);
    return undefined;
  }

  /** Kills the pre-spawned decoders; later `start()` calls fail. Running turns are not affected. */
  close(): void {
    this.closed = true;
    clearTimeout(this.replenishTimer);
    if (this.spare) for (const d of this.spare.decoders) kill(d);
    this.spare = undefined;
  }

  /** A finished turn's mean (from its first pass) moves its channel's estimate, if it decoded enough speech. */
  private learn(channel: string | undefined, decoders: Decoder[]): void {
    const log = decoders[0]?.log;
    if (channel === undefined || !this.adaptation || !log?.mean || log.frames < MIN_ADAPT_FRAMES) return;
    this.adaptation.means.update(channel, log.mean);
  }

  private replenishLater(channel: string | undefined): void {
    if (!this.prespawn || this.closed) return;
    clearTimeout(this.replenishTimer);
    this.replenishTimer = setTimeout(() => this.replenish(channel), REPLENISH_DELAY_MS);
    this.replenishTimer.unref();
  }

  /** Starts the next turn's decoders for `channel`, replacing any spare set. */
  private replenish(channel: string | undefined): void {
    if (this.closed) return;
    if (this.spare) for (const d of this.spare.decoders) kill(d);
    this.spare = { key: this.keyFor(channel), decoders: this.spawnSet(channel) };
  }

  private keyFor(channel: string | undefined): string {
    if (channel === undefined || !this.adaptation) return '';
    return `${channel}\n${this.adaptation.means.get(channel).join(',')}`;
  }

  /**
   * The turn's result from the passes' outputs (undefined for a pass still running), or undefined while it still
   * depends on a running pass. The first pass's words count when they hold no garbage, no word of theirs was squeezed
   * (if that pass is checked), and a later pass confirms them: one asked about speech this slow (minMsPerPhone), whose
   * words hold no garbage, mean the same command (sameCommand) and were not squeezed either.
   */
  private decide(outputs: readonly (DecoderOutput | undefined)[]): SttResult | undefined {
    const first = outputs[0];
    if (!first) return undefined;
    const text = this.heard(first, 0);
    if (text === '') {
      // Rejected, unless no pass asked about every pace heard anything at all (then: nothing was said).
      const always = outputs.filter((_, i) => this.minMsPerPhone[i] === undefined);
      if (always.some((o) => o !== undefined && o.text.trim() !== '')) return { text: '', rejected: true };
      return always.every((o) => o !== undefined) ? { text: '' } : undefined;
    }
    const pace = msPerPhone(first.words, this.phoneCounts, this.frameRates[0] ?? 100);
    let running = false;
    for (let i = 1; i < outputs.length; i++) {
      const slowest = this.minMsPerPhone[i];
      if (slowest !== undefined && !(pace >= slowest)) continue; // not asked about speech this fast
      const output = outputs[i];
      if (output === undefined) {
        running = true;
        continue;
      }
      const heard = this.heard(output, i);
      if (heard !== '' && this.sameCommand(text, heard)) return { text };
    }
    if (outputs.length === 1) return { text };
    return running ? undefined : { text: '', rejected: true };
  }

  /** One pass's words as a command hypothesis ("what time is it"); '' if it heard nothing, garbage or a squeezed word. */
  private heard(output: DecoderOutput, pass: number): string {
    const words = output.text.split(/\s+/).filter((w) => w !== '');
    if (words.length === 0 || words.some(isGarbageWord)) return '';
    const slack = this.squeezeSlacks[pass];
    if (slack !== undefined && squeezedWords(output.words, this.phoneCounts, slack).length > 0) return '';
    return words.join(' ').replace(/\(\d+\)/g, '').toLowerCase();
  }

  private spawnSet(channel: string | undefined): Decoder[] {
    const params = channel === undefined ? undefined : this.writeFeatParams(channel);
    const extra = params ? ['-featparams', params] : [];
    return this.argSets.map((args) => startDecoder(this.binary, [...args, ...extra]));
  }

  /**
   * The model's feature parameters with the channel's mean as `-cmninit`, written atomically to the data dir; undefined
   * (the decoders then start from the model's own mean) when adaptation is off or the file cannot be written.
   */
  private writeFeatParams(channel: string): string | undefined {
    if (!this.adaptation) return undefined;
    const { featParams, means } = this.adaptation;
    const slug = `${channel.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)}-${createHash('sha1').update(channel).digest('hex').slice(0, 8)}`;
    const path = join(this.dataDir, `feat-${slug}.params`);
    const mean = means.get(channel).map((x) => x.toFixed(2)).join(',');
    try {
      writeFileSync(`${path}.tmp`, featParams.replace(/^-cmninit\s+\S+/m, `-cmninit ${mean}`));
      renameSync(`${path}.tmp`, path);
      return path;
    } catch {
      return undefined;
    }
  }
}

/** The frame rate a pass's arguments set (`-frate`), or the decoder's default, 100. */
function frameRateOf(args: readonly string[]): number {
  const i = args.lastIndexOf('-frate');
  const rate = i >= 0 ? Number(args[i + 1]) : 100;
  return rate > 0 ? rate : 100;
}

/** The model's `feat.params` and the channel means starting from its `-cmninit`; undefined (no adaptation) if unreadable. */
function loadAdaptation(featParamsPath: string, dataDir: string): { featParams: string; means: ChannelMeans } | undefined {
  let featParams: string;
  try {
    featParams = readFileSync(featParamsPath, 'utf8');
  } catch {
    return undefined;
  }
  const init = /^-cmninit\s+(\S+)/m.exec(featParams)?.[1]?.split(',').map(Number);
  if (!init || init.length === 0 || !init.every(Number.isFinite)) return undefined;
  return { featParams, means: new ChannelMeans({ initial: init, file: join(dataDir, 'channel-means.json') }) };
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
    log: new DecoderLog(),
    exit: new Promise((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('close', (code, signal) => resolve({ code, signal }));
    }),
  };
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => (decoder.stdout += d));
  child.stderr?.on('data', (d: string) => decoder.log.push(d));
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
  /** Set when the wait for a result timed out: decoders ending later decide (and teach) nothing. */
  private gaveUp = false;
  private finished: Promise<SttResult> | undefined;
  private ended = false;
  private readonly onAbort = (): void => {
    for (const d of this.decoders) kill(d);
    this.end();
  };

  constructor(
    private readonly decoders: Decoder[],
    private readonly signal: AbortSignal,
    private readonly threshold: number,
    private readonly shaping: { level: SpeechLevel | undefined; floor: NoiseFloor | undefined },
    private readonly timeoutMs: number,
    /** Called with each decoder's stdout as it ends (by index): the turn's result, or undefined until it is known. */
    private readonly decide: (pass: number, stdout: string) => SttResult | undefined,
    /** Called once when the turn is over (finished, failed or aborted), to start the next turn's decoders. */
    private readonly onEnd: () => void,
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
    this.finished ??= this.settle().finally(() => {
      this.signal.removeEventListener('abort', this.onAbort);
      this.end();
    });
    return this.finished;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
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
      const result = await Promise.race([this.decided(), timeout]);
      if (result === 'timeout') {
        this.gaveUp = true;
        this.onAbort();
        throw new SttError(`pocketsphinx gave no result within ${this.timeoutMs} ms`, true);
      }
      // Passes the result no longer depends on are stopped rather than waited for.
      for (const d of this.decoders) kill(d);
      return this.signal.aborted ? { text: '' } : result;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The result as soon as the finished decoders settle it; rejects with an SttError when one of them failed. */
  private decided(): Promise<SttResult> {
    return new Promise((resolve, reject) => {
      let settled = false;
      this.decoders.forEach((d, i) => {
        void d.exit.then((exit) => {
          if (settled || this.gaveUp) return;
          if (this.signal.aborted) {
            // Killed by the abort: not a failure.
            settled = true;
            resolve({ text: '' });
            return;
          }
          try {
            checkExit(exit, d);
            const result = this.decide(i, d.stdout);
            if (result === undefined) return;
            settled = true;
            resolve(result);
          } catch (error) {
            settled = true;
            reject(error);
          }
        });
      });
    });
  }
}

/** Throws the SttError a decoder's exit means, if it did not end well. */
function checkExit(exit: Awaited<Decoder['exit']>, d: Decoder): void {
  if (exit.error) throw new SttError(`cannot start pocketsphinx: ${exit.error.message}`, false, { cause: exit.error });
  if (exit.code === 127) throw new SttError(`pocketsphinx_continuous not found (${lastError(d.log.tail)})`, false);
  if (exit.code !== 0) {
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    throw new SttError(`pocketsphinx failed (${how}): ${lastError(d.log.tail)}`, true);
  }
}

/** The error lines of a decoder's log tail (its INFO lines say nothing of the failure), or its last 300 characters. */
function lastError(tail: string): string {
  const errors = tail.split('\n').filter((line) => /^(ERROR|FATAL|sh:)|not found/.test(line));
  return (errors.length > 0 ? errors.join(' ') : tail).trim().slice(-300);
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
