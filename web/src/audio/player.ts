export interface PcmFormat {
  encoding: string;
  sampleRateHz: number;
  channels: number;
}

/**
 * Plays reply PCM chunks as they arrive (Web Audio buffers scheduled back to back) and knows how much has been
 * heard, for `playback_done {heard_ms}` when the user interrupts.
 */
export class PcmPlayer {
  private context: AudioContext | undefined;
  private format: PcmFormat | undefined;
  private startAt = 0;
  private nextAt = 0;
  private totalMs = 0;
  private sources: AudioBufferSourceNode[] = [];
  private ended = false;
  private finishTimer: number | undefined;
  onFinished: (heardMs: number) => void = () => undefined;

  /** Must run from a user gesture once (browsers keep audio suspended until then). */
  unlock(): void {
    this.context ??= new AudioContext();
    void this.context.resume();
  }

  get playing(): boolean {
    return this.format !== undefined;
  }

  begin(format: PcmFormat): void {
    this.stop();
    this.unlock();
    this.format = format;
    this.totalMs = 0;
    this.ended = false;
    this.startAt = this.nextAt = this.context!.currentTime + 0.05;
  }

  push(chunk: ArrayBuffer): void {
    const format = this.format;
    const ctx = this.context;
    if (!format || !ctx) return;
    const samples = new Int16Array(chunk, 0, Math.floor(chunk.byteLength / 2));
    const frames = Math.floor(samples.length / format.channels);
    if (frames === 0) return;
    const buffer = ctx.createBuffer(format.channels, frames, format.sampleRateHz);
    for (let ch = 0; ch < format.channels; ch++) {
      const data = buffer.getChannelData(ch);
      for (let i = 0; i < frames; i++) data[i] = samples[i * format.channels + ch]! / 32768;
    }
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(ctx.destination);
    const at = Math.max(this.nextAt, ctx.currentTime);
    source.start(at);
    this.nextAt = at + buffer.duration;
    this.totalMs += buffer.duration * 1000;
    this.sources.push(source);
    source.onended = () => (this.sources = this.sources.filter((s) => s !== source));
  }

  /** No more chunks: reports when the last one has played. */
  end(): void {
    this.ended = true;
    if (!this.context || !this.format) return;
    const remainingMs = Math.max(0, (this.nextAt - this.context.currentTime) * 1000);
    clearTimeout(this.finishTimer);
    this.finishTimer = window.setTimeout(() => {
      if (!this.format) return;
      this.format = undefined;
      this.onFinished(this.totalMs);
    }, remainingMs + 20);
  }

  /** Stops at once; returns the milliseconds heard. */
  stop(): number {
    clearTimeout(this.finishTimer);
    const heard = this.heardMs();
    for (const s of this.sources) {
      try {
        s.stop();
      } catch {
        // not started yet
      }
    }
    this.sources = [];
    this.format = undefined;
    return heard;
  }

  heardMs(): number {
    if (!this.context || !this.format) return this.totalMs;
    return Math.max(0, Math.min(this.totalMs, (this.context.currentTime - this.startAt) * 1000));
  }

  get hasEnded(): boolean {
    return this.ended;
  }
}
