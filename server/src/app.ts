import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Logger, PROTOCOL_VERSION, silentLogger } from '@pichat/shared';
import { Auth, DEFAULT_AUTH_OPTIONS, sameOrigin, type AuthOptions } from './auth/auth.js';
import { DEFAULT_CHAT_LIMITS, type ChatLimits } from './chat/connection.js';
import { ChatEndpoint } from './chat/endpoint.js';
import { ChatError, HTTP_STATUS, toChatError } from './chat/errors.js';
import { ConversationRecorder } from './chat/recorder.js';
import { ChatService, type ChatServiceDeps } from './chat/service.js';
import { deviceWire } from './chat/wire.js';
import { DeviceHub } from './device/hub.js';
import { DEFAULT_LIMITS, type SessionDeps, type SessionEvents, type SessionLimits } from './device/session.js';
import type { DeviceRegistry } from './devices/registry.js';
import { apiRoutes, loginRoutes } from './http/api.js';
import { DOCS_CSS, renderDocs } from './http/docs.js';
import { openApiDocument } from './http/openapi.js';
import { securityHeaders, sendError, sendJson } from './http/respond.js';
import { Router, type RouteContext } from './http/router.js';
import { StaticFiles } from './http/static.js';
import { MemoryLiveBus, type LiveBus } from './live/bus.js';
import type { TurnProviders } from './pipeline/turn.js';
import type { Providers } from './providers/factory.js';
import type { RealtimeService } from './realtime/service.js';
import type { Settings, Store } from './store/store.js';

/** Options of the web side (history, chat, REST, UI). Every field has a default. */
export interface WebOptions {
  /** Directory of the built web UI. Default: web/dist of this checkout. */
  staticDir: string;
  /** A device's conversation continues while its last message is younger than this, ms. Default 600 000 (10 min). */
  conversationIdleMs: number;
  /** Most earlier messages handed to the brain. Default 40. */
  historyMessages: number;
  auth: AuthOptions;
  chat: ChatLimits;
}

export interface AppDeps {
  providers: TurnProviders;
  /** Who may connect to /ws/device. Default: `store.devices`. */
  registry?: DeviceRegistry;
  limits?: Partial<SessionLimits>;
  log?: Logger;
  version?: string;
  events?: SessionEvents;
  /**
   * The history store. With it the server records every turn and serves the web UI, /ws/chat, the REST API,
   * /docs and /model-info behind the admin login; without it (tests of the device path, benchmarks) only /health
   * and /ws/device exist.
   */
  store?: Store;
  /** Live-event bus for browsers. Default: in-process. */
  live?: LiveBus;
  /** Provider description and reachability probe (createProviders' result), for /model-info and /health. */
  providerInfo?: Pick<Providers, 'description' | 'probe'>;
  /**
   * Realtime speech-to-speech mode (createRealtime()'s result). Without it every turn goes through the pipeline.
   * The app passes it new settings and closes it on shutdown.
   */
  realtime?: RealtimeService;
  /** Called after the settings changed in the web UI; main rebuilds providers and calls app.setProviders(). */
  onSettingsChanged?: (settings: Settings) => void | Promise<void>;
  /** The speech for a `text_to_speech` request that names a voice (see ChatServiceDeps.voiceFor). */
  voiceFor?: ChatServiceDeps['voiceFor'];
  web?: Partial<Omit<WebOptions, 'auth' | 'chat'>> & { auth?: Partial<AuthOptions>; chat?: Partial<ChatLimits> };
}

