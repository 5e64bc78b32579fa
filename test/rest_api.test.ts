import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDevice } from './support/device-client.js';
import { login } from './support/chat-client.js';
import { startTestServer, type TestServer } from './support/server.js';

describe('REST API, /docs, /model-info and the login', () => {
  let server: TestServer;
  let cookie: string;
  const call = (path: string, init: RequestInit & { json?: unknown; noCookie?: boolean } = {}) => {
    const headers: Record<string, string> = { Origin: server.httpUrl, ...(init.headers as Record<string, string>) };
    if (!init.noCookie) headers.Cookie = cookie;
    if (init.json !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(`${server.httpUrl}${path}`, { ...init, headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) });
  };

  beforeAll(async () => {
    server = await startTestServer({ store: true });
    cookie = await login(server.httpUrl, server.admin!.username, server.admin!.password);
  });
  afterAll(() => server.close());

  it('refuses every endpoint without a login', async () => {
    const endpoints: [string, string][] = [
      ['GET', '/api/session'],
      ['GET', '/api/conversations'],
      ['POST', '/api/conversations'],
      ['GET', '/api/conversations/x'],
      ['PATCH', '/api/conversations/x'],
      ['DELETE', '/api/conversations/x'],
      ['GET', '/api/conversations/x/messages'],
      ['POST', '/api/conversations/x/messages'],
      ['GET', '/api/conversations/x/export'],
      ['GET', '/api/search?q=a'],
      ['GET', '/api/settings'],
      ['PATCH', '/api/settings'],
      ['GET', '/api/devices'],
      ['POST', '/api/devices'],
      ['PATCH', '/api/devices/x'],
      ['DELETE', '/api/devices/x'],
      ['POST', '/api/tts'],
      ['POST', '/api/stt'],
      ['POST', '/api/password'],
      ['GET', '/model-info'],
      ['GET', '/docs'],
      ['GET', '/openapi.json'],
    ];
    for (const [method, path] of endpoints) {
      const res = await call(path, { method, noCookie: true, ...(method === 'GET' || method === 'DELETE' ? {} : { json: {} }) });
      expect(res.status, `${method} ${path}`).toBe(401);
      const forged = await call(path, { method, noCookie: true, headers: { Cookie: 'pichat_session=abc' } });
      expect(forged.status, `${method} ${path} forged`).toBe(401);
    }
    expect((await call('/health', { noCookie: true })).status).toBe(200);
  });

  it('logs in with an HttpOnly SameSite cookie, throttles guessing, and logs out', async () => {
    const res = await fetch(`${server.httpUrl}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: server.admin!.password }) });
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect((await call('/api/login', { method: 'POST', noCookie: true, json: { username: 'admin', password: 'wrong' } })).status).toBe(401);
    expect((await call('/api/login', { method: 'POST', noCookie: true, json: { username: 'admin' } })).status).toBe(400);
    const own = setCookie.split(';')[0]!;
    expect((await call('/api/session', { noCookie: true, headers: { Cookie: own } })).status).toBe(200);
    expect((await call('/api/logout', { method: 'POST', noCookie: true, headers: { Cookie: own } })).status).toBe(204);
    expect((await call('/api/session', { noCookie: true, headers: { Cookie: own } })).status).toBe(401);
  });

  it('refuses cross-site writes (CSRF): foreign Origin, or a form content type', async () => {
    const foreign = await call('/api/conversations', { method: 'POST', json: { title: 'x' }, headers: { Origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    const form = await call('/api/conversations', { method: 'POST', body: 'title=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(400);
  });

  it('sends a strict Content-Security-Policy and no-sniff on every response', async () => {
    for (const path of ['/', '/health', '/api/conversations']) {
      const res = await call(path);
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
      expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('conversations and messages: create, list, send, rename, export, search, delete', async () => {
    const created = await call('/api/conversations', { method: 'POST', json: { title: 'Plans' } });
    expect(created.status).toBe(201);
    const { conversation } = (await created.json()) as { conversation: { id: string } };
    const sent = await call(`/api/conversations/${conversation.id}/messages`, { method: 'POST', json: { content: 'what about <script>alert(1)</script> tomorrow' } });
    expect(sent.status).toBe(200);
    const answer = (await sent.json()) as { messages: { role: string; content: string }[] };
    expect(answer.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(((await (await call('/api/conversations')).json()) as { conversations: { id: string; message_count: number }[] }).conversations[0]).toMatchObject({ id: conversation.id, message_count: 2 });
    expect((await call(`/api/conversations/${conversation.id}`, { method: 'PATCH', json: { title: 'Tomorrow' } })).status).toBe(200);
    expect((await call(`/api/conversations/${conversation.id}`, { method: 'PATCH', json: { title: '' } })).status).toBe(400);
    expect((await call(`/api/conversations/${conversation.id}`, { method: 'PATCH', json: { name: 'x' } })).status).toBe(400);
    const md = await call(`/api/conversations/${conversation.id}/export?format=markdown`);
    expect(md.headers.get('content-disposition')).toMatch(/attachment; filename="tomorrow.md"/);
    expect(await md.text()).toMatch(/^# Tomorrow[\s\S]*\*\*You\*\*[\s\S]*> what about/);
    const js = (await (await call(`/api/conversations/${conversation.id}/export?format=json`)).json()) as { messages: unknown[] };
    expect(js.messages).toHaveLength(2);
    expect((await call(`/api/conversations/${conversation.id}/export?format=pdf`)).status).toBe(400);
    const search = (await (await call('/api/search?q=tomorr')).json()) as { results: { message: { content: string } }[] };
    expect(search.results.length).toBeGreaterThan(0);
    expect((await call(`/api/conversations/${conversation.id}/messages?after_id=0`)).status).toBe(200);
    expect((await call(`/api/conversations/${conversation.id}/messages?after_id=-1`)).status).toBe(400);
    const tooLarge = await call(`/api/conversations/${conversation.id}/messages?before_id=1&limit=5001`);
    expect(tooLarge.status).toBe(400);
    expect(await tooLarge.json()).toMatchObject({ error: 'invalid_payload', message: expect.stringContaining('query.limit') });
    expect((await call(`/api/conversations/${conversation.id}/messages?limit=0`)).status).toBe(400);
    expect((await call(`/api/conversations/${conversation.id}/messages?after_id=1&before_id=5`)).status).toBe(400);
    expect((await call(`/api/conversations/${conversation.id}/messages?before_id=x`)).status).toBe(400);
    expect((await call(`/api/conversations/${conversation.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`/api/conversations/${conversation.id}`)).status).toBe(404);
    expect((await call('/api/conversations/nope/messages', { method: 'POST', json: { content: 'hi' } })).status).toBe(404);
  });

  it('rejects bodies that are too large or not JSON, and wrong methods', async () => {
    const big = await call('/api/conversations', { method: 'POST', body: JSON.stringify({ title: 'x'.repeat(100_000) }), headers: { 'Content-Type': 'application/json' } });
    expect(big.status).toBe(413);
    const bad = await call('/api/conversations', { method: 'POST', body: '{', headers: { 'Content-Type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect((await call('/api/settings', { method: 'PUT', json: {} })).status).toBe(405);
    expect((await call('/api/nothing')).status).toBe(404);
    // A page size the store would not serve in full (it caps pages at 500) is refused, not silently cut short.
    for (const limit of ['0', '501', '1000']) expect((await call(`/api/conversations?limit=${limit}`)).status).toBe(400);
    expect((await call('/api/conversations?limit=500')).status).toBe(200);
  });

  it('settings and devices: add (token shown once, and it works), rename, volume, revoke', async () => {
    expect((await call('/api/settings', { method: 'PATCH', json: { system_prompt: 'Be brief.', language: 'pl-PL' } })).status).toBe(200);
    expect(((await (await call('/api/settings')).json()) as { settings: Record<string, unknown> }).settings).toMatchObject({ system_prompt: 'Be brief.', language: 'pl-PL' });
    expect((await call('/api/settings', { method: 'PATCH', json: { language: 'not a tag!' } })).status).toBe(400);

    const added = (await (await call('/api/devices', { method: 'POST', json: { name: 'Bedroom' } })).json()) as { device: { id: string }; token: string };
    expect(added.token).toMatch(/^pcd_/);
    const device = await TestDevice.ready(server.url, added.token);
    const listed = (await (await call('/api/devices')).json()) as { devices: { id: string; online: boolean; name: string }[] };
    expect(listed.devices.find((d) => d.id === added.device.id)).toMatchObject({ online: true, name: 'Bedroom' });
    expect(JSON.stringify(listed)).not.toContain(added.token);
    const patched = await call(`/api/devices/${added.device.id}`, { method: 'PATCH', json: { name: 'Attic', volume: 30 } });
    expect(((await patched.json()) as { device: Record<string, unknown> }).device).toMatchObject({ name: 'Attic', volume: 30 });
    expect((await device.waitFor('control')).volume).toBe(30);
    expect((await call(`/api/devices/${added.device.id}`, { method: 'PATCH', json: { volume: 101 } })).status).toBe(400);
    expect((await call(`/api/devices/${added.device.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await device.waitClosed()).toBe(4401);
    await expect(TestDevice.connect(server.url, added.token)).rejects.toMatchObject({ status: 401 });
  });

  it('a volume set while the device is offline is applied when it next connects', async () => {
    const added = (await (await call('/api/devices', { method: 'POST', json: { name: 'Porch' } })).json()) as { device: { id: string }; token: string };
    expect((await call(`/api/devices/${added.device.id}`, { method: 'PATCH', json: { volume: 15 } })).status).toBe(200);
    const device = await TestDevice.ready(server.url, added.token);
    expect((await device.waitFor('control')).volume).toBe(15);
    await device.close();
  });

  it('serves /model-info, /openapi.json and /docs', async () => {
    const info = (await (await call('/model-info')).json()) as Record<string, { provider: string }>;
    expect(info.stt!.provider).toBe('fake-stt');
    const spec = (await (await call('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toContain('/api/conversations/{id}/export');
    const docs = await (await call('/docs')).text();
    expect(docs).toContain('/api/search');
    expect(docs).not.toMatch(/<script/);
  });
});
