import { applyGain, type ErrorCode, type Logger, type ServerMessage } from '@pichat/shared';
import { clampVolume, volumeToGain } from '../audio/volume.js';
import type { AudioSink, AudioSource, ButtonEdge, Capture, Link, Playback, PlaybackResult } from './ports.js';
import type { ButtonMode, DeviceState, Feedback } from './state.js';

export interface DaemonOptions {
  source: AudioSource;
  sink: AudioSink;
  link: Link;
  log: Logger;
  /** Initial software volume, 0..100. */
  volume: number;
  /** Longest a press may capture, in ms; the turn then ends as if released. */
  maxTurnMs: number;
  /** How long to wait after release for the reply (audio or `turn.done`) before giving up, in ms. */
  replyTimeoutMs: number;
  /** How long the error state lasts before idle, in ms. */
  errorHoldMs: number;
  /**
   * `hold` (default): the turn lasts while the button is held. `tap`: a press starts a turn and the next press ends
   * it (releases are ignored), and a press held for `longPressMs` cancels whatever is going on.
   */
  mode?: ButtonMode;
  /** Tap mode: a press held this long cancels the turn and the reply, in ms; 0 turns the gesture off. */
  longPressMs?: number;
  /** Makes turn ids; a time-based default. */
  newTurnId?: () => string;
  onState?: (state: DeviceState, previous: DeviceState) => void;
  onFeedback?: (feedback: Feedback) => void;
  /** The server changed the volume (persisting it is the caller's business). */
  onVolume?: (volume: number) => void;
}

interface Turn {
  readonly id: string;
  capture?: Capture;
  framesSent: number;
  framesDropped: number;
  /** The one pending deadline of the turn: max length, reply timeout or audio stall, by phase. */
  timer?: NodeJS.Timeout;
  /** Tap mode: the turn stopped listening by itself (a length limit), so the user's next tap is its stop tap. */
  stopTapDue?: boolean;
  /** Released: the microphone's last frames are still on their way (AudioSource.latencyMs); why it ends. */
  ending?: string;
}

interface Speaking {
  readonly turnId: string;
  readonly playback: Playback;
  finishing: boolean;
}

let turnCounter = 0;
function defaultTurnId(): string {
  turnCounter = (turnCounter + 1) % 1_000_000;
  return `t${Date.now().toString(36)}-${turnCounter}`;
}

/**
 * The push-to-talk state machine. It owns no I/O: audio, button and server come in through the ports, so tests run
 * it with stand-ins. Guarantees: a press always gets an answer at once (a new turn, or offline feedback); a turn
 * never waits forever (max length, reply timeout); audio of any turn but the current one is dropped.
 */
