#!/usr/bin/env node
import { createRequire } from 'node:module';
import { PROTOCOL_VERSION, type DeviceHello } from '@pichat/shared';
import { ArecordSource } from './audio/capture.js';
import { selectSink } from './audio/select-sink.js';
import { describeGpioError, GpioButton, loadGpio } from './button/gpio.js';
import { resolveGpioNumber } from './button/gpio-number.js';
import { KeyboardButton } from './button/keyboard.js';
import { parseConfig, type DeviceConfig } from './config/config.js';
import { mergeEnv, readEnvFile } from './config/env-file.js';
import { Daemon } from './daemon/daemon.js';
import type { PushButton } from './daemon/ports.js';
import { WsLink } from './link/ws-link.js';
import { createLogger, type Logger } from './log.js';

/** Wires the real capture, playback, button and link into the daemon. The program entry: `node device/dist/main.js`. */

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

function loadConfig(): DeviceConfig {
  const file = readEnvFile(process.env);
  const problems: string[] = [];
  if (!file.ok) problems.push(file.problem);
  const parsed = parseConfig(mergeEnv(file.ok ? file.values : {}, process.env));
  if (!parsed.ok) problems.push(...parsed.problems);
  if (!parsed.ok || problems.length > 0) {
    process.stderr.write(`pichat-device: cannot start, fix the configuration:\n${problems.map((p) => `  - ${p}\n`).join('')}`);
    process.exit(2);
  }
  if (file.ok && file.path) process.stderr.write(`pichat-device: settings from ${file.path}\n`);
  return parsed.config;
}

async function createButton(config: DeviceConfig, log: Logger): Promise<PushButton> {
  if (config.button.kind === 'keyboard') {
    if (process.stdin.isTTY) log.info('keyboard push-to-talk: Space or Enter starts talking, press again to stop');
    else log.info('keyboard push-to-talk on stdin: a line "press" / "release" (or any line to toggle)');
    return new KeyboardButton(process.stdin);
  }
  const bcm = config.button.bcm;
  const resolved = resolveGpioNumber(bcm);
  if (!resolved.ok) throw new Error(`PICHAT_BUTTON=gpio:${bcm}: ${resolved.problem}`);
  let create;
  try {
    create = await loadGpio();
  } catch (error) {
    throw new Error(describeGpioError(error, bcm));
  }
  log.info('GPIO button', { bcm, sysfsNumber: resolved.sysfsNumber, chip: resolved.chip });
  return new GpioButton({ bcm, sysfsNumber: resolved.sysfsNumber, debounceMs: config.buttonDebounceMs, create, log });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  // Last line of defence: the recorder and ws quirks are handled where they arise; anything else is logged, and
  // an unknown exception ends the process so that systemd restarts it in a known state.
  process.on('unhandledRejection', (error) => log.error('unhandled rejection', { error }));
  process.on('uncaughtException', (error) => {
    log.error('uncaught exception, exiting', { error, stack: error.stack });
    process.exit(1);
  });

  const source = new ArecordSource({ device: config.captureDevice, frameMs: config.frameMs, log });
  const sink = await selectSink({
    backend: config.playbackBackend,
    device: config.playbackDevice,
    tailPadMs: config.tailPadMs,
    log,
  });
  const button = await createButton(config, log);

  let volume = config.volume;
  const hello = (): DeviceHello => ({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    device: { name: config.deviceName, version: VERSION },
    capabilities: { playback: [...sink.formats], features: ['volume'] },
    volume,
  });
  const link = new WsLink({
    url: config.serverUrl,
    token: config.token,
    hello,
    log,
    pingIntervalMs: config.pingIntervalMs,
    deadAfterMs: config.heartbeatTimeoutMs,
    helloTimeoutMs: 10_000,
    backoffInitialMs: config.reconnectInitialMs,
    backoffMaxMs: config.reconnectMaxMs,
    maxBufferedBytes: 64 * 1024,
  });
  const daemon = new Daemon({
    source,
    sink,
    link,
    log,
    volume,
    maxTurnMs: config.maxTurnMs,
    replyTimeoutMs: config.replyTimeoutMs,
    errorHoldMs: 2000,
    onState: (state) => log.info('state', { state }),
    onVolume: (v) => (volume = v),
  });

  daemon.start();
  button.start((edge) => daemon.button(edge));
  link.start();
  log.info('pichat-device started', {
    version: VERSION,
    server: config.serverUrl,
    button: button.name,
    capture: config.captureDevice,
    playback: sink.name,
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    setTimeout(() => process.exit(0), 3000).unref();
    button.close();
    daemon.close();
    void link.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`pichat-device: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
