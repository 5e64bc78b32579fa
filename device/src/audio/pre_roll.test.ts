import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaptureListener } from '../daemon/ports.js';
import { memoryLogger } from '@pichat/shared';
import { FakeSource } from '../testing/fakes.js';
import { frame } from '../testing/daemon-harness.js';
import { PreRollSource } from './pre-roll.js';

/** Frames tagged by their first sample, so their order can be checked. */
const tagged = (n: number) => frame(n);
const tagOf = (f: Uint8Array) => new DataView(f.buffer, f.byteOffset).getInt16(0, true);

function collect() {
  const frames: number[] = [];
  const failures: Error[] = [];
  const listener: CaptureListener = { frame: (f) => frames.push(tagOf(f)), failed: (e) => failures.push(e) };
  return { frames, failures, listener };
}

describe('PreRollSource', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps the last preRollMs of audio and hands it over first, then live frames', () => {
    const inner = new FakeSource(); // 20 ms frames
    const source = new PreRollSource({ inner, preRollMs: 60, log: memoryLogger() });
    source.open();
    expect(inner.starts).toBe(1);
    for (let i = 1; i <= 10; i++) inner.emit(tagged(i));
    const c = collect();
    const capture = source.start(c.listener);
    expect(c.frames).toEqual([8, 9, 10]); // 3 × 20 ms, synchronously
    inner.emit(tagged(11));
    expect(c.frames).toEqual([8, 9, 10, 11]);
    capture.stop();
    inner.emit(tagged(12));
    expect(c.frames).toEqual([8, 9, 10, 11]);
    expect(inner.running).toBe(true); // the microphone stays open between turns
    const next = collect();
    source.start(next.listener);
    expect(next.frames).toEqual([12]); // frames of the last turn are not replayed
  });

  it('forget() drops the remembered audio: the next turn starts with what is heard after it', () => {
    const inner = new FakeSource();
    const source = new PreRollSource({ inner, preRollMs: 60, log: memoryLogger() });
    source.open();
    for (let i = 1; i <= 5; i++) inner.emit(tagged(i)); // the speaker playing a reply
    source.forget();
    inner.emit(tagged(6));
    const c = collect();
    source.start(c.listener);
    expect(c.frames).toEqual([6]);
  });

  it('restarts a recorder that dies, with back-off, and fails the turn that was listening', () => {
    const inner = new FakeSource();
    const log = memoryLogger();
    const source = new PreRollSource({ inner, preRollMs: 300, log, restartInitialMs: 1000, random: () => 0.5 });
    source.open();
    const c = collect();
    source.start(c.listener);
    inner.fail(new Error('arecord stopped by itself (code 1)'));
    expect(c.failures.map((e) => e.message)).toEqual(['arecord stopped by itself (code 1)']);
    expect(source.running).toBe(false);
    expect(log.lines.some((l) => l.includes('microphone stopped, restarting'))).toBe(true);
    vi.advanceTimersByTime(749); // 1000 ms step, half of it jittered
    expect(inner.starts).toBe(1);
    vi.advanceTimersByTime(1);
    expect(inner.starts).toBe(2);
    inner.fail(new Error('again')); // still broken: the wait doubles
    vi.advanceTimersByTime(1499);
    expect(inner.starts).toBe(2);
    vi.advanceTimersByTime(1);
    expect(inner.starts).toBe(3);
  });

  it('a press while the recorder is down starts it at once instead of waiting out the back-off', () => {
    const inner = new FakeSource();
    const source = new PreRollSource({ inner, preRollMs: 300, log: memoryLogger(), restartInitialMs: 30_000 });
    source.open();
    inner.fail(new Error('busy at boot'));
    const c = collect();
    source.start(c.listener);
    expect(inner.starts).toBe(2);
    inner.emit(tagged(5));
    expect(c.frames).toEqual([5]);
    vi.advanceTimersByTime(60_000);
    expect(inner.starts).toBe(2); // the pending restart was dropped
  });

  it('preRollMs 0 still keeps the microphone open but sends only live audio; close stops it for good', async () => {
    const inner = new FakeSource();
    const source = new PreRollSource({ inner, preRollMs: 0, log: memoryLogger() });
    source.open();
    inner.emit(tagged(1));
    const c = collect();
    source.start(c.listener);
    expect(c.frames).toEqual([]);
    await source.close();
    expect(inner.running).toBe(false);
    inner.fail(new Error('late'));
    vi.advanceTimersByTime(60_000);
    expect(inner.starts).toBe(1);
  });
});
