import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SessionRecord, Store } from '../store/store.js';
import { generatePassword, hashPassword, verifyPassword } from './password.js';

/** Name of the login cookie. */
export const SESSION_COOKIE = 'pichat_session';

export interface AuthOptions {
  /** Lifetime of a login, ms (default 30 days). */
  sessionTtlMs: number;
  /** Mark the cookie Secure (behind HTTPS). Default false: PiChat usually runs on plain HTTP on a LAN. */
  cookieSecure: boolean;
  /** Failed logins from one address allowed per window before 429 (default 10 per 15 min). */
  maxFailures: number;
  failureWindowMs: number;
  now?: () => number;
}

export const DEFAULT_AUTH_OPTIONS: AuthOptions = {
  sessionTtlMs: 30 * 24 * 3600 * 1000,
  cookieSecure: false,
  maxFailures: 10,
  failureWindowMs: 15 * 60 * 1000,
};

export type LoginResult = { ok: true; cookie: string; username: string } | { ok: false; reason: 'invalid' | 'throttled' };

/**
 * The admin login: one credential, stored as an scrypt hash; a login yields a random 256-bit session id sent as an
 * HttpOnly SameSite=Strict cookie and stored only as its SHA-256. Failed logins are throttled per address.
 */
export class Auth {
  private readonly failures = new Map<string, number[]>();
  private readonly endedListeners = new Set<(idHash: string | undefined) => void>();
  private passwordFromEnvironment = false;

  constructor(
    private readonly store: Store,
    readonly options: AuthOptions = DEFAULT_AUTH_OPTIONS,
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /**
   * Calls `listener` when logins end: with a session's id hash on logout, with undefined when every session of the
   * admin ends (password changed). Connections opened with those logins must end too.
   */
  onSessionsEnded(listener: (idHash: string | undefined) => void): void {
    this.endedListeners.add(listener);
  }

  private sessionsEnded(idHash: string | undefined): void {
    for (const listener of this.endedListeners) listener(idHash);
  }

  /**
   * Makes sure an admin exists. With `password` (PICHAT_ADMIN_PASSWORD) that password is set (replacing the stored
   * one when different); without, a first start generates one. Returns the generated password, to be shown once.
   * A password set this way cannot be changed by `changePassword` (the next start would put it back).
   */
  async ensureAdmin(username = 'admin', password?: string): Promise<{ username: string; generatedPassword?: string }> {
    const existing = await this.store.getAdmin();
    this.passwordFromEnvironment = password !== undefined;
    if (password !== undefined) {
      if (!existing || existing.username !== username || !(await verifyPassword(password, existing.passwordHash))) {
        await this.store.setAdmin({ username, passwordHash: await hashPassword(password), createdAt: new Date(this.now()).toISOString() });
        if (existing) {
          await this.store.deleteSessionsOf(existing.username);
          this.sessionsEnded(undefined);
        }
      }
      return { username };
    }
    if (existing) return { username: existing.username };
    const generated = generatePassword();
    await this.store.setAdmin({ username, passwordHash: await hashPassword(generated), createdAt: new Date(this.now()).toISOString() });
    return { username, generatedPassword: generated };
  }

  async login(username: string, password: string, from: string): Promise<LoginResult> {
    if (this.throttled(from)) return { ok: false, reason: 'throttled' };
    // Counted as a failure before the slow hash, so that guesses sent all at once are throttled like sequential ones;
    // a success clears the count.
    this.fail(from);
    const admin = await this.store.getAdmin();
    // Verify even for an unknown user, so that timing does not tell whether the name exists.
    const valid = await verifyPassword(password, admin?.passwordHash ?? DUMMY_HASH);
    if (!admin || !valid || admin.username !== username) return { ok: false, reason: 'invalid' };
    this.failures.delete(from);
    const id = randomBytes(32).toString('base64url');
    const created = this.now();
    await this.store.createSession({
      idHash: hashId(id),
      username,
      createdAt: new Date(created).toISOString(),
      expiresAt: new Date(created + this.options.sessionTtlMs).toISOString(),
    });
    return { ok: true, cookie: this.cookie(id, this.options.sessionTtlMs), username };
  }

  /** The session a request carries, or undefined (its `idHash` names it to `onSessionsEnded`). */
  async session(req: IncomingMessage): Promise<SessionRecord | undefined> {
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!id || id.length > 100) return undefined;
    return this.store.getSession(hashId(id));
  }

  /** Ends the request's session; returns the cookie header that clears it. */
  async logout(req: IncomingMessage): Promise<string> {
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (id) {
      await this.store.deleteSession(hashId(id));
      this.sessionsEnded(hashId(id));
    }
    return this.cookie('', 0);
  }

  /** Whether the admin password is the one `ensureAdmin` was given (PICHAT_ADMIN_PASSWORD), which only it changes. */
  get passwordFixed(): boolean {
    return this.passwordFromEnvironment;
  }

  /**
   * Replaces the admin password and ends every session. Refused (`fixed`) while the password comes from the
   * environment, and (`wrong`) unless `current` is the password now.
   */
  async changePassword(username: string, current: string, next: string): Promise<'changed' | 'wrong' | 'fixed'> {
    const admin = await this.store.getAdmin();
    if (!admin || admin.username !== username || !(await verifyPassword(current, admin.passwordHash))) return 'wrong';
    if (this.passwordFromEnvironment) return 'fixed';
    await this.store.setAdmin({ ...admin, passwordHash: await hashPassword(next) });
    await this.store.deleteSessionsOf(username);
    this.sessionsEnded(undefined);
    return 'changed';
  }

  private cookie(value: string, maxAgeMs: number): string {
    return [
      `${SESSION_COOKIE}=${value}`,
      'Path=/',
      'HttpOnly',
      'SameSite=Strict',
      `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
      ...(this.options.cookieSecure ? ['Secure'] : []),
    ].join('; ');
  }

  private throttled(from: string): boolean {
    const since = this.now() - this.options.failureWindowMs;
    const recent = (this.failures.get(from) ?? []).filter((t) => t > since);
    if (recent.length === 0) this.failures.delete(from);
    else this.failures.set(from, recent);
    return recent.length >= this.options.maxFailures;
  }

  private fail(from: string): void {
    const list = this.failures.get(from) ?? [];
    list.push(this.now());
    this.failures.set(from, list.slice(-this.options.maxFailures));
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }
}

/** A valid hash of a random password: verified against when no admin exists, to keep timing uniform. */
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export function hashId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** The value of cookie `name` in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * CSRF and cross-site WebSocket defence on top of SameSite=Strict: a state-changing request or a WebSocket upgrade
 * must carry an Origin (or, failing that, a Referer) whose host is the request's own Host. Browsers always send
 * Origin on those; non-browser clients (curl, scripts) may send none and are let through, since they cannot ride
 * a victim's cookie.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const source = req.headers.origin ?? req.headers.referer;
  if (source === undefined) return true;
  if (source === 'null') return false;
  try {
    return new URL(source).host === req.headers.host;
  } catch {
    return false;
  }
}
