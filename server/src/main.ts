#!/usr/bin/env node
/**
 * The PiChat server program. Wires the real parts (config, device registry, providers) and listens.
 *
 *   node server/dist/main.js                 run the server
 *   node server/dist/main.js add-device NAME  create a device and print its token (shown once)
 *   node server/dist/main.js devices          list devices
 *
 * Configuration: environment variables, also read from the file named by PICHAT_ENV_FILE (default ./.env);
 * the real environment wins over the file. See .env.example.
 */
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import dotenv from 'dotenv';
import { build } from './app.js';
import { requestedTts } from './chat/requested-voice.js';
import { settingsEnv } from './chat/settings-env.js';
import { ConfigError, loadConfig, type ServerConfig } from './config.js';
import type { DeviceRegistry } from './devices/registry.js';
import { loadWebConfig, type WebConfig } from './http/web-config.js';
import { createLogger, type Logger } from '@pichat/shared';
import { loadProviderConfig } from './providers/config.js';
import { createProviders, type Providers } from './providers/factory.js';
import type { UsageSink } from './providers/usage.js';
import { createOfflineProviders } from './providers/offline.js';
import { createRealtime } from './realtime/create.js';
import { openStore, type SqliteStore } from './store/sqlite.js';

const VERSION = '0.1.0';

async function main(argv: string[]): Promise<number> {
  const envFile = process.env.PICHAT_ENV_FILE ?? '.env';
  if (existsSync(envFile)) dotenv.config({ path: envFile, quiet: true });
  let config: ServerConfig;
  let webConfig: WebConfig;
  try {
    config = loadConfig();
    webConfig = loadWebConfig();
  } catch (err) {
    if (err instanceof ConfigError || (err instanceof Error && err.message.startsWith('invalid configuration'))) {
      process.stderr.write(`pichat-server: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger(config.PICHAT_LOG_LEVEL);
  const store = openStore(config.dataDir); // <dataDir>/pichat.db
  const registry = store.devices;

  const [command, ...args] = argv;
  if (command === 'add-device') return done(store, addDevice(registry, args.join(' ').trim() || 'pi', config));
  if (command === 'devices') {
    for (const d of registry.list()) console.log(`${d.id}  ${d.name}  created ${d.createdAt}`);
    return done(store, 0);
  }
  if (command !== undefined) {
    process.stderr.write(`pichat-server: unknown command "${command}" (try: add-device NAME, devices)\n`);
    return done(store, 2);
  }
  return serve(config, webConfig, store, log);
}

async function done(store: SqliteStore, code: number): Promise<number> {
  await store.close();
  return code;
}

async function serve(config: ServerConfig, webConfig: WebConfig, store: SqliteStore, log: Logger): Promise<number> {
  const registry = store.devices;
  if (config.PICHAT_DEVICE_TOKEN && !registry.authenticate(config.PICHAT_DEVICE_TOKEN)) {
    registry.add('pi', config.PICHAT_DEVICE_TOKEN);
    log.info('added the device token from PICHAT_DEVICE_TOKEN', { name: 'pi' });
  }
  const offline = createOfflineProviders(config, log);
  // Usage of every provider call is recorded with its turn; the recorder exists once the app is built.
  let usageSink: UsageSink | undefined;
  const onUsage: UsageSink = (usage, signal) => usageSink?.(usage, signal);
  const makeProviders = async (): Promise<Providers> => {
    const env = settingsEnv(await store.getSettings(), process.env);
    return createProviders(env, { offline: { ...offline, tts: offline.voiced(env.PICHAT_ESPEAK_VOICE) }, logger: log, onUsage });
  };
  let providers = await makeProviders();
  // Realtime speech-to-speech mode (settings or PICHAT_VOICE_MODE); without a key it explains why it is off.
  const realtime = createRealtime(process.env, { tts: offline.tts, stt: providers.stt, log, store });
  const app = build({
    providers,
    realtime,
    store,
    registry,
    log,
    version: VERSION,
    limits: {
      maxTurnMs: config.PICHAT_MAX_TURN_MS,
      maxFrameBytes: config.PICHAT_MAX_FRAME_BYTES,
      pingIntervalMs: config.PICHAT_PING_INTERVAL_MS,
    },
    web: webConfig.web,
    providerInfo: {
      get description() {
        return providers.description;
      },
      probe: (ms?: number) => providers.probe(ms),
    },
    // A text_to_speech request naming a voice: the offline or Azure voice those settings pick (requested-voice.ts).
    voiceFor: async (voice) => requestedTts(voice, await store.getSettings(), process.env, providers, offline),
    // A throw (bad provider settings) keeps the old providers; app logs it.
    onSettingsChanged: async () => {
      const next = await makeProviders();
      const old = providers;
      providers = next;
      app.setProviders(next);
      setTimeout(() => void old.close(), 60_000).unref(); // let running turns finish on the old ones
    },
  });
  const priceConfig = loadProviderConfig(process.env);
  usageSink = app.recorder?.usageSink(priceConfig.prices, priceConfig.PICHAT_PRICE_CURRENCY);
  const admin = await app.auth!.ensureAdmin(webConfig.admin.username, webConfig.admin.password);
  const address = await app.listen(config.PICHAT_PORT, config.PICHAT_HOST);
  log.info('listening', {
    address: `${address.address}:${address.port}`,
    stt: providers.description.stt.provider,
    brain: providers.description.brain.provider,
    tts: providers.description.tts.provider,
  });
  const host = lanAddress() ?? 'localhost';
  // Printed, not logged: a secret must not end up in log lines.
  if (admin.generatedPassword) {
    process.stdout.write(`\nWeb admin (shown once, stored hashed): user ${admin.username}, password ${admin.generatedPassword}\n`);
  }
  process.stdout.write(`Web chat: http://${host}:${address.port}/\n`);
  if (registry.list().length === 0) firstStart(registry, config, address.port);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    void app
      .close()
      .then(() => providers.close())
      .then(() => offline.close())
      .then(() => store.close())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return new Promise<number>(() => undefined); // runs until a signal
}

/** First start: no device can connect yet, so create one and tell the operator how to connect it. */
function firstStart(registry: DeviceRegistry, config: ServerConfig, port: number): void {
  const { token } = registry.create('pi');
  const host = lanAddress() ?? 'THIS-HOST';
  process.stdout.write(
    [
      '',
      'PiChat is running. No device was registered yet, so one was created:',
      '',
      `  device token (shown once, stored hashed in ${config.dataDir}):`,
      `    ${token}`,
      '',
      '  On the Pi, put these in /etc/pichat/device.env (or ./device.env):',
      `    PICHAT_SERVER_URL=ws://${host}:${port}/ws/device`,
      `    PICHAT_DEVICE_TOKEN=${token}`,
      '',
      '  Or try a turn from a WAV file on this machine:',
      `    PICHAT_DEVICE_TOKEN=${token} npm run try-wav -- some-command.wav`,
      '',
      '  More devices: node server/dist/main.js add-device NAME',
      '',
    ].join('\n'),
  );
}

function addDevice(registry: DeviceRegistry, name: string, config: ServerConfig): number {
  const { device, token } = registry.create(name.slice(0, 100));
  const host = lanAddress() ?? 'THIS-HOST';
  process.stdout.write(
    `device "${device.name}" (${device.id}) created. Its token is shown once:\n  ${token}\n` +
      `On the device: PICHAT_SERVER_URL=ws://${host}:${config.PICHAT_PORT}/ws/device PICHAT_DEVICE_TOKEN=${token}\n`,
  );
  return 0;
}

function lanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`pichat-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
