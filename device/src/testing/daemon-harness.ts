import { Daemon, type DaemonOptions } from '../daemon/daemon.js';
import type { DeviceState, Feedback } from '../daemon/state.js';
import { memoryLogger } from '../log.js';
import { FakeLink, FakeSink, FakeSource } from './fakes.js';

/** A daemon on fakes, with everything it reports recorded. Turn ids are t1, t2, … */
export function harness(overrides: Partial<DaemonOptions> = {}) {
  const source = new FakeSource();
  const sink = new FakeSink();
  const link = new FakeLink();
  const log = memoryLogger();
  const states: DeviceState[] = [];
  const feedback: Feedback[] = [];
  const volumes: number[] = [];
  let n = 0;
  const daemon = new Daemon({
    source,
    sink,
    link,
    log,
    volume: 100,
    maxTurnMs: 30_000,
    replyTimeoutMs: 15_000,
    errorHoldMs: 2000,
    newTurnId: () => `t${++n}`,
    onState: (s) => states.push(s),
    onFeedback: (f) => feedback.push(f),
    onVolume: (v) => volumes.push(v),
    ...overrides,
  });
  daemon.start();
  return { daemon, source, sink, link, log, states, feedback, volumes };
}

/** A frame of 20 ms of 16 kHz mono s16le with every sample set to `value`. */
export function frame(value = 1000, bytes = 640): Uint8Array {
  const b = new Uint8Array(bytes);
  const v = new DataView(b.buffer);
  for (let i = 0; i < bytes; i += 2) v.setInt16(i, value, true);
  return b;
}
