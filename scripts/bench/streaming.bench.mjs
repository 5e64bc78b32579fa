// Streaming replies: a stand-in LLM (loopback HTTP, Chat Completions SSE) writes a three-sentence reply at 20 tokens/s,
// a stand-in TTS takes 100 ms per sentence. Through the real Turn, time from turn.end to the first reply audio and to
// the last, for the streaming pipeline (sentences spoken while the LLM writes) and, in the same run, for
// buffer-then-speak (the whole LLM reply first, then TTS: how seed 003's backend worked). Medians over several runs.
// Target: first audio within the first sentence's generation time + one TTS call + 10 ms.
import { createServer } from 'node:http';
import { SPEECH_FORMAT } from '../../shared/dist/index.js';
import { Turn } from '../../server/dist/pipeline/turn.js';
import { LlmBrain } from '../../server/dist/brain/llm.js';
import { createOpenAiClient } from '../../server/dist/providers/llm/clients.js';
import { OpenAiChatModel } from '../../server/dist/providers/llm/openai-chat.js';
import { FakeStt } from '../../server/dist/testing/fakes.js';
import { median, round } from './stats.mjs';

const RUNS = Number(process.env.BENCH_STREAMING_RUNS ?? 5);
const TOKEN_MS = 50; // 20 tokens/s
const TTS_MS = 100;
// Tokenised like a BPE model: leading spaces on words, punctuation on its own.
const REPLY = [
  ['The', ' moon', ' is', ' about', ' three', ' hundred', ' eighty', ' thousand', ' kilometres', ' away', '.'],
  [' Light', ' from', ' it', ' reaches', ' us', ' in', ' a', ' little', ' over', ' a', ' second', '.'],
  [' It', ' always', ' shows', ' us', ' the', ' same', ' face', '.'],
];
const TOKENS = REPLY.flat();
const FIRST_SENTENCE_TOKENS = REPLY[0].length;

export async function run() {
  const llm = await startLlm();
  try {
    const streaming = [];
    const buffered = [];
    await measure('streaming', llm); // warm-up: connection, JIT
    for (let i = 0; i < RUNS; i++) {
      streaming.push(await measure('streaming', llm));
      buffered.push(await measure('buffered', llm));
    }
    const m = (list, key) => round(median(list.map((r) => r[key])), 1);
    const firstSentenceMs = m(streaming, 'firstSentenceMs');
    const target = firstSentenceMs + TTS_MS + 10;
    const first = m(streaming, 'firstAudioMs');
    // The segmenter can only call "away." a sentence end once the next character arrives (" Light"): one token later.
    const overhead = round(median(streaming.map((r) => r.firstAudioMs - r.sentenceCertainMs - TTS_MS)), 1);
    return [
      { name: 'LLM: first sentence generated (its last token sent)', value: firstSentenceMs, unit: 'ms' },
      { name: 'LLM: whole reply generated', value: m(streaming, 'llmDoneMs'), unit: 'ms' },
      { name: 'streaming: first reply audio', value: first, unit: 'ms', target: `<= ${round(target, 1)}`, pass: first <= target },
      { name: 'LLM: first sentence certain (next token sent)', value: m(streaming, 'sentenceCertainMs'), unit: 'ms' },
      { name: 'streaming: first audio - (sentence certain + one TTS call)', value: overhead, unit: 'ms', target: '<= 10', pass: overhead <= 10 },
      { name: 'streaming: full reply audio', value: m(streaming, 'lastAudioMs'), unit: 'ms' },
      { name: 'buffer-then-speak: first reply audio', value: m(buffered, 'firstAudioMs'), unit: 'ms' },
      { name: 'buffer-then-speak: full reply audio', value: m(buffered, 'lastAudioMs'), unit: 'ms' },
      { name: 'first audio saved by streaming', value: round(m(buffered, 'firstAudioMs') - first, 1), unit: 'ms' },
      { name: 'runs (median of)', value: RUNS, unit: 'runs' },
    ];
  } finally {
    await llm.close();
  }
}

/** One turn through the real Turn; times are ms since turn.end(). */
async function measure(mode, llm) {
  const model = new OpenAiChatModel({ client: createOpenAiClient({ baseUrl: `${llm.url}/v1` }), model: 'standin' });
  const llmBrain = new LlmBrain({ model, history: { maxChars: 0, maxMessages: 0 } });
  const brain = mode === 'streaming' ? llmBrain : bufferingBrain(llmBrain);
  let firstAudio;
  let lastAudio;
  const sink = {
    send() {},
    sendAudio() {
      const now = performance.now();
      firstAudio ??= now;
      lastAudio = now;
      return Promise.resolve();
    },
  };
  const turn = new Turn({ stt: new FakeStt(() => ({ text: 'tell me about the moon' })), brain, tts: new SlowTts() }, sink, {
    id: `${mode}-${Math.random()}`,
    format: SPEECH_FORMAT,
    playback: [SPEECH_FORMAT],
    context: { volume: 50 },
  });
  turn.write(new Uint8Array(640));
  const started = performance.now();
  llm.marks = {};
  const result = await turn.end();
  if (result.outcome !== 'answered') throw new Error(`turn ${result.outcome}: ${result.error?.message}`);
  return {
    firstAudioMs: firstAudio - started,
    lastAudioMs: lastAudio - started,
    firstSentenceMs: llm.marks.firstSentence - started,
    sentenceCertainMs: llm.marks.sentenceCertain - started,
    llmDoneMs: llm.marks.done - started,
  };
}

/** The buffer-then-speak baseline: waits for the whole LLM reply, then hands it on in one piece. */
function bufferingBrain(inner) {
  return {
    async reply(request, signal) {
      const reply = await inner.reply(request, signal);
      let whole = '';
      for await (const delta of reply.text) whole += delta;
      return { ...reply, text: (async function* () { yield whole; })() };
    },
  };
}

/** 100 ms per sentence, then 0.5 s of audio in 40 ms chunks. */
class SlowTts {
  name = 'slow-tts';
  synthesize(text, signal) {
    async function* chunks() {
      await new Promise((r) => setTimeout(r, TTS_MS));
      for (let i = 0; i < 12 && !signal.aborted; i++) yield new Uint8Array(1280);
    }
    return { format: SPEECH_FORMAT, chunks: chunks() };
  }
}

async function startLlm() {
  const state = { marks: {} };
  const server = createServer(async (req, res) => {
    for await (const _ of req);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    const t0 = performance.now();
    for (let i = 0; i < TOKENS.length; i++) {
      // Paced on the clock from the first token, so timer drift does not accumulate.
      const due = t0 + i * TOKEN_MS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      res.write(`data: ${JSON.stringify({ id: 'b', object: 'chat.completion.chunk', created: 1, model: 'standin', choices: [{ index: 0, delta: { content: TOKENS[i] }, finish_reason: null }] })}\n\n`);
      if (i === FIRST_SENTENCE_TOKENS - 1) state.marks.firstSentence = performance.now();
      if (i === FIRST_SENTENCE_TOKENS) state.marks.sentenceCertain = performance.now();
    }
    res.write('data: [DONE]\n\n');
    res.end();
    state.marks.done = performance.now();
  });
  server.on('connection', (s) => s.setNoDelay(true));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  });
}
