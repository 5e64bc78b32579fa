import type { DeviceState } from '../daemon/state.js';

/** A single on/off indicator light. */
export interface Led {
  /** For logs: "gpio:27", "gpiod:gpiochip0:27". */
  readonly name: string;
  set(on: boolean): void;
  /** Turns the light off and releases the pin; resolves once released. Idempotent. */
  close(): Promise<void>;
}

/**
 * How the LED shows each state: alternating on/off durations in ms, starting with on, repeated. `[Infinity]` is
 * steady on. Chosen to be told apart at a glance and from across a room:
 *
 * | state     | pattern                                  | reads as                    |
 * |-----------|------------------------------------------|-----------------------------|
 * | idle      | 40 ms blip every 5 s                     | alive, waiting              |
 * | listening | steady on                                | talk now                    |
 * | thinking  | even blink, 4 per second                 | working on it               |
 * | speaking  | long on, short off (0.7 s / 0.3 s)       | answering                   |
 * | offline   | double blink every 2 s                   | no server                   |
 * | error     | fast flicker, 10 per second              | something went wrong        |
 */
export const LED_PATTERNS: Readonly<Record<DeviceState, readonly number[]>> = Object.freeze({
  idle: [40, 4960],
  listening: [Infinity],
  thinking: [125, 125],
  speaking: [700, 300],
  offline: [100, 150, 100, 1650],
  error: [50, 50],
});

/**
 * Drives an `Led` through the pattern of the current state with one timer at a time. `show(state)` restarts the
 * pattern from its first "on", so a press that changes nothing (offline) still gives a visible blink at once.
 */
export class LedIndicator {
  private pattern: readonly number[] = [];
  private step = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly led: Led) {}

  show(state: DeviceState): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.pattern = LED_PATTERNS[state];
    this.step = 0;
    this.tick();
  }

  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    return this.led.close();
  }

  private tick(): void {
    const ms = this.pattern[this.step % this.pattern.length];
    if (ms === undefined) return this.led.set(false);
    this.led.set(this.step % 2 === 0);
    this.step = (this.step + 1) % this.pattern.length;
    if (Number.isFinite(ms)) this.timer = setTimeout(() => this.tick(), ms);
  }
}
