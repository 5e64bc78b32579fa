import { resolve } from 'node:path';
import { z } from 'zod';
import type { AppDeps } from '../app.js';

/**
 * The web side's environment variables (documented in docs/web.md with unit and default). Parsed here, once;
 * main.ts passes the result to build() and to auth.ensureAdmin().
 */
const schema = z.object({
  /** Admin user name. Default admin. */
  PICHAT_ADMIN_USER: z.string().min(1).max(100).regex(/^\S+$/, 'no spaces').default('admin'),
  /** Admin password (at least 10 characters): set, or replaced, at every start. Unset: generated on first start. */
  PICHAT_ADMIN_PASSWORD: z.string().min(10).max(1000).optional(),
  /** A device's conversation continues while its last message is younger than this, minutes. Default 10. */
  PICHAT_CONVERSATION_IDLE_MIN: z.coerce.number().min(0.1).max(7 * 24 * 60).default(10),
  /** Lifetime of a login, days. Default 30. */
  PICHAT_SESSION_DAYS: z.coerce.number().min(0.01).max(365).default(30),
  /** Mark the login cookie Secure (only when PiChat is served over HTTPS, e.g. behind a proxy). Default false. */
  PICHAT_COOKIE_SECURE: z.enum(['true', 'false', '1', '0']).default('false'),
  /** Directory of the built web UI. Default: web/dist of this checkout. */
  PICHAT_WEB_DIR: z.string().min(1).optional(),
  /** Bytes queued towards one browser before it is dropped as not reading, KiB. Default 1024. */
  PICHAT_CHAT_MAX_BUFFER_KB: z.coerce.number().int().min(64).max(65536).default(1024),
});

export interface WebConfig {
  admin: { username: string; password?: string };
  web: NonNullable<AppDeps['web']>;
}

/** Parses the web variables; throws an Error listing every problem, one per line. */
export function loadWebConfig(env: NodeJS.ProcessEnv = process.env): WebConfig {
  const known = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = schema.safeParse(known);
  if (!parsed.success) {
    throw new Error(`invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  const c = parsed.data;
  return {
    admin: { username: c.PICHAT_ADMIN_USER, ...(c.PICHAT_ADMIN_PASSWORD ? { password: c.PICHAT_ADMIN_PASSWORD } : {}) },
    web: {
      conversationIdleMs: Math.round(c.PICHAT_CONVERSATION_IDLE_MIN * 60_000),
      auth: { sessionTtlMs: Math.round(c.PICHAT_SESSION_DAYS * 24 * 3600 * 1000), cookieSecure: c.PICHAT_COOKIE_SECURE === 'true' || c.PICHAT_COOKIE_SECURE === '1' },
      chat: { maxBufferedBytes: c.PICHAT_CHAT_MAX_BUFFER_KB * 1024 },
      ...(c.PICHAT_WEB_DIR ? { staticDir: resolve(c.PICHAT_WEB_DIR) } : {}),
    },
  };
}
