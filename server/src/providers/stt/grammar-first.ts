import type { AudioFormat } from '@pichat/shared';
import type { SpeechToText, SttResult, SttStream } from '../../pipeline/providers.js';
import { isAbortError } from '../errors.js';
import { linkSignal } from '../signals.js';

export interface GrammarFirstOptions {
  /** Called when the cloud failed and the grammar result was used instead. */
  onFallback?: (info: { primary: string; fallback: string; error: unknown }) => void;
}

/**
 * Runs the offline grammar recogniser and an open-vocabulary (cloud or LAN) recogniser on the same audio, fed live.
 *
 * ```
 *  write()* ─► grammar.write ─┐       finish():  grammar final ── accepted command? ──yes──► grammar result
 *           └► cloud.write  ─┐│                                         │ (cloud request aborted)
 *                            ││                                         no
 *                            ││                                         ▼
 *                            │└───────────────────────────────►  cloud final ── ok ──► cloud result
 *                            └────────────────────────────────────────────────── failed ─► grammar result
 *                                                                          (rejected → "can't do that offline")
 * ```
 * So local commands are answered at the grammar's speed and without the network, anything else gets the cloud's
 * transcript, and an unreachable cloud still leaves the commands working. If the grammar recogniser fails itself
 * the cloud result is used. An abort of the turn aborts both.
 */
export function grammarFirstStt(grammar: SpeechToText, cloud: SpeechToText, options: GrammarFirstOptions = {}): SpeechToText {
  return {
    name: `${grammar.name}+${cloud.name}`,
    start(startOptions: { format: AudioFormat; signal: AbortSignal; language?: string }): SttStream {
      const { signal } = startOptions;
      const grammarLink = linkSignal(signal);
      const cloudLink = linkSignal(signal);
      const local = grammar.start({ ...startOptions, signal: grammarLink.signal });
      const remote = cloud.start({ ...startOptions, signal: cloudLink.signal });
      return {
        write(pcm: Uint8Array): void {
          local.write(pcm);
          remote.write(pcm);
        },
        async finish(): Promise<SttResult> {
          const cloudResult = remote.finish();
          cloudResult.catch(() => undefined);
          try {
            let heard: SttResult | undefined;
            let grammarError: unknown;
            try {
              heard = await local.finish();
            } catch (err) {
              if (signal.aborted || isAbortError(err)) throw err;
              grammarError = err;
            }
            if (heard && heard.text && !heard.rejected) {
              cloudLink.abort(); // not needed: closes the upload at once
              return heard;
            }
            try {
              return await cloudResult;
            } catch (err) {
              if (signal.aborted || isAbortError(err) || !heard) throw err ?? grammarError;
              options.onFallback?.({ primary: cloud.name, fallback: grammar.name, error: err });
              return heard;
            }
          } finally {
            grammarLink.dispose();
            cloudLink.dispose();
          }
        },
      };
    },
  };
}
