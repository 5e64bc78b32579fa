import type { Logger } from '@pichat/shared';
import type { TurnSink } from '../pipeline/turn.js';
import { ProviderError } from '../providers/errors.js';
import { EMPTY_BREAKDOWN, addBreakdown, costOf, responseBreakdown, transcriptionBreakdown, type RealtimePrices, type UsageBreakdown } from './cost.js';
import { cancelResponse, clearAudio, commitAndCreate, createResponse, isRefusal, textItem, truncateItem, type ClientEvent, type RealtimeSessionConfig, type UpstreamEvent } from './events.js';
import { RealtimeTurn, type RealtimeTurnDeps, type RealtimeTurnOptions, type TurnLink } from './turn.js';
import type { RealtimeUpstream } from './upstream.js';

/** One usage report: a response's or a transcription's tokens, priced. */
export interface UsageReport {
  sessionId: string;
  turnId: string | undefined;
  kind: 'response' | 'transcription';
  model: string;
  breakdown: UsageBreakdown;
  cost: number;
  currency: string;
  /** Everything this session has cost so far. */
  sessionCost: number;
}

export interface RealtimeSessionOptions {
  id: string;
  upstream: RealtimeUpstream;
  turn: RealtimeTurnDeps;
  prices: () => RealtimePrices;
  config: () => RealtimeSessionConfig;
  onUsage?: (report: UsageReport) => void;
  /** The link failed (refused, dropped, timed out); the owner decides about falling back. */
  onFailure?: (error: ProviderError, phase: 'connect' | 'dropped' | 'response') => void;
  /** The link (re)opened. */
  onOpen?: () => void;
  log: Logger;
}

/** How many finished turns are kept for a late `playback.done` or late events. */
const RECENT_TURNS = 6;

/**
 * The realtime conversation of one device (or one browser tab): its upstream link, its turns, the routing of
 * server events to the turn they belong to, barge-in truncation and the session's running cost.
 *
 * Responses are created in the order of `response.create`, and commits in the order of `commit`, so FIFOs map
 * `response.created` and `input_audio_buffer.committed` to turns; later events carry the response or item id.
 */
export class RealtimeSession implements TurnLink {
  /** Money spent in this session. */
  cost = 0;
  breakdown: UsageBreakdown = { ...EMPTY_BREAKDOWN };
  private readonly recent: RealtimeTurn[] = [];
  private awaitingCommit: RealtimeTurn[] = [];
  private awaitingResponse: RealtimeTurn[] = [];
  private readonly byResponse = new Map<string, RealtimeTurn>();
  private readonly byItem = new Map<string, RealtimeTurn>();
  /** The turn each client event was sent for, and whether the event asks for a response (`response.create`). */
  private readonly byEventId = new Map<string, { turn: RealtimeTurn; createsResponse: boolean }>();
  private active: string | undefined;
  private seq = 0;

  constructor(private readonly options: RealtimeSessionOptions) {
    options.upstream.listen({
      event: (e) => this.onEvent(e),
      down: (error, phase) => this.onDown(error, phase),
      open: () => options.onOpen?.(),
    });
  }

  get id(): string {
    return this.options.id;
  }

  get upstream(): RealtimeUpstream {
    return this.options.upstream;
  }

  /**
   * Starts a push-to-talk turn: stops a running reply (barge-in), clears the input buffer, opens the link (at once,
   * even one waiting out a backoff or refused: a new press is the user asking again).
   */
  startTurn(sink: TurnSink, options: RealtimeTurnOptions): RealtimeTurn {
    for (const t of this.recent) if (!t.isFinished) this.cancel(t);
    this.options.upstream.open();
    this.send(clearAudio());
    const turn = new RealtimeTurn(this, sink, options, this.options.turn);
    this.recent.push(turn);
    if (this.recent.length > RECENT_TURNS) this.recent.shift();
    return turn;
  }

  /**
   * Drops the link's connection; the next turn opens a new one (a new, empty conversation upstream), which owes nothing
   * the old one was asked for: turns still waiting on it fail (phase `restarted`), and earlier replies can no longer be
   * truncated there.
   */
  restart(): void {
    const waiting = new Set([...this.awaitingCommit, ...this.awaitingResponse].filter((t) => t.wantsEvents));
    this.active = undefined;
    this.awaitingCommit = [];
    this.awaitingResponse = [];
    for (const t of this.recent) t.assistantItemId = undefined;
    this.options.upstream.restart();
    for (const t of waiting) t.fail(new ProviderError('network', 'openai-realtime: link restarted', { provider: 'openai-realtime' }), 'restarted');
  }

