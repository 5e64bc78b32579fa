import { hostname } from 'node:os';
import { z } from 'zod';

/**
 * The daemon's settings, from the environment (which wins) and the env file (`env-file.ts`). Every variable once,
 * with its unit and default:
 *
 * | variable                     | meaning                                                                 | default                          |
 * |------------------------------|-------------------------------------------------------------------------|----------------------------------|
 * | PICHAT_DEVICE_ENV            | path of the dotenv file read at start                                   | /etc/pichat/device.env if it exists, else ./device.env |
 * | PICHAT_SERVER_URL            | ws:// or wss:// URL of the server's device endpoint                     | ws://127.0.0.1:8080/ws/device    |
 * | PICHAT_DEVICE_TOKEN          | bearer token the server issued for this device (required)               | —                                |
 * | PICHAT_DEVICE_NAME           | name shown by the server                                                | the host name                    |
 * | PICHAT_BUTTON                | `keyboard` (Space/Enter toggles) or `gpio:<BCM pin>`, e.g. `gpio:17`    | keyboard                         |
 * | PICHAT_BUTTON_DEBOUNCE_MS    | GPIO contact bounce ignored, ms                                         | 20                               |
 * | PICHAT_BUTTON_MODE           | `hold` (talk while held) or `tap` (tap to start, tap to stop)           | hold                             |
 * | PICHAT_LONG_PRESS_MS         | tap mode: a press held this long cancels the turn and reply, ms; 0 off  | 1500                             |
 * | PICHAT_GPIO_BACKEND          | `auto` (sysfs if /sys/class/gpio exists, else gpiod), `sysfs`, `gpiod`  | auto                             |
 * | PICHAT_GPIO_CHIP             | gpiod backend: chip name (`gpiochip0`); empty finds the Pi's by label   | (found by label)                 |
 * | PICHAT_LED                   | `none` or `gpio:<BCM pin>` for a status LED                             | none                             |
 * | PICHAT_CAPTURE_BACKEND       | `arecord` (node-record-lpcm16) or `mic` (the mic package)               | arecord                          |
 * | PICHAT_CAPTURE_DEVICE        | ALSA capture PCM by name (`--list-devices`, `arecord -L`)               | default                          |
 * | PICHAT_PREROLL_MS            | audio kept from before the press and sent first, ms; 0 = mic only open during a turn | 300                 |
 * | PICHAT_MIC_GAIN_DB           | software gain on the microphone, dB (−20 to 30)                         | 0                                |
 * | PICHAT_PLAYBACK_DEVICE       | ALSA playback PCM by name (`aplay -L`)                                  | default                          |
 * | PICHAT_PLAYBACK_BACKEND      | `speaker` (in process; falls back to aplay by itself) or `aplay`        | speaker                          |
 * | PICHAT_FRAME_MS              | duration of each audio frame sent while the button is held, ms (20–40)  | 20                               |
 * | PICHAT_MAX_TURN_MS           | longest press; the turn then ends as if released, ms                    | 30000                            |
 * | PICHAT_REPLY_TIMEOUT_MS      | wait after release for the server's reply before giving up, ms          | 15000                            |
 * | PICHAT_VOLUME                | initial software volume, percent (0–100)                                | 80                               |
 * | PICHAT_TAIL_PAD_MS           | silence appended to each reply so its end is not clipped, ms            | 150                              |
 * | PICHAT_JITTER_MS             | reply audio held before playback starts, against network jitter, ms     | 60                               |
 * | PICHAT_EARCON_VOLUME         | loudness of the device's own sounds, percent of the volume; 0 = none    | 60                               |
 * | PICHAT_STATE_DIR             | directory for state kept across restarts (volume)                       | $STATE_DIRECTORY, else /var/lib/pichat-device |
 * | PICHAT_TLS_CA                | PEM file of the CA that signed a wss:// server's certificate            | (the system's CAs)               |
 * | PICHAT_PING_INTERVAL_MS      | heartbeat ping interval, ms                                             | 2000                             |
 * | PICHAT_HEARTBEAT_TIMEOUT_MS  | server silence after which the link is dropped and redialled, ms        | 8000                             |
 * | PICHAT_RECONNECT_INITIAL_MS  | first reconnect delay (doubles, with jitter), ms                        | 500                              |
 * | PICHAT_RECONNECT_MAX_MS      | longest reconnect delay, ms                                             | 30000                            |
 * | PICHAT_LOG_LEVEL             | debug, info, warn, error                                                | info                             |
 */
