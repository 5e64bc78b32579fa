#!/usr/bin/env node
// A child process that writes to a PiChat store as fast as it can and prints each acknowledged message id on its
// own line (only after addMessage resolved, i.e. the transaction committed). Used by the durability tests.
// argv: <dataDir> <conversationId> <count> <tag>
import { SqliteStore } from '../../server/dist/store/sqlite.js';
import { join } from 'node:path';

const [dir, conversationId, count, tag] = process.argv.slice(2);
const store = new SqliteStore(join(dir, 'pichat.db'));
for (let i = 0; i < Number(count); i++) {
  const m = await store.addMessage({ conversationId, role: 'user', text: `${tag} message ${i}`, source: 'web' });
  process.stdout.write(`${m.id}\n`);
}
store.close();
