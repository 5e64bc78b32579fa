import { spawn, type ChildProcess } from 'node:child_process';
import type { ButtonEdge, PushButton } from '../daemon/ports.js';
import { backoffDelayMs } from '../link/backoff.js';
import type { Logger } from '@pichat/shared';
import { findCommand } from '../system/find-command.js';
import { Debouncer } from './debounce.js';

export interface GpiomonButtonOptions {
  /** BCM pin number = line offset on the Pi's chip. */
  bcm: number;
  /** Chip name for gpiomon (`gpiochip0`), from `probeGpiod`. */
  chip: string;
  /** Major version of libgpiod's tools (1 or 2): their command lines differ. */
  version: number;
  /** Contact bounce to ignore, in ms. */
  debounceMs: number;
  log: Logger;
  /** The gpiomon binary; tests put a stand-in on PATH. */
  command?: string;
  /** First and longest wait before restarting a gpiomon that died, in ms. */
  restartInitialMs?: number;
  restartMaxMs?: number;
}

/** gpiomon's arguments: both edges, pull-up bias; libgpiod 2 also debounces in the kernel. */
export function gpiomonArgs(o: Pick<GpiomonButtonOptions, 'bcm' | 'chip' | 'version' | 'debounceMs'>): string[] {
  if (o.version >= 2) {
    return ['--bias=pull-up', '--edges=both', ...(o.debounceMs > 0 ? [`--debounce-period=${o.debounceMs}ms`] : []), '--chip', o.chip, String(o.bcm)];
  }
  // 1.x watches both edges by default and can line-buffer its own output.
  return ['--bias=pull-up', '--line-buffered', o.chip, String(o.bcm)];
}

/**
 * Reads one line of gpiomon output as a button level: the button pulls the line to ground, so a falling edge is a
 * press. Understands libgpiod 1.x (`event: FALLING EDGE offset: 17 timestamp: [...]`) and 2.x
 * (`1234.5678 falling gpiochip0 17`); anything else is undefined.
 */
export function parseGpiomonLine(line: string): boolean | undefined {
  if (/\bfalling\b/i.test(line)) return true;
  if (/\brising\b/i.test(line)) return false;
  return undefined;
}

/** Turns gpiomon's complaints into what to do about them. */
export function describeGpiomonFailure(stderr: string, chip: string, bcm: number): string {
  if (/permission denied|EACCES/i.test(stderr)) return `no permission for /dev/${chip}: add the daemon's user to group "gpio"`;
  if (/busy|EBUSY/i.test(stderr)) return `GPIO ${bcm} on ${chip} is busy: another process or a device-tree overlay holds it`;
  const last = stderr.trim().split('\n').pop();
  return last ? `gpiomon: ${last}` : 'gpiomon exited';
}

/**
 * A push button read through Debian's `gpiod` tools on the GPIO character device, for kernels without
 * `/sys/class/gpio` (Raspberry Pi OS Trixie; fivdi/onoff#206). One long-lived `gpiomon` child, supervised: if it
 * dies it is restarted with back-off, and a button that was down is released (a turn is never stuck listening).
 * Its stdout is a pipe here, so output is line-buffered: `--line-buffered` on 1.x, `stdbuf -oL` (coreutils) on 2.x.
 */
export class GpiomonButton implements PushButton {
  readonly name: string;
  private child: ChildProcess | undefined;
  private debouncer: Debouncer | undefined;
  private closed = false;
  private attempt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;

  constructor(private readonly o: GpiomonButtonOptions) {
    this.name = `gpiod:${o.chip}:${o.bcm}`;
  }

  /** The running gpiomon's pid, for tests and logs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(onEdge: (edge: ButtonEdge) => void): void {
    if (this.debouncer || this.closed) return;
    this.debouncer = new Debouncer(this.o.version >= 2 ? 0 : this.o.debounceMs, (down) => onEdge(down ? 'press' : 'release'));
    this.spawn();
  }

  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    this.debouncer?.close();
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 1000);
      child.once('close', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  private spawn(): void {
    const command = this.o.command ?? 'gpiomon';
    const args = gpiomonArgs(this.o);
    const stdbuf = this.o.version >= 2 ? findCommand('stdbuf') : undefined;
    const child = stdbuf ? spawn(stdbuf, ['-oL', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.startedAt = Date.now();
    let buffered = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      buffered += text;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const level = parseGpiomonLine(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        if (level !== undefined) this.debouncer?.input(level);
      }
      if (buffered.length > 4096) buffered = '';
    });
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-1000)));
    child.on('error', (error: NodeJS.ErrnoException) => {
      stderr = error.code === 'ENOENT' ? 'gpiomon not found: install the gpiod package' : error.message;
    });
    child.on('close', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (this.closed) return;
      this.debouncer?.force(false);
      if (Date.now() - this.startedAt > 10_000) this.attempt = 0;
      const delayMs = backoffDelayMs(this.attempt++, { initialMs: this.o.restartInitialMs ?? 1000, maxMs: this.o.restartMaxMs ?? 30_000 });
      this.o.log.error('button watcher stopped, restarting', {
        problem: /not found/.test(stderr) ? stderr : describeGpiomonFailure(stderr, this.o.chip, this.o.bcm),
        exit: signal ?? code,
        retryInMs: delayMs,
      });
      this.restartTimer = setTimeout(() => {
        if (!this.closed) this.spawn();
      }, delayMs);
    });
  }
}
