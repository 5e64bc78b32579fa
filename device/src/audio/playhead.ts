/**
 * Where the speaker is in the audio handed to it, estimated from a clock. The output device starts each piece as
 * soon as it gets it, unless earlier audio is still playing (speaker's ALSA start threshold is one frame; aplay runs
 * with `-R 1`). So piece i plays from max(handedAt_i, end of piece i-1); a gap is an underrun that plays nothing.
 * Guarantees `heardMs` never exceeds what was handed over and never decreases.
 */
export class Playhead {
  /** Audio in segments that have fully played, in ms. */
  private completedMs = 0;
  /** Start time (clock ms) and length of the segment that is playing or queued without a gap. */
  private segmentStartAt = 0;
  private segmentMs = 0;
  private totalMs = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Records that `ms` of audio was handed to the output device now. */
  add(ms: number): void {
    if (!(ms > 0)) return;
    const at = this.now();
    const segmentEnd = this.segmentStartAt + this.segmentMs;
    if (this.segmentMs === 0 || at > segmentEnd) {
      this.completedMs += this.segmentMs;
      this.segmentStartAt = at;
      this.segmentMs = 0;
    }
    this.segmentMs += ms;
    this.totalMs += ms;
  }

  /** Audio handed over so far, in ms. */
  get handedMs(): number {
    return this.totalMs;
  }

  /** Audio played so far, in ms. */
  heardMs(): number {
    const into = Math.min(Math.max(0, this.now() - this.segmentStartAt), this.segmentMs);
    return this.completedMs + into;
  }

  /** Audio handed over but not yet played, in ms. */
  aheadMs(): number {
    return this.totalMs - this.heardMs();
  }
}
