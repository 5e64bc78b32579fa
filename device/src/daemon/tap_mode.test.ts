import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { frame, harness } from '../testing/daemon-harness.js';

const FORMAT = { encoding: 'pcm_s16le' as const, sampleRateHz: 16000, channels: 1 };

describe('tap-to-toggle mode', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a tap starts the turn, its release changes nothing, the next tap ends it', () => {
    const h = harness({ mode: 'tap', longPressMs: 1500 });
    h.link.goUp();
    h.daemon.button('press');
    vi.advanceTimersByTime(100);
    h.daemon.button('release');
    expect(h.daemon.state).toBe('listening');
    h.source.emit(frame());
    vi.advanceTimersByTime(3000); // talking, hands free
    h.daemon.button('press');
    expect(h.daemon.state).toBe('thinking');
    h.daemon.button('release');
    expect(h.link.sentKinds).toEqual(['turn.start', 'audio', 'turn.end']);
    expect(h.feedback).toEqual(['listening', 'done']);
    vi.advanceTimersByTime(5000); // the long-press watch ended with the release
    expect(h.link.sentOf('turn.cancel')).toEqual([]);
  });

  it('a tap after the turn stopped by itself (length limit) is its stop tap, not a new turn over the answer', () => {
    const h = harness({ mode: 'tap', longPressMs: 0, maxTurnMs: 5000 });
    h.link.goUp();
    h.daemon.button('press');
    h.daemon.button('release');
    vi.advanceTimersByTime(5000);
    expect(h.daemon.state).toBe('thinking');
    h.daemon.button('press'); // the user, still talking, taps to stop
    h.daemon.button('release');
    expect(h.daemon.state).toBe('thinking');
    expect(h.link.sentKinds).toEqual(['turn.start', 'turn.end']);
    h.daemon.button('press'); // another tap is a new question, as always while thinking
    expect(h.daemon.state).toBe('listening');
    expect(h.link.sentOf('turn.start').map((m) => m.turnId)).toEqual(['t1', 't2']);
  });

  it("a stop tap whose turn the server ends during the wait for the last audio is still the user's stop", () => {
    const h = harness({ mode: 'tap', longPressMs: 0 });
    h.source.latencyMs = 100;
    h.link.goUp();
    h.daemon.button('press');
    h.daemon.button('release');
    h.daemon.button('press'); // stop tap: waits for the recorder's last delivery
    h.daemon.button('release');
    h.daemon.button('press'); // a tap during that wait starts the next question at once
    h.daemon.button('release');
    expect(h.link.sentOf('turn.start').map((m) => m.turnId)).toEqual(['t1', 't2']);
    h.daemon.button('press'); // stop tap of t2
    h.daemon.button('release');
    h.link.serverSends({ type: 'error', turnId: 't2', code: 'turn_too_long', message: 'too long' });
    expect(h.daemon.state).toBe('thinking');
    h.daemon.button('press'); // a new question, not taken for the stop of a turn that ended by itself
    expect(h.daemon.state).toBe('listening');
    expect(h.link.sentOf('turn.start').map((m) => m.turnId)).toEqual(['t1', 't2', 't3']);
  });

  it('the same when the answer is already playing: the stop tap does not interrupt it', () => {
    const h = harness({ mode: 'tap', longPressMs: 0, maxTurnMs: 5000 });
    h.link.goUp();
    h.daemon.button('press');
    h.daemon.button('release');
    vi.advanceTimersByTime(5000);
    h.link.serverSends({ type: 'audio.start', turnId: 't1', format: FORMAT });
    h.daemon.button('press');
    expect(h.daemon.state).toBe('speaking');
    expect(h.sink.last!.stopped).toBe(false);
    h.daemon.button('press'); // a second tap is a barge-in
    expect(h.sink.last!.stopped).toBe(true);
    expect(h.daemon.state).toBe('listening');
  });

  it('a press held for longPressMs cancels the turn it started', () => {
    const h = harness({ mode: 'tap', longPressMs: 1500 });
    h.link.goUp();
    h.daemon.button('press');
    vi.advanceTimersByTime(1499);
    expect(h.daemon.state).toBe('listening');
    vi.advanceTimersByTime(1);
    expect(h.daemon.state).toBe('idle');
    expect(h.source.running).toBe(false);
    expect(h.link.sentKinds).toEqual(['turn.start', 'turn.cancel']);
    expect(h.feedback).toEqual(['listening', 'cancelled']);
    h.daemon.button('release');
    expect(h.daemon.state).toBe('idle');
  });

  it('a long press while the reply plays silences it, reports what was heard, and leaves the device idle', () => {
    const h = harness({ mode: 'tap', longPressMs: 1000 });
    h.link.goUp();
    h.daemon.button('press');
    h.daemon.button('release');
    h.daemon.button('press'); // ends t1
    h.daemon.button('release');
    h.link.serverSends({ type: 'audio.start', turnId: 't1', format: FORMAT });
    h.link.serverSendsAudio(frame());
    const reply = h.sink.last!;
    reply.heardMs = 300;
    h.daemon.button('press'); // barge-in: t2 starts at once
    expect(reply.stopped).toBe(true);
    expect(h.daemon.state).toBe('listening');
    vi.advanceTimersByTime(1000); // held: cancel t2 as well
    expect(h.daemon.state).toBe('idle');
    expect(h.link.sentKinds.slice(-3)).toEqual(['playback.done', 'turn.start', 'turn.cancel']);
    expect(h.link.sentOf('playback.done')).toEqual([{ type: 'playback.done', turnId: 't1', heardMs: 300, interrupted: true }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('long press off (0): holding in tap mode never cancels', () => {
    const h = harness({ mode: 'tap', longPressMs: 0 });
    h.link.goUp();
    h.daemon.button('press');
    vi.advanceTimersByTime(20_000);
    expect(h.daemon.state).toBe('listening');
    expect(h.link.sentOf('turn.cancel')).toEqual([]);
  });

  it('hold mode ignores the long-press setting: holding is talking', () => {
    const h = harness({ mode: 'hold', longPressMs: 500, maxTurnMs: 10_000 });
    h.link.goUp();
    h.daemon.button('press');
    vi.advanceTimersByTime(5000);
    expect(h.daemon.state).toBe('listening');
    h.daemon.button('release');
    expect(h.link.sentKinds).toEqual(['turn.start', 'turn.end']);
  });

  it('a tap while offline gives offline feedback at once and starts nothing', () => {
    const h = harness({ mode: 'tap', longPressMs: 1500 });
    h.daemon.button('press');
    h.daemon.button('release');
    expect(h.daemon.state).toBe('offline');
    expect(h.feedback).toEqual(['offline']);
    expect(h.link.wakes).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('server restart mid-turn (state machine)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('while thinking: offline at once, no timer left, idle when the server is back, the next press works', () => {
    const h = harness();
    h.link.goUp();
    h.daemon.press();
    h.source.emit(frame());
    h.daemon.release();
    expect(h.daemon.state).toBe('thinking');
    h.link.goDown('server restarting');
    expect(h.daemon.state).toBe('offline');
    expect(vi.getTimerCount()).toBe(0);
    // a late reply of the old connection's turn is ignored
    h.link.serverSends({ type: 'audio.start', turnId: 't1', format: FORMAT });
    expect(h.sink.opened).toHaveLength(0);
    h.link.goUp();
    expect(h.daemon.state).toBe('idle');
    h.daemon.press();
    expect(h.link.sentOf('turn.start').map((m) => m.turnId)).toEqual(['t1', 't2']);
  });

  it('pressing during the outage gives offline feedback each time and never captures', () => {
    const h = harness();
    h.link.goUp();
    h.daemon.press();
    h.link.goDown();
    h.daemon.release();
    h.daemon.press();
    h.daemon.release();
    expect(h.feedback).toEqual(['listening', 'offline']);
    expect(h.source.starts).toBe(1);
    expect(h.link.wakes).toBe(1);
  });
});
