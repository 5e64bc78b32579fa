// History store at household-years scale: 10,000 conversations and 200,000 messages in SQLite (WAL, FTS5), then
// full-text search (target p95 < 30 ms) and the conversation list (target p95 < 20 ms), each timed through the
// store's async API as the server calls it. Env: BENCH_CONVERSATIONS (10000), BENCH_MESSAGES_PER (20).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openStore } from '../../server/dist/store/sqlite.js';
import { conversationCursor } from '../../server/dist/store/store.js';
import { percentile, round } from './stats.mjs';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 10_000);
const PER = Number(process.env.BENCH_MESSAGES_PER ?? 20);
const QUERIES = 300;

// A vocabulary with a Zipf-like spread: a few words in most messages, most words rare, like real chat.
const COMMON = 'the a is it to and of you what i in that for on with this be can how time will me my please tell'.split(' ');
const TOPICS =
  'weather rain sunny tomorrow kitchen timer pasta recipe music volume song alarm morning meeting calendar birthday ' +
  'garden tomatoes train station ticket holiday beach mountain lamp lights heating window shopping milk bread eggs ' +
  'coffee tea football score news story joke dinosaur planet moon rocket homework math spelling poem translate polish ' +
  'english french dog cat walk doctor appointment medicine reminder battery charger router password movie cinema book ' +
  'library bicycle repair bus airport flight suitcase passport hotel museum painting guitar piano lesson exercise yoga';
const TOPIC = TOPICS.split(' ');
const RARE = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}x${(i * 7919).toString(36)}`);

let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (list) => list[Math.floor(rand() * list.length)];
function sentence(words) {
  const out = [];
  for (let i = 0; i < words; i++) {
    const r = rand();
    out.push(r < 0.55 ? pick(COMMON) : r < 0.95 ? pick(TOPIC) : pick(RARE));
  }
  const s = out.join(' ');
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'pichat-bench-history-'));
  const store = openStore(dir);
  try {
    const seedStarted = performance.now();
    const db = store.db;
    const insertConversation = db.prepare('INSERT INTO conversations (id, title, created_at, last_message_at, device_id, message_count) VALUES (?, ?, ?, ?, ?, ?)');
    const insertMessage = db.prepare(
      'INSERT INTO messages (conversation_id, role, text, source, device_id, created_at, interrupted, turn_id, timings, handler, outcome) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)',
    );
    const start = Date.now() - CONVERSATIONS * 3_600_000;
    db.transaction(() => {
      for (let c = 0; c < CONVERSATIONS; c++) {
        const id = randomUUID();
        const t0 = start + c * 3_600_000;
        const device = c % 3 === 0 ? null : 'dev_bench';
        insertConversation.run(id, sentence(4), t0, t0 + PER * 5000, device, PER);
        for (let m = 0; m < PER; m++) {
          const user = m % 2 === 0;
          insertMessage.run(
            id,
            user ? 'user' : 'assistant',
            sentence(user ? 6 + Math.floor(rand() * 6) : 12 + Math.floor(rand() * 20)),
            device ? 'device' : 'web',
            device,
            t0 + m * 5000,
            `t${c}-${m >> 1}`,
            user ? null : '{"start":0,"end":1200,"sttFinal":1350,"brainFirstText":1600,"firstAudioSent":1800,"done":4200}',
            user ? null : 'llm',
            user ? null : 'answered',
          );
        }
      }
    })();
    const seedMs = performance.now() - seedStarted;
    const messages = db.prepare('SELECT count(*) AS n FROM messages').get().n;

    const queries = [];
    for (let i = 0; i < QUERIES; i++) {
      const kind = i % 5;
      if (kind === 0) queries.push(pick(TOPIC)); // a topic word: thousands of matches
      else if (kind === 1) queries.push(`${pick(TOPIC)} ${pick(TOPIC)}`); // two words
      else if (kind === 2) queries.push(pick(TOPIC).slice(0, 3)); // a prefix while typing
      else if (kind === 3) queries.push(pick(RARE)); // a rare word
      else queries.push(pick(COMMON)); // a very common word
    }
    for (const q of queries.slice(0, 20)) await store.search(q); // warm the page cache
    const searchMs = [];
    let hits = 0;
    for (const q of queries) {
      const t = performance.now();
      hits += (await store.search(q, { limit: 50 })).length;
      searchMs.push(performance.now() - t);
    }

    const listMs = [];
    let cursor;
    for (let i = 0; i < QUERIES; i++) {
      const t = performance.now();
      const page = await store.listConversations({ limit: 50, ...(i % 3 === 0 || !cursor ? {} : { before: cursor }) });
      listMs.push(performance.now() - t);
      const last = page[page.length - 1];
      cursor = last ? conversationCursor(last) : undefined;
    }
    const openMs = [];
    const ids = db.prepare('SELECT id FROM conversations ORDER BY random() LIMIT 100').all().map((r) => r.id);
    for (const id of ids) {
      const t = performance.now();
      await store.getConversation(id);
      await store.listMessages(id);
      openMs.push(performance.now() - t);
    }

    const s95 = percentile(searchMs, 95);
    const l95 = percentile(listMs, 95);
    return [
      { name: 'conversations', value: CONVERSATIONS, unit: 'rows' },
      { name: 'messages', value: messages, unit: 'rows' },
      { name: 'seed time', value: round(seedMs / 1000, 1), unit: 's' },
      { name: 'full-text search p50', value: round(percentile(searchMs, 50)), unit: 'ms' },
      { name: 'full-text search p95', value: round(s95), unit: 'ms', target: '< 30', pass: s95 < 30 },
      { name: 'full-text search hits/query', value: round(hits / QUERIES, 1), unit: 'hits' },
      { name: 'conversation list p50', value: round(percentile(listMs, 50)), unit: 'ms' },
      { name: 'conversation list p95', value: round(l95), unit: 'ms', target: '< 20', pass: l95 < 20 },
      { name: 'open conversation (20 messages) p95', value: round(percentile(openMs, 95)), unit: 'ms' },
    ];
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run());
