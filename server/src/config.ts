import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_DECOY_WORD_PROBABILITY, DEFAULT_GARBAGE_PHONE_PROBABILITY } from './stt/grammar.js';
import { DEFAULT_SECOND_PASS, SECOND_PASS_MODES } from './stt/second-pass.js';

/**
 * Server configuration from the environment (and a dotenv file loaded by main.ts). Every variable is documented
 * in .env.example with its unit and default; this schema is the single place that parses them.
 */
/** The espeak-ng voice when none is configured. */
export const DEFAULT_ESPEAK_VOICE = 'en-us';

const schema = z.object({
  /** Address to listen on. Default 0.0.0.0 (all interfaces: devices are on the LAN). */
  PICHAT_HOST: z.string().min(1).default('0.0.0.0'),
  /** HTTP and WebSocket port. Default 8080. */
  PICHAT_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Where the server keeps its state (device registry, grammar files). Default ./data. */
  PICHAT_DATA_DIR: z.string().min(1).default('data'),
  /** debug | info | warn | error | silent. Default info. */
  PICHAT_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Longest push-to-talk turn, ms of audio. Default 30000. */
  PICHAT_MAX_TURN_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
  /** Largest audio frame a device may send, bytes. Default 65536. */
  PICHAT_MAX_FRAME_BYTES: z.coerce.number().int().min(640).max(1_048_576).default(65_536),
  /** WebSocket ping interval towards devices, ms; silent for two intervals = dead. Default 5000. */
  PICHAT_PING_INTERVAL_MS: z.coerce.number().int().min(500).max(60_000).default(5_000),
  /** Optional: a device token to accept (device "pi") without running add-device; at least 16 characters. */
  PICHAT_DEVICE_TOKEN: z.string().min(16).optional(),
  /** espeak-ng voice for replies. Default en-us. */
  PICHAT_ESPEAK_VOICE: z.string().regex(/^[A-Za-z0-9_+-]+$/).default(DEFAULT_ESPEAK_VOICE),
  /** espeak-ng speaking rate, words per minute. Default 175. */
  PICHAT_ESPEAK_WPM: z.coerce.number().int().min(80).max(450).default(175),
  /**
   * Offline recogniser: probability of each phone of the garbage loop that rejects speech outside the commands, 0..1.
   * Higher rejects more (also of real commands); 0 leaves the phones out (the decoy words stay). Default 0.02.
   */
  PICHAT_STT_GARBAGE: z.coerce.number().min(0).max(1).default(DEFAULT_GARBAGE_PHONE_PROBABILITY),
  /**
   * Offline recogniser: probability of each decoy word (frequent English words offered beside the commands), 0..1.
   * Higher rejects more; 0 leaves the decoys out. Default 7e-5.
   */
  PICHAT_STT_DECOYS: z.coerce.number().min(0).max(1).default(DEFAULT_DECOY_WORD_PROBABILITY),
  /**
   * Offline recogniser: which rejected turns are decoded again from their own cepstral mean (SecondPassMode in
   * stt/second-pass.ts): off, duration or all. Default duration.
   */
  PICHAT_STT_SECOND_PASS: z.enum(SECOND_PASS_MODES).default(DEFAULT_SECOND_PASS),
});

export type ServerConfig = z.infer<typeof schema> & { dataDir: string };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError listing every problem, one per line. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const known = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = schema.safeParse(known);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, dataDir: resolve(parsed.data.PICHAT_DATA_DIR) };
}
