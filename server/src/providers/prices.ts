import { z } from 'zod';
import type { Usage } from './usage.js';

/**
 * Prices for usage records, from `PICHAT_PRICES` (a JSON array). Each entry prices one provider (and model, or
 * `*` for every model) and kind: `input` and `output` are amounts of money per `per` units, `per` defaulting to
 * 1,000,000 for tokens and characters and 3,600 for audio seconds (price per hour). Example:
 *
 * ```json
 * [{"provider":"openai-chat","model":"gpt-4o-mini","kind":"tokens","input":0.15,"output":0.6},
 *  {"provider":"azure-speech-tts","kind":"characters","input":16},
 *  {"provider":"openai-transcribe","model":"whisper-1","kind":"audio_seconds","input":0.006,"per":60}]
 * ```
 */
const priceSchema = z
  .object({
    provider: z.string().min(1),
    model: z.string().min(1).default('*'),
    kind: z.enum(['tokens', 'characters', 'audio_seconds']),
    input: z.number().nonnegative().default(0),
    output: z.number().nonnegative().default(0),
    per: z.number().positive().optional(),
  })
  .strict();

export type Price = z.infer<typeof priceSchema> & { per: number };

const DEFAULT_PER: Record<Usage['kind'], number> = { tokens: 1_000_000, characters: 1_000_000, audio_seconds: 3_600 };

export class PriceConfigError extends Error {
  override name = 'PriceConfigError';
}

/** Parses the JSON price list; undefined or empty → no prices. Throws a PriceConfigError naming each problem. */
export function parsePrices(json: string | undefined): Price[] {
  if (json === undefined || json.trim() === '') return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new PriceConfigError('PICHAT_PRICES is not valid JSON');
  }
  const parsed = z.array(priceSchema).safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  PICHAT_PRICES[${i.path.join('.')}]: ${i.message}`);
    throw new PriceConfigError(`invalid PICHAT_PRICES:\n${lines.join('\n')}`);
  }
  return parsed.data.map((p) => ({ ...p, per: p.per ?? DEFAULT_PER[p.kind] }));
}

/** The price for a usage record: the entry for its exact model first, else its provider's `*` entry. */
export function findPrice(prices: readonly Price[], usage: Usage): Price | undefined {
  const candidates = prices.filter((p) => p.provider === usage.provider && p.kind === usage.kind);
  return candidates.find((p) => p.model === usage.model) ?? candidates.find((p) => p.model === '*');
}

/** The cost of one usage record, or undefined when no price applies. */
export function costOf(usage: Usage, prices: readonly Price[]): number | undefined {
  const price = findPrice(prices, usage);
  if (!price) return undefined;
  return (usage.input * price.input + usage.output * price.output) / price.per;
}

/** Sums the cost of many records (a turn, a conversation, a device); lists those without a price. */
export function totalCost(usages: readonly Usage[], prices: readonly Price[]): { total: number; unpriced: Usage[] } {
  let total = 0;
  const unpriced: Usage[] = [];
  for (const u of usages) {
    const cost = costOf(u, prices);
    if (cost === undefined) unpriced.push(u);
    else total += cost;
  }
  return { total, unpriced };
}
