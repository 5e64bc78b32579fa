import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The cepstral mean of each microphone channel (a device, the web chat), learnt across turns.
 *
 * Why: the en-us acoustic model was trained with the cepstral mean of each utterance subtracted (`-cmn batch` in its
 * `feat.params`), but a decoder that works while the user speaks cannot know that mean before the utterance ends.
 * pocketsphinx then subtracts `-cmninit` and only updates it after 8 s of audio, so a short command is decoded
 * against the model's built-in starting value, whatever the microphone, the room and the voice sound like. A
 * long-running pocketsphinx keeps what it learnt from one utterance for the next; a decoder started per turn
 * forgets it. This keeps it per channel instead: each finished turn's mean (from the decoder's own log) moves the
 * channel's estimate, and the next turn's decoder starts from it (written into its `-featparams`).
 *
 * The estimate is the plain average of the turns so far, counting the model's value as one turn; from `turns` turns on
 * it becomes a moving average with weight 1/`turns`, so it follows a device that moves to another room, or a room that
 * gets noisier. On the development corpus, with the settings of the time (right skill / false accepts / "play some jazz
 * music" accepted, each voice one device with the noise drawn per turn): 1 turn 82.7 / 11.1 / 14.3 %, 2 turns 86.4 /
 * 6.7 / 21.4 %, 3 turns 90.9 / 4.4 / 25.0 %, 5 turns 90.9 / 6.7 / 26.8 %, 10 turns 90.9 / 6.7 / 30.4 %, 30 turns 90.0 /
 * 6.7 / 41.1 %; the default, 5, sits in the flat part, away from the drop below 3. Estimates are kept in `file` (JSON)
 * across restarts; an unreadable file is ignored (estimates start again).
 *
 * Measured when it was added, with that session's other settings (scripts/bench/recognition.bench.mjs; right skill /
 * false accepts / "play some jazz music" accepted; today's figures are in the README), on the development corpus: every
 * turn on a new device 88.2 / 15.6 / 26.8 %, each voice one device with the noise drawn per turn 90.9 / 6.7 / 26.8 %,
 * steady noise per device 90.9 / 11.1 / 23.2 %; on the benchmark's corpus 88.2 / 4.4 / 26.8 %, 88.2 / 4.4 / 28.6 %,
 * 93.6 / 8.9 / 28.6 %. Everything, commands and other speech alike, fits the model better; a background that changes
 * from turn to turn blurs what is learnt.
 */
export interface ChannelMeansOptions {
  /** The starting mean of a channel without history: the acoustic model's own `-cmninit`. */
  initial: readonly number[];
  /** Turns after which the average becomes a moving average (default 5, see above). */
  turns?: number;
  /** JSON file keeping the estimates across restarts; unset: kept in memory only. */
  file?: string;
  /** Channels kept at most; the least recently updated is forgotten first (default 64). */
  maxChannels?: number;
}

interface Estimate {
  mean: number[];
  /** Turns averaged so far, counting the initial value as one. */
  turns: number;
}

export class ChannelMeans {
  private readonly initial: readonly number[];
  private readonly horizon: number;
  private readonly file: string | undefined;
  private readonly maxChannels: number;
  /** In order of last update (Map keeps insertion order; an update re-inserts). */
  private readonly channels = new Map<string, Estimate>();
  private saving = false;

  constructor(options: ChannelMeansOptions) {
    if (options.initial.length === 0 || !options.initial.every(Number.isFinite)) {
      throw new RangeError('initial cepstral mean must be finite numbers');
    }
    this.initial = [...options.initial];
    this.horizon = Math.max(1, options.turns ?? 5);
    this.file = options.file;
    this.maxChannels = Math.max(1, options.maxChannels ?? 64);
    if (this.file) this.load(this.file);
  }

  /** The channel's current estimate (the initial mean when it has none). */
  get(channel: string): readonly number[] {
    return this.channels.get(channel)?.mean ?? this.initial;
  }

  /** The channel updated last (the likeliest to speak next), if any. */
  recent(): string | undefined {
    let last: string | undefined;
    for (const channel of this.channels.keys()) last = channel;
    return last;
  }

  /** Moves the channel's estimate towards one turn's mean; ignored unless it has the initial mean's length and is finite. */
  update(channel: string, mean: readonly number[]): void {
    if (mean.length !== this.initial.length || !mean.every(Number.isFinite)) return;
    const current = this.channels.get(channel) ?? { mean: [...this.initial], turns: 1 };
    const turns = Math.min(current.turns + 1, this.horizon);
    const next = current.mean.map((m, i) => m + ((mean[i] as number) - m) / turns);
    this.channels.delete(channel);
    this.channels.set(channel, { mean: next, turns });
    while (this.channels.size > this.maxChannels) this.channels.delete(this.channels.keys().next().value as string);
    this.saveSoon();
  }

  /**
   * Writes the file once the current turn's own work is done (an update comes between a turn's transcript and its
   * reply; the write, about 0.2 ms here, need not sit there). Updates in one tick are written once.
   */
  private saveSoon(): void {
    const file = this.file;
    if (!file || this.saving) return;
    this.saving = true;
    setImmediate(() => {
      this.saving = false;
      this.save(file);
    });
  }

  private load(file: string): void {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return;
    }
    const channels = (data as { channels?: unknown } | null)?.channels;
    if (!channels || typeof channels !== 'object') return;
    for (const [channel, value] of Object.entries(channels as Record<string, unknown>)) {
      const { mean, turns } = (value ?? {}) as { mean?: unknown; turns?: unknown };
      if (!Array.isArray(mean) || mean.length !== this.initial.length || !mean.every((x) => typeof x === 'number' && Number.isFinite(x))) continue;
      if (typeof turns !== 'number' || !(turns >= 1)) continue;
      this.channels.set(channel, { mean: mean as number[], turns: Math.min(Math.floor(turns), this.horizon) });
    }
  }

  private save(file: string): void {
    const channels = Object.fromEntries([...this.channels].map(([c, e]) => [c, { mean: e.mean.map((x) => Math.round(x * 100) / 100), turns: e.turns }]));
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(`${file}.tmp`, `${JSON.stringify({ version: 1, channels })}\n`);
      renameSync(`${file}.tmp`, file);
    } catch {
      // Keeping the estimates is a convenience: a read-only data directory must not fail the turn.
    }
  }
}
