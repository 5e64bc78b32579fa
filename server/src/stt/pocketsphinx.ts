import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPEECH_FORMAT, bytesForMs, describeFormat, sameFormat } from '@pichat/shared';
import type { SpeechToText, SttResult, SttStartOptions, SttStream } from '../pipeline/providers.js';
import type { CompiledSkill } from '../skills/skill.js';
import { ChannelMeans } from './channel-means.js';
import { DecoderLog } from './decoder-log.js';
import { parseDecoderOutput, squeezedWords, type DecoderOutput } from './decoder-output.js';
import { SttError } from './errors.js';
import { NoiseFloor } from './noise-floor.js';
import { SECOND_PASS_MODES, DEFAULT_SECOND_PASS, type SecondPassMode } from './second-pass.js';
import { SpeechLevel, type SpeechLevelOptions } from './speech-level.js';
import { DEFAULT_GARBAGE_PHONE_PROBABILITY, buildGrammar, isGarbageWord, loadDictionary, type GrammarOptions } from './grammar.js';

export { SttError } from './errors.js';

/** Where Debian's `pocketsphinx-en-us` puts the US English model. */
export const DEBIAN_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/**
 * The decoder's settings. Wide beams: with the default ones the search often loses every path through a
 * long grammar and returns nothing, and with the decoy words they prune the commands' paths too (default beams,
 * development corpus: 89.1 % right and 22.2 % false accepts, against 94.5 / 11.1 % with these, no duration check).
 * Spectral noise removal off: it hurt accuracy on every corpus we measured.
 * Eight Gaussians per frame scored instead of four (`-topn`), and a phone insertion penalty (`-pip 0.5`, against
 * 1.0, none): closer acoustic scores and a small cost per phone move commands and other speech further apart.
 * Replayed decoder output on the development corpora (decoys at 7e-5, duration check with one frame of slack; right
 * skill / false accepts, first corpus then the large one): 96.4 / 8.9 % and 97.0 / 6.7 %, against 95.5 / 6.7 % and
 * 95.5 / 7.4 % with the model's defaults and decoys at 5e-5 (440 commands: 426 right against 420; 180 other sentences:
 * 13 taken for a command in both). Each alone: top 8, 95.5 / 8.9 % and 96.4 / 8.9 %; -pip 0.5, 95.5 / 6.7 % and
 * 96.1 / 7.4 %. Top 16 (with -pip 0.5) took more other speech (11.1 % and 11.9 %) for no more commands; -pip 0.3 was
 * no better than 0.5. The recognition bench on the development corpora, each voice one device (right / wrong / false
 * accepts): 98.2 / 1.8 / 11.1 % and 95.8 / 0.9 / 7.4 %, against 96.4 / 2.7 / 11.1 % and 94.8 / 1.2 / 8.9 % before.
 * Scoring eight costs a third more decoder CPU (0.141 against 0.104 s per second of speech, median of 24 commands side
 * by side here; not measured on a Pi). Other settings tried there and left at their defaults: silence probability
 * (0.05, 0.0005), word insertion penalty (0.2), language weight (5, 8: the decoys' cost again), frame rate (90, 115),
 * two Gaussians, scoring every senone (no change: the garbage loop keeps nearly all of them active). Also tried
 * there, none better: the model's speech-noise phone (+SPN+) in the garbage loop at 0.02 or 0.2 (one other sentence
 * fewer taken, one command fewer heard), a higher filler probability (1e-4, 1e-2: no change), and rejecting on an
 * acoustic confidence, a word's score per frame from `-backtrace yes` (relative to the best senone of each frame):
 * other sentences and commands overlap (the threshold that keeps every command drops 1 of 13 false accepts). Halving
 * the phone cost, or the decoy cost to 2e-5, hears 1 more of the 440 commands and takes 7 more of the 180 sentences;
 * the confidence takes those back only with commands. An open-TRAP form of each command word (every AE as AA, as
 * today's British "that's", "chat" sound to this model) heard 5 more of those 440 commands for 2 more of the 180
 * sentences (the recognition bench on them, each voice one device), but on the benchmark's own corpus no more
 * commands and more false accepts (steady background 8.9 % against 6.7 %, a new device 13.3 % against 11.1 %): left out.
 * Word times on: the duration check (squeezeSlack) needs them.
 */
const COMMON_ARGS = [
  '-beam', '1e-80', '-wbeam', '1e-60', '-pbeam', '1e-80', '-maxhmmpf', '-1', '-remove_noise', 'no',
  '-topn', '8', '-pip', '0.5', '-time', 'yes',
];

