#!/usr/bin/env node
import { createRequire } from 'node:module';
import { formatDeviceList, listAlsaDevices } from './audio/alsa-devices.js';
import { parseConfig, type DeviceConfig } from './config/config.js';
import { mergeEnv, readEnvFile } from './config/env-file.js';
import { startDevice } from './device-app.js';
import { createLogger } from '@pichat/shared';

/**
 * The program entry, as systemd runs it: `node device/dist/main.js`. `--list-devices` prints the ALSA microphones
 * and speakers by name and exits; otherwise the daemon runs until SIGTERM or SIGINT.
 */

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const USAGE = `usage: pichat-device [--list-devices | --version | --help]
  (no option)      run the push-to-talk daemon, configured by /etc/pichat/device.env and the environment
  --list-devices   list ALSA microphones and speakers by name, for PICHAT_CAPTURE_DEVICE / PICHAT_PLAYBACK_DEVICE
`;

/** Longest a shutdown may take before the process exits anyway, in ms (systemd's TimeoutStopSec is longer). */
const SHUTDOWN_TIMEOUT_MS = 3000;

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

async function main(args: readonly string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) return void process.stdout.write(USAGE);
  if (args.includes('--version')) return void process.stdout.write(`${VERSION}\n`);
  if (args.includes('--list-devices')) {
    const [capture, playback] = await Promise.all([listAlsaDevices('capture'), listAlsaDevices('playback')]);
    process.stdout.write(formatDeviceList(capture, playback));
    return;
  }
  const unknown = args.filter((a) => a.startsWith('-'));
  if (unknown.length > 0) {
    process.stderr.write(`pichat-device: unknown option ${unknown.join(' ')}\n${USAGE}`);
    process.exit(2);
  }

  const config = loadConfig();
  const log = createLogger(config.logLevel);
  // Last line of defence: the recorder and ws quirks are handled where they arise; anything else is logged, and
  // an unknown exception ends the process so that systemd restarts it in a known state.
  process.on('unhandledRejection', (error) => log.error('unhandled rejection', { error }));
  process.on('uncaughtException', (error) => {
    log.error('uncaught exception, exiting', { error, stack: error.stack });
    process.exit(1);
  });

  const app = await startDevice({ config, log, version: VERSION, env: process.env, stdin: process.stdin });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    setTimeout(() => {
      log.warn('shutdown took too long, exiting anyway', { timeoutMs: SHUTDOWN_TIMEOUT_MS });
      process.exit(0);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    void app.stop().then(() => {
      log.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`pichat-device: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