export interface App {
  server: Server;
  hub: DeviceHub;
  /** The admin login (present with a store): main calls `auth.ensureAdmin()` at start. */
  auth?: Auth;
  live: LiveBus;
  /** Records turns into the store (present with a store); main hands providers its `usageSink()`. */
  recorder?: ConversationRecorder;
  /** Replaces the providers of turns that start from now on (settings changed). */
  setProviders(providers: TurnProviders): void;
  /** Listens on `port` (0 = any free port) and resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));
/** Paths served by the API router (everything else under GET is the UI). */
const API_PREFIXES = ['/api/', '/model-info', '/docs', '/openapi.json'];
/** Reachability probe results are reused for this long, ms. */
const PROBE_CACHE_MS = 30_000;

/**
 * Builds the PiChat server: one HTTP server carrying the UI, REST, health and docs routes and the device and chat
 * WebSocket endpoints. Nothing listens until `listen()`; tests build it with stand-in providers and listen on port 0.
 */
export function build(deps: AppDeps): App {
  const log = deps.log ?? silentLogger;
  const version = deps.version ?? '0.1.0';
  const startedAt = Date.now();
  const store = deps.store;
  const registry = deps.registry ?? store?.devices;
  if (!registry) throw new Error('build() needs a device registry or a store');
  const live = deps.live ?? new MemoryLiveBus();
  const web: WebOptions = {
    staticDir: deps.web?.staticDir ?? DEFAULT_STATIC_DIR,
    conversationIdleMs: deps.web?.conversationIdleMs ?? 600_000,
    historyMessages: deps.web?.historyMessages ?? 40,
    auth: { ...DEFAULT_AUTH_OPTIONS, ...deps.web?.auth },
    chat: { ...DEFAULT_CHAT_LIMITS, ...deps.web?.chat },
  };
  const recorder = store ? new ConversationRecorder(store, live, { idleMs: web.conversationIdleMs, historyMessages: web.historyMessages, log }) : undefined;

  /** Volumes set in the web UI for devices that were offline, applied when they next say hello. */
  const pendingVolumes = new Map<string, number>();
  const sessionDeps: SessionDeps & { log: Logger } = {
    takePendingVolume: (deviceId) => {
      const v = pendingVolumes.get(deviceId);
      pendingVolumes.delete(deviceId);
      return v;
    },
    providers: deps.providers,
    limits: { ...DEFAULT_LIMITS, ...deps.limits },
    log,
    serverVersion: version,
    ...(recorder ? { recorder } : {}),
    ...(deps.realtime ? { realtime: deps.realtime } : {}),
    events: {
      ...deps.events,
      onConnectionChange: (device, online) => {
        deps.events?.onConnectionChange?.(device, online);
        const record = store?.devices.get(device.id);
        if (record) live.publish({ action: 'device_updated', payload: { device: deviceWire(record, online) } });
      },
      onVolumeChange: (device, volume) => {
        deps.events?.onVolumeChange?.(device, volume);
        const record = store?.devices.setVolume(device.id, volume);
        if (record) live.publish({ action: 'device_updated', payload: { device: deviceWire(record, true) } });
      },
    },
  };
  const hub = new DeviceHub(registry, sessionDeps);
  void deps.realtime?.attach({ ...(store ? { store } : {}), live, ...(recorder ? { recorder } : {}) });
  const providers = (): TurnProviders => sessionDeps.providers;

  let auth: Auth | undefined;
  let authUsers: WeakMap<IncomingMessage, string> | undefined;
  let chat: ChatEndpoint | undefined;
  let service: ChatService | undefined;
  const router = new Router();
  const statics = new StaticFiles(web.staticDir);
  if (store && recorder) {
    auth = new Auth(store, web.auth);
    const realtime = deps.realtime;
    const onSettingsChanged = async (settings: Settings): Promise<void> => {
      realtime?.applySettings(settings);
      await deps.onSettingsChanged?.(settings);
    };
    service = new ChatService({
      store, live, recorder, providers, log, onSettingsChanged,
      ...(realtime ? { realtime } : {}),
      ...(deps.voiceFor ? { voiceFor: deps.voiceFor } : {}),
    });
    const a = auth;
    const endpoint = new ChatEndpoint({ service, live, recorder, providers, limits: web.chat, log, ...(realtime ? { realtime } : {}) }, async (req) => (await a.session(req))?.idHash);
    a.onSessionsEnded((idHash) => endpoint.endLogins(idHash));
    chat = endpoint;
    loginRoutes(router, { auth });
    const users = new WeakMap<IncomingMessage, string>();
    apiRoutes(router, { service, auth, devices: store.devices, hub, live, pendingVolumes }, (ctx: RouteContext) => users.get(ctx.req) ?? '');
    const spec = openApiDocument(version);
    router.on('GET', '/openapi.json', ({ res }) => sendJson(res, 200, spec));
    router.on('GET', '/docs', ({ res }) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(renderDocs(spec));
    });
    router.on('GET', '/docs.css', ({ res }) => {
      res.writeHead(200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.end(DOCS_CSS);
    });
    let probed: { at: number; result: Promise<unknown> } | undefined;
    router.on('GET', '/model-info', async ({ res }) => {
      const info = deps.providerInfo;
      if (!info) return sendJson(res, 200, { stt: { provider: providers().stt.name }, brain: { provider: 'unknown' }, tts: { provider: providers().tts.name } });
      if (!probed || Date.now() - probed.at > PROBE_CACHE_MS) probed = { at: Date.now(), result: info.probe(3000) };
      const reach = (await probed.result) as Record<'stt' | 'brain' | 'tts', Record<string, unknown>>;
      const settings = await store.getSettings();
      const stage = (name: 'stt' | 'brain' | 'tts') => ({ ...info.description[name], ...reach[name] });
      sendJson(res, 200, { stt: stage('stt'), brain: stage('brain'), tts: stage('tts'), language: info.description.language, settings, ...(deps.realtime ? { realtime: deps.realtime.status() } : {}) });
    });
    // Remember who is logged in for the handlers (set by the auth check below).
    authUsers = users;
  }

  const health = (res: ServerResponse): void =>
    sendJson(res, 200, {
      status: 'ok',
      version,
      protocol: PROTOCOL_VERSION,
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      devices: { connected: hub.connected.size, activeTurns: hub.activeTurns },
      providers: deps.providerInfo
        ? { stt: deps.providerInfo.description.stt.provider, brain: deps.providerInfo.description.brain.provider, tts: deps.providerInfo.description.tts.provider }
        : { stt: providers().stt.name, brain: 'local-skills', tts: providers().tts.name },
      ...(chat ? { chat: { connections: chat.connections.size } } : {}),
      ...(store ? { store: 'ok' } : {}),
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    securityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/health') {
      if (method !== 'GET' && method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return sendError(res, 405, 'method_not_allowed', `${method} not allowed on ${path}`);
      }
      return health(res);
    }
    if (!auth) return sendError(res, 404, 'not_found', `no route ${path}`);
    const isApi = API_PREFIXES.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`) || path === `${p}.css`);
    if (!isApi) {
      if ((method === 'GET' || method === 'HEAD') && statics.serve(req, res, path)) return;
      if (path === '/' && !statics.available) {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
        return void res.end('The web UI is not built: run npm run build.\n');
      }
      return sendError(res, 404, 'not_found', `no route ${path}`);
    }
    const found = router.match(method, path);
    if (!found) return sendError(res, 404, 'not_found', `no route ${path}`);
    if ('allowed' in found) {
      res.setHeader('Allow', found.allowed.join(', '));
      return sendError(res, 405, 'method_not_allowed', `${method} not allowed on ${path}`);
    }
    if (method !== 'GET' && method !== 'HEAD' && !sameOrigin(req)) {
      return sendError(res, 403, 'forbidden', 'cross-origin request refused');
    }
    const open = path === '/api/login' || path === '/api/logout' || path === '/docs.css';
    if (!open) {
      const session = await auth.session(req);
      if (!session) return sendError(res, 401, 'unauthorized', 'log in first (POST /api/login)');
      authUsers?.set(req, session.username);
    }
    await found.handler({ req, res, url, params: found.params });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = err instanceof ChatError ? err : toChatError(err);
      if (e.code === 'internal') log.error('request failed', { path: req.url?.split('?')[0], error: err });
      if (res.headersSent) return void res.destroy();
      sendError(res, HTTP_STATUS[e.code], e.code, e.message);
      if (e.code === 'too_large') req.resume();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    // Node takes its own error listener off an upgraded socket: without one, a client that resets the connection
    // while it is refused (bad token, unknown path) would throw ECONNRESET out of the process. ws adds its own on
    // an accepted upgrade.
    socket.on('error', (err) => log.debug('upgrade socket error', { error: err }));
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      // Node's parser takes targets the URL parser refuses (`http://[/`): a throw here would end the process.
      return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
    if (path === '/ws/device') return hub.handleUpgrade(req, socket, head);
    if (path === '/ws/chat' && chat) return chat.handleUpgrade(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  return {
    server,
    hub,
    ...(auth ? { auth } : {}),
    ...(recorder ? { recorder } : {}),
    live,
    setProviders: (next) => {
      sessionDeps.providers = next;
    },
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        hub.close();
        chat?.close();
        deps.realtime?.close();
        service?.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
