import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { frame, harness } from '../testing/daemon-harness.js';

const FORMAT = { encoding: 'pcm_s16le' as const, sampleRateHz: 16000, channels: 1 };

describe('offline', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts offline and becomes idle when the link comes up', () => {
    const h = harness();
    expect(h.daemon.state).toBe('offline');
    h.link.goUp();
    expect(h.daemon.state).toBe('idle');
  });

  it('a press while offline answers at once: feedback, a log line, a reconnect nudge, no capture', () => {
    const h = harness();
    h.daemon.press();
    expect(h.daemon.state).toBe('offline');
    expect(h.feedback).toEqual(['offline']);
    expect(h.link.wakes).toBe(1);
    expect(h.source.starts).toBe(0);
    expect(h.link.sent).toEqual([]);
    expect(h.log.lines.some((l) => l.startsWith('WARN') && l.includes('offline'))).toBe(true);
    h.daemon.release();
    expect(h.daemon.state).toBe('offline');
    expect(vi.getTimerCount()).toBe(0); // nothing left waiting
  });

  it('the link dropping mid-turn stops capture and goes offline; coming back gives idle', () => {
    const h = harness();
    h.link.goUp();
    h.daemon.press();
    h.link.goDown('server restarted');
    expect(h.source.running).toBe(false);
    expect(h.daemon.state).toBe('offline');
    expect(vi.getTimerCount()).toBe(0);
    h.link.goUp();
    expect(h.daemon.state).toBe('idle');
    h.daemon.press();
    expect(h.daemon.currentTurnId).toBe('t2');
  });

  it('the link dropping while speaking lets the received reply finish, then offline', async () => {
    const h = harness();
    h.link.goUp();
    h.daemon.press();
    h.daemon.release();
    h.link.serverSends({ type: 'audio.start', turnId: 't1', format: FORMAT });
    h.link.serverSendsAudio(frame());
    h.link.goDown();
    const playback = h.sink.last!;
    expect(playback.finished).toBe(true);
    expect(playback.stopped).toBe(false);
    expect(h.daemon.state).toBe('speaking');
    playback.drain();
    await vi.waitFor(() => expect(h.daemon.state).toBe('offline'));
  });

  it('a press while offline and still speaking silences the speaker', () => {
    const h = harness();
    h.link.goUp();
    h.daemon.press();
    h.daemon.release();
    h.link.serverSends({ type: 'audio.start', turnId: 't1', format: FORMAT });
    h.link.goDown();
    h.daemon.press();
    expect(h.sink.last!.stopped).toBe(true);
    expect(h.daemon.state).toBe('offline');
    expect(h.feedback).toEqual(['listening', 'done', 'offline']);
  });
});
