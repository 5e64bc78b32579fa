import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROTOCOL_VERSION } from '@pichat/shared';
import { DeviceHub } from './device/hub.js';
import { DEFAULT_LIMITS, type SessionEvents, type SessionLimits } from './device/session.js';
import type { DeviceRegistry } from './devices/registry.js';
import { silentLogger, type Logger } from './log.js';
import type { TurnProviders } from './pipeline/turn.js';

export interface AppDeps {
  providers: TurnProviders;
  registry: DeviceRegistry;
  limits?: Partial<SessionLimits>;
  log?: Logger;
  version?: string;
  events?: SessionEvents;
}

export interface App {
  server: Server;
  hub: DeviceHub;
  /** Listens on `port` (0 = any free port) and resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

/**
 * Builds the PiChat server: one HTTP server carrying the REST/health routes and the device WebSocket endpoint.
 * Nothing listens until `listen()`; tests build it with stand-in providers and listen on port 0.
 */
export function build(deps: AppDeps): App {
  const log = deps.log ?? silentLogger;
  const version = deps.version ?? '0.1.0';
  const startedAt = Date.now();
  const hub = new DeviceHub(deps.registry, {
    providers: deps.providers,
    limits: { ...DEFAULT_LIMITS, ...deps.limits },
    log,
    serverVersion: version,
    ...(deps.events ? { events: deps.events } : {}),
  });

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/health': (_req, res) =>
      json(res, 200, {
        status: 'ok',
        version,
        protocol: PROTOCOL_VERSION,
        uptimeS: Math.round((Date.now() - startedAt) / 1000),
        devices: { connected: hub.connected.size, activeTurns: hub.activeTurns },
        providers: {
          stt: deps.providers.stt.name,
          brain: 'local-skills',
          tts: deps.providers.tts.name,
        },
      }),
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes[path];
    if (!route) return json(res, 404, { error: 'not_found', message: `no route ${path}` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return json(res, 405, { error: 'method_not_allowed', message: `${req.method} not allowed on ${path}` });
    }
    route(req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/ws/device') return hub.handleUpgrade(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  return {
    server,
    hub,
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
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}
