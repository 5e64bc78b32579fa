import { describe, expect, test } from 'vitest';
import { decodeDeviceMessage, decodeServerMessage, encodeMessage } from './codec.js';
import { errorCodes } from './errors.js';
import type { ServerHello, ServerMessage } from './messages.js';
import { PROTOCOL_VERSION } from './messages.js';

const speech = { encoding: 'pcm_s16le', sampleRateHz: 16000, channels: 1 } as const;
const reply = { encoding: 'pcm_s16le', sampleRateHz: 22050, channels: 1 } as const;

const hello: ServerHello = {
  type: 'hello',
  protocol: PROTOCOL_VERSION,
  server: { name: 'pichat', version: '0.1.0' },
  device: { id: 'dev_01', name: 'kitchen' },
  limits: { maxFrameBytes: 65536, maxTurnMs: 30000, inputFormats: [speech] },
};

/** One valid example of every server → device message. */
const valid: Record<ServerMessage['type'], ServerMessage> = {
  hello,
  transcript: { type: 'transcript', turnId: 't-1', text: 'what time is it', final: true },
  'reply.delta': { type: 'reply.delta', turnId: 't-1', text: 'It is ' },
  'audio.start': { type: 'audio.start', turnId: 't-1', format: reply },
  'audio.end': { type: 'audio.end', turnId: 't-1' },
  'turn.done': {
    type: 'turn.done',
    turnId: 't-1',
    outcome: 'answered',
    handler: 'time',
    timings: {
      firstFrame: 3,
      end: 1800,
      sttFinal: 1850,
      brainFirstText: 1852,
      ttsFirstChunk: 1900,
      firstAudioSent: 1901,
      audioEnd: 2600,
      done: 4100.5,
    },
  },
  control: { type: 'control', volume: 40 },
  error: { type: 'error', code: 'turn_too_long', message: 'turn longer than 30000 ms', turnId: 't-1' },
};

function decodeObject(value: unknown): ReturnType<typeof decodeServerMessage> {
  return decodeServerMessage(JSON.stringify(value));
}

describe('server → device messages', () => {
  test.each(Object.entries(valid))('%s round-trips through encode and decode', (_type, message) => {
    const text = encodeMessage(message);
    expect(JSON.parse(text)).toEqual(message);
    expect(decodeServerMessage(text)).toEqual({ ok: true, message });
  });

  test('every server message type has a fixture', () => {
    expect(Object.keys(valid).sort()).toEqual(
      ['audio.end', 'audio.start', 'control', 'error', 'hello', 'reply.delta', 'transcript', 'turn.done'].sort(),
    );
  });

  test('partial transcripts, empty deltas, empty controls and errors without a turn are valid', () => {
    for (const message of [
      { type: 'transcript', turnId: 'a', text: 'what ti', final: false },
      { type: 'reply.delta', turnId: 'a', text: '' },
      { type: 'control' },
      { type: 'error', code: 'hello_required', message: 'send hello first' },
      { type: 'turn.done', turnId: 'a', outcome: 'superseded', timings: {} },
    ]) {
      expect(decodeObject(message)).toEqual({ ok: true, message });
    }
  });

  test.each(['answered', 'no_speech', 'cancelled', 'superseded', 'failed'])('turn.done outcome %s', (outcome) => {
    expect(decodeObject({ ...valid['turn.done'], outcome }).ok).toBe(true);
  });

  test.each(errorCodes)('error code %s is accepted', (code) => {
    expect(decodeObject({ type: 'error', code, message: 'm' }).ok).toBe(true);
  });

  test.each([
    ['hello without limits', { ...valid.hello, limits: undefined }],
    ['hello with maxTurnMs zero', { ...valid.hello, limits: { maxFrameBytes: 1, maxTurnMs: 0, inputFormats: [speech] } }],
    ['hello with an extra server field', { ...valid.hello, server: { name: 'p', version: '1', os: 'linux' } }],
    ['transcript without final', { type: 'transcript', turnId: 'a', text: 'x' }],
    ['transcript text a number', { type: 'transcript', turnId: 'a', text: 1, final: true }],
    ['reply.delta without text', { type: 'reply.delta', turnId: 'a' }],
    ['audio.end without turnId', { type: 'audio.end' }],
    ['turn.done with an unknown outcome', { ...valid['turn.done'], outcome: 'ok' }],
    ['turn.done without timings', { ...valid['turn.done'], timings: undefined }],
    ['turn.done with a negative timing', { ...valid['turn.done'], timings: { end: -1 } }],
    ['turn.done with a string timing', { ...valid['turn.done'], timings: { end: '10' } }],
    ['turn.done with a timing key over 64 chars', { ...valid['turn.done'], timings: { ['k'.repeat(65)]: 1 } }],
    ['control volume 101', { type: 'control', volume: 101 }],
    ['control volume fractional', { type: 'control', volume: 3.5 }],
    ['control with an unknown setting', { type: 'control', brightness: 3 }],
    ['error with an unknown code', { type: 'error', code: 'teapot', message: 'm' }],
    ['error without a message', { type: 'error', code: 'internal' }],
    ['error with a bad turnId', { type: 'error', code: 'internal', message: 'm', turnId: 'a b' }],
  ])('%s is invalid_message', (_name, message) => {
    expect(decodeObject(message)).toMatchObject({ ok: false, code: 'invalid_message' });
  });

  test.each([
    ['audio.start at 8 bits', { ...valid['audio.start'], format: { encoding: 'pcm_u8', sampleRateHz: 16000, channels: 1 } }],
    ['audio.start with 3 channels', { ...valid['audio.start'], format: { ...reply, channels: 3 } }],
    ['audio.start at 96 kHz', { ...valid['audio.start'], format: { ...reply, sampleRateHz: 96000 } }],
    ['hello with a 96 kHz input format', { ...valid.hello, limits: { ...hello.limits, inputFormats: [{ ...speech, sampleRateHz: 96000 }] } }],
  ])('%s is unsupported_format', (_name, message) => {
    expect(decodeObject(message)).toMatchObject({ ok: false, code: 'unsupported_format' });
  });

  test('device-only message types are unknown in this direction', () => {
    for (const type of ['turn.start', 'turn.end', 'turn.cancel', 'playback.done']) {
      expect(decodeObject({ type, turnId: 'a' })).toMatchObject({ ok: false, code: 'unknown_type' });
    }
  });

  test('a server hello is not a valid device hello', () => {
    expect(decodeDeviceMessage(encodeMessage(valid.hello))).toMatchObject({ ok: false, code: 'invalid_message' });
  });
});
