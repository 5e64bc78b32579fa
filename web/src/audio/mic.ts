/**
 * The browser microphone as 16 kHz mono 16-bit PCM in 20 ms frames: an AudioContext at 16 kHz (the browser
 * resamples) and an AudioWorklet (/mic-worklet.js) that converts to integers. The stream is opened on the first
 * press (the browser asks for permission then) and kept, so later presses start at once.
 */
export class Microphone {
  private context: AudioContext | undefined;
  private node: AudioWorkletNode | undefined;
  private source: MediaStreamAudioSourceNode | undefined;
  private onFrame: ((pcm: ArrayBuffer) => void) | undefined;

  async start(onFrame: (pcm: ArrayBuffer) => void): Promise<void> {
    this.onFrame = onFrame;
    if (!this.context) {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } });
      const context = new AudioContext({ sampleRate: 16000 });
      await context.audioWorklet.addModule('/mic-worklet.js');
      this.source = context.createMediaStreamSource(stream);
      this.node = new AudioWorkletNode(context, 'pcm-capture');
      this.node.port.onmessage = (e: MessageEvent<ArrayBuffer>) => this.onFrame?.(e.data);
      this.source.connect(this.node);
      this.context = context;
    }
    await this.context.resume();
  }

  stop(): void {
    this.onFrame = undefined;
    void this.context?.suspend();
  }
}
