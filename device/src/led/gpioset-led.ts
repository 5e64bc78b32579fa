import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '@pichat/shared';
import type { Led } from './led.js';

export interface GpiosetLedOptions {
  bcm: number;
  /** Chip name (`gpiochip0`), from `probeGpiod`. */
  chip: string;
  log: Logger;
  /** The gpioset binary; tests put a stand-in on PATH. */
  command?: string;
}

/**
 * An LED on the GPIO character device through one long-lived `gpioset --interactive` (libgpiod 2.x), for kernels
 * without sysfs GPIO. Each change is a `set <offset>=<0|1>` line on its stdin: no process per blink. libgpiod 1.x
 * has no interactive mode (a process per change is too costly for blinking); where it is installed, sysfs GPIO is
 * still there and `OnoffLed` is used. If gpioset dies, the LED stays dark and the daemon carries on.
 */
export class GpiosetLed implements Led {
  readonly name: string;
  private child: ChildProcess | undefined;
  private level: boolean | undefined;

  constructor(private readonly o: GpiosetLedOptions) {
    this.name = `gpiod:${o.chip}:${o.bcm}`;
    const child = spawn(o.command ?? 'gpioset', ['--interactive', '--chip', o.chip, `${o.bcm}=0`], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-500)));
    child.stdin?.on('error', () => undefined); // EPIPE after it died: reported by 'close'
    child.on('error', (error) => (stderr = error.message));
    child.on('close', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      o.log.warn('LED driver stopped, LED off', { led: this.name, exit: signal ?? code, problem: stderr.trim().split('\n').pop() });
    });
  }

  /** The gpioset pid, for tests. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  set(on: boolean): void {
    if (on === this.level) return;
    this.level = on;
    this.child?.stdin?.write(`set ${this.o.bcm}=${on ? 1 : 0}\n`);
  }

  close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      // gpioset leaves on "exit" (or end of input); a wedged one is killed.
      const kill = setTimeout(() => child.kill('SIGKILL'), 500);
      child.once('close', () => {
        clearTimeout(kill);
        resolve();
      });
      child.stdin?.end(`set ${this.o.bcm}=0\nexit\n`);
    });
  }
}