  /** The client reported how much of a reply it played; an interrupted reply is cut there upstream too. */
  playbackDone(turnId: string, heardMs: number, interrupted: boolean): void {
    if (!interrupted) return;
    const turn = this.recent.find((t) => t.id === turnId);
    if (!turn?.assistantItemId) return;
    this.cancel(turn);
    this.send(truncateItem(turn.assistantItemId, Math.min(heardMs, turn.upstreamAudioMs)));
  }

  send(event: ClientEvent): void {
    this.options.upstream.send(event);
  }

  flavor(): 'ga' | 'beta' {
    return this.options.config().flavor;
  }

  commitAndRespond(turn: RealtimeTurn): void {
    const ids = this.eventIds(turn);
    this.awaitingCommit.push(turn);
    this.awaitingResponse.push(turn);
    for (const event of commitAndCreate(this.flavor(), ids)) this.send(event);
  }

  respondToText(turn: RealtimeTurn, text: string): void {
    const ids = this.eventIds(turn);
    this.awaitingResponse.push(turn);
    const flavor = this.flavor();
    this.send({ ...textItem(flavor, 'user', text), event_id: ids[0] });
    this.send({ ...createResponse(flavor, 'text'), event_id: ids[1] });
  }

  /**
   * A typed message (web chat): started like a push-to-talk turn (a running reply is cancelled), answered in text.
   * The caller ends it with `end()`.
   */
  startTextTurn(sink: TurnSink, options: RealtimeTurnOptions, text: string): RealtimeTurn {
    const turn = this.startTurn(sink, options);
    turn.type(text);
    return turn;
  }

  /** Ids for a turn's two client events: the input (commit, or the typed item), then its `response.create`. */
  private eventIds(turn: RealtimeTurn): readonly [string, string] {
    const ids = [`pc_${++this.seq}`, `pc_${++this.seq}`] as const;
    this.byEventId.set(ids[0], { turn, createsResponse: false });
    this.byEventId.set(ids[1], { turn, createsResponse: true });
    while (this.byEventId.size > 64) this.byEventId.delete(this.byEventId.keys().next().value!);
    return ids;
  }

  responseTimedOut(turn: RealtimeTurn, error: ProviderError): void {
    this.options.onFailure?.(error, 'response');
    // Its response was never even created: the link is out of step (the next response.created would be taken for
    // this turn's and cancelled). A new connection starts clean, with the conversation replayed, as after a drop.
    if (this.awaitingResponse.includes(turn)) this.restart();
  }

  cancel(turn: RealtimeTurn): void {
    if (turn.cancelled) return;
    turn.cancelled = true;
    if (turn.responseId !== undefined && this.active === turn.responseId) this.send(cancelResponse());
  }

  /** Closes the link and stops every turn (the device or browser went away). */
  close(): void {
    for (const t of this.recent) if (!t.isFinished) void t.abort('cancelled');
    this.options.upstream.close();
  }

