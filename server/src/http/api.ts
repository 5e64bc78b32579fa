import { z } from 'zod';
import type { Auth } from '../auth/auth.js';
import { ChatError } from '../chat/errors.js';
import { chatRequestSchemas } from '../chat/protocol.js';
import type { ChatService } from '../chat/service.js';
import { deviceWire } from '../chat/wire.js';
import type { DeviceHub } from '../device/hub.js';
import type { LiveBus } from '../live/bus.js';
import { CONVERSATION_PAGE, MESSAGE_PAGE, type DeviceStore } from '../store/store.js';
import { exportJson, exportMarkdown } from './export.js';
import { readBody, readJson, sendJson, MAX_JSON_BYTES } from './respond.js';
import type { RouteContext, Router } from './router.js';

export interface ApiDeps {
  service: ChatService;
  auth: Auth;
  devices: DeviceStore;
  hub: DeviceHub;
  live: LiveBus;
  /** Volumes for devices that are offline now, applied at their next hello. */
  pendingVolumes: Map<string, number>;
}

const loginSchema = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(1000) }).strict();
const passwordSchema = z.object({ current_password: z.string().min(1).max(1000), new_password: z.string().min(10).max(1000) }).strict();
const createConversationSchema = z.object({ title: z.string().trim().min(1).max(200).optional() }).strict();
const renameSchema = z.object({ title: z.string().trim().min(1).max(200) }).strict();
const messageSchema = chatRequestSchemas.send_message.omit({ conversation_id: true, is_audio: true });
const deviceCreateSchema = z.object({ name: z.string().trim().min(1).max(100) }).strict();
const devicePatchSchema = z.object({ name: z.string().trim().min(1).max(100).optional(), volume: z.number().int().min(0).max(100).optional() }).strict();

/** Why the web cannot change a password that PICHAT_ADMIN_PASSWORD sets. */
const PASSWORD_FIXED_MESSAGE = "the admin password is set by PICHAT_ADMIN_PASSWORD in the server's environment, which every start applies again: change it there and restart the server";

/** `value` checked against `schema`; an invalid_payload ChatError naming the first problem in `part` (the body, the query). */
function parse<T>(schema: z.ZodType<T>, value: unknown, part: 'body' | 'query' = 'body'): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${part}.${issue.path.join('.')}` : part;
    throw new ChatError('invalid_payload', `${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function intParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ChatError('invalid_payload', `query ${name} must be a non-negative integer`);
  return n;
}

/** Login routes: the only /api routes open without a session. */
export function loginRoutes(router: Router, deps: Pick<ApiDeps, 'auth'>): void {
  router.on('POST', '/api/login', async ({ req, res }) => {
    const body = parse(loginSchema, await readJson(req));
    const result = await deps.auth.login(body.username, body.password, req.socket.remoteAddress ?? '');
    if (!result.ok) {
      if (result.reason === 'throttled') return sendJson(res, 429, { error: 'throttled', message: 'too many failed logins; wait 15 minutes' }, { 'Retry-After': '900' });
      return sendJson(res, 401, { error: 'unauthorized', message: 'wrong user name or password' });
    }
    sendJson(res, 200, { username: result.username }, { 'Set-Cookie': result.cookie });
  });
  router.on('POST', '/api/logout', async ({ req, res }) => {
    const cookie = await deps.auth.logout(req);
    res.writeHead(204, { 'Set-Cookie': cookie, 'Cache-Control': 'no-store' });
    res.end();
  });
}

