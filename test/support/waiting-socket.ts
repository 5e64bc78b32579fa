import type WebSocket from 'ws';

/**
 * The part the scripted test clients share: a WebSocket whose arrivals wake bounded waits. A subclass records what
 * arrives, calls `notify()` after each arrival, and says how to show what arrived in a timeout error.
 */
export abstract class WaitingSocket {
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];

  protected constructor(readonly ws: WebSocket) {
    ws.on('close', (code) => {
      this.closeCode = code;
      this.notify();
    });
  }

  /** What arrived so far, as a timeout error shows it. */
  protected abstract arrived(): unknown;

  /** Waits until the socket is closed; resolves with the close code. */
  waitClosed(timeoutMs = 10_000): Promise<number> {
    return this.until(() => this.closeCode, timeoutMs, 'close');
  }

  close(): Promise<void> {
    if (this.ws.readyState === this.ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }

  protected notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves with the first defined value of `probe`, re-checked after every arrival; rejects after `timeoutMs`. */
  protected until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.arrived())}`)),
        timeoutMs,
      );
      const check = (): void => {
        const v = probe();
        if (v === undefined) return void this.waiters.push(check);
        clearTimeout(timer);
        resolve(v);
      };
      check();
    });
  }
}
