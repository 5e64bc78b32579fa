/** Reconnect delays: exponential growth with "equal jitter", capped. */
export interface BackoffOptions {
  /** First delay before jitter, in ms. */
  initialMs: number;
  /** Largest delay, in ms. */
  maxMs: number;
  /** Growth per attempt. */
  factor?: number;
  /** Returns 0 ≤ x < 1; `Math.random` unless a test pins it. */
  random?: () => number;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): half of the exponential step plus a random half, so that a
 * room full of devices does not reconnect in lockstep after a server restart, while none waits longer than `maxMs`.
 */
export function backoffDelayMs(attempt: number, o: BackoffOptions): number {
  const step = Math.min(o.maxMs, o.initialMs * (o.factor ?? 2) ** Math.max(0, attempt));
  const r = (o.random ?? Math.random)();
  return Math.round(step / 2 + (step / 2) * r);
}