/** Default level of the added hiss (see noise-floor.ts), chosen on the development corpus. */
export const DEFAULT_NOISE_FLOOR_DBFS = -70;

/**
 * Default silence added after a turn's audio, in ms. A push-to-talk turn ends at the release, often right at the end
 * of the last word; the model's sentences end in silence, and a last phone that ends with the audio is squeezed or
 * lost to the garbage loop. The recognition bench's `released` condition (each clip ending where its sound ends) on
 * the development corpora, right skill / false accepts / "play some jazz music" taken, with 250 ms against none:
 * 98.2 / 8.9 / 0 % against 94.5 / 8.9 / 0 % (first corpus), 96.1 / 6.7 / 0 % against 96.4 / 8.9 / 1.8 % (the large
 * one); 100 ms on the first: 97.3 / 11.1 %. On the benchmark's corpus: README. The decoder's time for that audio is
 * within the run-to-run spread of its finish latency (p50 33 against 30 ms on the first corpus). Also tried, and left
 * out: cutting the quiet after the last sound (10 ms frames under -60 dBFS once levelled) before that silence, so that
 * a button held long after the last word counts no more than one let go with it: development corpora 98.2 / 11.1 %
 * (no change) and 96.4 / 8.1 % against 95.8 / 7.4 %; keeping 100 ms of that quiet, 97.3 % on the first.
 */
export const DEFAULT_TRAILING_SILENCE_MS = 250;

/**
 * Default slack of the duration check, in frames. Each phone of the model lasts at least three frames (30 ms at 100
 * frames a second). When the grammar forces speech it does not hold onto a command, some command word is squeezed
 * through at or near that minimum; words really spoken rarely are, except in very fast speech. Chosen with the decoy
 * words on the development corpora (see grammar.ts for the figures); replayed decoder output there (decoys at 5e-5, F,
 * TH and HH words included; right skill / false accepts, first corpus then the large one): no check 94.5 / 11.1 % and
 * 96.4 / 11.1 %; slack 0, 93.6 / 8.9 % and 95.8 / 7.4 %; slack 1, 93.6 / 4.4 % and 94.8 / 6.7 %. Current figures:
 * README.
 *
 * One decoder decides. Before the decoy words, two or three decoders at 100, 130 and 115 frames a second had to agree
 * on the command to keep other speech out (commit a2b1c18 still has that code, and the recognition bench's
 * PICHAT_RECOGNITION_PASSES=agreement there runs it); with whole words explaining other speech, one decoder takes less
 * of it for a command and loses fewer commands than the agreement did (README).
 */
export const DEFAULT_SQUEEZE_SLACK = 1;

export interface PocketsphinxOptions {
  /** The skills whose sentence templates make the grammar. */
  skills: readonly CompiledSkill[];
  /** `pocketsphinx_continuous` executable. Default: found on PATH. */
  binary?: string;
  /** Model directory holding `en-us/` and `cmudict-en-us.dict`. Default DEBIAN_MODEL_DIR. */
  modelDir?: string;
  /** Where the grammar and dictionary are written. Default: a new directory under the OS temp dir. */
  dataDir?: string;
  /** Grammar options: the garbage loop's phone and decoy word probabilities (see grammar.ts). */
  grammar?: GrammarOptions;
  /** Keep the next turn's decoder started and its model loaded (default true). */
  prespawn?: boolean;
  /** Upper bound on the wait for the final hypothesis after `finish()`, in ms, both passes included (default 5000). */
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
  /** Silence (with the hiss) sent after the turn's audio, in ms (default DEFAULT_TRAILING_SILENCE_MS); 0 sends none. */
  trailingSilenceMs?: number;
  /**
   * Which rejected turns are decoded once more, starting from that turn's own cepstral mean (default
   * DEFAULT_SECOND_PASS; needs the channels' learnt means, `adaptChannels`). See SecondPassMode.
   */
  secondPass?: SecondPassMode;
  /**
   * Learn each channel's cepstral mean across turns and start its decoder from it (see channel-means.ts; default
   * true). Turns started without a `channel` always use the model's own starting mean.
   */
  adaptChannels?: boolean;
  /**
   * Duration check: the hypothesis is rejected when the decoder timed one of its words at most this many frames above
   * the fewest possible (default DEFAULT_SQUEEZE_SLACK); `false` turns the check off.
   */
  squeezeSlack?: number | false;
}

