import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient, login } from './support/chat-client.js';
import { startTestServer, type TestServer } from './support/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function post(path: string, cookie: string, body?: unknown): Promise<number> {
  const res = await fetch(`${server!.httpUrl}${path}`, {
    method: 'POST',
    headers: { Cookie: cookie, Origin: server!.httpUrl, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return res.status;
}

describe('a chat socket lasts as long as its login', () => {
  it('logout closes the sockets opened with that login (4401) and no other', async () => {
    server = await startTestServer({ store: true });
    const { username, password } = server.admin!;
    const mine = await login(server.httpUrl, username, password);
    const theirs = await login(server.httpUrl, username, password);
    const a = await ChatClient.connect(server.httpUrl, mine);
    const b = await ChatClient.connect(server.httpUrl, theirs);
    expect(await post('/api/logout', mine)).toBe(204);
    expect(await a.waitClosed(5000)).toBe(4401);
    // The other login's socket still answers, and the ended one cannot come back.
    expect((await b.request('get_conversations')).action).toBe('conversations_list');
    await expect(ChatClient.connect(server.httpUrl, mine)).rejects.toMatchObject({ status: 401 });
    await b.close();
  });

  it('a password change closes every socket: none keeps admin rights with the old password', async () => {
    server = await startTestServer({ store: true });
    const { username, password } = server.admin!;
    const one = await ChatClient.connect(server.httpUrl, await login(server.httpUrl, username, password));
    const cookie = await login(server.httpUrl, username, password);
    const two = await ChatClient.connect(server.httpUrl, cookie);
    expect(await post('/api/password', cookie, { current_password: password, new_password: 'a-new-password-456' })).toBe(204);
    expect(await one.waitClosed(5000)).toBe(4401);
    expect(await two.waitClosed(5000)).toBe(4401);
  });

  it('a password set by PICHAT_ADMIN_PASSWORD is not changed from the web, which says why; sockets stay open', async () => {
    server = await startTestServer({ store: true });
    await server.app.auth!.ensureAdmin('admin', 'from-the-environment'); // as main.ts does with the variable set
    const cookie = await login(server.httpUrl, 'admin', 'from-the-environment');
    const socket = await ChatClient.connect(server.httpUrl, cookie);
    const session = await fetch(`${server.httpUrl}/api/session`, { headers: { Cookie: cookie } });
    expect(await session.json()).toEqual({ username: 'admin', password_fixed: true });
    const res = await fetch(`${server.httpUrl}/api/password`, {
      method: 'POST',
      headers: { Cookie: cookie, Origin: server.httpUrl, 'Content-Type': 'application/json' },
      body: JSON.stringify({ current_password: 'from-the-environment', new_password: 'a-new-password-456' }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('PICHAT_ADMIN_PASSWORD') });
    expect((await socket.request('get_conversations')).action).toBe('conversations_list');
    expect(await login(server.httpUrl, 'admin', 'from-the-environment')).toMatch(/^pichat_session=/);
    await socket.close();
  });
});