  private onEvent(e: UpstreamEvent): void {
    switch (e.type) {
      case 'session.ready':
      case 'truncated':
        return;
      case 'committed': {
        const turn = this.awaitingCommit.shift();
        if (turn) {
          turn.userItemId = e.itemId;
          this.byItem.set(e.itemId, turn);
        }
        return;
      }
      case 'user.transcript': {
        const turn = this.byItem.get(e.itemId);
        turn?.onTranscript(e.text);
        if (e.usage) this.account(turn, transcriptionBreakdown(e.usage), 'transcription', this.options.config().transcribeModel);
        return;
      }
      case 'user.transcript.failed':
        this.byItem.get(e.itemId)?.onTranscript('');
        return;
      case 'response.created': {
        this.active = e.responseId;
        const turn = this.awaitingResponse.shift();
        if (!turn) return;
        this.byResponse.set(e.responseId, turn);
        turn.responseId = e.responseId;
        if (!turn.wantsEvents) this.send(cancelResponse());
        else turn.onResponseCreated(e.responseId);
        return;
      }
      case 'item.added': {
        const turn = this.byResponse.get(e.responseId);
        if (turn && !turn.assistantItemId) turn.assistantItemId = e.itemId;
        return;
      }
      case 'audio.delta': {
        const turn = this.byResponse.get(e.responseId);
        if (!turn) return;
        if (turn.wantsEvents) turn.onAudio(e.pcm);
        else if (e.itemId === turn.assistantItemId) turn.upstreamAudioBytes += e.pcm.byteLength;
        return;
      }
      case 'text.delta': {
        const turn = this.byResponse.get(e.responseId);
        if (turn?.wantsEvents) turn.onText(e.text);
        return;
      }
      case 'response.done': {
        if (this.active === e.responseId) this.active = undefined;
        const turn = this.byResponse.get(e.responseId);
        if (e.usage) this.account(turn, responseBreakdown(e.usage), 'response', this.options.config().model);
        let error: ProviderError | undefined;
        if (e.status === 'failed') {
          error = refusalError(e.errorCode ?? '', '', e.errorMessage) ?? new ProviderError('server_error', 'openai-realtime: the response failed', { provider: PROVIDER, retryable: true });
          // Refused (quota, key): the long fallback; a failed response: the short one. The user is told either way.
          this.options.onFailure?.(error, 'response');
        }
        turn?.onResponseDone(e.status, error);
        return;
      }
      case 'error':
        return this.onError(e);
    }
  }

  private onError(e: Extract<UpstreamEvent, { type: 'error' }>): void {
    const sent = e.clientEventId ? this.byEventId.get(e.clientEventId) : undefined;
    const turn = sent?.turn;
    // A refused response.create makes no response: left waiting, the turn would take the next turn's response.
    if (sent?.createsResponse) this.awaitingResponse = this.awaitingResponse.filter((x) => x !== sent.turn);
    if (e.code === 'input_audio_buffer_commit_empty') {
      const t = turn ?? this.awaitingCommit[0];
      if (t) {
        this.awaitingCommit = this.awaitingCommit.filter((x) => x !== t);
        t.cancelled = true; // response.create still comes: its response is cancelled when created
        t.onCommitEmpty();
      }
      return;
    }
    const refused = refusalError(e.code, e.errorType, e.message);
    if (refused) {
      this.options.log.warn('realtime session refused', { code: e.code });
      for (const t of this.liveTurns()) t.fail(refused, 'response');
      this.options.onFailure?.(refused, 'response');
      return;
    }
    if (turn && !turn.isFinished) {
      this.options.log.warn('realtime request refused', { code: e.code, type: e.errorType });
      this.awaitingCommit = this.awaitingCommit.filter((x) => x !== turn);
      const error = new ProviderError('bad_request', `openai-realtime: ${e.code || e.errorType || 'error'}`, { provider: PROVIDER, retryable: true });
      turn.fail(error, 'response');
      this.options.onFailure?.(error, 'response'); // the short fallback, as the user is told
      return;
    }
    this.options.log.debug('realtime error event', { code: e.code, type: e.errorType });
  }

  private onDown(error: ProviderError, phase: 'connect' | 'dropped'): void {
    this.active = undefined;
    this.awaitingCommit = [];
    this.awaitingResponse = [];
    for (const t of this.liveTurns()) t.fail(error, phase);
    this.options.onFailure?.(error, phase);
  }

  private liveTurns(): RealtimeTurn[] {
    return this.recent.filter((t) => !t.isFinished);
  }

  private account(turn: RealtimeTurn | undefined, breakdown: UsageBreakdown, kind: UsageReport['kind'], model: string): void {
    const prices = this.options.prices();
    const cost = costOf(breakdown, prices);
    this.cost += cost;
    this.breakdown = addBreakdown(this.breakdown, breakdown);
    if (turn) turn.cost += cost;
    this.options.onUsage?.({ sessionId: this.id, turnId: turn?.id, kind, model, breakdown, cost, currency: prices.currency, sessionCost: this.cost });
  }
}

const PROVIDER = 'openai-realtime';

function refusalError(code: string, errorType: string, message?: string): ProviderError | undefined {
  if (!isRefusal(code, errorType)) return undefined;
  const kind = code === 'insufficient_quota' || errorType === 'insufficient_quota' ? 'rate_limited' : code === 'model_not_found' || code === 'invalid_model' ? 'bad_request' : 'auth';
  return new ProviderError(kind, `${PROVIDER}: ${code || errorType}${message ? '' : ''}`, { provider: PROVIDER, retryable: false });
}
