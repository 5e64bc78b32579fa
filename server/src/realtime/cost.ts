import { z } from 'zod';
import type { ResponseUsage, TranscriptionUsage } from './events.js';

/**
 * Realtime cost arithmetic (seed 004's session cost tracker, done per response). Pure.
 *
 * Token prices are money per 1,000,000 tokens; `transcriptionPerMinute` is money per minute of transcribed audio
 * (transcribers that bill by duration). The defaults are OpenAI's list prices for `gpt-realtime` and
 * `gpt-4o-mini-transcribe` in USD when this was written; set `PICHAT_REALTIME_PRICES` for your model, region and
 * contract (Azure prices differ).
 */
export interface RealtimePrices {
  currency: string;
  textInput: number;
  cachedTextInput: number;
  audioInput: number;
  cachedAudioInput: number;
  textOutput: number;
  audioOutput: number;
  transcriptionInput: number;
  transcriptionOutput: number;
  transcriptionPerMinute: number;
}

export const DEFAULT_REALTIME_PRICES: RealtimePrices = {
  currency: 'USD',
  textInput: 4,
  cachedTextInput: 0.4,
  audioInput: 32,
  cachedAudioInput: 0.4,
  textOutput: 16,
  audioOutput: 64,
  transcriptionInput: 3,
  transcriptionOutput: 5,
  transcriptionPerMinute: 0.003,
};

const money = z.number().nonnegative();
const pricesSchema = z
  .object({
    textInput: money,
    cachedTextInput: money,
    audioInput: money,
    cachedAudioInput: money,
    textOutput: money,
    audioOutput: money,
    transcriptionInput: money,
    transcriptionOutput: money,
    transcriptionPerMinute: money,
  })
  .partial()
  .strict();

/** Parses `PICHAT_REALTIME_PRICES` (a JSON object overriding some defaults). Throws an Error naming each problem. */
export function parseRealtimePrices(json: string | undefined, currency = 'USD'): RealtimePrices {
  if (json === undefined || json.trim() === '') return { ...DEFAULT_REALTIME_PRICES, currency };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('PICHAT_REALTIME_PRICES is not valid JSON');
  }
  const parsed = pricesSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`PICHAT_REALTIME_PRICES: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(object)'}: ${i.message}`).join('; ')}`);
  }
  const overrides = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_REALTIME_PRICES, ...overrides, currency };
}

/** Token (and second) counts by price class. Uncached and cached input are disjoint here (unlike the API's). */
export interface UsageBreakdown {
  textIn: number;
  cachedTextIn: number;
  audioIn: number;
  cachedAudioIn: number;
  textOut: number;
  audioOut: number;
  transcriptionIn: number;
  transcriptionOut: number;
  transcriptionSeconds: number;
}

export const EMPTY_BREAKDOWN: UsageBreakdown = {
  textIn: 0,
  cachedTextIn: 0,
  audioIn: 0,
  cachedAudioIn: 0,
  textOut: 0,
  audioOut: 0,
  transcriptionIn: 0,
  transcriptionOut: 0,
  transcriptionSeconds: 0,
};

/**
 * Splits a response's usage into price classes. The API counts cached tokens inside `text_tokens`/`audio_tokens`;
 * `cached_tokens_details` says how many of each were cached. Without those details, cached tokens are taken from
 * text first (the instructions and earlier text are what usually hits the cache), the rest from audio.
 */
export function responseBreakdown(usage: ResponseUsage): UsageBreakdown {
  const input = usage.input_token_details ?? {};
  const output = usage.output_token_details ?? {};
  const text = input.text_tokens ?? Math.max(0, (usage.input_tokens ?? 0) - (input.audio_tokens ?? 0));
  const audio = input.audio_tokens ?? 0;
  const cached = input.cached_tokens ?? 0;
  let cachedText = input.cached_tokens_details?.text_tokens;
  let cachedAudio = input.cached_tokens_details?.audio_tokens;
  if (cachedText === undefined && cachedAudio === undefined) {
    cachedText = Math.min(cached, text);
    cachedAudio = Math.min(cached - cachedText, audio);
  }
  cachedText = Math.min(cachedText ?? 0, text);
  cachedAudio = Math.min(cachedAudio ?? 0, audio);
  const audioOut = output.audio_tokens ?? 0;
  const textOut = output.text_tokens ?? Math.max(0, (usage.output_tokens ?? 0) - audioOut);
  return {
    ...EMPTY_BREAKDOWN,
    textIn: text - cachedText,
    cachedTextIn: cachedText,
    audioIn: audio - cachedAudio,
    cachedAudioIn: cachedAudio,
    textOut,
    audioOut,
  };
}

/** The usage of one input transcription: tokens (gpt-4o-*-transcribe) or seconds (whisper-1). */
export function transcriptionBreakdown(usage: TranscriptionUsage): UsageBreakdown {
  if (usage.type === 'duration') return { ...EMPTY_BREAKDOWN, transcriptionSeconds: usage.seconds };
  return { ...EMPTY_BREAKDOWN, transcriptionIn: usage.input_tokens, transcriptionOut: usage.output_tokens };
}

export function addBreakdown(a: UsageBreakdown, b: UsageBreakdown): UsageBreakdown {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof UsageBreakdown)[]) out[k] = a[k] + b[k];
  return out;
}

/** The money a breakdown costs at `prices`. */
export function costOf(b: UsageBreakdown, p: RealtimePrices): number {
  const perToken =
    b.textIn * p.textInput +
    b.cachedTextIn * p.cachedTextInput +
    b.audioIn * p.audioInput +
    b.cachedAudioIn * p.cachedAudioInput +
    b.textOut * p.textOutput +
    b.audioOut * p.audioOutput +
    b.transcriptionIn * p.transcriptionInput +
    b.transcriptionOut * p.transcriptionOutput;
  return perToken / 1_000_000 + (b.transcriptionSeconds / 60) * p.transcriptionPerMinute;
}
