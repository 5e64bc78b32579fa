import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite.js';
import { Auth, DEFAULT_AUTH_OPTIONS, readCookie } from './auth.js';
import { generatePassword, hashPassword, verifyPassword } from './password.js';

describe('admin credential and login sessions', () => {
  it('hashes with scrypt and verifies', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('wrong horse', hash)).toBe(false);
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
    expect(generatePassword()).toMatch(/^[a-zA-Z2-9]{20}$/);
  });

  it('creates the admin once on first start and shows its password once', async () => {
    const store = new SqliteStore(':memory:');
    const auth = new Auth(store);
    const first = await auth.ensureAdmin();
    expect(first.generatedPassword).toMatch(/^.{20}$/);
    expect((await store.getAdmin())!.passwordHash).not.toContain(first.generatedPassword!);
    expect((await auth.ensureAdmin()).generatedPassword).toBeUndefined();
    const login = await auth.login('admin', first.generatedPassword!, '1.2.3.4');
    expect(login).toMatchObject({ ok: true });
    const cookie = (login as { cookie: string }).cookie;
    expect(cookie).toMatch(/^pichat_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=2592000$/);
    const req = { headers: { cookie: cookie.split(';')[0] } } as never;
    expect(await auth.session(req)).toMatchObject({ username: 'admin' });
    // The session id is stored hashed only.
    expect(JSON.stringify(store.db.prepare('SELECT * FROM sessions').all())).not.toContain(readCookie(cookie, 'pichat_session'));
    store.close();
  });

  it('an env password replaces the stored one and ends old sessions', async () => {
    const store = new SqliteStore(':memory:');
    const auth = new Auth(store);
    await auth.ensureAdmin('admin', 'first-password');
    const login = await auth.login('admin', 'first-password', 'a');
    await auth.ensureAdmin('admin', 'second-password');
    expect(await auth.session({ headers: { cookie: (login as { cookie: string }).cookie.split(';')[0] } } as never)).toBeUndefined();
    expect(await auth.login('admin', 'second-password', 'a')).toMatchObject({ ok: true });
    store.close();
  });

  it('a password from the environment is not changed by the web: the next start would put it back', async () => {
    const store = new SqliteStore(':memory:');
    const auth = new Auth(store);
    await auth.ensureAdmin('admin', 'env-password');
    expect(auth.passwordFixed).toBe(true);
    expect(await auth.changePassword('admin', 'wrong-password', 'a-new-password')).toBe('wrong');
    expect(await auth.changePassword('admin', 'env-password', 'a-new-password')).toBe('fixed');
    expect(await auth.login('admin', 'env-password', 'a')).toMatchObject({ ok: true });
    // Without it (a generated password), the web changes it.
    const otherStore = new SqliteStore(':memory:');
    const generated = new Auth(otherStore);
    const { generatedPassword } = await generated.ensureAdmin();
    expect(generated.passwordFixed).toBe(false);
    expect(await generated.changePassword('admin', generatedPassword!, 'a-new-password')).toBe('changed');
    expect(await generated.login('admin', 'a-new-password', 'a')).toMatchObject({ ok: true });
    store.close();
    otherStore.close();
  });

  it('throttles an address after repeated failures, others unaffected', async () => {
    const store = new SqliteStore(':memory:');
    let now = 1_000_000;
    const auth = new Auth(store, { ...DEFAULT_AUTH_OPTIONS, maxFailures: 3, now: () => now });
    await auth.ensureAdmin('admin', 'the-password');
    for (let i = 0; i < 3; i++) expect(await auth.login('admin', 'guess', 'evil')).toEqual({ ok: false, reason: 'invalid' });
    expect(await auth.login('admin', 'the-password', 'evil')).toEqual({ ok: false, reason: 'throttled' });
    expect(await auth.login('admin', 'the-password', 'friend')).toMatchObject({ ok: true });
    now += DEFAULT_AUTH_OPTIONS.failureWindowMs + 1;
    expect(await auth.login('admin', 'the-password', 'evil')).toMatchObject({ ok: true });
    store.close();
  });

  it('throttles guesses sent all at once as it does one after another', async () => {
    const store = new SqliteStore(':memory:');
    const auth = new Auth(store, { ...DEFAULT_AUTH_OPTIONS, maxFailures: 3 });
    await auth.ensureAdmin('admin', 'the-password');
    const results = await Promise.all(Array.from({ length: 8 }, () => auth.login('admin', 'guess', 'evil')));
    expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(3);
    expect(results.filter((r) => !r.ok && r.reason === 'throttled')).toHaveLength(5);
    store.close();
  });
});
