import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeDeviceMessage, encodeMessage, SPEECH_FORMAT } from '@pichat/shared';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { writeStandinArecord } from './testing/standin-arecord.js';

/** The compiled program as systemd runs it: `node device/dist/main.js`, configured by environment and env file. */

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = join(root, 'device/dist/main.js');
const dir = mkdtempSync(join(tmpdir(), 'pichat-main-'));
writeFileSync(join(dir, 'asound.conf'), `</usr/share/alsa/alsa.conf>\npcm.!default {\n  type file\n  slave.pcm "null"\n  file "${join(dir, 'out.raw')}"\n  format "raw"\n}\n`);

beforeAll(() => {
  const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'device'], { cwd: root, timeout: 120_000 });
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
}, 130_000);

/** A clean environment: nothing from the test runner but PATH and HOME. */
function daemonEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

describe('pichat-device (compiled)', () => {
  it('refuses to start with a bad configuration, one line per problem, exit code 2', () => {
    writeFileSync(join(dir, 'bad.env'), 'PICHAT_VOLUME=250\n');
    const r = spawnSync(process.execPath, [entry], { env: daemonEnv({ PICHAT_DEVICE_ENV: join(dir, 'bad.env') }), timeout: 10_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toContain('cannot start, fix the configuration:\n');
    expect(r.stderr.toString()).toContain('  - PICHAT_DEVICE_TOKEN: is required');
    expect(r.stderr.toString()).toContain('  - PICHAT_VOLUME: must be at most 100 percent');
  });

  it('connects, streams a press, and on SIGTERM exits cleanly leaving no recorder behind', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', r));
    const seen: string[] = [];
    wss.on('connection', (ws, req) => {
      seen.push(`auth ${req.headers.authorization}`);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return void seen.push('audio');
        const d = decodeDeviceMessage(data.toString());
        seen.push(d.ok ? d.message.type : `bad ${d.message}`);
        if (d.ok && d.message.type === 'hello') {
          ws.send(encodeMessage({ type: 'hello', protocol: 1, server: { name: 's', version: '0' }, device: { id: 'd', name: 'n' }, limits: { maxFrameBytes: 4096, maxTurnMs: 30_000, inputFormats: [SPEECH_FORMAT] } }));
        }
      });
    });
    const arecord = writeStandinArecord();
    writeFileSync(join(dir, 'device.env'), `PICHAT_DEVICE_TOKEN=main-test-token\nPICHAT_SERVER_URL=ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws/device\n`);
    const child = spawn(process.execPath, [entry], {
      env: daemonEnv({
        PICHAT_DEVICE_ENV: join(dir, 'device.env'),
        PATH: `${arecord.dir}:${process.env.PATH}`,
        ALSA_CONFIG_PATH: join(dir, 'asound.conf'),
      }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await vi.waitFor(() => expect(seen).toContain('hello'), { timeout: 15_000, interval: 20 });
      expect(seen[0]).toBe('auth Bearer main-test-token');
      child.stdin.write('press\n');
      await vi.waitFor(() => expect(seen.filter((s) => s === 'audio').length).toBeGreaterThanOrEqual(5), { timeout: 5000, interval: 10 });
      expect(seen).toContain('turn.start');
      const recorderPid = Number(readFileSync(`${arecord.argsFile}.pid`, 'utf8'));

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await vi.waitFor(() => expect(() => process.kill(recorderPid, 0)).toThrow(), { timeout: 3000, interval: 10 });
      expect(stderr).toContain('playback="speaker"');
      expect(stderr).toContain('stopping signal="SIGTERM"');
      expect(stderr).not.toContain('main-test-token');
    } finally {
      child.kill('SIGKILL');
      await new Promise<void>((r) => wss.close(() => r()));
    }
  });
});
