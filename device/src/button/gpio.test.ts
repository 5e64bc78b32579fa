import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ButtonEdge } from '../daemon/ports.js';
import { silentLogger } from '@pichat/shared';
import { GpioButton, type GpioLike } from './gpio.js';
import { resolveGpioNumber } from './gpio-number.js';

class FakeGpio implements GpioLike {
  callback: ((e: Error | null | undefined, v: 0 | 1) => void) | undefined;
  unexported = false;
  constructor(
    readonly n: number,
    readonly options: { debounceTimeout: number; activeLow: boolean },
  ) {}
  watch(cb: (e: Error | null | undefined, v: 0 | 1) => void): void {
    this.callback = cb;
  }
  unwatchAll(): void {
    this.callback = undefined;
  }
  unexport(): void {
    this.unexported = true;
  }
  level(v: 0 | 1): void {
    this.callback?.(null, v);
  }
}

describe('GpioButton', () => {
  it('exports the pin active-low with debounce, turns levels into alternating edges, unexports on close', () => {
    let gpio: FakeGpio | undefined;
    const button = new GpioButton({
      bcm: 17,
      sysfsNumber: 529,
      debounceMs: 25,
      log: silentLogger,
      create: (n, o) => (gpio = new FakeGpio(n, o)),
    });
    const edges: ButtonEdge[] = [];
    button.start((e) => edges.push(e));
    expect(gpio?.n).toBe(529);
    expect(gpio?.options).toEqual({ debounceTimeout: 25, activeLow: true });
    gpio!.level(1);
    gpio!.level(1); // a repeated level is not a second press
    gpio!.level(0);
    gpio!.callback?.(new Error('EIO'), 0);
    gpio!.level(1);
    expect(edges).toEqual(['press', 'release', 'press']);
    button.close();
    expect(gpio!.unexported).toBe(true);
    expect(button.name).toBe('gpio:17');
  });

  it('explains EACCES and EBUSY', () => {
    const failing = (code: string) =>
      new GpioButton({
        bcm: 17,
        sysfsNumber: 529,
        debounceMs: 25,
        log: silentLogger,
        create: () => {
          throw Object.assign(new Error(`${code}: export`), { code });
        },
      });
    expect(() => failing('EACCES').start(() => undefined)).toThrow(/group "gpio"/);
    expect(() => failing('EBUSY').start(() => undefined)).toThrow(/busy/);
  });
});

describe('resolveGpioNumber', () => {
  function sysfs(chips: Record<string, { label: string; base: number; ngpio: number }>): string {
    const root = mkdtempSync(join(tmpdir(), 'pichat-sysfs-'));
    for (const [name, c] of Object.entries(chips)) {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, 'label'), `${c.label}\n`);
      writeFileSync(join(root, name, 'base'), `${c.base}\n`);
      writeFileSync(join(root, name, 'ngpio'), `${c.ngpio}\n`);
    }
    return root;
  }

  it('Pi 4 on kernel 6.1: base 0', () => {
    const root = sysfs({ gpiochip0: { label: 'pinctrl-bcm2711', base: 0, ngpio: 58 }, gpiochip504: { label: 'raspberrypi-exp-gpio', base: 504, ngpio: 8 } });
    expect(resolveGpioNumber(17, root)).toMatchObject({ ok: true, sysfsNumber: 17 });
  });

  it('Pi 4 on kernel 6.6: base 512', () => {
    const root = sysfs({ gpiochip512: { label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }, gpiochip570: { label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 } });
    expect(resolveGpioNumber(17, root)).toMatchObject({ ok: true, sysfsNumber: 529, chip: 'gpiochip512' });
  });

  it('Pi 5: the RP1 chip, base 571', () => {
    const root = sysfs({ gpiochip512: { label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 }, gpiochip571: { label: 'pinctrl-rp1', base: 571, ngpio: 54 } });
    expect(resolveGpioNumber(17, root)).toMatchObject({ ok: true, sysfsNumber: 588 });
  });

  it('no sysfs at all, or no Pi chip: a readable problem', () => {
    const none = resolveGpioNumber(17, join(tmpdir(), 'pichat-no-such-dir'));
    expect(none.ok === false && none.problem).toMatch(/no sysfs GPIO/);
    const other = resolveGpioNumber(17, sysfs({ gpiochip0: { label: 'some-other-soc', base: 0, ngpio: 32 } }));
    expect(other.ok === false && other.problem).toMatch(/no Raspberry Pi GPIO chip/);
  });
});
