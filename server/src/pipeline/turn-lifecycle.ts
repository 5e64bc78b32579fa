import { durationMs, type AudioFormat, type Timings, type TurnOutcome } from '@pichat/shared';
import type { TurnResult } from './turn.js';

/**
 * What every turn shares, pipeline or realtime: an id, one AbortController, the phases listening → responding →
 * finished, the user audio counted, a timestamp per stage (ms since the turn started) and the rule that `end()`
 * runs the reply once and `abort()` ends it early with a reason.
 */
export abstract class TurnLifecycle<R extends TurnResult> {
  readonly id: string;
  readonly timings: Timings = {};
  protected readonly controller = new AbortController();
  protected phase: 'listening' | 'responding' | 'finished' = 'listening';
  protected audioBytes = 0;
  /** What an aborted turn reports: set by `abort()`. */
  protected outcomeOnAbort: TurnOutcome = 'cancelled';
  private readonly started = performance.now();
  private result: Promise<R> | undefined;

  protected constructor(
    id: string,
    private readonly inputFormat: AudioFormat,
  ) {
    this.id = id;
    this.mark('start');
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get isListening(): boolean {
    return this.phase === 'listening';
  }

  get isFinished(): boolean {
    return this.phase === 'finished';
  }

  /** Milliseconds of user audio received. */
  get audioInMs(): number {
    return durationMs(this.inputFormat, this.audioBytes);
  }

  /** Ends the user's audio and runs the reply; resolves when the turn is over (never rejects). */
  end(): Promise<R> {
    this.result ??= this.respond();
    return this.result;
  }

  /** Stops everything the turn is doing. `outcome` says why (reported in turn.done and the result). */
  abort(outcome: 'cancelled' | 'superseded'): Promise<R> {
    if (this.phase !== 'finished') {
      this.outcomeOnAbort = outcome;
      this.controller.abort();
      this.aborted();
    }
    return this.end();
  }

  /** Runs the reply, once. */
  protected abstract respond(): Promise<R>;

  /** Called once when `abort()` stops an unfinished turn, after its signal has aborted. */
  protected aborted(): void {}

  protected mark(name: string): void {
    this.timings[name] = Math.round((performance.now() - this.started) * 100) / 100;
  }
}
