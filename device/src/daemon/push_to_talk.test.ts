import { SPEECH_FORMAT } from '@pichat/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { frame, harness } from '../testing/daemon-harness.js';
import type { DaemonOptions } from './daemon.js';

const REPLY_FORMAT = { encoding: 'pcm_s16le' as const, sampleRateHz: 22050, channels: 1 };

/** A daemon on a link that is up, its button just pressed. */
function pressed(overrides: Partial<Omit<DaemonOptions, 'link' | 'log'>> = {}) {
  const h = harness(overrides);
  h.link.goUp();
  h.daemon.press();
  return h;
}

/** A turn pressed and released on a source delivering audio at most `latencyMs` late: it waits for its last audio. */
function releasedWithLatency(latencyMs: number) {
  const h = pressed();
  h.source.latencyMs = latencyMs;
  h.daemon.release();
  return h;
}

describe('push-to-talk turn', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('press starts a turn and streams frames, release ends it, the reply plays and is reported', async () => {
    const h = harness();
    h.link.goUp();
    expect(h.daemon.state).toBe('idle');

    h.daemon.button('press');
    expect(h.daemon.state).toBe('listening');
    expect(h.link.sentOf('turn.start')).toEqual([{ type: 'turn.start', turnId: 't1', format: SPEECH_FORMAT }]);
    expect(h.source.running).toBe(true);
    h.source.emit(frame());
    h.source.emit(frame());

    h.daemon.button('release');
    expect(h.source.running).toBe(false);
    expect(h.daemon.state).toBe('thinking');
    h.source.emit(frame()); // a late frame from the recorder is not sent
    expect(h.link.sentKinds).toEqual(['turn.start', 'audio', 'audio', 'turn.end']);

    h.link.serverSends({ type: 'transcript', turnId: 't1', text: 'what time is it', final: true });
    h.link.serverSends({ type: 'audio.start', turnId: 't1', format: REPLY_FORMAT });
    expect(h.daemon.state).toBe('speaking');
    const playback = h.sink.last!;
    expect(playback.format).toEqual(REPLY_FORMAT);
    h.link.serverSendsAudio(frame(2000, 882));
    h.link.serverSendsAudio(frame(2000, 882));
    h.link.serverSends({ type: 'audio.end', turnId: 't1' });
    h.link.serverSends({ type: 'turn.done', turnId: 't1', outcome: 'answered', timings: {} });
    expect(playback.finished).toBe(true);
    expect(playback.bytes).toBe(1764);
    expect(h.daemon.state).toBe('speaking'); // until the speaker has played it

    playback.heardMs = 40;
    playback.drain();
    await vi.waitFor(() => expect(h.daemon.state).toBe('idle'));
    expect(h.link.sentOf('playback.done')).toEqual([{ type: 'playback.done', turnId: 't1', heardMs: 40, interrupted: false }]);
    expect(h.states).toEqual(['idle', 'listening', 'thinking', 'speaking', 'idle']);
    expect(h.source.forgets).toBe(1); // the pre-roll heard the reply: the next turn does not start with it
  });

  it("after a release, sends the recorder's next delivery (the audio up to the release), then ends the turn", async () => {
    const h = pressed();
    h.source.latencyMs = 100;
    h.source.emit(frame());
    h.daemon.release();
    expect(h.feedback).toEqual(['listening']); // the release tone waits too: it would be in the turn's last frames
    h.daemon.release(); // a bounce changes nothing
    vi.advanceTimersByTime(50);
    expect(h.link.sentKinds).toEqual(['turn.start', 'audio']);
    expect(h.source.running).toBe(true);
    // One delivery of the recorder, cut into frames synchronously: all of it is sent, then turn.end.
    h.source.emit(frame());
    h.source.emit(frame());
    await Promise.resolve();
    expect(h.link.sentKinds).toEqual(['turn.start', 'audio', 'audio', 'audio', 'turn.end']);
    expect(h.source.running).toBe(false);
    expect(h.states).toEqual(['idle', 'listening', 'thinking']);
    expect(h.feedback).toEqual(['listening', 'done']);
    h.source.emit(frame()); // after the end: not sent
    vi.advanceTimersByTime(100);
    expect(h.link.sentKinds).toEqual(['turn.start', 'audio', 'audio', 'audio', 'turn.end']);
  });

  it('a press during that wait starts the next turn at once', () => {
    const h = releasedWithLatency(100);
    vi.advanceTimersByTime(60);
    h.daemon.press();
    expect(h.link.sentKinds).toEqual(['turn.start', 'turn.start']); // the server aborts the first (barge-in)
    expect(h.daemon.currentTurnId).toBe('t2');
    h.source.emit(frame());
    vi.advanceTimersByTime(200);
    expect(h.daemon.state).toBe('listening'); // held: the wait of the first turn does not end it
    h.daemon.release();
    vi.advanceTimersByTime(100);
    expect(h.link.sentKinds).toEqual(['turn.start', 'turn.start', 'audio', 'turn.end']);
    expect(h.link.sentOf('turn.end')).toEqual([{ type: 'turn.end', turnId: 't2' }]);
  });

  it("without a delivery, the turn ends at the source's latency", () => {
    const h = releasedWithLatency(100);
    vi.advanceTimersByTime(99);
    expect(h.link.sentKinds).toEqual(['turn.start']);
    vi.advanceTimersByTime(1);
    expect(h.link.sentKinds).toEqual(['turn.start', 'turn.end']);
    expect(h.daemon.state).toBe('thinking');
  });

  it("the server's reply, or a cancel, during that wait ends it at once", () => {
    const h = releasedWithLatency(40);
    h.link.serverSends({ type: 'audio.start', turnId: 't1', format: REPLY_FORMAT });
    expect(h.link.sentKinds).toEqual(['turn.start', 'turn.end']);
    expect(h.daemon.state).toBe('speaking');
    vi.advanceTimersByTime(100);
    expect(h.link.sentKinds).toEqual(['turn.start', 'turn.end']);

    const g = releasedWithLatency(40);
    g.daemon.cancel('test');
    vi.advanceTimersByTime(100);
    expect(g.link.sentKinds).toEqual(['turn.start', 'turn.cancel']);
    expect(g.source.running).toBe(false);
    expect(g.daemon.state).toBe('idle');
  });

  it('ends the turn by itself at the maximum length', () => {
    const h = pressed({ maxTurnMs: 5000 });
    vi.advanceTimersByTime(4999);
    expect(h.daemon.state).toBe('listening');
    vi.advanceTimersByTime(1);
    expect(h.daemon.state).toBe('thinking');
    expect(h.source.running).toBe(false);
    expect(h.link.sentKinds).toEqual(['turn.start', 'turn.end']);
    h.daemon.release(); // the late release changes nothing
    expect(h.link.sentKinds).toEqual(['turn.start', 'turn.end']);
  });

  it('gives up waiting for a reply: error, then idle, never stuck in thinking', () => {
    const h = pressed({ replyTimeoutMs: 8000, errorHoldMs: 1000 });
    h.daemon.release();
    vi.advanceTimersByTime(8000);
    expect(h.daemon.state).toBe('error');
    expect(h.link.sentOf('turn.cancel')).toEqual([{ type: 'turn.cancel', turnId: 't1' }]);
    vi.advanceTimersByTime(1000);
    expect(h.daemon.state).toBe('idle');
  });

  it('turn.done without audio returns to idle; no_speech gives feedback', () => {
    const h = pressed();
    h.daemon.release();
    h.link.serverSends({ type: 'turn.done', turnId: 't1', outcome: 'no_speech', timings: {} });
    expect(h.daemon.state).toBe('idle');
    expect(h.feedback).toEqual(['listening', 'done', 'no_speech']);
    vi.advanceTimersByTime(60_000); // no timer left to fire
    expect(h.states).toEqual(['idle', 'listening', 'thinking', 'idle']);
  });

  it('a capture failure cancels the turn and shows an error, then recovers', () => {
    const h = pressed({ errorHoldMs: 500 });
    h.source.fail(new Error('arecord not found: install alsa-utils'));
    expect(h.daemon.state).toBe('error');
    expect(h.link.sentKinds).toEqual(['turn.start', 'turn.cancel']);
    expect(h.log.lines.some((l) => l.includes('capture failed'))).toBe(true);
    vi.advanceTimersByTime(500);
    expect(h.daemon.state).toBe('idle');
    h.daemon.press();
    expect(h.daemon.state).toBe('listening');
  });

  it("the server's length limit ends the listening and the answer still plays; errors for other turns are ignored", () => {
    const h = pressed();
    h.link.serverSends({ type: 'error', code: 'turn_too_long', message: 'too long', turnId: 'other' });
    expect(h.daemon.state).toBe('listening');
    // The server counts the pre-roll too, so its limit comes a little before the daemon's own.
    h.link.serverSends({ type: 'error', code: 'turn_too_long', message: 'too long', turnId: 't1' });
    expect(h.daemon.state).toBe('thinking');
    expect(h.source.running).toBe(false);
    expect(h.link.sentKinds).toEqual(['turn.start', 'turn.end']);
    h.link.serverSends({ type: 'audio.start', turnId: 't1', format: REPLY_FORMAT });
    expect(h.daemon.state).toBe('speaking');
  });

  it("plays the server's spoken explanation of a failed turn, then goes idle", async () => {
    const h = pressed();
    h.daemon.release();
    h.link.serverSends({ type: 'error', code: 'brain_failed', message: 'the model is over its quota', turnId: 't1' });
    expect(h.daemon.state).toBe('thinking');
    h.link.serverSends({ type: 'audio.start', turnId: 't1', format: REPLY_FORMAT });
    h.link.serverSendsAudio(frame(2000, 882));
    h.link.serverSends({ type: 'audio.end', turnId: 't1' });
    h.link.serverSends({ type: 'turn.done', turnId: 't1', outcome: 'failed', timings: {} });
    const playback = h.sink.last!;
    expect(playback.bytes).toBe(882);
    playback.drain();
    await vi.waitFor(() => expect(h.daemon.state).toBe('idle'));
    expect(h.states).toEqual(['idle', 'listening', 'thinking', 'speaking', 'idle']);
  });

  it('a failed turn the server does not explain ends in the error state at turn.done', () => {
    const h = pressed();
    h.daemon.release();
    h.link.serverSends({ type: 'error', code: 'tts_failed', message: 'no voice', turnId: 't1' });
    expect(h.daemon.state).toBe('thinking');
    h.link.serverSends({ type: 'turn.done', turnId: 't1', outcome: 'failed', timings: {} });
    expect(h.daemon.state).toBe('error');
  });

  it('a refused turn fails at once; a dropped frame leaves the turn running', () => {
    const h = pressed();
    h.link.serverSends({ type: 'error', code: 'frame_too_large', message: 'frame dropped', turnId: 't1' });
    expect(h.daemon.state).toBe('listening');
    h.link.serverSends({ type: 'error', code: 'unsupported_format', message: 'cannot recognise 8 kHz', turnId: 't1' });
    expect(h.daemon.state).toBe('error');
    expect(h.source.running).toBe(false);
  });

  it('counts frames the link could not take instead of blocking', () => {
    const h = pressed();
    h.link.congested = true;
    h.source.emit(frame());
    h.link.congested = false;
    h.source.emit(frame());
    h.daemon.release();
    expect(h.link.sentKinds).toEqual(['turn.start', 'audio', 'turn.end']);
    expect(h.log.lines.find((l) => l.includes('turn ended'))).toContain('framesDropped=1');
  });
});

describe('a reply that stops halfway', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is played out after the reply timeout without audio, never left speaking forever', async () => {
    const h = pressed({ replyTimeoutMs: 4000 });
    h.daemon.release();
    h.link.serverSends({ type: 'audio.start', turnId: 't1', format: REPLY_FORMAT });
    vi.advanceTimersByTime(3000);
    h.link.serverSendsAudio(frame()); // audio keeps the reply alive
    vi.advanceTimersByTime(3000);
    expect(h.sink.last!.finished).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(h.sink.last!.finished).toBe(true);
    h.sink.last!.drain();
    await vi.waitFor(() => expect(h.daemon.state).toBe('idle'));
    expect(h.link.sentOf('playback.done')).toHaveLength(1);
  });
});
