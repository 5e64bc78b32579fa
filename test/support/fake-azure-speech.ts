import type {
  AzureCancellation,
  AzureSpeechPorts,
  PushStreamPort,
  RecognizerPort,
  SynthesizerPort,
} from '../../server/src/providers/azure/ports.js';

/**
 * In-memory stand-ins for the Azure Speech SDK ports: they record what was written and whether close() was called,
 * and are driven by the test (emit a phrase, cancel, end the session, emit audio, complete a synthesis).
 */
export class FakeRecognizer implements RecognizerPort {
  onRecognized: ((text: string) => void) | undefined;
  onCanceled: ((c: AzureCancellation) => void) | undefined;
  onSessionStopped: (() => void) | undefined;
  started = false;
  stopped = false;
  closed = false;
  startContinuous(): Promise<void> {
    this.started = true;
    return Promise.resolve();
  }
  stopContinuous(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

export class FakePushStream implements PushStreamPort {
  readonly writes: ArrayBuffer[] = [];
  closed = false;
  /** Called when the push stream is closed (end of audio): script the service's answer here. */
  onClose: (() => void) | undefined;
  write(audio: ArrayBuffer): void {
    this.writes.push(audio);
  }
  close(): void {
    this.closed = true;
    this.onClose?.();
  }
}

export class FakeSynthesizer implements SynthesizerPort {
  onAudio: ((audio: ArrayBuffer) => void) | undefined;
  readonly spoken: string[] = [];
  closed = false;
  private pending: { resolve(): void; reject(c: AzureCancellation): void }[] = [];
  speakSsml(ssml: string): Promise<void> {
    this.spoken.push(ssml);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }
  /** Emits audio for the synthesis in progress. */
  audio(bytes: number[]): void {
    this.onAudio?.(new Uint8Array(bytes).buffer);
  }
  complete(): void {
    this.pending.shift()?.resolve();
  }
  cancel(c: AzureCancellation): void {
    this.pending.shift()?.reject(c);
  }
  get speaking(): number {
    return this.pending.length;
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

export class FakeAzurePorts implements AzureSpeechPorts {
  readonly recognizers: { recognizer: FakeRecognizer; push: FakePushStream; language: string }[] = [];
  readonly synthesizers: FakeSynthesizer[] = [];
  /** Runs for each new recognizer, to script it. */
  constructor(private readonly script: (r: FakeRecognizer, p: FakePushStream) => void = () => undefined) {}
  createRecognizer(options: { language: string }): { recognizer: RecognizerPort; push: PushStreamPort } {
    const recognizer = new FakeRecognizer();
    const push = new FakePushStream();
    this.recognizers.push({ recognizer, push, language: options.language });
    this.script(recognizer, push);
    return { recognizer, push };
  }
  createSynthesizer(): SynthesizerPort {
    const s = new FakeSynthesizer();
    this.synthesizers.push(s);
    return s;
  }
}
