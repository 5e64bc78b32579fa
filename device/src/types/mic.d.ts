// mic ships no types. Only what audio/mic-source.ts uses is declared.
declare module 'mic' {
  import type { Transform } from 'node:stream';

  export interface MicOptions {
    rate?: string;
    channels?: string;
    bitwidth?: string;
    encoding?: 'signed-integer' | 'unsigned-integer';
    endian?: 'little' | 'big';
    /** ALSA device; the library's default is `plughw:1,0`, so always pass one. */
    device?: string;
    exitOnSilence?: number;
    fileType?: string;
    debug?: boolean;
  }

  export interface MicInstance {
    start(): void;
    stop(): void;
    /** Emits `data`, `error`, and `audioProcessExitComplete` when arecord exits with a code (not a signal). */
    getAudioStream(): Transform;
  }

  /** The package is CommonJS: `module.exports = mic`. */
  const mic: (options?: MicOptions) => MicInstance;
  export default mic;
}