export interface DeviceConfig {
  serverUrl: string;
  token: string;
  deviceName: string;
  button: { kind: 'keyboard' } | { kind: 'gpio'; bcm: number };
  buttonDebounceMs: number;
  buttonMode: 'hold' | 'tap';
  longPressMs: number;
  gpioBackend: 'auto' | 'sysfs' | 'gpiod';
  gpioChip: string | undefined;
  led: { kind: 'none' } | { kind: 'gpio'; bcm: number };
  captureBackend: 'arecord' | 'mic';
  captureDevice: string;
  preRollMs: number;
  micGainDb: number;
  jitterMs: number;
  earconVolume: number;
  stateDir: string;
  tlsCa: string | undefined;
  playbackDevice: string;
  playbackBackend: 'speaker' | 'aplay';
  frameMs: number;
  maxTurnMs: number;
  replyTimeoutMs: number;
  volume: number;
  tailPadMs: number;
  pingIntervalMs: number;
  heartbeatTimeoutMs: number;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** Where state is kept when neither PICHAT_STATE_DIR nor systemd's STATE_DIRECTORY says otherwise. */
export const DEFAULT_STATE_DIR = '/var/lib/pichat-device';

export type ConfigResult = { ok: true; config: DeviceConfig } | { ok: false; problems: string[] };

/** Unset and empty are the same: `PICHAT_VOLUME=` in a file means "the default". */
const unsetIfEmpty = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

function int(defaultValue: number, min: number, max: number, unit: string) {
  return z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .regex(/^\d+$/, { error: `must be a whole number of ${unit} between ${min} and ${max}` })
      .transform(Number)
      .pipe(z.number().min(min, { error: `must be at least ${min} ${unit}` }).max(max, { error: `must be at most ${max} ${unit}` }))
      .optional()
      .default(defaultValue),
  );
}

function signedInt(defaultValue: number, min: number, max: number, unit: string) {
  return z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .regex(/^[+-]?\d+$/, { error: `must be a whole number of ${unit} between ${min} and ${max}` })
      .transform(Number)
      .pipe(z.number().min(min, { error: `must be at least ${min} ${unit}` }).max(max, { error: `must be at most ${max} ${unit}` }))
      .optional()
      .default(defaultValue),
  );
}

function pin(defaultValue: string, allowNone: boolean) {
  const re = allowNone ? /^(none|gpio:\d{1,2})$/ : /^(keyboard|gpio:\d{1,2})$/;
  const example = allowNone ? '"none" or "gpio:<BCM pin>", e.g. gpio:27' : '"keyboard" or "gpio:<BCM pin>", e.g. gpio:17';
  return z.preprocess(unsetIfEmpty, z.string().trim().regex(re, { error: `must be ${example}` }).optional().default(defaultValue));
}

function text(defaultValue: string, maxLength = 200) {
  return z.preprocess(
    unsetIfEmpty,
    z.string().trim().max(maxLength, { error: `must be at most ${maxLength} characters` }).optional().default(defaultValue),
  );
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) {
  return z.preprocess(
    unsetIfEmpty,
    z.enum(values, { error: `must be one of ${values.join(', ')}` }).optional().default(defaultValue),
  );
}

const schema = z.object({
  PICHAT_SERVER_URL: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .regex(/^wss?:\/\/[^\s/]+(\/\S*)?$/, { error: 'must be a ws:// or wss:// URL, e.g. ws://pichat.local:8080/ws/device' })
      .optional()
      .default('ws://127.0.0.1:8080/ws/device'),
  ),
  PICHAT_DEVICE_TOKEN: z.preprocess(
    unsetIfEmpty,
    z
      .string({ error: 'is required: the token the server printed when it first started (or created for this device)' })
      .trim()
      .min(8, { error: 'is too short to be a device token' })
      .max(512),
  ),
  PICHAT_DEVICE_NAME: text(hostname().slice(0, 100), 100),
  PICHAT_BUTTON: pin('keyboard', false),
  PICHAT_BUTTON_DEBOUNCE_MS: int(20, 0, 1000, 'ms'),
  PICHAT_BUTTON_MODE: oneOf(['hold', 'tap'], 'hold'),
  PICHAT_LONG_PRESS_MS: int(1500, 0, 10_000, 'ms'),
  PICHAT_GPIO_BACKEND: oneOf(['auto', 'sysfs', 'gpiod'], 'auto'),
  PICHAT_GPIO_CHIP: text('', 40),
  PICHAT_LED: pin('none', true),
  PICHAT_CAPTURE_BACKEND: oneOf(['arecord', 'mic'], 'arecord'),
  PICHAT_CAPTURE_DEVICE: text('default'),
  PICHAT_PREROLL_MS: int(300, 0, 2000, 'ms'),
  PICHAT_MIC_GAIN_DB: signedInt(0, -20, 30, 'dB'),
  PICHAT_PLAYBACK_DEVICE: text('default'),
  PICHAT_PLAYBACK_BACKEND: oneOf(['speaker', 'aplay'], 'speaker'),
  PICHAT_FRAME_MS: int(20, 20, 40, 'ms'),
  PICHAT_MAX_TURN_MS: int(30_000, 1000, 300_000, 'ms'),
  PICHAT_REPLY_TIMEOUT_MS: int(15_000, 1000, 120_000, 'ms'),
  PICHAT_VOLUME: int(80, 0, 100, 'percent'),
  PICHAT_TAIL_PAD_MS: int(150, 0, 2000, 'ms'),
  PICHAT_JITTER_MS: int(60, 0, 500, 'ms'),
  PICHAT_EARCON_VOLUME: int(60, 0, 100, 'percent'),
  PICHAT_STATE_DIR: text(''),
  PICHAT_TLS_CA: text(''),
  PICHAT_PING_INTERVAL_MS: int(2000, 100, 60_000, 'ms'),
  PICHAT_HEARTBEAT_TIMEOUT_MS: int(8000, 500, 300_000, 'ms'),
  PICHAT_RECONNECT_INITIAL_MS: int(500, 10, 60_000, 'ms'),
  PICHAT_RECONNECT_MAX_MS: int(30_000, 100, 600_000, 'ms'),
  PICHAT_LOG_LEVEL: oneOf(['debug', 'info', 'warn', 'error'], 'info'),
});

