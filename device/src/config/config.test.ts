import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { mergeEnv, readEnvFile } from './env-file.js';

describe('parseConfig', () => {
  it('needs only a token; everything else has a documented default', () => {
    const r = parseConfig({ PICHAT_DEVICE_TOKEN: 'secret-token-1' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({
      serverUrl: 'ws://127.0.0.1:8080/ws/device',
      button: { kind: 'keyboard' },
      captureDevice: 'default',
      playbackDevice: 'default',
      playbackBackend: 'speaker',
      frameMs: 20,
      maxTurnMs: 30_000,
      volume: 80,
      pingIntervalMs: 2000,
      heartbeatTimeoutMs: 8000,
      reconnectMaxMs: 30_000,
    });
  });

  it('reads a GPIO button and treats empty values as unset', () => {
    const r = parseConfig({ PICHAT_DEVICE_TOKEN: 'secret-token-1', PICHAT_BUTTON: 'gpio:17', PICHAT_VOLUME: ' ' });
    expect(r.ok && r.config.button).toEqual({ kind: 'gpio', bcm: 17 });
    expect(r.ok && r.config.volume).toBe(80);
  });

  it('reports one clear line per problem, all at once', () => {
    const r = parseConfig({
      PICHAT_SERVER_URL: 'http://host:8080',
      PICHAT_BUTTON: 'gpio:',
      PICHAT_VOLUME: '101',
      PICHAT_MAX_TURN_MS: 'soon',
      PICHAT_PLAYBACK_BACKEND: 'pulse',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      'PICHAT_SERVER_URL: must be a ws:// or wss:// URL, e.g. ws://pichat.local:8080/ws/device',
      'PICHAT_DEVICE_TOKEN: is required: the token the server printed when it first started (or created for this device)',
      'PICHAT_BUTTON: must be "keyboard" or "gpio:<BCM pin>", e.g. gpio:17',
      'PICHAT_PLAYBACK_BACKEND: must be one of speaker, aplay',
      'PICHAT_MAX_TURN_MS: must be a whole number of ms between 1000 and 300000',
      'PICHAT_VOLUME: must be at most 100 percent',
    ]);
  });

  it('checks settings against each other', () => {
    const r = parseConfig({
      PICHAT_DEVICE_TOKEN: 'secret-token-1',
      PICHAT_PING_INTERVAL_MS: '5000',
      PICHAT_HEARTBEAT_TIMEOUT_MS: '4000',
      PICHAT_BUTTON: 'gpio:60',
    });
    expect(r.ok ? [] : r.problems).toEqual([
      'PICHAT_HEARTBEAT_TIMEOUT_MS: must be longer than PICHAT_PING_INTERVAL_MS',
      'PICHAT_BUTTON: BCM pin numbers go from 0 to 53',
    ]);
  });
});

describe('env file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pichat-env-'));
  writeFileSync(join(dir, 'device.env'), 'PICHAT_DEVICE_TOKEN=from-file-123\nPICHAT_VOLUME=40\n');

  it('uses ./device.env when there is no system file, and the environment wins', () => {
    const f = readEnvFile({}, dir, join(dir, 'absent.env'));
    expect(f).toEqual({ ok: true, path: join(dir, 'device.env'), values: { PICHAT_DEVICE_TOKEN: 'from-file-123', PICHAT_VOLUME: '40' } });
    const merged = mergeEnv(f.ok ? f.values : {}, { PICHAT_VOLUME: '70', UNSET: undefined });
    expect(merged).toMatchObject({ PICHAT_DEVICE_TOKEN: 'from-file-123', PICHAT_VOLUME: '70' });
  });

  it('prefers the system file when it exists', () => {
    const system = join(dir, 'system.env');
    writeFileSync(system, 'PICHAT_DEVICE_NAME=kitchen\n');
    expect(readEnvFile({}, dir, system)).toMatchObject({ ok: true, path: system, values: { PICHAT_DEVICE_NAME: 'kitchen' } });
  });

  it('an explicit PICHAT_DEVICE_ENV must exist; no file at all is fine', () => {
    expect(readEnvFile({ PICHAT_DEVICE_ENV: 'nope.env' }, dir)).toEqual({
      ok: false,
      problem: `PICHAT_DEVICE_ENV: ${join(dir, 'nope.env')} does not exist`,
    });
    expect(readEnvFile({}, join(dir, 'nowhere'), join(dir, 'absent.env'))).toEqual({ ok: true, path: undefined, values: {} });
  });
});
