import type { Logger } from '@pichat/shared';
import type { Led } from './led.js';

/** The slice of onoff's `Gpio` an output pin needs. */
export interface GpioOutLike {
  writeSync(value: 0 | 1): void;
  unexport(): void;
}

/** Loads onoff and returns a factory for output pins (initially low). */
export async function loadGpioOut(): Promise<(sysfsNumber: number) => GpioOutLike> {
  const { Gpio } = await import('onoff');
  if (!Gpio.accessible) throw new Error('GPIO is not accessible here (no /sys/class/gpio, or not a Raspberry Pi)');
  return (n) => new Gpio(n, 'low');
}

/** An LED on a sysfs GPIO through onoff (LED + resistor from the pin to ground: high is on). */
export class OnoffLed implements Led {
  readonly name: string;
  private pin: GpioOutLike | undefined;

  constructor(
    bcm: number,
    pin: GpioOutLike,
    private readonly log: Logger,
  ) {
    this.name = `gpio:${bcm}`;
    this.pin = pin;
  }

  set(on: boolean): void {
    try {
      this.pin?.writeSync(on ? 1 : 0);
    } catch (error) {
      this.log.warn('LED write failed, LED off from now on', { led: this.name, error });
      void this.close();
    }
  }

  async close(): Promise<void> {
    const pin = this.pin;
    this.pin = undefined;
    if (!pin) return;
    try {
      pin.writeSync(0);
      pin.unexport();
    } catch {
      // the pin is already gone
    }
  }
}
