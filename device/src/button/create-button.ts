import { existsSync } from 'node:fs';
import type { DeviceConfig } from '../config/config.js';
import type { ButtonEdge, PushButton } from '../daemon/ports.js';
import type { Logger } from '@pichat/shared';
import { probeGpiod } from './gpiod-tools.js';
import { describeGpioError, GpioButton, loadGpio } from './gpio.js';
import { resolveGpioNumber } from './gpio-number.js';
import { GpiomonButton } from './gpiomon.js';
import { KeyboardButton, type KeyInput } from './keyboard.js';

export interface CreateButtonDeps {
  stdin: KeyInput;
  /** Where sysfs GPIO lives; a test points at a fake tree. */
  sysfsRoot?: string;
}

/** Which GPIO backend `auto` means here: sysfs (onoff) where the kernel still has it, else the character device. */
export function gpioBackendFor(setting: DeviceConfig['gpioBackend'], sysfsRoot = '/sys/class/gpio'): 'sysfs' | 'gpiod' {
  if (setting !== 'auto') return setting;
  return existsSync(sysfsRoot) ? 'sysfs' : 'gpiod';
}

async function sysfsButton(
  bcm: number,
  config: DeviceConfig,
  log: Logger,
  sysfsRoot: string | undefined,
  onEdge: (edge: ButtonEdge) => void,
): Promise<PushButton> {
  const resolved = resolveGpioNumber(bcm, sysfsRoot);
  if (!resolved.ok) throw new Error(`PICHAT_BUTTON=gpio:${bcm}: ${resolved.problem}`);
  let create;
  try {
    create = await loadGpio();
  } catch (error) {
    throw new Error(describeGpioError(error, bcm));
  }
  const button = new GpioButton({ bcm, sysfsNumber: resolved.sysfsNumber, debounceMs: config.buttonDebounceMs, create, log });
  button.start(onEdge); // throws the EACCES / EBUSY explanation now
  log.info('GPIO button (sysfs)', { bcm, sysfsNumber: resolved.sysfsNumber, chip: resolved.chip, base: resolved.base });
  return button;
}

async function gpiodButton(bcm: number, config: DeviceConfig, log: Logger, onEdge: (edge: ButtonEdge) => void): Promise<PushButton> {
  const probed = await probeGpiod(bcm, config.gpioChip);
  if (!probed.ok) throw new Error(`PICHAT_BUTTON=gpio:${bcm}: ${probed.problem}`);
  log.info('GPIO button (gpiod character device)', { bcm, chip: probed.chip, libgpiod: probed.version });
  const button = new GpiomonButton({ bcm, chip: probed.chip, version: probed.version, debounceMs: config.buttonDebounceMs, log });
  button.start(onEdge);
  return button;
}

/**
 * The push button the configuration asks for. A GPIO button uses sysfs through onoff where `/sys/class/gpio` exists
 * and gpiomon on the character device where it does not (PICHAT_GPIO_BACKEND=auto); in auto mode a sysfs pin that
 * cannot be used (EACCES, EBUSY, no onoff) falls back to gpiomon before giving up. The button is returned started,
 * delivering edges to `onEdge`, so that export errors surface here with their explanation. Throws one readable
 * message when no button can be had.
 */
export async function createButton(
  config: DeviceConfig,
  log: Logger,
  deps: CreateButtonDeps,
  onEdge: (edge: ButtonEdge) => void,
): Promise<PushButton> {
  if (config.button.kind === 'keyboard') {
    if (deps.stdin.isTTY) log.info('keyboard push-to-talk: Space or Enter starts talking, press again to stop');
    else log.info('keyboard push-to-talk on stdin: a line "press" / "release" (or any line to toggle)');
    const button = new KeyboardButton(deps.stdin);
    button.start(onEdge);
    return button;
  }
  const bcm = config.button.bcm;
  if (gpioBackendFor(config.gpioBackend, deps.sysfsRoot) === 'gpiod') return gpiodButton(bcm, config, log, onEdge);
  try {
    return await sysfsButton(bcm, config, log, deps.sysfsRoot, onEdge);
  } catch (error) {
    if (config.gpioBackend !== 'auto') throw error;
    log.warn('sysfs GPIO unusable, trying the gpiod character device', { problem: error instanceof Error ? error.message : String(error) });
    return gpiodButton(bcm, config, log, onEdge);
  }
}
