#!/usr/bin/env node
// @ts-check
/**
 * Two builds of logveil side by side in one process: each batch of a corpus goes through build A's
 * `processBatch`, then through build B's, with the built-in packs and routing rules, so the drift
 * of the machine falls on both alike. Prints, per round, each build's MB/s and B's speed over A's.
 * Copy `dist/` aside before a change (`cp -r dist /tmp/before`), build, and compare:
 *
 *   node bench/compare-builds.mjs /tmp/before dist [--corpus FILE | --size 20MB] [--rounds 4] [--batch 256KB]
 *
 * Without --corpus, the benchmark's seeded JSON-lines corpus of --size (made if missing).
 *
 * The first round warms both up. Run it twice with A and B swapped: the one that goes second in a
 * pair finds the caches warmer. Later rounds read the same lines again, whose RE2 automaton states
 * are built by then: what a change does to that cost shows only on fresh data, as instructions.mjs
 * counts it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSize } from './generate.mjs';
import { optionPairs } from './perf/args.mjs';
import { batchSubject, batches } from './perf/batch-subject.mjs';
import { ensureCorpus } from './perf/corpora.mjs';

/** @param {string[]} argv */
function options(argv) {
  const [a, b, ...rest] = argv;
  if (!a || !b || a.startsWith('--') || b.startsWith('--')) throw new Error('usage: compare-builds.mjs DIST_A DIST_B [--corpus FILE | --size SIZE] [--rounds N] [--batch SIZE]');
  const f = optionPairs(rest, ['corpus', 'size', 'rounds', 'batch']);
  return {
    a: resolve(a),
    b: resolve(b),
    corpus: f.corpus ?? ensureCorpus(fileURLToPath(new URL('.data/', import.meta.url)), { format: 'jsonl', bytes: parseSize(f.size ?? '20MB'), seed: 42 }).path,
    rounds: Number(f.rounds ?? 4),
    batchBytes: parseSize(f.batch ?? '256KB'),
  };
}

const o = options(process.argv.slice(2));
const state = mkdtempSync(join(tmpdir(), 'logveil-compare-'));
try {
  const runA = await batchSubject(o.a, join(state, 'a'));
  const runB = await batchSubject(o.b, join(state, 'b'));
  const data = readFileSync(o.corpus);
  const parts = batches(data, o.batchBytes);
  process.stdout.write(`A ${o.a}\nB ${o.b}\n${o.corpus}: ${(data.length / 1e6).toFixed(1)} MB in ${parts.length} batches\n`);
  for (let round = 0; round < o.rounds; round++) {
    let ta = 0;
    let tb = 0;
    for (const part of parts) {
      let t = performance.now();
      runA(part);
      ta += performance.now() - t;
      t = performance.now();
      runB(part);
      tb += performance.now() - t;
    }
    const mbps = (/** @type {number} */ ms) => (data.length / 1e3 / ms).toFixed(1);
    process.stdout.write(`round ${round}${round === 0 ? ' (warm-up)' : ''}: A ${mbps(ta)} MB/s, B ${mbps(tb)} MB/s, B/A ${(ta / tb).toFixed(3)}\n`);
  }
} finally {
  rmSync(state, { recursive: true, force: true });
}