/**
 * The second pass decodes with the garbage loop's phones this many times likelier than the first (0.03 against the
 * default 0.02; at most 1; with the phones left out, 0, both passes have the same grammar): a command that overturns a
 * rejection must beat a stronger loop. Replayed on the large
 * development corpus (its 136 rejected turns decoded again from their own means; more commands heard / more other
 * sentences taken than with no second pass): every rejected turn, 5 / 1 against 6 / 4 with the first pass's loop
 * (garbage at 0.05: 4 / 1; decoys at 2e-4 instead: 6 / 2); turns the duration check rejected, 2 / 0 either way.
 */
const SECOND_PASS_GARBAGE_FACTOR = 1.5;

/** Frames (10 ms at the default rate) a turn must have decoded before its mean counts (for its channel, for its second pass). */
const MIN_ADAPT_FRAMES = 30;

/** The cepstral mean of a decoder's turn, once it decoded enough speech for it to count. */
function turnMean(log: DecoderLog): number[] | undefined {
  return log.mean && log.frames >= MIN_ADAPT_FRAMES ? log.mean : undefined;
}

/**
 * How long after a turn's recognition ends the next turn's decoder is started, in ms: not at once, where starting
 * the process and loading its model would compete with the reply's first words for the CPU.
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
 * Embedded speech-to-text: pocketsphinx constrained to the skills' grammar, one decoder process per turn,
 * started at `start()` so decoding runs while the user speaks. Audio must be SPEECH_FORMAT (16 kHz mono s16le).
 *
 * Each channel (`start({ channel })`: a device, the web chat) has its own learnt cepstral mean (channel-means.ts):
 * a finished turn moves it, and the channel's next decoder starts from it. The next turn's decoder is started
 * (models loaded) shortly after each turn ends, for that turn's channel; a turn on another channel starts its own.
 *
 * Guarantees: every child it starts is killed on abort or reaped after `finish()`; `write()` never throws; failures
 * (missing binary, crash, timeout) reject `finish()` with an SttError; an abort resolves `finish()` with ''.
 * Does not guarantee: any recognition accuracy on accents or noise beyond what is measured in the benchmark.
 *
 * Call `close()` when done to kill the pre-spawned decoder.
 */
