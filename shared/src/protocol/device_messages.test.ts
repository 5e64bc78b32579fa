import { describe, expect, test } from 'vitest';
import { decodeDeviceMessage, decodeServerMessage, encodeMessage } from './codec.js';
import type { DeviceMessage } from './messages.js';
import { PROTOCOL_VERSION } from './messages.js';

const speech = { encoding: 'pcm_s16le', sampleRateHz: 16000, channels: 1 } as const;

/** One valid example of every device → server message, as a device would send it. */
const valid: Record<DeviceMessage['type'], DeviceMessage> = {
  hello: {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    device: { name: 'kitchen', version: '0.1.0' },
    capabilities: {
      playback: [speech, { encoding: 'pcm_s16le', sampleRateHz: 48000, channels: 2 }],
      features: ['volume', 'earcons'],
    },
    volume: 60,
  },
  'turn.start': { type: 'turn.start', turnId: 't-1', format: speech },
  'turn.end': { type: 'turn.end', turnId: 't-1' },
  'turn.cancel': { type: 'turn.cancel', turnId: 't-1' },
  'playback.done': { type: 'playback.done', turnId: 't-1', heardMs: 1234.5, interrupted: false },
};

function decodeObject(value: unknown): ReturnType<typeof decodeDeviceMessage> {
  return decodeDeviceMessage(JSON.stringify(value));
}

function expectError(text: string, code: string): void {
  const result = decodeDeviceMessage(text);
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.code).toBe(code);
    expect(result.message.length).toBeGreaterThan(0);
  }
}

