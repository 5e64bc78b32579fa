import * as sdk from 'microsoft-cognitiveservices-speech-sdk';
import type { AudioFormat } from '@pichat/shared';
import type { AzureCancelCode, AzureCancellation, AzureSpeechPorts, RecognizerPort, SynthesizerPort } from './ports.js';

export interface AzureSpeechCredentials {
  key: string;
  /** e.g. westeurope; used when no endpoint is given. */
  region?: string;
  /** Overrides the region: a custom or container endpoint (wss://… or ws://host:port/…). */
  endpoint?: string;
}

/** The real ports over microsoft-cognitiveservices-speech-sdk. */
export function sdkSpeechPorts(credentials: AzureSpeechCredentials): AzureSpeechPorts {
  const config = (): sdk.SpeechConfig => {
    if (credentials.endpoint) return sdk.SpeechConfig.fromEndpoint(new URL(credentials.endpoint), credentials.key);
    if (!credentials.region) throw new Error('Azure Speech needs a region or an endpoint');
    return sdk.SpeechConfig.fromSubscription(credentials.key, credentials.region);
  };
  return {
    createRecognizer({ language, format }: { language: string; format: AudioFormat }) {
      const speechConfig = config();
      speechConfig.speechRecognitionLanguage = language;
      const push = sdk.AudioInputStream.createPushStream(sdk.AudioStreamFormat.getWaveFormatPCM(format.sampleRateHz, 16, format.channels));
      const recognizer = new sdk.SpeechRecognizer(speechConfig, sdk.AudioConfig.fromStreamInput(push));
      const port: RecognizerPort = {
        onRecognized: undefined,
        onCanceled: undefined,
        onSessionStopped: undefined,
        startContinuous: () => new Promise((resolve, reject) => recognizer.startContinuousRecognitionAsync(resolve, (e) => reject(new Error(e)))),
        stopContinuous: () => new Promise((resolve, reject) => recognizer.stopContinuousRecognitionAsync(resolve, (e) => reject(new Error(e)))),
        close: () => new Promise((resolve) => recognizer.close(resolve, () => resolve())),
      };
      recognizer.recognized = (_s, e) => {
        if (e.result.reason === sdk.ResultReason.RecognizedSpeech && e.result.text) port.onRecognized?.(e.result.text);
      };
      recognizer.canceled = (_s, e) => port.onCanceled?.(cancellation(e.reason, e.errorCode, e.errorDetails));
      recognizer.sessionStopped = () => port.onSessionStopped?.();
      return { recognizer: port, push: { write: (audio) => push.write(audio), close: () => push.close() } };
    },
    createSynthesizer() {
      const speechConfig = config();
      speechConfig.speechSynthesisOutputFormat = sdk.SpeechSynthesisOutputFormat.Raw16Khz16BitMonoPcm;
      // audioConfig null: no playback by the SDK, audio only through events and results.
      const synthesizer = new sdk.SpeechSynthesizer(speechConfig, null);
      const port: SynthesizerPort = {
        onAudio: undefined,
        speakSsml: (ssml) =>
          new Promise<void>((resolve, reject) => {
            synthesizer.speakSsmlAsync(
              ssml,
              (result) => {
                if (result.reason === sdk.ResultReason.SynthesizingAudioCompleted) resolve();
                else {
                  const details = sdk.CancellationDetails.fromResult(result);
                  reject(cancellation(details.reason, details.ErrorCode, details.errorDetails));
                }
              },
              (e) => reject({ code: 'runtime_error', details: e } satisfies AzureCancellation),
            );
          }),
        close: () => new Promise((resolve) => synthesizer.close(resolve, () => resolve())),
      };
      synthesizer.synthesizing = (_s, e) => {
        if (e.result.audioData && e.result.audioData.byteLength > 0) port.onAudio?.(e.result.audioData);
      };
      return port;
    },
  };
}

function cancellation(reason: sdk.CancellationReason, code: sdk.CancellationErrorCode, details: string | undefined): AzureCancellation {
  if (reason === sdk.CancellationReason.EndOfStream) return { code: 'end_of_stream', details: '' };
  const map: Partial<Record<sdk.CancellationErrorCode, AzureCancelCode>> = {
    [sdk.CancellationErrorCode.ConnectionFailure]: 'connection_failure',
    [sdk.CancellationErrorCode.AuthenticationFailure]: 'authentication_failure',
    [sdk.CancellationErrorCode.Forbidden]: 'forbidden',
    [sdk.CancellationErrorCode.TooManyRequests]: 'too_many_requests',
    [sdk.CancellationErrorCode.ServiceTimeout]: 'service_timeout',
    [sdk.CancellationErrorCode.ServiceError]: 'service_error',
    [sdk.CancellationErrorCode.BadRequestParameters]: 'bad_request',
    [sdk.CancellationErrorCode.RuntimeError]: 'runtime_error',
  };
  return { code: map[code] ?? 'unknown', details: (details ?? '').split('\n')[0]!.slice(0, 200) };
}
