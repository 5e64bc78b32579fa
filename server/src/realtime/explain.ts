import type { ProviderError } from '../providers/errors.js';

/** Where a realtime turn failed: connecting, a dropped link, the response, or a link restarted on purpose (new model). */
export type FailurePhase = 'connect' | 'dropped' | 'response' | 'restarted';

/**
 * What the user hears when the realtime model fails: short, spoken by the offline voice, saying what happened and
 * what happens next. Never contains keys, codes from a response body or transcripts.
 */
export function explainFailure(error: Pick<ProviderError, 'code'>, phase: FailurePhase): string {
  if (phase === 'restarted') return 'The realtime model was changed while answering. Please ask again.';
  const next = "I'm switching to the regular assistant. Please ask again.";
  switch (error.code) {
    case 'auth':
      return `The realtime model refused the API key. ${next}`;
    case 'rate_limited':
      return `The realtime model is over its quota or rate limit. ${next}`;
    case 'bad_request':
      return `The realtime model refused the request; check the model name. ${next}`;
    case 'timeout':
      return `The realtime model did not answer in time. ${next}`;
    default:
      return phase === 'dropped' ? `The connection to the realtime model dropped. ${next}` : `The realtime model is not reachable. ${next}`;
  }
}

/** Why realtime mode cannot be used at all, or undefined when it can. Shown in settings and said once per session. */
export function unavailableNotice(reason: string): string {
  return `Realtime mode is unavailable: ${reason}. Using the regular assistant.`;
}
