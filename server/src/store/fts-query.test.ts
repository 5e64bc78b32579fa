import { describe, expect, it } from 'vitest';
import { ftsQuery } from './fts-query.js';

describe('ftsQuery: typed text to a safe FTS5 query', () => {
  it('quotes words, ANDs them, and makes the last a prefix', () => {
    expect(ftsQuery('kitchen tim')).toBe('"kitchen" "tim"*');
    expect(ftsQuery('  Zażółć  ')).toBe('"Zażółć"*');
  });
  it('neutralises FTS5 syntax and punctuation', () => {
    expect(ftsQuery('a OR b NEAR(c) "d" -e *')).toBe('"a" "OR" "b" "NEAR" "c" "d" "e"*');
    expect(ftsQuery('"; DROP TABLE messages; --')).toBe('"DROP" "TABLE" "messages"*');
  });
  it('gives nothing for nothing', () => {
    expect(ftsQuery('')).toBe('');
    expect(ftsQuery('?!  ()')).toBe('');
  });
});
