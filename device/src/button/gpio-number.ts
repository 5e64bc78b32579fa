import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Labels of the Raspberry Pi's main GPIO controller: Pi 0–3, Pi 4, Pi 5 (RP1). */
export const PI_CHIP_LABEL = /^(pinctrl-bcm2835|pinctrl-bcm2711|pinctrl-rp1|rp1)$/;

export type GpioNumber = { ok: true; sysfsNumber: number; chip: string; base: number } | { ok: false; problem: string };

/**
 * Turns a BCM pin number into the sysfs GPIO number onoff needs. Kernels from 6.6 number the Pi's chip from a base
 * that is not 0 (Pi 4: 512, Pi 5: 571 or others; fivdi/onoff#199, #200, raspberrypi/linux#5638), so the base is read
 * from `/sys/class/gpio/gpiochip*` at run time, never hard-coded. `sysfsRoot` lets tests use a fake tree.
 */
export function resolveGpioNumber(bcm: number, sysfsRoot = '/sys/class/gpio'): GpioNumber {
  let entries: string[];
  try {
    entries = readdirSync(sysfsRoot).filter((e) => e.startsWith('gpiochip'));
  } catch {
    return {
      ok: false,
      problem: `${sysfsRoot} does not exist: this kernel has no sysfs GPIO (e.g. Raspberry Pi OS Trixie). Use PICHAT_BUTTON=keyboard for now`,
    };
  }
  for (const chip of entries.sort()) {
    try {
      const label = readFileSync(join(sysfsRoot, chip, 'label'), 'utf8').trim();
      if (!PI_CHIP_LABEL.test(label)) continue;
      const base = Number.parseInt(readFileSync(join(sysfsRoot, chip, 'base'), 'utf8').trim(), 10);
      const ngpio = Number.parseInt(readFileSync(join(sysfsRoot, chip, 'ngpio'), 'utf8').trim(), 10);
      if (!Number.isInteger(base)) continue;
      if (Number.isInteger(ngpio) && bcm >= ngpio) {
        return { ok: false, problem: `BCM ${bcm} is beyond ${chip} (${label}), which has ${ngpio} lines` };
      }
      return { ok: true, sysfsNumber: base + bcm, chip, base };
    } catch {
      // An unreadable chip is not ours to use; look at the next.
    }
  }
  return { ok: false, problem: `no Raspberry Pi GPIO chip under ${sysfsRoot} (looked for labels ${PI_CHIP_LABEL.source})` };
}
