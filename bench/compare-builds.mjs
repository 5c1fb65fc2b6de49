#!/usr/bin/env node
// @ts-check
/**
 * Two builds of logveil side by side in one process: each batch of a corpus goes through build A's
 * `processBatch`, then through build B's, with the built-in packs and routing rules, so the drift
 * of the machine falls on both alike. Prints, per round, each build's MB/s and B's speed over A's.
 * `--stage prefilter` runs the line prefilter alone instead of the whole batch. Copy `dist/` aside
 * before a change (`cp -r dist /tmp/before`), build, and compare:
 *
 *   node bench/compare-builds.mjs /tmp/before dist [--corpus FILE | --size 20MB] [--rounds 4] [--batch 256KB] [--stage batch|prefilter] [--fresh]
 *                                 [--detectors-a N] [--detectors-b N]
 *
 * Without --corpus, the benchmark's seeded JSON-lines corpus of --size (made if missing).
 * `--detectors-a N` / `--detectors-b N` give that side the policy of N detectors the benchmark's
 * detector-count curve runs (perf/packs.mjs) instead of the built-in packs: with the same build on
 * both sides (`dist dist --detectors-a 30 --detectors-b 224`), the detector-cost ratio on the wall
 * clock, each batch through both policies in turn.
 *
 * The first round warms both up. Run it twice with A and B swapped: the one that goes second in a
 * pair finds the caches warmer. Later rounds read the same lines again, whose RE2 automaton states
 * are built by then, and whose values the caches of clean values, verdicts and tokens hold: what a
 * change does to those costs shows only on fresh data. With --fresh, the corpus is cut into as
 * many slices as rounds and each round reads its own slice, so no line is read twice by a build;
 * the batches then go A first and B first by turns, and a round also gives the median of B/A over
 * its batches, which the machine's drift moves less than the round's total.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSize } from './generate.mjs';
import { optionPairs } from './perf/args.mjs';
import { batchSubject, batches } from './perf/batch-subject.mjs';
import { ensureCorpus } from './perf/corpora.mjs';
import { writePolicyWithDetectors } from './perf/packs.mjs';

/** @param {string[]} argv */
function options(argv) {
  const [a, b, ...rest] = argv;
  if (!a || !b || a.startsWith('--') || b.startsWith('--')) throw new Error('usage: compare-builds.mjs DIST_A DIST_B [--corpus FILE | --size SIZE] [--rounds N] [--batch SIZE] [--stage batch|prefilter]');
  const fresh = rest.includes('--fresh');
  const f = optionPairs(
    rest.filter((x) => x !== '--fresh'),
    ['corpus', 'size', 'rounds', 'batch', 'stage', 'detectors-a', 'detectors-b'],
  );
  for (const side of ['detectors-a', 'detectors-b']) {
    const n = f[side];
    if (n !== undefined && !/^[1-9]\d*$/.test(n)) throw new Error(`--${side} must be a positive integer, got "${n}"`);
  }
  const stage = f.stage ?? 'batch';
  if (stage !== 'batch' && stage !== 'prefilter') throw new Error(`--stage must be batch or prefilter, got "${stage}"`);
  return {
    a: resolve(a),
    b: resolve(b),
    corpus: f.corpus ?? ensureCorpus(fileURLToPath(new URL('.data/', import.meta.url)), { format: 'jsonl', bytes: parseSize(f.size ?? '20MB'), seed: 42 }).path,
    rounds: Number(f.rounds ?? 4),
    batchBytes: parseSize(f.batch ?? '256KB'),
    fresh,
    stage: /** @type {'batch' | 'prefilter'} */ (stage),
    detectorsA: f['detectors-a'] === undefined ? undefined : Number(f['detectors-a']),
    detectorsB: f['detectors-b'] === undefined ? undefined : Number(f['detectors-b']),
  };
}

const o = options(process.argv.slice(2));
const state = mkdtempSync(join(tmpdir(), 'logveil-compare-'));
try {
  const packs = (/** @type {number | undefined} */ n, /** @type {string} */ side) => (n === undefined ? undefined : writePolicyWithDetectors(join(state, `packs-${side}`), n).dir);
  const runA = await batchSubject(o.a, join(state, 'a'), o.stage, packs(o.detectorsA, 'a'));
  const runB = await batchSubject(o.b, join(state, 'b'), o.stage, packs(o.detectorsB, 'b'));
  const data = readFileSync(o.corpus);
  const all = batches(data, o.batchBytes);
  const perRound = o.fresh ? Math.floor(all.length / o.rounds) : all.length;
  if (perRound === 0) throw new Error(`--fresh needs at least ${o.rounds} batches of the corpus, one per round`);
  const policy = (/** @type {number | undefined} */ n) => (n === undefined ? '' : `, ${n} detectors`);
  process.stdout.write(`A ${o.a}${policy(o.detectorsA)}\nB ${o.b}${policy(o.detectorsB)}\n${o.stage === 'prefilter' ? 'line prefilter alone; ' : ''}${o.corpus}: ${(data.length / 1e6).toFixed(1)} MB in ${all.length} batches${o.fresh ? `, ${perRound} per round, each read once` : ''}\n`);
  for (let round = 0; round < o.rounds; round++) {
    const parts = o.fresh ? all.slice(round * perRound, (round + 1) * perRound) : all;
    let ta = 0;
    let tb = 0;
    /** @type {number[]} */
    const ratios = [];
    for (const [k, part] of parts.entries()) {
      const time = (/** @type {(b: Buffer) => void} */ run) => {
        const t = performance.now();
        run(part);
        return performance.now() - t;
      };
      const bFirst = o.fresh && k % 2 === 1;
      const b0 = bFirst ? time(runB) : 0;
      const a = time(runA);
      const b = bFirst ? b0 : time(runB);
      ta += a;
      tb += b;
      ratios.push(a / b);
    }
    const bytes = parts.reduce((n, p) => n + p.length, 0);
    const mbps = (/** @type {number} */ ms) => (bytes / 1e3 / ms).toFixed(1);
    const median = ratios.sort((x, y) => x - y)[Math.floor(ratios.length / 2)] ?? NaN;
    process.stdout.write(`round ${round}${round === 0 ? ' (warm-up)' : ''}: A ${mbps(ta)} MB/s, B ${mbps(tb)} MB/s, B/A ${(ta / tb).toFixed(3)}${o.fresh ? `, median over batches ${median.toFixed(3)}` : ''}\n`);
  }
} finally {
  rmSync(state, { recursive: true, force: true });
}
