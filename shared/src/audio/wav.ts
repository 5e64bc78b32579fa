import type { AudioFormat } from './format.js';

/** A decoded WAV file: its PCM payload (a view into the input, not a copy) and its format. */
export interface Wav {
  format: AudioFormat;
  pcm: Uint8Array;
}

export class WavError extends Error {
  override name = 'WavError';
}

/** The 44-byte canonical RIFF/WAVE header for `dataBytes` bytes of PCM in `format`. */
export function wavHeader(format: AudioFormat, dataBytes: number): Uint8Array {
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  const blockAlign = format.channels * 2;
  writeAscii(header, 0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  writeAscii(header, 8, 'WAVE');
  writeAscii(header, 12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, format.channels, true);
  view.setUint32(24, format.sampleRateHz, true);
  view.setUint32(28, format.sampleRateHz * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, 16, true);
  writeAscii(header, 36, 'data');
  view.setUint32(40, dataBytes, true);
  return header;
}

/** A complete WAV file holding `pcm`. */
export function encodeWav(format: AudioFormat, pcm: Uint8Array): Uint8Array {
  const out = new Uint8Array(44 + pcm.byteLength);
  out.set(wavHeader(format, pcm.byteLength), 0);
  out.set(pcm, 44);
  return out;
}

/**
 * Parses a RIFF/WAVE file holding 16-bit PCM. Skips chunks it does not know (LIST, fact, ...), accepts
 * WAVE_FORMAT_EXTENSIBLE with a PCM subformat, and tolerates a data size of 0 or 0xFFFFFFFF as written by
 * streaming encoders (arecord, sox to a pipe) by taking the rest of the file.
 */
export function decodeWav(bytes: Uint8Array): Wav {
  if (bytes.byteLength < 12 || readAscii(bytes, 0) !== 'RIFF' || readAscii(bytes, 8) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12;
  let format: AudioFormat | undefined;
  while (offset + 8 <= bytes.byteLength) {
    const id = readAscii(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.byteLength) throw new WavError('truncated fmt chunk');
      const tag = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRateHz = view.getUint32(body + 4, true);
      const bits = view.getUint16(body + 14, true);
      const isPcm = tag === 1 || (tag === 0xfffe && size >= 26 && view.getUint16(body + 24, true) === 1);
      if (!isPcm || bits !== 16) throw new WavError(`unsupported WAV encoding (format tag ${tag}, ${bits} bits); need 16-bit PCM`);
      if (channels < 1 || channels > 2) throw new WavError(`unsupported channel count ${channels}`);
      if (sampleRateHz < 8000 || sampleRateHz > 48000) throw new WavError(`unsupported sample rate ${sampleRateHz} Hz`);
      format = { encoding: 'pcm_s16le', sampleRateHz, channels };
    } else if (id === 'data') {
      if (!format) throw new WavError('data chunk before fmt chunk');
      const available = bytes.byteLength - body;
      const length = size === 0 || size === 0xffffffff || size > available ? available : size;
      const whole = length - (length % (2 * format.channels));
      return { format, pcm: bytes.subarray(body, body + whole) };
    }
    offset = body + size + (size % 2);
  }
  throw new WavError(format ? 'no data chunk' : 'no fmt chunk');
}

function writeAscii(target: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) target[offset + i] = text.charCodeAt(i);
}

function readAscii(source: Uint8Array, offset: number): string {
  return String.fromCharCode(...source.subarray(offset, offset + 4));
}
