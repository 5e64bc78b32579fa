/**
 * An unbounded async queue: `push`, `fail` and `close` from one side, iterate (once) from the other. Items come
 * out in order; a failure is thrown to the reader after the items pushed before it.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private error: { value: unknown } | undefined;
  private wake: (() => void) | undefined;

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.notify();
  }

  /** Ends the queue with an error, delivered after the items already queued. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.error = { value: error };
    this.close();
  }

  close(): void {
    this.closed = true;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift()!;
        continue;
      }
      if (this.closed) {
        if (this.error) throw this.error.value;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/**
 * Starts consuming an async iterable at once and buffers what it yields, so that work (a TTS call) runs ahead
 * of the reader. Iterate it once. Errors are delivered in order, after the items produced before them.
 */
export class Prefetch<T> extends AsyncQueue<T> {
  constructor(source: AsyncIterable<T>) {
    super();
    void this.pump(source);
  }

  private async pump(source: AsyncIterable<T>): Promise<void> {
    try {
      for await (const item of source) this.push(item);
      this.close();
    } catch (err) {
      this.fail(err);
    }
  }
}
