/**
 * British (non-rhotic, RP-like) pronunciations for the grammar's dictionary. The CMU dictionary and the en-us
 * acoustic model are American: "start" is S T AA R T, "forget" F ER G EH T. A British speaker says "stat", "fuh-get",
 * "ahsk"; the decoder then finds no cheap path through the command and the garbage loop wins (a rejection). Each
 * command word gets one more pronunciation with these rules applied:
 *
 * - non-rhotic: an R after a vowel and not before one is dropped (after IH, IY, UH it leaves a schwa, AH: "here",
 *   "near", "tour"); ER not before a vowel becomes AH ("louder", "percent", "forget");
 * - the BATH vowel: AE becomes AA before F, S or TH that end the word or precede a consonant ("ask", "last", "half"),
 *   and before N T or N CH ("can't", "branch"). RP's BATH set is a list of words, not a rule: "gas" would be
 *   changed wrongly (no command word is such a case), and "answer" or "dance" (N S) are left with AE so that
 *   "cancel" keeps it.
 *
 * An R or ER before a vowel stays: linking R ("every", "forever") is pronounced in British English too.
 * Five of the eight espeak-ng voices the corpora are rendered with are British. On the large development corpus
 * (330 commands), right skill went from 81.8 to 85.2 % with every turn on a new device and from 87.0 to 89.4 % with
 * each voice one device (false accepts 14.8 → 15.6 % and 9.6 → 11.1 %), measured before the other changes of that
 * session (garbage loop phones, duration check).
 */

const VOWELS = new Set(['AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'EH', 'ER', 'EY', 'IH', 'IY', 'OW', 'OY', 'UH', 'UW']);
const BATH_FRICATIVES = new Set(['F', 'S', 'TH']);
const BATH_AFTER_N = new Set(['T', 'CH']);
const CENTRING = new Set(['IH', 'IY', 'UH']);

/** The British form of one CMU pronunciation (space-separated phones); the same string when no rule applies. */
export function britishPronunciation(pronunciation: string): string {
  const phones = pronunciation.trim().split(/\s+/);
  const out: string[] = [];
  const isVowel = (p: string | undefined): boolean => p !== undefined && VOWELS.has(p);
  phones.forEach((p, i) => {
    const prev = phones[i - 1];
    const next = phones[i + 1];
    const after = phones[i + 2];
    if (p === 'R' && isVowel(prev) && !isVowel(next)) {
      if (CENTRING.has(prev as string)) out.push('AH');
      return;
    }
    if (p === 'ER' && !isVowel(next) && next !== 'R') return void out.push('AH');
    if (p === 'AE' && next !== undefined) {
      const bathFricative = BATH_FRICATIVES.has(next) && !isVowel(after);
      const bathNasal = next === 'N' && after !== undefined && BATH_AFTER_N.has(after);
      if (bathFricative || bathNasal) return void out.push('AA');
    }
    out.push(p);
  });
  return out.join(' ');
}

/** `pronunciations` followed by the British forms that differ from all of them. */
export function withBritishPronunciations(pronunciations: readonly string[]): string[] {
  const all = [...pronunciations];
  for (const p of pronunciations) {
    const british = britishPronunciation(p);
    if (!all.includes(british)) all.push(british);
  }
  return all;
}
