import { applyGain, concatBytes, level } from '@pichat/shared';

/**
 * Brings an utterance to the speech level the recogniser's acoustic model expects, before the decoder sees it.
 *
 * Why: pocketsphinx normalises cepstra with a running mean that starts from the model's initial value and is only
 * updated at the end of an utterance, so a decoder started per turn normalises the whole command with that initial
 * mean. Its first coefficient is the log energy: a microphone 20 dB hotter or quieter than the training data shifts
 * every frame, and recognition falls apart (measured: 85 % right skill before, 97 % after, on the benchmark corpus).
 *
 * How: the first `windowMs` of speech are held back, the level of their loud frames is measured (the `percentile`
 * of 20 ms frame levels, so pauses do not count), and one gain for the whole utterance brings that level to
 * `targetDbfs`. Exactly the first `windowMs` are measured, however the audio is cut into writes, so an utterance
 * sent in 40 ms frames (a device) and the same one written at once (a file) decode the same way. The held audio is
 * then released scaled, and everything after it is scaled as it arrives; every buffer returned is a new one. One gain
 * per utterance, never changed mid-way: a gain that moved while the decoder runs would shift its features
 * mid-command.
 */
export interface SpeechLevelOptions {
  /** Level the loud frames are brought to, in dBFS (default -30, tuned on a corpus apart from the benchmark's). */
  targetDbfs?: number;
  /** Speech measured before the gain is fixed, in ms of 16 kHz audio (default 500). */
  windowMs?: number;
  /** Which frame level counts as "the" level, 0..1 (default 0.9: the loud part of speech). */
  percentile?: number;
  /** Bounds of the gain, in dB (default -30 and +20: a whisper is not turned into a shout of noise). */
  minGainDb?: number;
  maxGainDb?: number;
}

const SAMPLE_RATE = 16_000;
const FRAME = 320; // 20 ms
const HOP = 160; // 10 ms

export class SpeechLevel {
  private readonly targetDbfs: number;
  private readonly windowBytes: number;
  private readonly percentile: number;
  private readonly minGainDb: number;
  private readonly maxGainDb: number;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private gain: number | undefined;

  constructor(options: SpeechLevelOptions = {}) {
    this.targetDbfs = options.targetDbfs ?? -30;
    this.windowBytes = Math.round(((options.windowMs ?? 500) * SAMPLE_RATE) / 1000) * 2;
    this.percentile = options.percentile ?? 0.9;
    this.minGainDb = options.minGainDb ?? -30;
    this.maxGainDb = options.maxGainDb ?? 20;
  }

  /** The gain in force (linear), once fixed. */
  get fixedGain(): number | undefined {
    return this.gain;
  }

  /** Takes the next audio; returns what may go to the decoder now (nothing while the window fills). */
  push(pcm: Uint8Array): Uint8Array[] {
    if (this.gain !== undefined) return [applyGain(pcm, this.gain)];
    this.held.push(pcm);
    this.heldBytes += pcm.byteLength;
    return this.heldBytes >= this.windowBytes ? this.release(this.windowBytes) : [];
  }

  /** End of the utterance: fixes the gain from whatever was held (if the window never filled) and releases it. */
  flush(): Uint8Array[] {
    return this.gain === undefined ? this.release(this.heldBytes) : [];
  }

  /** Fixes the gain from the first `measuredBytes` held, and releases everything held, scaled. */
  private release(measuredBytes: number): Uint8Array[] {
    const all = concatBytes(...this.held);
    this.held = [];
    this.heldBytes = 0;
    const measured = all.subarray(0, measuredBytes);
    this.gain = gainFor(measured, this.targetDbfs, this.percentile, this.minGainDb, this.maxGainDb);
    return all.byteLength === 0 ? [] : [applyGain(all, this.gain)];
  }
}

/** Linear gain that brings the `percentile` 20 ms frame level of `pcm` to `targetDbfs`, within the bounds. */
export function gainFor(pcm: Uint8Array, targetDbfs: number, percentile: number, minDb: number, maxDb: number): number {
  const samples = Math.floor(pcm.byteLength / 2);
  if (samples === 0) return 1;
  const levels: number[] = [];
  // 20 ms frames every 10 ms; audio shorter than one frame is one frame.
  for (let i = 0; i === 0 || i + FRAME <= samples; i += HOP) {
    const db = level(pcm.subarray(i * 2, Math.min(samples, i + FRAME) * 2)).rmsDb;
    levels.push(Number.isFinite(db) ? db : -120);
  }
  levels.sort((a, b) => a - b);
  const measured = levels[Math.floor(percentile * (levels.length - 1))] as number;
  const db = Math.max(minDb, Math.min(maxDb, targetDbfs - measured));
  return 10 ** (db / 20);
}

