import { describe, expect, it } from 'vitest';
import { loadWebConfig } from './web-config.js';

describe('web configuration from the environment', () => {
  it('has defaults for everything', () => {
    expect(loadWebConfig({})).toEqual({
      admin: { username: 'admin' },
      web: { conversationIdleMs: 600_000, auth: { sessionTtlMs: 30 * 86_400_000, cookieSecure: false }, chat: { maxBufferedBytes: 1024 * 1024 } },
    });
  });
  it('reads every variable with its unit', () => {
    const c = loadWebConfig({
      PICHAT_ADMIN_USER: 'root',
      PICHAT_ADMIN_PASSWORD: 'long-enough-password',
      PICHAT_CONVERSATION_IDLE_MIN: '2.5',
      PICHAT_SESSION_DAYS: '1',
      PICHAT_COOKIE_SECURE: 'true',
      PICHAT_WEB_DIR: '/srv/pichat-web',
      PICHAT_CHAT_MAX_BUFFER_KB: '256',
    });
    expect(c.admin).toEqual({ username: 'root', password: 'long-enough-password' });
    expect(c.web).toEqual({ conversationIdleMs: 150_000, auth: { sessionTtlMs: 86_400_000, cookieSecure: true }, chat: { maxBufferedBytes: 262_144 }, staticDir: '/srv/pichat-web' });
  });
  it('lists every problem', () => {
    expect(() => loadWebConfig({ PICHAT_ADMIN_PASSWORD: 'short', PICHAT_CONVERSATION_IDLE_MIN: 'soon' })).toThrow(/PICHAT_ADMIN_PASSWORD[\s\S]*PICHAT_CONVERSATION_IDLE_MIN/);
  });
});