export class Daemon {
  private stateValue: DeviceState;
  private turn: Turn | undefined;
  private speaking: Speaking | undefined;
  /** The turn of the most recent `audio.start`: binary frames belong to it. */
  private audioTurnId: string | undefined;
  private volumeValue: number;
  private errorTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly newTurnId: () => string;
  private readonly mode: ButtonMode;
  /** Tap mode: fires when the press in progress has been held for `longPressMs`. */
  private longPressTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: DaemonOptions) {
    this.volumeValue = clampVolume(o.volume);
    this.newTurnId = o.newTurnId ?? defaultTurnId;
    this.mode = o.mode ?? 'hold';
    this.stateValue = o.link.isUp ? 'idle' : 'offline';
  }

  get state(): DeviceState {
    return this.stateValue;
  }

  get volume(): number {
    return this.volumeValue;
  }

  get currentTurnId(): string | undefined {
    return this.turn?.id;
  }

  start(): void {
    this.unsubscribe ??= this.o.link.subscribe({
      up: () => {
        if (this.stateValue === 'offline') this.setState('idle');
      },
      down: (reason) => this.onLinkDown(reason),
      message: (m) => this.onMessage(m),
      audio: (chunk) => this.onAudio(chunk),
    });
  }

  /**
   * Feeds a button edge; main wires `button.start((e) => daemon.button(e))`. In hold mode a press is `press()` and a
   * release `release()`; in tap mode a press while listening ends the turn, other presses start one, releases only
   * end the long-press watch.
   */
  button(edge: ButtonEdge): void {
    if (this.mode === 'hold') {
      if (edge === 'press') this.press();
      else this.release();
      return;
    }
    clearTimeout(this.longPressTimer);
    this.longPressTimer = undefined;
    if (edge === 'release') return;
    const longPressMs = this.o.longPressMs ?? 0;
    if (longPressMs > 0) this.longPressTimer = setTimeout(() => this.cancel('long press'), longPressMs);
    if (this.stateValue === 'listening' && this.turn?.ending === undefined) return this.endTurn('tapped', { tail: true });
    const turn = this.turn;
    if ((this.stateValue === 'thinking' || this.stateValue === 'speaking') && turn?.stopTapDue) {
      // Meant to stop a recording that had already stopped: not a new question over the answer (or a barge-in).
      turn.stopTapDue = false;
      this.o.log.info('tap taken as the stop of a turn that ended by itself', { turnId: turn.id });
      return;
    }
    this.press();
  }

  press(): void {
    // A press while the released turn waits for its last audio starts the next turn, as it would a moment later.
    if (this.stateValue === 'listening' && this.turn?.ending === undefined) return;
    const interrupted = this.speaking ? this.interruptPlayback() : undefined;
    if (!this.o.link.isUp) {
      this.o.log.warn('button pressed while offline: the server is unreachable, reconnecting');
      this.o.onFeedback?.('offline');
      this.o.link.wake();
      this.dropTurn();
      this.setState('offline');
      return;
    }
    if (interrupted) {
      this.o.log.info('barge-in: playback stopped', { turnId: interrupted.turnId, heardMs: interrupted.heardMs });
    }
    this.startTurn();
  }

  release(): void {
    if (this.stateValue === 'listening') this.endTurn('released', { tail: true });
  }

  setVolume(volume: number): void {
    const v = clampVolume(volume);
    if (v === this.volumeValue) return;
    this.volumeValue = v;
    this.o.log.info('volume set', { volume: v });
    this.o.onVolume?.(v);
    this.o.onFeedback?.('volume');
  }

  /**
   * Drops whatever is going on without starting anything: the turn is cancelled on the server (`turn.cancel`), the
   * reply is silenced and reported as heard so far. The state becomes idle (offline without a link).
   */
  cancel(why: string): void {
    const interrupted = this.speaking ? this.interruptPlayback() : undefined;
    const turn = this.turn;
    if (!turn && !interrupted) return;
    if (turn) this.o.link.send({ type: 'turn.cancel', turnId: turn.id });
    this.dropTurn();
    clearTimeout(this.errorTimer);
    this.o.log.info('turn cancelled', { turnId: turn?.id ?? interrupted?.turnId, why });
    this.o.onFeedback?.('cancelled');
    this.setState(this.o.link.isUp ? 'idle' : 'offline');
  }

  /**
   * Stops capture and playback and forgets the link. Idempotent. Resolves once the recorder of a turn in progress
   * is gone, so that shutdown leaves no child process behind.
   */
  close(): Promise<void> {
    clearTimeout(this.longPressTimer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.speaking) this.speaking.playback.stop();
    this.speaking = undefined;
    const closed = this.turn?.capture?.closed;
    this.dropTurn();
    clearTimeout(this.errorTimer);
    return closed ?? Promise.resolve();
  }

  private startTurn(): void {
    this.dropTurn();
    clearTimeout(this.errorTimer);
    const turn: Turn = { id: this.newTurnId(), framesSent: 0, framesDropped: 0 };
    this.turn = turn;
    if (!this.o.link.send({ type: 'turn.start', turnId: turn.id, format: this.o.source.format })) {
      this.turn = undefined;
      this.o.onFeedback?.('offline');
      this.setState('offline');
      return;
    }
    this.setState('listening');
    this.o.onFeedback?.('listening');
    turn.capture = this.o.source.start({
      frame: (pcm) => {
        if (this.turn !== turn || this.stateValue !== 'listening') return;
        if (this.o.link.sendAudio(pcm)) turn.framesSent++;
        else turn.framesDropped++;
        // Released: the recorder's first delivery since holds the audio up to the release. Its frames come in one
        // go (the source splits a delivery synchronously); the turn ends right after them (the first of these
        // microtasks ends it, the others find it ended).
        const why = turn.ending;
        if (why !== undefined) queueMicrotask(() => this.turn === turn && this.endTurn(why));
      },
      failed: (error) => {
        if (this.turn !== turn) return;
        this.o.log.error('capture failed', { error });
        turn.capture = undefined;
        this.o.link.send({ type: 'turn.cancel', turnId: turn.id });
        this.fail();
      },
    });
    turn.timer = setTimeout(() => this.endTurn('max length reached'), this.o.maxTurnMs);
  }

  /**
   * Stops listening and sends `turn.end`. A user's release (`tail`) first waits for the audio the microphone heard
   * before it: the end of the last word is still in the recorder, which hands over audio a period at a time. The
   * recorder's next delivery ends the turn (see the frame listener), or AudioSource.latencyMs at the latest. Any other
   * end (length limits, the server's reply) is immediate, and cuts a wait in progress short.
   */
  private endTurn(why: string, options: { tail?: boolean } = {}): void {
    const turn = this.turn;
    if (!turn || this.stateValue !== 'listening') return;
    if (options.tail) {
      if (turn.ending !== undefined) return; // already waiting
      const waitMs = this.o.source.latencyMs ?? 0;
      if (waitMs > 0) {
        turn.ending = why;
        clearTimeout(turn.timer);
        turn.timer = setTimeout(() => this.endTurn(why), waitMs);
        return;
      }
    }
    turn.capture?.stop();
    turn.capture = undefined;
    clearTimeout(turn.timer);
    this.o.log.info('turn ended', { turnId: turn.id, why, framesSent: turn.framesSent, framesDropped: turn.framesDropped });
    this.o.link.send({ type: 'turn.end', turnId: turn.id });
    turn.stopTapDue = this.mode === 'tap' && why !== 'tapped' && turn.ending === undefined;
    this.o.onFeedback?.('done');
    this.setState('thinking');
    turn.timer = setTimeout(() => {
      if (this.turn !== turn || this.stateValue !== 'thinking') return;
      this.o.log.warn('no reply from the server in time', { turnId: turn.id, timeoutMs: this.o.replyTimeoutMs });
      this.o.link.send({ type: 'turn.cancel', turnId: turn.id });
      this.fail();
    }, this.o.replyTimeoutMs);
  }

  /** Forgets the current turn: capture stopped, timers cleared. Playback is left alone. */
  private dropTurn(): void {
    const turn = this.turn;
    if (!turn) return;
    turn.capture?.stop();
    clearTimeout(turn.timer);
    this.turn = undefined;
  }

  private fail(): void {
    this.dropTurn();
    this.o.onFeedback?.('error');
    this.setState('error');
    clearTimeout(this.errorTimer);
    this.errorTimer = setTimeout(() => {
      if (this.stateValue === 'error') this.setState(this.o.link.isUp ? 'idle' : 'offline');
    }, this.o.errorHoldMs);
  }

  private onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'control':
        if (m.volume !== undefined) this.setVolume(m.volume);
        return;
      case 'audio.start':
        this.audioTurnId = m.turnId;
        // One audio stream per turn: a repeated audio.start of the playing turn changes nothing.
        if (m.turnId !== this.turn?.id || this.speaking?.turnId === m.turnId) return;
        if (this.stateValue === 'listening') this.endTurn('server started its reply');
        this.speaking = { turnId: m.turnId, playback: this.o.sink.open(m.format), finishing: false };
        this.armStallTimer(this.turn);
        this.setState('speaking');
        return;
      case 'audio.end':
        if (this.speaking?.turnId === m.turnId) void this.finishPlayback(this.speaking);
        return;
      case 'turn.done':
        return this.onTurnDone(m.turnId, m.outcome);
      case 'error':
        this.o.log.warn('server error', { code: m.code, turnId: m.turnId, message: m.message });
        if (m.turnId !== undefined && m.turnId === this.turn?.id && !this.speaking) this.onTurnError(m.turnId, m.code);
        return;
      default:
        return;
    }
  }

  /**
   * A server error about the current turn (PROTOCOL.md § 6). Only a refused turn ends it here. The length limit ends
   * the listening: the server answers what was said. A failed stage (STT, brain, TTS, internal) is followed by the
   * server's spoken explanation and `turn.done`, which end the turn; a dropped frame leaves it running.
   */
  private onTurnError(turnId: string, code: ErrorCode): void {
    switch (code) {
      case 'no_speech':
        return this.onTurnDone(turnId, 'no_speech');
      case 'turn_too_long':
        return this.endTurn("the server's length limit");
      case 'unsupported_format':
      case 'invalid_message':
      case 'no_active_turn':
        return this.fail();
      default:
        return;
    }
  }

  private onTurnDone(turnId: string, outcome: string): void {
    const turn = this.turn;
    if (!turn || turn.id !== turnId) return;
    clearTimeout(turn.timer);
    turn.capture?.stop();
    this.o.log.info('turn done', { turnId, outcome });
    if (this.speaking?.turnId === turnId) {
      // audio.end may be lost with a dying server; turn.done is the last word either way.
      void this.finishPlayback(this.speaking);
      return;
    }
    if (outcome === 'failed') return this.fail();
    if (outcome === 'no_speech') this.o.onFeedback?.('no_speech');
    this.turn = undefined;
    this.setState('idle');
  }

  private onAudio(chunk: Uint8Array): void {
    const s = this.speaking;
    if (!s || s.finishing || this.audioTurnId !== s.turnId || s.turnId !== this.turn?.id) return;
    s.playback.write(this.volumeValue === 100 ? chunk : applyGain(chunk, volumeToGain(this.volumeValue)));
    if (this.turn) this.armStallTimer(this.turn);
  }

  /** A reply whose audio stops coming without an end (a wedged server) is played out, not waited on forever. */
  private armStallTimer(turn: Turn): void {
    clearTimeout(turn.timer);
    turn.timer = setTimeout(() => {
      const s = this.speaking;
      if (this.turn !== turn || s?.turnId !== turn.id || s.finishing) return;
      this.o.log.warn('reply audio stalled, ending playback', { turnId: turn.id, timeoutMs: this.o.replyTimeoutMs });
      void this.finishPlayback(s);
    }, this.o.replyTimeoutMs);
  }

  private async finishPlayback(s: Speaking): Promise<void> {
    if (s.finishing) return;
    s.finishing = true;
    if (this.turn?.id === s.turnId) clearTimeout(this.turn.timer);
    const result = await s.playback.finish();
    if (this.speaking !== s) return; // a barge-in already reported it
    this.speaking = undefined;
    this.o.source.forget?.(); // the pre-roll heard the reply
    this.reportPlayback(s.turnId, result);
    if (this.turn?.id === s.turnId) this.dropTurn();
    if (this.stateValue === 'speaking') this.setState(this.o.link.isUp ? 'idle' : 'offline');
  }

  private interruptPlayback(): { turnId: string; heardMs: number } | undefined {
    const s = this.speaking;
    if (!s) return undefined;
    this.speaking = undefined;
    const result = s.playback.stop();
    this.o.source.forget?.(); // the pre-roll heard the reply: a barge-in's turn must not start with it
    this.reportPlayback(s.turnId, result);
    return { turnId: s.turnId, heardMs: Math.round(result.heardMs) };
  }

  private reportPlayback(turnId: string, result: PlaybackResult): void {
    if (result.error) this.o.log.error('playback failed', { turnId, sink: this.o.sink.name, error: result.error });
    this.o.link.send({
      type: 'playback.done',
      turnId,
      heardMs: Math.round(result.heardMs),
      interrupted: result.interrupted,
    });
  }

  private onLinkDown(reason: string): void {
    this.o.log.warn('link down', { reason });
    this.audioTurnId = undefined;
    if (this.speaking) {
      // Let the reply already received play out; the state becomes offline when it is done.
      void this.finishPlayback(this.speaking);
      return;
    }
    this.dropTurn();
    clearTimeout(this.errorTimer);
    this.setState('offline');
  }

  private setState(next: DeviceState): void {
    const previous = this.stateValue;
    if (next === previous) return;
    this.stateValue = next;
    this.o.log.debug('state', { from: previous, to: next });
    this.o.onState?.(next, previous);
  }
}
