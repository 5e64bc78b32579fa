// node-record-lpcm16 ships no types. Only what capture.ts uses is declared.
declare module 'node-record-lpcm16' {
  import type { ChildProcess } from 'node:child_process';
  import type { Readable } from 'node:stream';

  export interface RecordOptions {
    sampleRate?: number;
    channels?: number;
    threshold?: number;
    recorder?: 'sox' | 'rec' | 'arecord';
    audioType?: 'wav' | 'raw';
    device?: string | null;
    endOnSilence?: boolean;
  }

  export interface Recording {
    /** The recorder child process; its `error` (spawn ENOENT) is not handled by the library. */
    readonly process: ChildProcess;
    stream(): Readable;
    stop(): void;
  }

  /** The package is CommonJS: `module.exports = { record }`. */
  const lpcm16: { record(options?: RecordOptions): Recording };
  export default lpcm16;
}
