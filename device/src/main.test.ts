import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';
import { decodeDeviceMessage, encodeMessage, SPEECH_FORMAT } from '@pichat/shared';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { writeStandinArecord } from './testing/standin-arecord.js';
import { writeStandinGpiod } from './testing/standin-gpiod.js';

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

  it('--list-devices prints the ALSA microphones and speakers by name without needing a configuration', () => {
    const r = spawnSync(process.execPath, [entry, '--list-devices'], { env: daemonEnv({ ALSA_CONFIG_PATH: join(dir, 'asound.conf') }), timeout: 10_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toMatch(/^Microphones/);
    expect(r.stdout.toString()).toContain('Speakers');
  });

  it('under systemd with a GPIO button on gpiod and an LED: READY and watchdog pings; SIGTERM leaves no child behind', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', r));
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const d = decodeDeviceMessage(data.toString());
        if (d.ok && d.message.type === 'hello') {
          ws.send(encodeMessage({ type: 'hello', protocol: 1, server: { name: 's', version: '0' }, device: { id: 'd', name: 'n' }, limits: { maxFrameBytes: 4096, maxTurnMs: 30_000, inputFormats: [SPEECH_FORMAT] } }));
        }
      });
    });
    const arecord = writeStandinArecord();
    const gpiod = writeStandinGpiod();
    const notifyLog = join(gpiod.dir, 'notify.log');
    writeFileSync(join(gpiod.dir, 'systemd-notify'), `#!/bin/sh\necho "$*" >> "${notifyLog}"\n`);
    chmodSync(join(gpiod.dir, 'systemd-notify'), 0o755);
    const stateDir = join(dir, 'state');
    writeFileSync(
      join(dir, 'gpio.env'),
      `PICHAT_DEVICE_TOKEN=main-test-token\nPICHAT_SERVER_URL=ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws/device\n` +
        `PICHAT_BUTTON=gpio:17\nPICHAT_GPIO_BACKEND=gpiod\nPICHAT_LED=gpio:27\nPICHAT_STATE_DIR=${stateDir}\nPICHAT_PLAYBACK_BACKEND=aplay\n`,
    );
    const child = spawn(process.execPath, [entry], {
      env: daemonEnv({
        PICHAT_DEVICE_ENV: join(dir, 'gpio.env'),
        PATH: `${gpiod.dir}:${arecord.dir}:${process.env.PATH}`,
        ALSA_CONFIG_PATH: join(dir, 'asound.conf'),
        NOTIFY_SOCKET: '/run/fake-notify.sock',
        WATCHDOG_USEC: '200000',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const notifications = () => (existsSync(notifyLog) ? readFileSync(notifyLog, 'utf8') : '');
    try {
      await vi.waitFor(() => expect(stderr).toContain('state state="idle"'), { timeout: 15_000, interval: 20 });
      await vi.waitFor(() => expect(notifications().match(/WATCHDOG=1/g)?.length ?? 0).toBeGreaterThanOrEqual(2), { timeout: 5000, interval: 20 });
      expect(notifications()).toMatch(/^--ready --status=push-to-talk on gpiod:gpiochip0:17/);
      // press on the GPIO line: falling edge = pressed (pull-up, button to ground)
      await writeFile(gpiod.fifo, 'falling\n');
      await vi.waitFor(() => expect(stderr).toContain('state state="listening"'), { timeout: 5000, interval: 10 });

      const children = descendants(child.pid!);
      const names = children.map((pid) => comm(pid)).join(' ');
      expect(names).toContain('arecord'); // the pre-roll recorder, always open
      expect(names).toContain('gpiomon');
      expect(names).toContain('gpioset');

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      for (const pid of children) expect(alive(pid), `child ${pid} (${names}) still running`).toBe(false);
      expect(notifications()).toMatch(/STOPPING=1/);
      expect(readFileSync(join(gpiod.dir, 'gpioset.log'), 'utf8').trim().split('\n').slice(-2)).toEqual(['set 27=0', 'exit']);
      expect(stderr).toContain('stopped');
    } finally {
      child.kill('SIGKILL');
      await new Promise<void>((r) => wss.close(() => r()));
    }
  });
});

/** Every process below `root`, from /proc. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, ppid] of parent) if (ppid === pid) {
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

/** The command line of a process (stand-ins are node scripts, so their name is in argv). */
function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); // a zombie is gone for our purpose
  } catch {
    return false;
  }
}
