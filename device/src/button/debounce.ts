/**
 * Contact-bounce filter for a two-level input: a level counts once it has held for `debounceMs` without change.
 * Used where the source does not debounce (gpiomon of libgpiod 1.x); with `debounceMs` 0 every change passes at
 * once. Emits only changes, so presses and releases alternate.
 */
export class Debouncer {
  private stable: boolean;
  private latest: boolean;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly debounceMs: number,
    private readonly onChange: (down: boolean) => void,
    initial = false,
  ) {
    this.stable = initial;
    this.latest = initial;
  }

  /** The level as last reported stable. */
  get down(): boolean {
    return this.stable;
  }

  input(down: boolean): void {
    this.latest = down;
    if (this.debounceMs <= 0) return this.settle();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.settle(), this.debounceMs);
  }

  /** Forces the level now (e.g. "released" when the input source died), emitting if it changed. */
  force(down: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.latest = down;
    this.settle();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private settle(): void {
    this.timer = undefined;
    if (this.latest === this.stable) return;
    this.stable = this.latest;
    this.onChange(this.stable);
  }
}
