import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEVICE_STATES } from '../daemon/state.js';
import { memoryLogger } from '@pichat/shared';
import { writeStandinGpiod } from '../testing/standin-gpiod.js';
import { GpiosetLed } from './gpioset-led.js';
import { LED_PATTERNS, LedIndicator, type Led } from './led.js';

/** Records every level with the fake time it was set at. */
class RecordingLed implements Led {
  readonly name = 'test';
  readonly levels: [number, boolean][] = [];
  closed = false;
  set(on: boolean): void {
    this.levels.push([Date.now(), on]);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The on/off waveform over `ms`, sampled every 10 ms, as a string of 1 and 0. */
function waveform(state: (typeof DEVICE_STATES)[number], ms: number): string {
  const led = new RecordingLed();
  const indicator = new LedIndicator(led);
  const start = Date.now();
  indicator.show(state);
  let out = '';
  for (let t = 0; t < ms; t += 10) {
    const last = led.levels.filter(([at]) => at - start <= t).at(-1);
    out += last?.[1] ? '1' : '0';
    vi.advanceTimersByTime(10);
  }
  void indicator.close();
  return out;
}

describe('LED patterns', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('every state has its own pattern, told apart within 5 s', () => {
    const shapes = DEVICE_STATES.map((s) => waveform(s, 5000));
    expect(new Set(shapes).size).toBe(DEVICE_STATES.length);
    expect(waveform('listening', 1000)).toBe('1'.repeat(100));
    expect(waveform('thinking', 500)).toMatch(/^(1{12,13}0{12,13}){2}/);
    expect(waveform('offline', 2000)).toMatch(/^1{10}0{15}1{10}0+$/);
  });

  it('a new state restarts from "on" at once; close turns the LED off and stops the timer', async () => {
    const led = new RecordingLed();
    const indicator = new LedIndicator(led);
    indicator.show('idle');
    vi.advanceTimersByTime(1000);
    indicator.show('offline');
    expect(led.levels.at(-1)).toEqual([Date.now(), true]);
    await indicator.close();
    expect(led.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    indicator.show('error');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('steady patterns arm no timer (no wake-ups while listening)', () => {
    const indicator = new LedIndicator(new RecordingLed());
    indicator.show('listening');
    expect(vi.getTimerCount()).toBe(0);
    expect(LED_PATTERNS.listening).toEqual([Infinity]);
  });
});

describe('GpiosetLed with a stand-in gpioset (libgpiod 2 interactive)', () => {
  const gpiod = writeStandinGpiod();
  afterAll(() => undefined);

  it('holds the line with one process, sends only changes, and leaves it off on close', async () => {
    const led = new GpiosetLed({ bcm: 27, chip: 'gpiochip0', log: memoryLogger(), command: join(gpiod.dir, 'gpioset') });
    led.set(true);
    led.set(true);
    led.set(false);
    led.set(true);
    const pid = led.pid!;
    await led.close();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(readFileSync(join(gpiod.dir, 'gpioset.args'), 'utf8')).toBe('--interactive --chip gpiochip0 27=0');
    expect(readFileSync(join(gpiod.dir, 'gpioset.log'), 'utf8')).toBe('set 27=1\nset 27=0\nset 27=1\nset 27=0\nexit\n');
  });
});
