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

describe('issue 3 settings', () => {
  it('defaults: hold mode, 300 ms pre-roll, arecord, no LED, state under /var/lib/pichat-device', () => {
    const r = parseConfig({ PICHAT_DEVICE_TOKEN: 'secret-token-1' });
    expect(r.ok && r.config).toMatchObject({
      buttonMode: 'hold',
      longPressMs: 1500,
      gpioBackend: 'auto',
      gpioChip: undefined,
      led: { kind: 'none' },
      captureBackend: 'arecord',
      preRollMs: 300,
      micGainDb: 0,
      jitterMs: 60,
      earconVolume: 60,
      stateDir: '/var/lib/pichat-device',
      tlsCa: undefined,
    });
  });

  it('reads every new setting, systemd StateDirectory included', () => {
    const r = parseConfig({
      PICHAT_DEVICE_TOKEN: 'secret-token-1',
      PICHAT_BUTTON: 'gpio:17',
      PICHAT_BUTTON_MODE: 'tap',
      PICHAT_LONG_PRESS_MS: '2000',
      PICHAT_GPIO_BACKEND: 'gpiod',
      PICHAT_GPIO_CHIP: 'gpiochip4',
      PICHAT_LED: 'gpio:27',
      PICHAT_CAPTURE_BACKEND: 'mic',
      PICHAT_PREROLL_MS: '0',
      PICHAT_MIC_GAIN_DB: '-6',
      PICHAT_JITTER_MS: '100',
      PICHAT_EARCON_VOLUME: '0',
      PICHAT_TLS_CA: '/etc/pichat/ca.pem',
      STATE_DIRECTORY: '/var/lib/pichat-device:/var/lib/other',
    });
    expect(r.ok && r.config).toMatchObject({
      buttonMode: 'tap',
      longPressMs: 2000,
      gpioBackend: 'gpiod',
      gpioChip: 'gpiochip4',
      led: { kind: 'gpio', bcm: 27 },
      captureBackend: 'mic',
      preRollMs: 0,
      micGainDb: -6,
      jitterMs: 100,
      earconVolume: 0,
      tlsCa: '/etc/pichat/ca.pem',
      stateDir: '/var/lib/pichat-device',
    });
    expect(parseConfig({ PICHAT_DEVICE_TOKEN: 'secret-token-1', PICHAT_STATE_DIR: '/tmp/s', STATE_DIRECTORY: '/x' })).toMatchObject({ config: { stateDir: '/tmp/s' } });
  });

  it('one line per problem for the new settings', () => {
    const r = parseConfig({
      PICHAT_DEVICE_TOKEN: 'secret-token-1',
      PICHAT_BUTTON: 'gpio:17',
      PICHAT_BUTTON_MODE: 'toggle',
      PICHAT_MIC_GAIN_DB: '+40',
      PICHAT_LED: 'gpio:17',
      PICHAT_LONG_PRESS_MS: '100',
      PICHAT_GPIO_CHIP: 'pinctrl-rp1',
    });
    expect(r.ok ? [] : r.problems).toEqual([
      'PICHAT_BUTTON_MODE: must be one of hold, tap',
      'PICHAT_MIC_GAIN_DB: must be at most 30 dB',
    ]);
    const crossed = parseConfig({ PICHAT_DEVICE_TOKEN: 'secret-token-1', PICHAT_BUTTON: 'gpio:17', PICHAT_LED: 'gpio:17', PICHAT_LONG_PRESS_MS: '100', PICHAT_GPIO_CHIP: 'pinctrl-rp1' });
    expect(crossed.ok ? [] : crossed.problems).toEqual([
      "PICHAT_LED: must not be the button's pin",
      'PICHAT_LONG_PRESS_MS: must be 0 (off) or at least 300 ms',
      'PICHAT_GPIO_CHIP: must be a chip name such as gpiochip0 (see gpiodetect)',
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
