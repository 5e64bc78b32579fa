import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '@pichat/shared';

export interface SystemdNotifierOptions {
  env: Readonly<Record<string, string | undefined>>;
  log: Logger;
  /** The systemd-notify binary; tests put a stand-in on PATH. */
  command?: string;
  /** Optional extra liveness check: a watchdog ping is withheld while it returns false. */
  healthy?: () => boolean;
}

/**
 * Tells systemd that the daemon is ready (`Type=notify`), that it is alive (`WatchdogSec=`) and that it is stopping.
 *
 * Why a child process: the protocol is one datagram on the unix socket in `NOTIFY_SOCKET`, and Node cannot send one:
 * `node:dgram` speaks only udp4/udp6, `node:net` only stream sockets. The choices were a native addon (another node-gyp
 * build on every Pi, next to speaker and epoll, for four messages) or spawning `systemd-notify`, which ships with
 * systemd itself. We spawn it: a few milliseconds every `WatchdogSec/2`. The unit sets `NotifyAccess=all` because
 * the message comes from the child's pid, not the main pid; systemd-notify waits until the manager has read the
 * message (its default synchronous mode), so it is not lost when the child exits first.
 *
 * The watchdog ping comes from a timer on the daemon's event loop, so it stops by itself when the loop is stuck
 * (a busy loop, a blocking native call): systemd then kills and restarts the daemon. A ping is also skipped while
 * the previous `systemd-notify` has not finished, so a wedged manager cannot pile up children. Outside systemd
 * (no `NOTIFY_SOCKET`) every call does nothing.
 */
export class SystemdNotifier {
  private readonly enabled: boolean;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private readonly children = new Set<ChildProcess>();
  private failed = false;

  constructor(private readonly o: SystemdNotifierOptions) {
    this.enabled = Boolean(o.env.NOTIFY_SOCKET);
  }

  /** The interval of watchdog pings, in ms: half of `WATCHDOG_USEC`; undefined when the watchdog is off. */
  get watchdogIntervalMs(): number | undefined {
    const usec = Number(this.o.env.WATCHDOG_USEC);
    const pid = this.o.env.WATCHDOG_PID;
    if (!this.enabled || !Number.isFinite(usec) || usec <= 0) return undefined;
    if (pid !== undefined && pid !== '' && Number(pid) !== process.pid) return undefined;
    return Math.max(1, Math.floor(usec / 1000 / 2));
  }

  /** READY=1 with a status line, then starts the watchdog pings if systemd asked for them. */
  ready(status: string): void {
    this.send([`--ready`, `--status=${status}`]);
    const intervalMs = this.watchdogIntervalMs;
    if (intervalMs !== undefined && !this.watchdogTimer) {
      this.watchdogTimer = setInterval(() => this.ping(), intervalMs);
      this.o.log.debug('systemd watchdog on', { intervalMs });
    }
  }

  status(status: string): void {
    this.send([`--status=${status}`]);
  }

  /** STOPPING=1, and no more watchdog pings. */
  stopping(): void {
    clearInterval(this.watchdogTimer);
    this.watchdogTimer = undefined;
    this.send(['STOPPING=1']);
  }

  /** Stops pinging and waits (at most `timeoutMs`) for outstanding systemd-notify children, then kills them. */
  async close(timeoutMs = 1000): Promise<void> {
    clearInterval(this.watchdogTimer);
    this.watchdogTimer = undefined;
    const pending = [...this.children].map(
      (child) =>
        new Promise<void>((resolve) => {
          const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          child.once('close', () => {
            clearTimeout(kill);
            resolve();
          });
        }),
    );
    await Promise.all(pending);
  }

  private ping(): void {
    if (this.children.size > 0) return; // the last one has not been read yet
    if (this.o.healthy && !this.o.healthy()) {
      this.o.log.warn('withholding the watchdog ping: the daemon is not healthy');
      return;
    }
    this.send(['WATCHDOG=1']);
  }

  private send(args: string[]): void {
    if (!this.enabled) return;
    const child = spawn(this.o.command ?? 'systemd-notify', args, {
      stdio: 'ignore',
      env: { ...process.env, NOTIFY_SOCKET: this.o.env.NOTIFY_SOCKET },
    });
    this.children.add(child);
    child.on('error', (error) => {
      if (!this.failed) this.o.log.error('cannot notify systemd', { error });
      this.failed = true;
    });
    child.on('close', () => this.children.delete(child));
  }
}
