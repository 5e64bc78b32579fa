import type { ButtonEdge, PushButton } from '../daemon/ports.js';
import type { Logger } from '@pichat/shared';

/** The slice of onoff's `Gpio` this module uses. */
export interface GpioLike {
  watch(callback: (error: Error | null | undefined, value: 0 | 1) => void): void;
  unwatchAll(): void;
  unexport(): void;
}

export type GpioFactory = (
  sysfsNumber: number,
  options: { debounceTimeout: number; activeLow: boolean },
) => GpioLike;

export interface GpioButtonOptions {
  /** BCM pin number, for logs. */
  bcm: number;
  /** sysfs GPIO number (`resolveGpioNumber`). */
  sysfsNumber: number;
  /** Contact bounce to ignore, in ms. */
  debounceMs: number;
  /** Makes the pin: `loadGpio()` in production, a fake in tests. */
  create: GpioFactory;
  log: Logger;
}

/** Loads onoff (an optional dependency) and returns a factory for input pins with interrupts on both edges. */
export async function loadGpio(): Promise<GpioFactory> {
  const { Gpio } = await import('onoff');
  if (!Gpio.accessible) throw new Error('GPIO is not accessible here (no /sys/class/gpio, or not a Raspberry Pi)');
  return (n, options) => new Gpio(n, 'in', 'both', options);
}

/** Explains the usual export failures (FIELD-NOTES: onoff). */
export function describeGpioError(error: unknown, bcm: number): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES') return `no permission for GPIO ${bcm}: add the daemon's user to group "gpio"`;
  if (code === 'EBUSY') return `GPIO ${bcm} is busy: another process or a device-tree overlay holds it`;
  return `GPIO ${bcm}: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * A push button between a GPIO pin and ground: active-low (pressed reads 0 V), with the pull-up set in config.txt
 * (`gpio=17=ip,pu`: sysfs cannot set pulls). onoff debounces; this class also drops repeated levels, so presses
 * and releases alternate. Throws a readable error when the pin cannot be exported.
 */
export class GpioButton implements PushButton {
  readonly name: string;
  private gpio: GpioLike | undefined;
  private down = false;

  constructor(private readonly o: GpioButtonOptions) {
    this.name = `gpio:${o.bcm}`;
  }

  start(onEdge: (edge: ButtonEdge) => void): void {
    if (this.gpio) return;
    try {
      this.gpio = this.o.create(this.o.sysfsNumber, { debounceTimeout: this.o.debounceMs, activeLow: true });
    } catch (error) {
      throw new Error(describeGpioError(error, this.o.bcm));
    }
    this.gpio.watch((error, value) => {
      if (error) {
        this.o.log.warn('GPIO read failed', { pin: this.name, error });
        return;
      }
      const down = value === 1;
      if (down === this.down) return;
      this.down = down;
      onEdge(down ? 'press' : 'release');
    });
  }

  close(): void {
    const gpio = this.gpio;
    this.gpio = undefined;
    if (!gpio) return;
    try {
      gpio.unwatchAll();
      gpio.unexport();
    } catch (error) {
      this.o.log.warn('could not release the GPIO pin', { pin: this.name, error });
    }
  }
}