export class PocketsphinxStt implements SpeechToText {
  readonly name = 'pocketsphinx';
  /**
   * The directory holding the grammar (`grammar.fsg`), its dictionary (`grammar.dict`), the second pass's grammar
   * (`grammar-second-pass.fsg`) and the channels' learnt means.
   */
  readonly dataDir: string;
  private readonly binary: string;
  private readonly args: string[];
  /** The decoder's command line (binary first; the audio comes on stdin), e.g. to measure what decoding costs. */
  get decoderCommand(): string[] {
    return [this.binary, ...this.args];
  }
  /** Phones per dictionary entry (`what(2)` → 3), for the duration check. */
  private readonly phoneCounts: ReadonlyMap<string, number>;
  private readonly squeezeSlack: number | false;
  private readonly prespawn: boolean;
  private readonly finishTimeoutMs: number;
  private readonly threshold: number;
  private readonly speechLevel: SpeechLevelOptions | false;
  private readonly noiseFloorDbfs: number | false;
  private readonly trailingSilenceMs: number;
  /** The second pass for rejected turns, when it is on (and the channels' means are learnt). */
  private readonly again: SecondPass | undefined;
  /** The model's `feat.params` and the channels' learnt means; undefined when adaptation is off. */
  private readonly adaptation: { featParams: string; means: ChannelMeans } | undefined;
  /** The next turn's decoder, started for one channel's mean (`key`). */
  private spare: { key: string; decoder: Decoder } | undefined;
  /** Decoder settings files written so far, to name each one apart. */
  private featFiles = 0;
  private replenishTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** Builds the grammar (throws a GrammarError if a command word is not in the dictionary) and writes it to disk. */
  constructor(options: PocketsphinxOptions) {
    const modelDir = options.modelDir ?? DEBIAN_MODEL_DIR;
    const dictionary = loadDictionary(join(modelDir, 'cmudict-en-us.dict'));
    const grammar = buildGrammar(options.skills, dictionary, options.grammar);
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    this.dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'pichat-sphinx-'));
    const fsgPath = join(this.dataDir, 'grammar.fsg');
    const dictPath = join(this.dataDir, 'grammar.dict');
    writeFileSync(fsgPath, grammar.fsg);
    writeFileSync(dictPath, grammar.dictionary);
    this.binary = options.binary ?? 'pocketsphinx_continuous';
    // No -logfn: the log goes to stderr, where DecoderLog reads the cepstral mean and keeps the tail for errors.
    const argsFor = (fsg: string): string[] => ['-infile', '/dev/stdin', '-dict', dictPath, '-hmm', join(modelDir, 'en-us'), '-fsg', fsg, ...COMMON_ARGS];
    this.args = argsFor(fsgPath);
    this.phoneCounts = grammar.phoneCounts;
    this.squeezeSlack = options.squeezeSlack ?? DEFAULT_SQUEEZE_SLACK;
    if (this.squeezeSlack !== false && !(Number.isInteger(this.squeezeSlack) && this.squeezeSlack >= 0)) {
      throw new RangeError(`squeezeSlack must be a whole number of frames >= 0, got ${this.squeezeSlack}`);
    }
    this.adaptation = options.adaptChannels === false ? undefined : loadAdaptation(join(modelDir, 'en-us', 'feat.params'), this.dataDir);
    removeFeatFiles(this.dataDir);
    this.prespawn = options.prespawn ?? true;
    this.finishTimeoutMs = options.finishTimeoutMs ?? 5000;
    this.threshold = options.leadingSilenceThreshold ?? 64;
    this.speechLevel = options.speechLevel ?? {};
    this.noiseFloorDbfs = options.noiseFloorDbfs ?? DEFAULT_NOISE_FLOOR_DBFS;
    if (this.noiseFloorDbfs !== false) new NoiseFloor(this.noiseFloorDbfs); // throws a RangeError now rather than per turn
    this.trailingSilenceMs = options.trailingSilenceMs ?? DEFAULT_TRAILING_SILENCE_MS;
    if (!(Number.isInteger(this.trailingSilenceMs) && this.trailingSilenceMs >= 0 && this.trailingSilenceMs <= 2000)) {
      throw new RangeError(`trailingSilenceMs must be a whole number of ms in 0..2000, got ${this.trailingSilenceMs}`);
    }
    const mode = options.secondPass ?? DEFAULT_SECOND_PASS;
    if (!SECOND_PASS_MODES.includes(mode)) throw new RangeError(`secondPass must be one of ${SECOND_PASS_MODES.join(', ')}, got ${String(mode)}`);
    const adaptation = this.adaptation;
    if (adaptation && mode !== 'off') {
      // The same grammar with a likelier garbage loop (same words, so the same dictionary).
      const garbage = options.grammar?.garbagePhoneProbability ?? DEFAULT_GARBAGE_PHONE_PROBABILITY;
      const stricter = grammar.fsgWithGarbage(Math.min(1, garbage * SECOND_PASS_GARBAGE_FACTOR));
      let secondFsgPath = fsgPath;
      if (stricter !== grammar.fsg) {
        secondFsgPath = join(this.dataDir, 'grammar-second-pass.fsg');
        writeFileSync(secondFsgPath, stricter);
      }
      const args = argsFor(secondFsgPath);
      this.again = {
        after: mode === 'all' ? new Set(['garbage', 'duration']) : new Set(['duration']),
        start: (mean) => {
          const params = this.writeFeatParams(adaptation.featParams, 'second-pass', mean);
          return params ? this.startWith(params, args) : undefined;
        },
        decide: (stdout) => this.decide(parseDecoderOutput(stdout)).result,
      };
    }
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
    const decoder = this.takeSpare(channel) ?? this.spawn(channel);
    const level = this.speechLevel === false ? undefined : new SpeechLevel(this.speechLevel);
    const floor = this.noiseFloorDbfs === false ? undefined : new NoiseFloor(this.noiseFloorDbfs);
    const shaping = { level, floor, trailingBytes: bytesForMs(SPEECH_FORMAT, this.trailingSilenceMs) };
    return new SphinxStream(decoder, options.signal, this.threshold, shaping, this.finishTimeoutMs, (stdout) => {
      this.learn(channel, decoder);
      return this.decide(parseDecoderOutput(stdout));
    }, () => this.replenishLater(channel), this.again);
  }

  /** The spare decoder if it was started for this channel's current mean and is alive; otherwise kills it. */
  private takeSpare(channel: string | undefined): Decoder | undefined {
    const spare = this.spare;
    this.spare = undefined;
    if (!spare) return undefined;
    const { child } = spare.decoder;
    if (spare.key === this.keyFor(channel) && child.exitCode === null && child.signalCode === null) return spare.decoder;
    kill(spare.decoder);
    return undefined;
  }

  /** Kills the pre-spawned decoder; later `start()` calls fail. Running turns are not affected. */
  close(): void {
    this.closed = true;
    clearTimeout(this.replenishTimer);
    if (this.spare) kill(this.spare.decoder);
    this.spare = undefined;
  }

  /** A finished turn's mean moves its channel's estimate, if it decoded enough speech. */
  private learn(channel: string | undefined, decoder: Decoder): void {
    const mean = turnMean(decoder.log);
    if (channel === undefined || !this.adaptation || !mean) return;
    this.adaptation.means.update(channel, mean);
  }

  private replenishLater(channel: string | undefined): void {
    if (!this.prespawn || this.closed) return;
    clearTimeout(this.replenishTimer);
    this.replenishTimer = setTimeout(() => this.replenish(channel), REPLENISH_DELAY_MS);
    this.replenishTimer.unref();
  }

  /** Starts the next turn's decoder for `channel`, replacing any spare one. */
  private replenish(channel: string | undefined): void {
    if (this.closed) return;
    if (this.spare) kill(this.spare.decoder);
    this.spare = { key: this.keyFor(channel), decoder: this.spawn(channel) };
  }

  private keyFor(channel: string | undefined): string {
    if (channel === undefined || !this.adaptation) return '';
    return `${channel}\n${this.adaptation.means.get(channel).join(',')}`;
  }

  /** The turn's result from the decoder's output: garbage or a squeezed word rejects it. */
  private decide(output: DecoderOutput): Verdict {
    const words = output.text.split(/\s+/).filter((w) => w !== '');
    if (words.length === 0) return { result: { text: '' } };
    if (words.some(isGarbageWord)) return { result: { text: '', rejected: true }, rejectedBy: 'garbage' };
    const slack = this.squeezeSlack;
    if (slack !== false && squeezedWords(output.words, this.phoneCounts, slack).length > 0) {
      return { result: { text: '', rejected: true }, rejectedBy: 'duration' };
    }
    return { result: { text: words.join(' ').replace(/\(\d+\)/g, '').toLowerCase() } };
  }

  private spawn(channel: string | undefined): Decoder {
    if (channel === undefined || !this.adaptation) return this.startWith(undefined);
    const { featParams, means } = this.adaptation;
    return this.startWith(this.writeFeatParams(featParams, channel, means.get(channel)));
  }

  /** A decoder with the settings file `params` (deleted when it ends), or the model's own settings. */
  private startWith(params: string | undefined, args: readonly string[] = this.args): Decoder {
    const decoder = startDecoder(this.binary, params ? [...args, '-featparams', params] : [...args]);
    if (params) void decoder.exit.then(() => rmSync(params, { force: true }));
    return decoder;
  }

  /**
   * The model's feature parameters (`featParams`) with `values` as `-cmninit`, in a file of the data dir named after
   * `label` for one decoder; undefined when the file cannot be written.
   */
  private writeFeatParams(featParams: string, label: string, values: readonly number[]): string | undefined {
    const slug = label.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
    const path = join(this.dataDir, `feat-${slug}-${++this.featFiles}.params`);
    const mean = values.map((x) => x.toFixed(2)).join(',');
    try {
      writeFileSync(path, featParams.replace(/^-cmninit\s+\S+/m, `-cmninit ${mean}`));
      return path;
    } catch {
      return undefined;
    }
  }
}

