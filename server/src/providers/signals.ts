import { abortError } from '../pipeline/errors.js';

/**
 * Signals derived from a turn's signal. Wrappers (timeout, retry, fallback, the STT combinator) give their inner
 * provider a child signal they can abort on their own, while an abort of the turn still reaches everything.
 * `rootSignal` walks back to the signal the caller passed in (the turn's), which is how usage reports are
 * attributed to a turn without a turn id crossing the provider seam.
 */

const parents = new WeakMap<AbortSignal, AbortSignal>();

export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Aborts the child only (the parent is untouched). */
  abort(reason?: unknown): void;
  /** Removes the listener from the parent; call when the child's work is over. */
  dispose(): void;
}

/** A child of `parent`: aborted when the parent aborts, or by `abort()`. Always `dispose()` it. */
export function linkSignal(parent: AbortSignal): LinkedSignal {
  const controller = new AbortController();
  parents.set(controller.signal, parent);
  const onAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => parent.removeEventListener('abort', onAbort),
  };
}

/** The outermost signal `signal` was derived from through `linkSignal` (itself when it was not derived). */
export function rootSignal(signal: AbortSignal): AbortSignal {
  let s = signal;
  for (let p = parents.get(s); p; p = parents.get(s)) s = p;
  return s;
}

/** Resolves after `ms`, or rejects with an AbortError as soon as `signal` aborts. Leaves no timer or listener. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Re-exported for the providers: one AbortError shape for the whole server. */
export { abortError };
