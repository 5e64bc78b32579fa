import { describe, expect, test } from 'vitest';
import { MAX_CONTROL_BYTES, decodeDeviceMessage, decodeServerMessage } from './codec.js';

const decoders = [
  ['device → server', decodeDeviceMessage],
  ['server → device', decodeServerMessage],
] as const;

describe.each(decoders)('%s: malformed text frames get an error, never an exception', (_direction, decode) => {
  test.each([
    ['empty', ''],
    ['truncated object', '{"type":"turn.end","turnId":"a"'],
    ['single quotes', "{'type':'turn.end'}"],
    ['trailing comma', '{"type":"turn.end","turnId":"a",}'],
    ['bare word', 'hello'],
    ['NaN', 'NaN'],
    ['two objects', '{"type":"turn.end","turnId":"a"}{"type":"turn.end","turnId":"a"}'],
  ])('bad JSON (%s) is bad_json', (_name, text) => {
    expect(decode(text)).toMatchObject({ ok: false, code: 'bad_json' });
  });

  test.each([
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"turn.end"'],
    ['true', 'true'],
    ['an array', '[{"type":"turn.end","turnId":"a"}]'],
    ['an empty array', '[]'],
  ])('a JSON value that is not an object (%s) is invalid_message', (_name, text) => {
    const result = decode(text);
    expect(result).toMatchObject({ ok: false, code: 'invalid_message' });
    if (!result.ok) expect(result.message).toMatch(/object/);
  });

  test.each([
    ['missing', '{"turnId":"a"}'],
    ['null', '{"type":null}'],
    ['a number', '{"type":1}'],
    ['an object', '{"type":{"name":"hello"}}'],
  ])('a type that is %s is invalid_message', (_name, text) => {
    const result = decode(text);
    expect(result).toMatchObject({ ok: false, code: 'invalid_message' });
    if (!result.ok) expect(result.message).toMatch(/type/);
  });

  test.each(['', 'Hello', 'turn.END', 'turn.start ', 'ping', '__proto__', 'constructor', 'toString'])(
    'unknown type %j is unknown_type',
    (type) => {
      expect(decode(JSON.stringify({ type }))).toMatchObject({ ok: false, code: 'unknown_type' });
    },
  );

  test('an unknown type is quoted back shortened', () => {
    const result = decode(JSON.stringify({ type: 'x'.repeat(1000) }));
    expect(result).toMatchObject({ ok: false, code: 'unknown_type' });
    if (!result.ok) expect(result.message.length).toBeLessThan(100);
  });

  test('a __proto__ key is an unrecognized field, not prototype pollution', () => {
    const result = decode('{"type":"audio.end","turnId":"a","__proto__":{"polluted":true}}');
    expect(result.ok).toBe(false);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  test('a 1 MB frame is rejected before it is parsed', () => {
    const text = `{"type":"reply.delta","turnId":"a","text":"${'x'.repeat(1 << 20)}"}`;
    const result = decode(text);
    expect(result).toMatchObject({ ok: false, code: 'invalid_message' });
    if (!result.ok) expect(result.message).toContain(String(MAX_CONTROL_BYTES));
  });

  test('garbage of any shape never throws', () => {
    const samples = ['{', '}', '[', '"', '\u0000', '{"type":"hello"}', '{"type":"hello","protocol":1e400}'];
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let n = 0; n < 300; n++) {
      let text = '';
      const len = Math.floor(random() * 60);
      for (let i = 0; i < len; i++) text += '{}[]":,abtype1 .\\'[Math.floor(random() * 17)];
      samples.push(text);
    }
    for (const text of samples) {
      const result = decode(text);
      expect(typeof result.ok).toBe('boolean');
    }
  });
});

describe('control message size limit', () => {
  const frame = (text: string): string => `{"type":"reply.delta","turnId":"a","text":"${text}"}`;
  const overhead = frame('').length;

  test('a frame of exactly MAX_CONTROL_BYTES ASCII bytes is accepted', () => {
    const text = frame('x'.repeat(MAX_CONTROL_BYTES - overhead));
    expect(text.length).toBe(MAX_CONTROL_BYTES);
    expect(decodeServerMessage(text).ok).toBe(true);
  });

  test('one byte more is rejected', () => {
    expect(decodeServerMessage(frame('x'.repeat(MAX_CONTROL_BYTES - overhead + 1)))).toMatchObject({
      ok: false,
      code: 'invalid_message',
    });
  });

  test('the limit counts UTF-8 bytes, not UTF-16 code units', () => {
    // 6000 × "é" is 6000 code units but 12000 bytes; 6000 × "€" is 18000 bytes; 3000 × "🎵" is 12000 bytes.
    expect(decodeServerMessage(frame('é'.repeat(6000))).ok).toBe(true);
    expect(decodeServerMessage(frame('€'.repeat(6000)))).toMatchObject({ ok: false, code: 'invalid_message' });
    expect(decodeServerMessage(frame('🎵'.repeat(3000))).ok).toBe(true);
    expect(decodeServerMessage(frame('🎵'.repeat(4100)))).toMatchObject({ ok: false, code: 'invalid_message' });
  });

  test('the multi-byte limit is exact', () => {
    const fill = MAX_CONTROL_BYTES - overhead; // bytes left for the text
    const exact = frame('€'.repeat(Math.floor(fill / 3)) + 'x'.repeat(fill % 3));
    expect(new TextEncoder().encode(exact).byteLength).toBe(MAX_CONTROL_BYTES);
    expect(decodeServerMessage(exact).ok).toBe(true);
    expect(decodeServerMessage(frame('€'.repeat(Math.floor(fill / 3)) + 'x'.repeat((fill % 3) + 1))).ok).toBe(false);
  });
});
