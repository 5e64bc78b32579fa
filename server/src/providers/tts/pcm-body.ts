import { isAbortError, toProviderError } from '../errors.js';
import { abortError } from '../signals.js';

/**
 * Reads a streamed HTTP body of raw 16-bit PCM and yields chunks of whole samples: a chunk boundary may fall inside
 * a sample (TCP does not know about samples), so an odd byte is carried over to the next chunk. A transport failure
 * mid-body becomes a ProviderError (`network`); an abort ends with an AbortError.
 */
export async function* pcmChunks(body: AsyncIterable<Uint8Array> | null, signal: AbortSignal, provider: string): AsyncGenerator<Uint8Array> {
  if (!body) return;
  let carry: Uint8Array | undefined;
  try {
    for await (const piece of body) {
      let bytes = piece;
      if (carry) {
        const joined = new Uint8Array(carry.byteLength + piece.byteLength);
        joined.set(carry, 0);
        joined.set(piece, carry.byteLength);
        bytes = joined;
        carry = undefined;
      }
      const whole = bytes.byteLength - (bytes.byteLength % 2);
      if (whole < bytes.byteLength) carry = bytes.slice(whole);
      if (whole > 0) yield bytes.subarray(0, whole);
    }
  } catch (err) {
    if (signal.aborted || isAbortError(err)) throw abortError();
    throw toProviderError(err, provider);
  }
}
