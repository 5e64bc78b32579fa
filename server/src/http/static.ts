import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

interface Asset {
  body: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  type: string;
  etag: string;
  immutable: boolean;
}

/**
 * The built web UI (web/dist), read into memory at start (it is small) with gzip and brotli versions made once.
 * Hashed files under /assets/ are cached for a year; index.html is revalidated every time.
 */
export class StaticFiles {
  private readonly assets = new Map<string, Asset>();

  constructor(readonly dir: string) {
    if (!existsSync(dir)) return;
    for (const file of walk(dir)) {
      const path = `/${relative(dir, file).split(sep).join('/')}`;
      const body = readFileSync(file);
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      const compressible = /text|json|svg|javascript/.test(type) && body.byteLength > 512;
      this.assets.set(path, {
        body,
        type,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        immutable: path.startsWith('/assets/'),
        ...(compressible
          ? { gzip: gzipSync(body, { level: 9 }), br: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) }
          : {}),
      });
    }
  }

  get available(): boolean {
    return this.assets.has('/index.html');
  }

  /** Serves `pathname` ("/" is index.html); false when there is no such file. */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    const asset = this.assets.get(pathname === '/' ? '/index.html' : pathname);
    if (!asset) return false;
    res.setHeader('Content-Type', asset.type);
    res.setHeader('ETag', asset.etag);
    res.setHeader('Cache-Control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.setHeader('Vary', 'Accept-Encoding');
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304);
      res.end();
      return true;
    }
    const accept = String(req.headers['accept-encoding'] ?? '');
    let body = asset.body;
    if (asset.br && /\bbr\b/.test(accept)) {
      body = asset.br;
      res.setHeader('Content-Encoding', 'br');
    } else if (asset.gzip && /\bgzip\b/.test(accept)) {
      body = asset.gzip;
      res.setHeader('Content-Encoding', 'gzip');
    }
    res.setHeader('Content-Length', body.byteLength);
    res.writeHead(200);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