/** The REST API for conversations, messages, search, settings, devices and speech. All need a session. */
export function apiRoutes(router: Router, deps: ApiDeps, username: (ctx: RouteContext) => string): void {
  const { service } = deps;
  router.on('GET', '/api/session', (ctx) => sendJson(ctx.res, 200, { username: username(ctx), password_fixed: deps.auth.passwordFixed }));
  router.on('POST', '/api/password', async (ctx) => {
    const body = parse(passwordSchema, await readJson(ctx.req));
    const result = await deps.auth.changePassword(username(ctx), body.current_password, body.new_password);
    if (result === 'wrong') throw new ChatError('forbidden', 'the current password is wrong');
    if (result === 'fixed') throw new ChatError('forbidden', PASSWORD_FIXED_MESSAGE);
    ctx.res.writeHead(204);
    ctx.res.end();
  });

  router.on('GET', '/api/conversations', async ({ res, url }) => {
    const limit = intParam(url, 'limit');
    // Outside the store's page sizes a page would come back cut short, and next_before would end the paging early.
    if (limit !== undefined && (limit < 1 || limit > CONVERSATION_PAGE.max)) {
      throw new ChatError('invalid_payload', `query limit must be 1..${CONVERSATION_PAGE.max}`);
    }
    const before = url.searchParams.get('before') ?? undefined;
    sendJson(res, 200, await service.listConversations({ ...(limit ? { limit } : {}), ...(before ? { before } : {}) }));
  });
  router.on('POST', '/api/conversations', async ({ req, res }) => {
    const body = parse(createConversationSchema, (await readJson(req)) ?? {});
    sendJson(res, 201, { conversation: await service.createConversation(body.title, undefined) });
  });
  router.on('GET', '/api/conversations/:id', async ({ res, params }) => sendJson(res, 200, await service.getConversation(params.id!)));
  router.on('PATCH', '/api/conversations/:id', async ({ req, res, params }) => {
    const body = parse(renameSchema, await readJson(req));
    sendJson(res, 200, { conversation: await service.renameConversation(params.id!, body.title, undefined) });
  });
  router.on('DELETE', '/api/conversations/:id', async ({ res, params }) => {
    await service.deleteConversation(params.id!, undefined);
    res.writeHead(204);
    res.end();
  });
  router.on('GET', '/api/conversations/:id/messages', async ({ res, params, url }) => {
    // The chat protocol's get_messages rules (a page over MESSAGE_PAGE.max would come back cut short and end a
    // client's paging early).
    const query: Record<string, unknown> = { conversation_id: params.id! };
    for (const name of ['after_id', 'before_id', 'limit']) {
      const value = intParam(url, name);
      if (value !== undefined) query[name] = value;
    }
    const messages = await service.listMessages(parse(chatRequestSchemas.get_messages, query, 'query'));
    sendJson(res, 200, { messages });
  });
  router.on('POST', '/api/conversations/:id/messages', async ({ req, res, params }) => {
    const body = parse(messageSchema, await readJson(req));
    const started = await service.sendMessage({ conversation_id: params.id!, content: body.content }, undefined);
    const result = await started.done;
    const messages = (await service.listMessages({ conversation_id: started.conversationId, limit: 20 })).filter((m) => m.turn_id === started.turnId);
    sendJson(res, 200, { conversation_id: started.conversationId, turn_id: started.turnId, outcome: result.outcome, messages });
  });
  router.on('GET', '/api/conversations/:id/export', async ({ res, params, url }) => {
    const format = url.searchParams.get('format') ?? 'markdown';
    if (format !== 'markdown' && format !== 'json') throw new ChatError('invalid_payload', 'query format must be markdown or json');
    const { conversation, messages } = await service.getConversation(params.id!, MESSAGE_PAGE.max);
    const names = new Map(deps.devices.list().map((d) => [d.id, d.name]));
    const slug = String(conversation.title).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 50) || 'conversation';
    const [body, type, ext] =
      format === 'json'
        ? [exportJson(conversation, messages), 'application/json; charset=utf-8', 'json']
        : [exportMarkdown(conversation, messages, names), 'text/markdown; charset=utf-8', 'md'];
    res.writeHead(200, { 'Content-Type': type, 'Content-Disposition': `attachment; filename="${slug}.${ext}"`, 'Cache-Control': 'no-store' });
    res.end(body);
  });
  router.on('GET', '/api/search', async ({ res, url }) => {
    const q = url.searchParams.get('q') ?? '';
    if (q.length > 200) throw new ChatError('invalid_payload', 'query q is longer than 200 characters');
    const limit = intParam(url, 'limit');
    sendJson(res, 200, { query: q, results: await service.search(q, limit) });
  });

  router.on('GET', '/api/settings', async ({ res }) => sendJson(res, 200, { settings: await service.getSettings() }));
  router.on('PATCH', '/api/settings', async ({ req, res }) => {
    const body = parse(chatRequestSchemas.update_settings, await readJson(req));
    sendJson(res, 200, { settings: await service.updateSettings(body, undefined) });
  });

  const deviceView = (id: string): Record<string, unknown> => {
    const record = deps.devices.get(id);
    if (!record) throw new ChatError('not_found', `no device ${id}`);
    const session = deps.hub.connected.get(id);
    return { ...deviceWire(record, Boolean(session)), ...(session ? { volume: session.currentVolume } : {}) };
  };
  router.on('GET', '/api/devices', ({ res }) => sendJson(res, 200, { devices: deps.devices.list().map((d) => deviceView(d.id)) }));
  router.on('POST', '/api/devices', async ({ req, res }) => {
    const body = parse(deviceCreateSchema, await readJson(req));
    const { device, token } = deps.devices.create(body.name);
    const view = deviceView(device.id);
    deps.live.publish({ action: 'device_updated', payload: { device: view } });
    sendJson(res, 201, { device: view, token });
  });
  router.on('PATCH', '/api/devices/:id', async ({ req, res, params }) => {
    const body = parse(devicePatchSchema, await readJson(req));
    const id = params.id!;
    if (!deps.devices.get(id)) throw new ChatError('not_found', `no device ${id}`);
    if (body.name !== undefined) deps.devices.rename(id, body.name);
    if (body.volume !== undefined) {
      deps.devices.setVolume(id, body.volume);
      const session = deps.hub.connected.get(id);
      if (session) session.setVolume(body.volume);
      else deps.pendingVolumes.set(id, body.volume);
    }
    const view = deviceView(id);
    deps.live.publish({ action: 'device_updated', payload: { device: view } });
    sendJson(res, 200, { device: view });
  });
  router.on('DELETE', '/api/devices/:id', ({ res, params }) => {
    const id = params.id!;
    if (!deps.devices.revoke(id)) throw new ChatError('not_found', `no device ${id}`);
    deps.hub.disconnect(id, 4401, 'device token revoked');
    deps.live.publish({ action: 'device_removed', payload: { id } });
    res.writeHead(204);
    res.end();
  });

  router.on('POST', '/api/tts', async ({ req, res }) => {
    const body = parse(chatRequestSchemas.text_to_speech, await readJson(req));
    const spoken = await service.textToSpeech(body.text, AbortSignal.timeout(60_000), { gender: body.voice_gender, accent: body.voice_accent });
    res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': spoken.wav.byteLength, 'Cache-Control': 'no-store' });
    res.end(spoken.wav);
  });
  router.on('POST', '/api/stt', async ({ req, res }) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'audio/wav' && type !== 'audio/l16') throw new ChatError('invalid_message', 'send Content-Type: audio/wav (16 kHz mono 16-bit)');
    const audio = await readBody(req, 2 * 1024 * 1024);
    sendJson(res, 200, await service.speechToText(audio, AbortSignal.timeout(30_000)));
  });
}

export { MAX_JSON_BYTES };
