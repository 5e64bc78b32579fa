import type { Brain, BrainReply, BrainRequest } from '../pipeline/providers.js';
import { isAbortError } from '../providers/errors.js';

/**
 * Asks `primary` (the LLM); if it fails before its first text (after its retries and timeouts), asks `offline`
 * instead, whose answer (a skill, or its "I can't do that offline" sentence) is spoken: never silence. `reply()`
 * therefore resolves when the primary's first text has arrived. A failure after text started is not hidden.
 */
export function fallbackBrain(
  primary: Brain,
  offline: Brain,
  options: { onFallback?: (info: { error: unknown }) => void } = {},
): Brain {
  return {
    async reply(request: BrainRequest, signal: AbortSignal): Promise<BrainReply> {
      try {
        const reply = await primary.reply(request, signal);
        const iterator = reply.text[Symbol.asyncIterator]();
        const first = await iterator.next();
        return { ...reply, text: resume(first, iterator) };
      } catch (err) {
        if (signal.aborted || isAbortError(err)) throw err;
        options.onFallback?.({ error: err });
        const reply = await offline.reply(request, signal);
        return { ...reply, handler: 'fallback' };
      }
    },
  };
}

async function* resume(first: IteratorResult<string>, rest: AsyncIterator<string>): AsyncGenerator<string> {
  if (first.done) return;
  try {
    yield first.value;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await rest.return?.();
  }
}
