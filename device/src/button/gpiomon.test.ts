import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ButtonEdge } from '../daemon/ports.js';
import { memoryLogger } from '@pichat/shared';
import { writeStandinGpiod } from '../testing/standin-gpiod.js';
import { Debouncer } from './debounce.js';
import { choosePiChip, parseGpiodetect, parseGpiodVersion, probeGpiod } from './gpiod-tools.js';
import { describeGpiomonFailure, gpiomonArgs, GpiomonButton, parseGpiomonLine } from './gpiomon.js';

describe('gpiod tools, pure', () => {
  it('parses gpiodetect and picks the Pi chip by label (Pi 4, Pi 5 before and after 6.6.y)', () => {
    const pi4 = parseGpiodetect('gpiochip0 [pinctrl-bcm2711] (58 lines)\ngpiochip1 [raspberrypi-exp-gpio] (8 lines)\n');
    expect(choosePiChip(pi4, 17)).toEqual({ ok: true, chip: { name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 } });
    const pi5old = parseGpiodetect('gpiochip0 [gpio-brcmstb@107d508500] (32 lines)\ngpiochip4 [pinctrl-rp1] (54 lines)\n');
    expect(choosePiChip(pi5old, 17)).toMatchObject({ ok: true, chip: { name: 'gpiochip4' } });
    const pi5new = parseGpiodetect('gpiochip0 [pinctrl-rp1] (54 lines)\ngpiochip10 [gpio-brcmstb@107d508500] (32 lines)\n');
    expect(choosePiChip(pi5new, 17)).toMatchObject({ ok: true, chip: { name: 'gpiochip0' } });
    const other = choosePiChip(parseGpiodetect('gpiochip0 [some-soc] (32 lines)'), 17);
    expect(other.ok === false && other.problem).toMatch(/no Raspberry Pi GPIO chip .* gpiochip0 \[some-soc\].*PICHAT_GPIO_CHIP/);
    expect(choosePiChip(pi4, 60)).toMatchObject({ ok: false });
  });

  it('reads the tools version and builds the right command line for each', () => {
    expect(parseGpiodVersion('gpiomon (libgpiod) v1.6.3\nCopyright')).toBe(1);
    expect(parseGpiodVersion('gpiomon (libgpiod) v2.1.3')).toBe(2);
    expect(gpiomonArgs({ bcm: 17, chip: 'gpiochip0', version: 1, debounceMs: 20 })).toEqual(['--bias=pull-up', '--line-buffered', 'gpiochip0', '17']);
    expect(gpiomonArgs({ bcm: 17, chip: 'gpiochip4', version: 2, debounceMs: 20 })).toEqual([
      '--bias=pull-up',
      '--edges=both',
      '--debounce-period=20ms',
      '--chip',
      'gpiochip4',
      '17',
    ]);
  });

  it('parses both output formats; falling is a press (pull-up, button to ground)', () => {
    expect(parseGpiomonLine('event: FALLING EDGE offset: 17 timestamp: [     123.456]')).toBe(true);
    expect(parseGpiomonLine('event:  RISING EDGE offset: 17 timestamp: [     123.456]')).toBe(false);
    expect(parseGpiomonLine('1234.567890\tfalling\tgpiochip0 17')).toBe(true);
    expect(parseGpiomonLine('1234.567890\trising\tgpiochip0 17')).toBe(false);
    expect(parseGpiomonLine('gpiomon: something else')).toBeUndefined();
  });

  it('explains permission and busy failures', () => {
    expect(describeGpiomonFailure('gpiomon: error: Permission denied', 'gpiochip0', 17)).toMatch(/group "gpio"/);
    expect(describeGpiomonFailure('unable to request lines: Device or resource busy', 'gpiochip0', 17)).toMatch(/busy/);
  });
});

describe('Debouncer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reports a level only after it held for debounceMs; bounces are one edge', () => {
    const changes: boolean[] = [];
    const d = new Debouncer(20, (down) => changes.push(down));
    d.input(true);
    vi.advanceTimersByTime(5);
    d.input(false);
    vi.advanceTimersByTime(5);
    d.input(true);
    vi.advanceTimersByTime(19);
    expect(changes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(changes).toEqual([true]);
    d.input(false);
    d.input(true); // a blip shorter than the window
    vi.advanceTimersByTime(50);
    expect(changes).toEqual([true]);
    d.force(false);
    expect(changes).toEqual([true, false]);
  });
});

describe('GpiomonButton with stand-in gpiod tools', () => {
  const gpiod = writeStandinGpiod();
  const savedPath = process.env.PATH;
  process.env.PATH = `${gpiod.dir}:${savedPath}`;
  afterAll(() => {
    process.env.PATH = savedPath;
    delete process.env.STANDIN_GPIOD_VERSION;
    delete process.env.STANDIN_GPIOMON_MODE;
  });
  const WAIT = { timeout: 5000, interval: 10 };
  /** Writes one command to the stand-in's FIFO (the open waits, off the event loop, for gpiomon to read). */
  const send = (line: string) => writeFile(gpiod.fifo, `${line}\n`);
  const pids = () => readFileSync(join(gpiod.dir, 'gpiomon.pids'), 'utf8').trim().split('\n').map(Number);

  it('finds the chip with gpiodetect and the version with gpiomon --version', async () => {
    expect(await probeGpiod(17, undefined)).toEqual({ ok: true, chip: 'gpiochip0', version: 2 });
    expect(await probeGpiod(17, 'gpiochip4')).toEqual({ ok: true, chip: 'gpiochip4', version: 2 });
  });

  for (const version of [1, 2]) {
    it(`libgpiod ${version}: edges become presses and releases; a dead gpiomon is restarted and the button released`, async () => {
      process.env.STANDIN_GPIOD_VERSION = String(version);
      const log = memoryLogger();
      const button = new GpiomonButton({ bcm: 17, chip: 'gpiochip0', version, debounceMs: 5, log, restartInitialMs: 50, restartMaxMs: 50 });
      const edges: ButtonEdge[] = [];
      button.start((e) => edges.push(e));
      try {
        await vi.waitFor(() => expect(button.pid).toBeDefined(), WAIT);
        await send('falling');
        await vi.waitFor(() => expect(edges).toEqual(['press']), WAIT);
        await send('die');
        await vi.waitFor(() => expect(edges).toEqual(['press', 'release']), WAIT);
        expect(log.lines.some((l) => l.includes('button watcher stopped, restarting'))).toBe(true);
        await vi.waitFor(() => expect(pids().length).toBeGreaterThanOrEqual(2), WAIT);
        await send('falling');
        await vi.waitFor(() => expect(edges).toEqual(['press', 'release', 'press']), WAIT);
        await send('rising');
        await vi.waitFor(() => expect(edges).toEqual(['press', 'release', 'press', 'release']), WAIT);
      } finally {
        const last = pids().at(-1)!;
        await button.close();
        expect(() => process.kill(last, 0)).toThrow(); // no watcher left behind
      }
    });
  }

  it('a permission problem is logged with what to do, and retried', async () => {
    process.env.STANDIN_GPIOMON_MODE = 'denied';
    const log = memoryLogger();
    const button = new GpiomonButton({ bcm: 17, chip: 'gpiochip0', version: 2, debounceMs: 0, log, restartInitialMs: 20, restartMaxMs: 20 });
    button.start(() => undefined);
    try {
      await vi.waitFor(() => expect(log.lines.filter((l) => l.includes('group \\"gpio\\"')).length).toBeGreaterThanOrEqual(2), WAIT);
    } finally {
      await button.close();
      delete process.env.STANDIN_GPIOMON_MODE;
    }
  });
});
