import OpenAI, { AzureOpenAI } from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import type { ClientOptions as WsClientOptions } from 'ws';
import { ProviderError, codeForStatus } from '../providers/errors.js';
import type { ClientEvent, RealtimeSessionConfig } from './events.js';

/** One open upstream connection. */
export interface RealtimeSocket {
  send(event: ClientEvent): void;
  /** WebSocket ping (the heartbeat); the pong arrives through `handlers.pong`. */
  ping(): void;
  close(): void;
  /** Drops the connection at once (a dead link: no closing handshake). */
  terminate(): void;
}

export interface SocketHandlers {
  /** Every server event, parsed JSON, unvalidated. */
  event(raw: unknown): void;
  pong(): void;
  /** The connection ended (after `open` resolved). Called once. */
  closed(code: number): void;
}

/**
 * Opens an upstream connection for `config`; resolves once it is open. Rejects with a ProviderError: `auth` (401/403:
 * bad key), `rate_limited` (429: quota), `bad_request` (unknown model or deployment), `network`, `timeout`.
 */
export type RealtimeConnector = (config: RealtimeSessionConfig, handlers: SocketHandlers) => Promise<RealtimeSocket>;

export interface OpenAiConnectorOptions {
  provider: 'openai' | 'azure';
  apiKey: string;
  /** OpenAI: API base (default https://api.openai.com/v1; the SDK turns it into wss://…/realtime?model=…). */
  baseUrl?: string;
  /** Azure: resource endpoint https://NAME.openai.azure.com and API version; the deployment is `config.model`. */
  azureEndpoint?: string;
  azureApiVersion?: string;
  /** Longest wait for the WebSocket to open, ms. */
  connectTimeoutMs: number;
  /** Extra `ws` client options (tests pass the stand-in's CA certificate). */
  wsOptions?: WsClientOptions;
}

const PROVIDER = 'openai-realtime';

/**
 * The real connector: the official SDK's `OpenAIRealtimeWS` (`.create` for OpenAI, `.azure` for Azure OpenAI
 * deployments), so URLs, auth headers and event parsing are the SDK's. The SDK's own `error` emission is consumed
 * here (an `error` *event* also arrives through `handlers.event`); socket failures before `open` become the
 * rejection, after `open` a close.
 */
export function openAiConnector(options: OpenAiConnectorOptions): RealtimeConnector {
  return async (config, handlers) => {
    const wsOptions: WsClientOptions = { perMessageDeflate: false, maxPayload: 16 * 1024 * 1024, handshakeTimeout: options.connectTimeoutMs, ...options.wsOptions };
    let rt: OpenAIRealtimeWS;
    try {
      if (options.provider === 'azure') {
        const client = new AzureOpenAI({ apiKey: options.apiKey, endpoint: options.azureEndpoint!, apiVersion: options.azureApiVersion!, deployment: config.model });
        rt = await OpenAIRealtimeWS.azure(client, { deploymentName: config.model, options: wsOptions });
      } else {
        const client = new OpenAI({ apiKey: options.apiKey, ...(options.baseUrl ? { baseURL: options.baseUrl } : {}) });
        rt = await OpenAIRealtimeWS.create(client, { model: config.model, options: wsOptions });
      }
    } catch (err) {
      throw new ProviderError('unavailable', `${PROVIDER}: cannot set up the client`, { provider: PROVIDER, cause: err });
    }
    const socket = rt.socket;
    return new Promise<RealtimeSocket>((resolve, reject) => {
      let opened = false;
      let settled = false;
      const fail = (error: ProviderError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
        socket.terminate();
      };
      const timer = setTimeout(() => fail(new ProviderError('timeout', `${PROVIDER}: connection not open within ${options.connectTimeoutMs} ms`, { provider: PROVIDER })), options.connectTimeoutMs);
      socket.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        fail(new ProviderError(codeForStatus(status), `${PROVIDER}: HTTP ${status} at connect`, { provider: PROVIDER, status }));
      });
      rt.on('error', (err) => {
        // Event errors arrive through `event` too; here only transport failures matter.
        if (!opened && !err.error) fail(new ProviderError('network', `${PROVIDER}: connection failed`, { provider: PROVIDER, cause: err }));
      });
      rt.on('event', (event) => handlers.event(event));
      socket.on('pong', () => handlers.pong());
      socket.once('open', () => {
        opened = true;
        settled = true;
        clearTimeout(timer);
        resolve({
          send: (event) => rt.send(event as Parameters<OpenAIRealtimeWS['send']>[0]),
          ping: () => {
            try {
              socket.ping();
            } catch {
              // the close handler reports it
            }
          },
          close: () => rt.close({ code: 1000, reason: 'idle' }),
          terminate: () => socket.terminate(),
        });
      });
      socket.once('close', (code) => {
        if (opened) handlers.closed(code);
        else fail(new ProviderError('network', `${PROVIDER}: connection closed before it opened (${code})`, { provider: PROVIDER }));
      });
    });
  };
}
