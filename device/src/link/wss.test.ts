import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeDeviceMessage, encodeMessage, memoryLogger, SPEECH_FORMAT } from '@pichat/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { WsLink } from './ws-link.js';

/** wss:// to a server with a self-signed certificate: trusted through PICHAT_TLS_CA, refused without it. */

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;
const WAIT = { timeout: 8000, interval: 10 };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'pichat-tls-'));
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { timeout: 30_000 },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

async function tlsServer(key: Buffer, cert: Buffer): Promise<number> {
  const https = createServer({ key, cert });
  const wss = new WebSocketServer({ server: https });
  wss.on('connection', (ws) =>
    ws.on('message', (data) => {
      const d = decodeDeviceMessage(data.toString());
      if (d.ok && d.message.type === 'hello') {
        ws.send(encodeMessage({ type: 'hello', protocol: 1, server: { name: 'tls', version: '0' }, device: { id: 'd', name: 'n' }, limits: { maxFrameBytes: 4096, maxTurnMs: 30_000, inputFormats: [SPEECH_FORMAT] } }));
      }
    }),
  );
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => { for (const c of wss.clients) c.terminate(); https.close(r); }));
  return (https.address() as AddressInfo).port;
}

function link(port: number, ca: Buffer | undefined) {
  const log = memoryLogger();
  const l = new WsLink({
    url: `wss://127.0.0.1:${port}/ws/device`,
    token: 'tls-token-123',
    hello: () => ({ type: 'hello', protocol: 1, capabilities: { playback: [SPEECH_FORMAT], features: [] } }),
    log,
    pingIntervalMs: 1000,
    deadAfterMs: 5000,
    helloTimeoutMs: 3000,
    backoffInitialMs: 5000,
    backoffMaxMs: 5000,
    maxBufferedBytes: 65536,
    ...(ca ? { ca } : {}),
  });
  cleanups.push(() => l.close());
  return { l, log };
}

describe.skipIf(!haveOpenssl)('wss link', () => {
  const { key, cert } = haveOpenssl ? selfSigned() : { key: Buffer.alloc(0), cert: Buffer.alloc(0) };

  it('connects over TLS when the CA is given', async () => {
    const port = await tlsServer(key, cert);
    const { l } = link(port, cert);
    l.start();
    await vi.waitFor(() => expect(l.isUp).toBe(true), WAIT);
  });

  it('refuses an unknown certificate and says why', async () => {
    const port = await tlsServer(key, cert);
    const { l, log } = link(port, undefined);
    l.start();
    await vi.waitFor(() => expect(log.lines.some((x) => x.includes('cannot reach the server') && /self[- ]signed/i.test(x))).toBe(true), WAIT);
    expect(l.isUp).toBe(false);
  });
});
