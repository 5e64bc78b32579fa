import type { Readable } from 'node:stream';
import type { ButtonEdge, PushButton } from '../daemon/ports.js';

/** A terminal or pipe: stdin in production, a PassThrough in tests. */
export type KeyInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/**
 * Push-to-talk from a keyboard, for machines without a GPIO button. A terminal reports key-down only (key repeat
 * makes holding useless), so a key toggles: the first Space or Enter presses, the next releases.
 * - On a TTY it reads raw keys: Space / Enter toggle; Ctrl-C still stops the daemon.
 * - On a pipe it reads lines: `press` / `release` (also `p` / `r`) set the edge, any other line toggles.
 *   Scripts and tests drive the daemon this way.
 */
export class KeyboardButton implements PushButton {
  readonly name = 'keyboard';
  private down = false;
  private onEdge: ((edge: ButtonEdge) => void) | undefined;
  private lineBuffer = '';
  private readonly onData = (data: Buffer | string): void => this.read(data.toString());

  constructor(private readonly input: KeyInput) {}

  start(onEdge: (edge: ButtonEdge) => void): void {
    if (this.onEdge) return;
    this.onEdge = onEdge;
    if (this.input.isTTY) this.input.setRawMode?.(true);
    this.input.on('data', this.onData);
    this.input.resume();
  }

  close(): void {
    if (!this.onEdge) return;
    this.input.off('data', this.onData);
    if (this.input.isTTY) this.input.setRawMode?.(false);
    this.input.pause();
    this.onEdge = undefined;
  }

  private read(text: string): void {
    if (this.input.isTTY) {
      for (const ch of text) {
        if (ch === '\u0003') process.kill(process.pid, 'SIGINT');
        else if (ch === ' ' || ch === '\r' || ch === '\n') this.set(!this.down);
      }
      return;
    }
    this.lineBuffer += text;
    let nl: number;
    while ((nl = this.lineBuffer.indexOf('\n')) >= 0) {
      const line = this.lineBuffer.slice(0, nl).trim().toLowerCase();
      this.lineBuffer = this.lineBuffer.slice(nl + 1);
      if (line === 'press' || line === 'p') this.set(true);
      else if (line === 'release' || line === 'r') this.set(false);
      else this.set(!this.down);
    }
    if (this.lineBuffer.length > 1024) this.lineBuffer = '';
  }

  private set(down: boolean): void {
    if (down === this.down) return;
    this.down = down;
    this.onEdge?.(down ? 'press' : 'release');
  }
}
