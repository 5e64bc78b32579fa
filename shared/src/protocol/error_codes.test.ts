import { describe, expect, test } from 'vitest';
import { CLOSE_CODES, ERROR_CODES, ProtocolError, errorCodes } from './errors.js';

describe('protocol error codes', () => {
  test('the code list is the table, in order', () => {
    expect(errorCodes).toEqual(Object.keys(ERROR_CODES));
  });

  test('codes are stable snake_case identifiers', () => {
    for (const code of errorCodes) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  test('closing codes: unauthorized 4401, protocol_version 4400, server_busy 1013; others keep the socket open', () => {
    const closing = Object.fromEntries(
      Object.entries(ERROR_CODES)
        .filter(([, v]) => v.closeCode !== undefined)
        .map(([k, v]) => [k, v.closeCode]),
    );
    expect(closing).toEqual({ unauthorized: 4401, protocol_version: 4400, server_busy: 1013 });
  });

  test('provider failures, no_speech, server_busy and internal are retryable; input errors are not', () => {
    const retryable = errorCodes.filter((c) => ERROR_CODES[c].retryable).sort();
    expect(retryable).toEqual(['brain_failed', 'internal', 'no_speech', 'server_busy', 'stt_failed', 'tts_failed']);
  });

  test('application close codes are in the private range and distinct', () => {
    const codes = [
      ...Object.values(ERROR_CODES).flatMap((v) => (v.closeCode === undefined ? [] : [v.closeCode])),
      ...Object.values(CLOSE_CODES),
    ];
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code < 1016 || (code >= 4000 && code <= 4999)).toBe(true);
  });

  test('ProtocolError carries its code, turn and retryability', () => {
    const err = new ProtocolError('stt_failed', 'recognizer crashed', 't-1');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ProtocolError');
    expect(err.code).toBe('stt_failed');
    expect(err.turnId).toBe('t-1');
    expect(err.retryable).toBe(true);
    expect(new ProtocolError('bad_json', 'x').retryable).toBe(false);
  });
});
