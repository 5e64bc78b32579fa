import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSink } from '../testing/fakes.js';
import { frame } from '../testing/daemon-harness.js';
import { withJitterBuffer } from './jitter-buffer.js';

const FORMAT = { encoding: 'pcm_s16le' as const, sampleRateHz: 16000, channels: 1 };
const chunk = () => frame(1000, 640); // 20 ms

describe('jitter buffer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('holds the first jitterMs of a reply, then passes chunks straight through', () => {
    const sink = new FakeSink();
    const p = withJitterBuffer(sink, 60).open(FORMAT);
    p.write(chunk());
    p.write(chunk());
    expect(sink.last!.written).toHaveLength(0);
    p.write(chunk()); // 60 ms held: release
    expect(sink.last!.written).toHaveLength(3);
    p.write(chunk());
    expect(sink.last!.written).toHaveLength(4);
  });

  it('never delays the start by more than jitterMs when audio trickles in', () => {
    const sink = new FakeSink();
    const p = withJitterBuffer(sink, 60).open(FORMAT);
    p.write(chunk());
    vi.advanceTimersByTime(59);
    expect(sink.last!.written).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(sink.last!.written).toHaveLength(1);
  });

  it('a short reply is flushed by finish; stop drops what is held; 0 ms is the sink itself', async () => {
    const sink = new FakeSink();
    const buffered = withJitterBuffer(sink, 200);
    const a = buffered.open(FORMAT);
    a.write(chunk());
    const done = a.finish();
    expect(sink.last!.written).toHaveLength(1);
    sink.last!.drain({ heardMs: 20 });
    expect(await done).toEqual({ heardMs: 20, interrupted: false });
    const b = buffered.open(FORMAT);
    b.write(chunk());
    expect(b.stop().interrupted).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(sink.last!.written).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(withJitterBuffer(sink, 0)).toBe(sink);
  });
});
