import { readFileSync } from 'node:fs';
import { type DeviceHello, type Logger, PROTOCOL_VERSION } from '@pichat/shared';
import { ArecordSource } from './audio/capture.js';
import { EarconPlayer } from './audio/earcon-player.js';
import type { Earcon } from './audio/earcons.js';
import { withJitterBuffer } from './audio/jitter-buffer.js';
import { withMicGain } from './audio/mic-gain.js';
import { MicSource } from './audio/mic-source.js';
import { PreRollSource } from './audio/pre-roll.js';
import { selectSink } from './audio/select-sink.js';
import { createButton } from './button/create-button.js';
import type { KeyInput } from './button/keyboard.js';
import type { DeviceConfig } from './config/config.js';
import { Daemon } from './daemon/daemon.js';
import type { AudioSource, PushButton } from './daemon/ports.js';
import type { Feedback } from './daemon/state.js';
import { createLed } from './led/create-led.js';
import { LedIndicator } from './led/led.js';
import { SystemdNotifier } from './lifecycle/systemd-notify.js';
import { WsLink } from './link/ws-link.js';
import { StateFile } from './state/state-file.js';

export interface DeviceAppDeps {
  config: DeviceConfig;
  log: Logger;
  version: string;
  env: Readonly<Record<string, string | undefined>>;
  stdin: KeyInput;
}

/** A running device; `stop()` releases everything it holds. */
export interface DeviceApp {
  readonly daemon: Daemon;
  readonly link: WsLink;
  /** Stops in order: button, capture, playback, LED, socket; resolves when every child process is gone. */
  stop(): Promise<void>;
}

/** Which earcon answers which feedback. */
const EARCON_FOR: Record<Feedback, Earcon> = {
  listening: 'listening',
  done: 'done',
  cancelled: 'done',
  offline: 'offline',
  error: 'error',
  no_speech: 'error',
  volume: 'done',
};

function microphone(config: DeviceConfig, log: Logger): AudioSource {
  const options = { device: config.captureDevice, frameMs: config.frameMs, log };
  return config.captureBackend === 'mic' ? new MicSource(options) : new ArecordSource(options);
}

/**
 * Wires the real parts into the push-to-talk daemon and starts it: microphone (pre-roll, gain), speaker (jitter
 * buffer, earcons), button, LED, link, persisted volume, systemd readiness and watchdog. Throws one readable message
 * when something required (the button, the CA file) cannot be had; optional parts (LED) only warn.
 */
export async function startDevice(d: DeviceAppDeps): Promise<DeviceApp> {
  const { config, log } = d;
  const stateFile = new StateFile(config.stateDir, log);
  let volume = stateFile.load().volume ?? config.volume;

  let ca: Buffer | undefined;
  if (config.tlsCa) {
    try {
      ca = readFileSync(config.tlsCa);
    } catch (error) {
      throw new Error(`PICHAT_TLS_CA: cannot read ${config.tlsCa}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const mic = microphone(config, log);
  const preRoll = config.preRollMs > 0 ? new PreRollSource({ inner: mic, preRollMs: config.preRollMs, log }) : undefined;
  const source = withMicGain(preRoll ?? mic, config.micGainDb);

  const output = await selectSink({ backend: config.playbackBackend, device: config.playbackDevice, tailPadMs: config.tailPadMs, log });
  const earcons = new EarconPlayer({ sink: output, levelPercent: config.earconVolume, volume: () => volume, log });
  const sink = withJitterBuffer(earcons, config.jitterMs);

  const hello = (): DeviceHello => ({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    device: { name: config.deviceName, version: d.version },
    capabilities: { playback: [...sink.formats], features: config.earconVolume > 0 ? ['volume', 'earcons'] : ['volume'] },
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
    ...(ca ? { ca } : {}),
  });

  const led = await createLed(config, log);
  const indicator = led ? new LedIndicator(led) : undefined;
  const daemon: Daemon = new Daemon({
    source,
    sink,
    link,
    log,
    volume,
    maxTurnMs: config.maxTurnMs,
    replyTimeoutMs: config.replyTimeoutMs,
    errorHoldMs: 2000,
    mode: config.buttonMode,
    longPressMs: config.longPressMs,
    onState: (state) => {
      log.info('state', { state });
      indicator?.show(state);
    },
    onFeedback: (feedback) => {
      earcons.play(EARCON_FOR[feedback]);
      // A press that changes nothing (offline) still blinks at once.
      if (feedback === 'offline') indicator?.show(daemon.state);
    },
    onVolume: (v) => {
      volume = v;
      stateFile.save({ volume: v });
    },
  });

  let button: PushButton;
  try {
    button = await createButton(config, log, { stdin: d.stdin }, (edge) => daemon.button(edge));
  } catch (error) {
    await indicator?.close();
    throw error;
  }
  daemon.start();
  preRoll?.open();
  link.start();
  indicator?.show(daemon.state);

  const notifier = new SystemdNotifier({ env: d.env, log });
  notifier.ready(`push-to-talk on ${button.name}, server ${config.serverUrl}`);
  log.info('pichat-device started', {
    version: d.version,
    server: config.serverUrl,
    button: button.name,
    mode: config.buttonMode,
    capture: `${config.captureBackend}:${config.captureDevice}`,
    preRollMs: config.preRollMs,
    playback: output.name,
    led: led?.name ?? 'none',
    volume,
  });

  let stopping: Promise<void> | undefined;
  return {
    daemon,
    link,
    stop: () =>
      (stopping ??= (async () => {
        notifier.stopping();
        const buttonClosed = button.close();
        const turnClosed = daemon.close();
        earcons.stopEarcon();
        await Promise.all([buttonClosed, turnClosed, preRoll?.close(), indicator?.close(), link.close()]);
        await notifier.close();
      })()),
  };
}