/**
 * Validates the settings. Pure: takes the merged variables, returns the config or one readable line per problem
 * (`PICHAT_VOLUME: must be at most 100 percent`). Unknown variables are ignored.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${String(i.path[0] ?? 'config')}: ${i.message}`) };
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.PICHAT_HEARTBEAT_TIMEOUT_MS <= e.PICHAT_PING_INTERVAL_MS) {
    problems.push('PICHAT_HEARTBEAT_TIMEOUT_MS: must be longer than PICHAT_PING_INTERVAL_MS');
  }
  if (e.PICHAT_RECONNECT_MAX_MS < e.PICHAT_RECONNECT_INITIAL_MS) {
    problems.push('PICHAT_RECONNECT_MAX_MS: must not be shorter than PICHAT_RECONNECT_INITIAL_MS');
  }
  const gpio = /^gpio:(\d+)$/.exec(e.PICHAT_BUTTON);
  const bcm = gpio ? Number(gpio[1]) : undefined;
  if (bcm !== undefined && bcm > 53) problems.push('PICHAT_BUTTON: BCM pin numbers go from 0 to 53');
  const ledMatch = /^gpio:(\d+)$/.exec(e.PICHAT_LED);
  const ledBcm = ledMatch ? Number(ledMatch[1]) : undefined;
  if (ledBcm !== undefined && ledBcm > 53) problems.push('PICHAT_LED: BCM pin numbers go from 0 to 53');
  if (ledBcm !== undefined && ledBcm === bcm) problems.push('PICHAT_LED: must not be the button\'s pin');
  if (e.PICHAT_LONG_PRESS_MS > 0 && e.PICHAT_LONG_PRESS_MS < 300) problems.push('PICHAT_LONG_PRESS_MS: must be 0 (off) or at least 300 ms');
  if (e.PICHAT_GPIO_CHIP !== '' && !/^(gpiochip\d+|\/dev\/gpiochip\d+)$/.test(e.PICHAT_GPIO_CHIP)) {
    problems.push('PICHAT_GPIO_CHIP: must be a chip name such as gpiochip0 (see gpiodetect)');
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      serverUrl: e.PICHAT_SERVER_URL,
      token: e.PICHAT_DEVICE_TOKEN,
      deviceName: e.PICHAT_DEVICE_NAME,
      button: bcm === undefined ? { kind: 'keyboard' } : { kind: 'gpio', bcm },
      buttonDebounceMs: e.PICHAT_BUTTON_DEBOUNCE_MS,
      buttonMode: e.PICHAT_BUTTON_MODE,
      longPressMs: e.PICHAT_LONG_PRESS_MS,
      gpioBackend: e.PICHAT_GPIO_BACKEND,
      gpioChip: e.PICHAT_GPIO_CHIP || undefined,
      led: ledBcm === undefined ? { kind: 'none' } : { kind: 'gpio', bcm: ledBcm },
      captureBackend: e.PICHAT_CAPTURE_BACKEND,
      captureDevice: e.PICHAT_CAPTURE_DEVICE,
      preRollMs: e.PICHAT_PREROLL_MS,
      micGainDb: e.PICHAT_MIC_GAIN_DB,
      jitterMs: e.PICHAT_JITTER_MS,
      earconVolume: e.PICHAT_EARCON_VOLUME,
      stateDir: e.PICHAT_STATE_DIR || env.STATE_DIRECTORY?.split(':')[0] || DEFAULT_STATE_DIR,
      tlsCa: e.PICHAT_TLS_CA || undefined,
      playbackDevice: e.PICHAT_PLAYBACK_DEVICE,
      playbackBackend: e.PICHAT_PLAYBACK_BACKEND,
      frameMs: e.PICHAT_FRAME_MS,
      maxTurnMs: e.PICHAT_MAX_TURN_MS,
      replyTimeoutMs: e.PICHAT_REPLY_TIMEOUT_MS,
      volume: e.PICHAT_VOLUME,
      tailPadMs: e.PICHAT_TAIL_PAD_MS,
      pingIntervalMs: e.PICHAT_PING_INTERVAL_MS,
      heartbeatTimeoutMs: e.PICHAT_HEARTBEAT_TIMEOUT_MS,
      reconnectInitialMs: e.PICHAT_RECONNECT_INITIAL_MS,
      reconnectMaxMs: e.PICHAT_RECONNECT_MAX_MS,
      logLevel: e.PICHAT_LOG_LEVEL,
    },
  };
}