/** Deletes the decoder settings files (`feat-*.params`) a run that ended without cleaning up left in `dataDir`. */
function removeFeatFiles(dataDir: string): void {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return;
  }
  for (const name of names) if (/^feat-.*\.params(\.tmp)?$/.test(name)) rmSync(join(dataDir, name), { force: true });
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

/** A decoder output's verdict: the turn's result and, when it is rejected, what rejected it. */
interface Verdict {
  result: SttResult;
  rejectedBy?: Rejection;
}

/** What rejected a turn: the garbage loop explained it better than any command, or the duration check. */
type Rejection = 'garbage' | 'duration';

/**
 * The second pass (option `secondPass`, PICHAT_STT_SECOND_PASS; which turns: DEFAULT_SECOND_PASS): its decoder and how
 * its output is judged. A turn the first decoder rejects (for a reason in `after`) is decoded again from the same
 * audio, its decoder starting from that turn's own cepstral mean (read from the first decoder's log) rather than the
 * channel's learnt one: the model was trained with each utterance's own mean, and a decoder that works while the user
 * speaks cannot have it. A command that the second pass hears counts; otherwise the rejection stands. Only those
 * turns pay for it: a second decoder start and decode after the release (p50 377 ms against 14 ms from the end of
 * audio to the result: the recognition bench's 12 paced commands through a duration check that rejects every turn,
 * second pass on and off side by side; not measured on a Pi). Which turns, and why: DEFAULT_SECOND_PASS.
 */
