// The offline recogniser's second pass: which rejected turns it decodes again (pocketsphinx.ts runs it). Apart from
// the recogniser so that the server's configuration can name the modes without loading the decoder's code.

/**
 * Which rejected turns the second pass (SecondPass in pocketsphinx.ts) decodes again:
 *   - `duration`: those the duration check rejected (the decoder heard a command, with a word squeezed);
 *   - `all`: those too that the garbage loop explained better than any command;
 *   - `off`: none.
 */
export const SECOND_PASS_MODES = ['off', 'duration', 'all'] as const;
export type SecondPassMode = (typeof SECOND_PASS_MODES)[number];

/**
 * Default second pass. Each kind of rejection decoded again, on the development corpora (each voice one device; right
 * skill / false accepts), against no second pass: turns the duration check rejected, 98.2 / 11.1 % unchanged on the
 * first and 96.4 / 7.4 % against 95.8 / 7.4 % on the large one (2 more of 330 commands, no more of 135 other
 * sentences); every rejected turn, 97.3 / 8.1 % there (5 more commands, 1 more sentence taken; with the first pass's
 * garbage loop, see SECOND_PASS_GARBAGE_FACTOR in pocketsphinx.ts: 97.6 / 10.4 %). A turn the duration check rejects is one where the
 * decoder did follow a command but timed a word too short for it: other speech forced onto a command, or a command
 * whose words a misleading microphone mean blurred, which the turn's own mean (and the second pass's stronger garbage
 * loop) tells apart. A turn the garbage loop explained is as likely other speech that a second look forces onto a
 * command ("find my keys" → "volume nine please"), so decoding those again is not a free gain: `all` suits a device
 * that mostly hears commands, not one whose other speech should reach the LLM, and is left to the operator. Measured
 * after that choice, on the benchmark's corpus and on a fresh draw of it (PICHAT_RECOGNITION_CORPUS=check): README.
 */
export const DEFAULT_SECOND_PASS: SecondPassMode = 'duration';
