import {
  LinearResampler,
  bytesForMs,
  concatBytes,
  durationMs,
  sameFormat,
  type AudioFormat,
} from '@pichat/shared';

/**
 * Sends reply audio to one client: converts it to a format the client can play, cuts it into fixed chunks of
 * `chunkMs` (so that a stop takes effect at once on the device) and announces the format before the first byte.
 * A TTS may change format between sentences; a new resampler is made then, the announced format stays.
 */
export class AudioOut {
  private resampler: LinearResampler | undefined;
  private resamplerInput: AudioFormat | undefined;
  private pending = new Uint8Array(0);
  private started = false;
  private sentBytes = 0;
  private target: { format: AudioFormat; chunkBytes: number } | undefined;

  constructor(
    /** Formats the client can play; the first audio written decides which one is used. */
    private readonly playable: readonly AudioFormat[],
    private readonly sink: {
      start(format: AudioFormat): void;
      chunk(bytes: Uint8Array): Promise<void>;
    },
    private readonly chunkMs = 40,
  ) {}

  /** The format sent to the client, once audio has been written. */
  get format(): AudioFormat | undefined {
    return this.target?.format;
  }

  /** Milliseconds of audio handed to the client so far. */
  get sentMs(): number {
    return this.target ? durationMs(this.target.format, this.sentBytes) : 0;
  }

  get hasStarted(): boolean {
    return this.started;
  }

  async write(chunk: Uint8Array, inputFormat: AudioFormat): Promise<void> {
    if (!this.target) {
      const format = choosePlaybackFormat(inputFormat, this.playable);
      this.target = { format, chunkBytes: Math.max(2, bytesForMs(format, this.chunkMs)) };
    }
    const { format, chunkBytes } = this.target;
    const converted = this.convert(chunk, inputFormat, format);
    if (converted.byteLength === 0) return;
    const joined = concatBytes(this.pending, converted);
    let offset = 0;
    while (joined.byteLength - offset >= chunkBytes) {
      await this.emit(joined.subarray(offset, offset + chunkBytes), format);
      offset += chunkBytes;
    }
    this.pending = joined.slice(offset);
  }

  /** Sends what is left (a short last chunk). */
  async flush(): Promise<void> {
    if (this.pending.byteLength > 0) {
      const last = this.pending;
      this.pending = new Uint8Array(0);
      await this.emit(last, this.target!.format);
    }
  }

  private async emit(bytes: Uint8Array, format: AudioFormat): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.sink.start(format);
    }
    this.sentBytes += bytes.byteLength;
    await this.sink.chunk(bytes);
  }

  private convert(chunk: Uint8Array, input: AudioFormat, output: AudioFormat): Uint8Array {
    if (input.channels !== output.channels) {
      throw new Error(`cannot convert ${input.channels} to ${output.channels} channels`);
    }
    if (sameFormat(input, output)) return chunk;
    if (!this.resampler || !this.resamplerInput || !sameFormat(this.resamplerInput, input)) {
      this.resampler = new LinearResampler(input, output.sampleRateHz);
      this.resamplerInput = input;
    }
    return this.resampler.push(chunk);
  }
}

/**
 * Picks the format to send a client: the TTS format itself if the client plays it, else the client format with
 * the same channel count whose rate is closest (preferring higher rates, which lose nothing).
 */
export function choosePlaybackFormat(ttsFormat: AudioFormat, playable: readonly AudioFormat[]): AudioFormat {
  if (playable.some((f) => sameFormat(f, ttsFormat))) return ttsFormat;
  const sameChannels = playable.filter((f) => f.channels === ttsFormat.channels);
  const candidates = sameChannels.length > 0 ? sameChannels : playable;
  const best = [...candidates].sort((a, b) => score(a) - score(b))[0];
  if (!best) return ttsFormat;
  return { ...best, channels: ttsFormat.channels };

  function score(f: AudioFormat): number {
    const diff = f.sampleRateHz - ttsFormat.sampleRateHz;
    return diff >= 0 ? diff : 1_000_000 - diff;
  }
}

