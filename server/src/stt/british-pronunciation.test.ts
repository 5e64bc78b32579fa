import { describe, expect, it } from 'vitest';
import { britishPronunciation, withBritishPronunciations } from './british-pronunciation.js';

describe('British pronunciations', () => {
  it('drops an R that follows a vowel and precedes none', () => {
    expect(britishPronunciation('S T AA R T')).toBe('S T AA T'); // start
    expect(britishPronunciation('F AO R')).toBe('F AO'); // four
    expect(britishPronunciation('DH EH R')).toBe('DH EH'); // there
  });

  it('leaves a schwa where the R closed IH, IY or UH', () => {
    expect(britishPronunciation('HH IY R')).toBe('HH IY AH'); // here
    expect(britishPronunciation('T UH R')).toBe('T UH AH'); // tour
  });

  it('turns ER into AH unless a vowel follows', () => {
    expect(britishPronunciation('F ER G EH T')).toBe('F AH G EH T'); // forget
    expect(britishPronunciation('L AW D ER')).toBe('L AW D AH'); // louder
    expect(britishPronunciation('EH V ER IY')).toBe('EH V ER IY'); // every: linking R stays
  });

  it('keeps an R before a vowel', () => {
    expect(britishPronunciation('R IH P IY T')).toBe('R IH P IY T'); // repeat
    expect(britishPronunciation('S T AO R IY')).toBe('S T AO R IY'); // story
  });

  it('gives BATH words the long AA, and TRAP words keep AE', () => {
    expect(britishPronunciation('AE S K')).toBe('AA S K'); // ask
    expect(britishPronunciation('L AE S T')).toBe('L AA S T'); // last
    expect(britishPronunciation('K AE N T')).toBe('K AA N T'); // can't
    expect(britishPronunciation('K AE N S AH L')).toBe('K AE N S AH L'); // cancel
    expect(britishPronunciation('CH AE T')).toBe('CH AE T'); // chat
    expect(britishPronunciation('K AE N')).toBe('K AE N'); // can
    expect(britishPronunciation('M AE S IH V')).toBe('M AE S IH V'); // massive: S before a vowel
  });

  it('adds only forms that differ from every pronunciation the word has', () => {
    expect(withBritishPronunciations(['AW ER', 'AW R', 'AA R'])).toEqual(['AW ER', 'AW R', 'AA R', 'AW AH', 'AW', 'AA']);
    expect(withBritishPronunciations(['T AY M'])).toEqual(['T AY M']);
    expect(withBritishPronunciations(['F AO R', 'F AO'])).toEqual(['F AO R', 'F AO']);
  });
});