interface SecondPass {
  /** The rejections it decodes again. */
  after: ReadonlySet<Rejection>;
  /** The second decoder, or undefined when it cannot be given the mean. */
  start(mean: readonly number[]): Decoder | undefined;
  decide(stdout: string): SttResult;
}

class SphinxStream implements SttStream {
  private started = false;
  private finished: Promise<SttResult> | undefined;
  private ended = false;
  /** Everything written to the decoder, for a second pass (kept only when there can be one). */
  private readonly sent: Uint8Array[] | undefined;
  private second: Decoder | undefined;
  private readonly onAbort = (): void => {
    kill(this.decoder);
    if (this.second) kill(this.second);
    this.end();
  };

  constructor(
    private readonly decoder: Decoder,
    private readonly signal: AbortSignal,
    private readonly threshold: number,
    private readonly shaping: { level: SpeechLevel | undefined; floor: NoiseFloor | undefined; trailingBytes: number },
    private readonly timeoutMs: number,
    /** The verdict on the decoder's stdout, once it has ended well. */
    private readonly decide: (stdout: string) => Verdict,
    /** Called once when the turn is over (finished, failed or aborted), to start the next turn's decoder. */
    private readonly onEnd: () => void,
    private readonly again?: SecondPass,
  ) {
    this.sent = again ? [] : undefined;
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
    // The level's output is a fresh buffer the floor may add to in place and a second pass may keep; the caller's own
    // audio is copied first for either (new Uint8Array, not slice(): on a Buffer, slice() is a view).
    this.send(level ? level.push(data) : [floor || this.sent ? new Uint8Array(data) : data]);
  }

  private send(chunks: Uint8Array[]): void {
    const { floor } = this.shaping;
    for (const chunk of chunks) {
      floor?.addTo(chunk);
      this.sent?.push(chunk);
      if (this.decoder.child.stdin?.writable) this.decoder.child.stdin.write(chunk);
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
    if (this.started && this.shaping.trailingBytes > 0 && !this.signal.aborted) this.send([new Uint8Array(this.shaping.trailingBytes)]);
    this.decoder.child.stdin?.end();
    if (this.signal.aborted || !this.started) {
      // Aborted, or nothing above the silence threshold: nothing to decode.
      this.onAbort();
      await this.decoder.exit;
      return { text: '' };
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    try {
      const exit = await Promise.race([this.decoder.exit, timeout]);
      if (exit === 'timeout') {
        this.onAbort();
        throw new SttError(`pocketsphinx gave no result within ${this.timeoutMs} ms`, true);
      }
      if (this.signal.aborted) return { text: '' }; // killed by the abort: not a failure
      checkExit(exit, this.decoder);
      const { result, rejectedBy } = this.decide(this.decoder.stdout);
      const mean = turnMean(this.decoder.log);
      if (!rejectedBy || !this.again?.after.has(rejectedBy) || !mean) return result;
      return (await this.secondPass(this.again, mean, timeout)) ?? result;
    } finally {
      clearTimeout(timer);
      this.sent?.splice(0); // the turn's audio, kept for a second pass
    }
  }

  /**
   * The turn decoded again from its own cepstral mean: its result when that pass hears a command, else undefined (the
   * first pass's rejection stands, also when the second decoder cannot start, fails or is late). Both passes together
   * end by `timeout` (the finish timeout); an abort kills the second decoder and gives an empty result.
   */
  private async secondPass(again: SecondPass, mean: readonly number[], timeout: Promise<'timeout'>): Promise<SttResult | undefined> {
    const decoder = again.start(mean);
    if (!decoder) return undefined;
    this.second = decoder;
    for (const chunk of this.sent ?? []) if (decoder.child.stdin?.writable) decoder.child.stdin.write(chunk);
    decoder.child.stdin?.end();
    const exit = await Promise.race([decoder.exit, timeout]);
    if (exit === 'timeout' || this.signal.aborted) {
      kill(decoder);
      return this.signal.aborted ? { text: '' } : undefined;
    }
    if (exit.error || exit.code !== 0) return undefined;
    const result = again.decide(decoder.stdout);
    return result.text ? result : undefined;
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
