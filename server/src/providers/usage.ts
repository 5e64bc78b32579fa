import type { Logger } from '@pichat/shared';
import { rootSignal } from './signals.js';

/**
 * What a provider call consumed, reported once per call when it ends (also when it was cut short: what was used
 * until then). The store records these per turn; `prices.ts` turns them into money.
 *
 * - `tokens`: LLM prompt (`input`) and completion (`output`) tokens, as the provider counted them; an estimate
 *   (characters / 4) when the provider did not say (`estimated: true`).
 * - `characters`: TTS input characters (`input`); `output` is 0.
 * - `audio_seconds`: STT input audio (`input`) or TTS output audio (`output`), seconds.
 */
export interface Usage {
  provider: string;
  model: string;
  kind: 'tokens' | 'characters' | 'audio_seconds';
  input: number;
  output: number;
  estimated?: boolean;
}

/**
 * Receives usage reports. `signal` is the signal the pipeline passed to the provider (the turn's signal, even when
 * wrappers handed the provider a derived one), so the caller can attribute the report to its turn with a
 * `WeakMap<AbortSignal, Turn>`. Must not throw.
 */
export type UsageSink = (usage: Usage, signal: AbortSignal) => void;

/** Calls `sink` and swallows what it throws (a broken store must not break a reply). */
export function reportUsage(sink: UsageSink | undefined, usage: Usage, signal: AbortSignal, logger?: Logger): void {
  if (!sink) return;
  try {
    sink(usage, rootSignal(signal));
  } catch (err) {
    logger?.warn('usage sink failed', { provider: usage.provider, error: err });
  }
}
