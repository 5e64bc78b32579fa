import type { DeviceConfig } from '../config/config.js';
import { gpioBackendFor } from '../button/create-button.js';
import { probeGpiod } from '../button/gpiod-tools.js';
import { describeGpioError } from '../button/gpio.js';
import { resolveGpioNumber } from '../button/gpio-number.js';
import type { Logger } from '@pichat/shared';
import { GpiosetLed } from './gpioset-led.js';
import type { Led } from './led.js';
import { loadGpioOut, OnoffLed } from './onoff-led.js';

/**
 * The status LED, if one is configured and usable. An LED is a nicety: every problem is logged as a warning and the
 * daemon runs without it. sysfs through onoff where it exists; else `gpioset --interactive` (libgpiod 2).
 */
export async function createLed(config: DeviceConfig, log: Logger, sysfsRoot?: string): Promise<Led | undefined> {
  if (config.led.kind === 'none') return undefined;
  const bcm = config.led.bcm;
  try {
    if (gpioBackendFor(config.gpioBackend, sysfsRoot) === 'sysfs') {
      const resolved = resolveGpioNumber(bcm, sysfsRoot);
      if (!resolved.ok) throw new Error(resolved.problem);
      let create;
      try {
        create = await loadGpioOut();
        return new OnoffLed(bcm, create(resolved.sysfsNumber), log);
      } catch (error) {
        throw new Error(describeGpioError(error, bcm));
      }
    }
    const probed = await probeGpiod(bcm, config.gpioChip);
    if (!probed.ok) throw new Error(probed.problem);
    if (probed.version < 2) throw new Error('libgpiod 1.x gpioset cannot hold a line interactively; use sysfs GPIO or libgpiod 2');
    return new GpiosetLed({ bcm, chip: probed.chip, log });
  } catch (error) {
    log.warn('status LED unavailable, running without it', { led: `gpio:${bcm}`, problem: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}
