/**
 * Reads a pocketsphinx decoder's log (its stderr) as it streams in: the cepstral mean of the audio it decoded (the
 * last `cmn_live ... Update to < ... >` line, written at the end of each utterance), how many frames it searched,
 * and the last few kilobytes for error messages. Lines may arrive cut at any point.
 */
export class DecoderLog {
  /** The cepstral mean of everything decoded so far, once an utterance has ended. */
  mean: number[] | undefined;
  /** Frames searched, summed over utterances. */
  frames = 0;
  private partial = '';
  private kept = '';

  constructor(private readonly tailChars = 4096) {}

  push(text: string): void {
    this.kept = (this.kept + text).slice(-this.tailChars);
    const lines = (this.partial + text).split('\n');
    this.partial = (lines.pop() as string).slice(-this.tailChars);
    for (const line of lines) this.read(line);
  }

  /** The last `tailChars` characters of the log. */
  get tail(): string {
    return this.kept;
  }

  private read(line: string): void {
    const update = /Update to\s+<([^>]*)>/.exec(line);
    if (update) {
      const values = (update[1] as string).trim().split(/\s+/).map(Number);
      if (values.length > 0 && values.every(Number.isFinite)) this.mean = values;
      return;
    }
    const search = /fsg_search\.c\(\d+\): (\d+) frames,/.exec(line);
    if (search) this.frames += Number(search[1]);
  }
}