describe('device → server messages', () => {
  test.each(Object.entries(valid))('%s round-trips through encode and decode', (_type, message) => {
    const text = encodeMessage(message);
    expect(JSON.parse(text)).toEqual(message);
    expect(decodeDeviceMessage(text)).toEqual({ ok: true, message });
  });

  test('every device message type has a fixture', () => {
    expect(Object.keys(valid).sort()).toEqual(['hello', 'playback.done', 'turn.cancel', 'turn.end', 'turn.start']);
  });

  test('hello: optional fields may be left out; features default to none', () => {
    const result = decodeObject({ type: 'hello', protocol: 1, capabilities: { playback: [speech] } });
    expect(result).toEqual({
      ok: true,
      message: { type: 'hello', protocol: 1, capabilities: { playback: [speech], features: [] } },
    });
  });

  test('hello: a newer protocol number still parses, so the server can answer protocol_version', () => {
    const result = decodeObject({ ...valid.hello, protocol: 2 });
    expect(result.ok && result.message.type === 'hello' && result.message.protocol).toBe(2);
  });

  test.each([
    ['protocol as a string', { protocol: '1' }],
    ['protocol zero', { protocol: 0 }],
    ['fractional protocol', { protocol: 1.5 }],
    ['volume over 100', { volume: 101 }],
    ['negative volume', { volume: -1 }],
    ['fractional volume', { volume: 50.5 }],
    ['no capabilities', { capabilities: undefined }],
    ['features not an array', { capabilities: { playback: [speech], features: 'volume' } }],
    ['extra field in device', { device: { name: 'x', serial: '123' } }],
    ['device name too long', { device: { name: 'x'.repeat(101) } }],
    ['extra top-level field', { token: 'secret' }],
  ])('hello with %s is invalid_message', (_name, patch) => {
    expectError(JSON.stringify({ ...valid.hello, ...patch }), 'invalid_message');
  });

  test.each([
    ['no playback formats', { playback: [], features: [] }],
    ['8-bit playback', { playback: [{ encoding: 'pcm_u8', sampleRateHz: 16000, channels: 1 }] }],
    ['3-channel playback', { playback: [{ ...speech, channels: 3 }] }],
    ['96 kHz playback', { playback: [speech, { ...speech, sampleRateHz: 96000 }] }],
  ])('hello with %s is unsupported_format', (_name, capabilities) => {
    expectError(JSON.stringify({ ...valid.hello, capabilities }), 'unsupported_format');
  });

  describe('turn.start formats', () => {
    test.each([8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000])('%i Hz mono is accepted', (sampleRateHz) => {
      expect(decodeObject({ ...valid['turn.start'], format: { ...speech, sampleRateHz } }).ok).toBe(true);
    });

    test('stereo is accepted', () => {
      expect(decodeObject({ ...valid['turn.start'], format: { ...speech, channels: 2 } }).ok).toBe(true);
    });

    test.each([
      ['8-bit unsigned', { encoding: 'pcm_u8', sampleRateHz: 16000, channels: 1 }],
      ['float', { encoding: 'pcm_f32le', sampleRateHz: 16000, channels: 1 }],
      ['big-endian', { encoding: 'pcm_s16be', sampleRateHz: 16000, channels: 1 }],
      ['a bit depth field', { ...speech, bitsPerSample: 8 }],
      ['3 channels', { ...speech, channels: 3 }],
      ['0 channels', { ...speech, channels: 0 }],
      ['96 kHz', { ...speech, sampleRateHz: 96000 }],
      ['4 kHz', { ...speech, sampleRateHz: 4000 }],
      ['fractional rate', { ...speech, sampleRateHz: 16000.5 }],
      ['rate as a string', { ...speech, sampleRateHz: '16000' }],
      ['no encoding', { sampleRateHz: 16000, channels: 1 }],
      ['a string format', 'pcm_s16le'],
      ['a missing format', undefined],
    ])('%s is unsupported_format', (_name, format) => {
      const result = decodeObject({ ...valid['turn.start'], format });
      expect(result).toMatchObject({ ok: false, code: 'unsupported_format' });
      if (!result.ok) expect(result.message).toMatch(/^invalid turn\.start at format/);
    });

    test('a bad turnId with a bad format is invalid_message: the message itself is malformed', () => {
      expectError(JSON.stringify({ type: 'turn.start', turnId: '', format: { ...speech, channels: 3 } }), 'invalid_message');
    });
  });

  describe('turnId', () => {
    test.each(['a', 'turn-1', 'T_2.3:4', '0', 'x'.repeat(64), '018f2c1e-6b7a-7cc0-9b1e-5d0c7a1f2e3d'])(
      'accepts %j',
      (turnId) => {
        for (const type of ['turn.end', 'turn.cancel'] as const) expect(decodeObject({ type, turnId }).ok).toBe(true);
      },
    );

    test.each([
      ['empty', ''],
      ['too long', 'x'.repeat(65)],
      ['a space', 'turn 1'],
      ['a slash', 'a/b'],
      ['non-ASCII', 'tūrn'],
      ['a number', 1],
      ['null', null],
      ['missing', undefined],
    ])('rejects %s', (_name, turnId) => {
      for (const type of ['turn.start', 'turn.end', 'turn.cancel', 'playback.done'] as const) {
        const message = { ...(valid[type] as object), turnId };
        expectError(JSON.stringify(message), 'invalid_message');
      }
    });
  });

  test.each([
    ['heardMs negative', { heardMs: -1 }],
    ['heardMs a string', { heardMs: '10' }],
    ['interrupted missing', { interrupted: undefined }],
    ['interrupted a string', { interrupted: 'no' }],
    ['an extra field', { heardBytes: 10 }],
  ])('playback.done with %s is invalid_message', (_name, patch) => {
    expectError(JSON.stringify({ ...valid['playback.done'], ...patch }), 'invalid_message');
  });

  test.each([
    ['turn.end', { type: 'turn.end', turnId: 'a', reason: 'released' }],
    ['turn.cancel', { type: 'turn.cancel', turnId: 'a', why: 1 }],
    ['turn.start', { type: 'turn.start', turnId: 'a', format: speech, language: 'en' }],
  ])('%s with an extra field is invalid_message and names it', (_name, message) => {
    const result = decodeObject(message);
    expect(result).toMatchObject({ ok: false, code: 'invalid_message' });
    if (!result.ok) expect(result.message).toMatch(/reason|why|language/);
  });

  test('server-only message types are unknown in this direction', () => {
    for (const type of ['transcript', 'reply.delta', 'audio.start', 'audio.end', 'turn.done', 'control', 'error']) {
      expectError(JSON.stringify({ type, turnId: 'a' }), 'unknown_type');
    }
  });

  test('a device hello is not a valid server hello and vice versa', () => {
    const text = encodeMessage(valid.hello);
    expect(decodeServerMessage(text)).toMatchObject({ ok: false, code: 'invalid_message' });
  });
});
