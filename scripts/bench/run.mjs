#!/usr/bin/env node
// Runs every scripts/bench/*.bench.mjs (or those whose name contains an argument), prints one table and writes
// bench-results/latest.json. Each module exports `run()` resolving to rows
// { name, value, unit, target?, pass?, detail? }. Run through `npm run bench`, which builds first.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const all = [];
let failed = false;
for (const file of files) {
  const suite = file.replace(/\.bench\.mjs$/, '');
  process.stderr.write(`bench: ${suite} ...\n`);
  const started = performance.now();
  try {
    const mod = await import(join(here, file));
    const rows = await mod.run();
    for (const row of rows) all.push({ suite, ...row });
    process.stderr.write(`bench: ${suite} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (err) {
    failed = true;
    all.push({ suite, name: 'error', value: NaN, unit: '', detail: String(err?.stack ?? err) });
    process.stderr.write(`bench: ${suite} FAILED: ${err?.stack ?? err}\n`);
  }
}

const cols = ['suite', 'name', 'value', 'unit', 'target', 'pass'];
const cells = all.map((r) => [r.suite, r.name, fmt(r.value), r.unit ?? '', r.target ?? '', r.pass === undefined ? '' : r.pass ? 'yes' : 'NO']);
const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
const line = (row) => row.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log(line(cols));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of cells) console.log(line(row));

const out = join(here, '..', '..', 'bench-results');
mkdirSync(out, { recursive: true });
const report = {
  at: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  results: all,
};
writeFileSync(join(out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwritten: bench-results/latest.json`);
if (failed) process.exitCode = 1;

function fmt(v) {
  if (typeof v !== 'number' || Number.isNaN(v)) return String(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
