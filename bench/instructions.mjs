#!/usr/bin/env node
// @ts-check
/**
 * Instructions one build of logveil executes (valgrind's callgrind counts them) to run the
 * benchmark's JSON-lines corpus through `processBatch`, or through its line prefilter alone. A
 * count varies little from run to run whatever else the machine does (within 1% for the prefilter,
 * 3% for a batch, whose JIT and GC timing vary), where MB/s on a shared machine drifts by a
 * quarter or more: a change worth a few percent shows here. It reports fresh data after a
 * warm-up, because RE2 builds its automata's states as new input asks for them: the first 10 MB
 * cost about three times what the next 10 MB do, and a round over lines already seen cheaper still.
 *
 *   node bench/instructions.mjs [DIST] [--stage batch|prefilter] [--warm 20MB] [--measure 30MB] [--corpus FILE]
 *                               [--patterns DIR | --detectors N] [--heap worker|default]
 *
 * `--patterns` takes the packs of a directory instead of the built-in packs (the routing rules stay).
 * `--detectors N` takes the policy of N detectors that the benchmark's detector-count curve runs
 * (perf/packs.mjs): counts of instructions, unlike MB/s, hold from run to run, so the ratio of two
 * such policies (30 and 200, or 30 and the built-in count) is the detector-cost target read without
 * the machine's drift.
 * `--heap worker` runs with a pool worker's heap limits (WORKER_HEAP in pipeline/executor.ts): its
 * small young generation collects and promotes far more often than node's default does, and there
 * V8 optimized closures made per record again and again (with `--trace-opt`, 213 optimizations in
 * two warm workers over 100 MB, against 93 with a young generation of 32 MiB), which the default
 * heap hides.
 * DIST defaults to dist/. To compare, copy it aside before a change, into the project so that it
 * finds node_modules and where git and the linter do not look: `cp -r dist bench/.data/dist-before`.
 * Three processes run under callgrind (start-up alone, warm, warm + measured), about a minute per
 * 10 MB for the prefilter and four for a batch.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSize } from './generate.mjs';
import { optionPairs } from './perf/args.mjs';
import { ensureCorpus } from './perf/corpora.mjs';

/** @param {string[]} argv */
function options(argv) {
  const dist = argv[0] && !argv[0].startsWith('--') ? argv[0] : undefined;
  const f = optionPairs(dist ? argv.slice(1) : argv, ['stage', 'warm', 'measure', 'corpus', 'patterns', 'detectors', 'heap']);
  if (f.patterns !== undefined && f.detectors !== undefined) throw new Error('give --patterns or --detectors, not both');
  if (f.detectors !== undefined && !/^[1-9]\d*$/.test(f.detectors)) throw new Error(`--detectors must be a positive integer, got "${f.detectors}"`);
  if (f.heap !== undefined && f.heap !== 'worker' && f.heap !== 'default') throw new Error(`--heap must be worker or default, got "${f.heap}"`);
  const stage = f.stage ?? 'prefilter';
  if (stage !== 'batch' && stage !== 'prefilter') throw new Error(`--stage must be batch or prefilter, got "${stage}"`);
  const warm = parseSize(f.warm ?? '20MB');
  const measure = parseSize(f.measure ?? '30MB');
  const corpus = f.corpus ?? ensureCorpus(fileURLToPath(new URL('.data/', import.meta.url)), { format: 'jsonl', bytes: warm + measure, seed: 42 }).path;
  return { dist: resolve(dist ?? fileURLToPath(new URL('../dist', import.meta.url))), stage, warm, measure, corpus, patterns: f.patterns ? resolve(f.patterns) : undefined, detectors: f.detectors === undefined ? undefined : Number(f.detectors), workerHeap: f.heap === 'worker' };
}

/**
 * Instructions callgrind counted for one run over the first `bytes` of the corpus.
 * @param {ReturnType<typeof options>} o @param {number} bytes @param {string} state @returns {Promise<number>}
 */
async function count(o, bytes, state) {
  const runner = fileURLToPath(new URL('./perf/instructions-run.mjs', import.meta.url));
  const heap = o.workerHeap ? await workerHeapFlags(o.dist) : [];
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', ...heap, runner, o.dist, o.stage, o.corpus, String(bytes), state, ...(o.patterns ? [o.patterns] : [])];
  return new Promise((done, fail) => {
    const child = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('error', fail);
    child.on('close', (code) => {
      const m = /Collected : (\d+)/.exec(err);
      if (code !== 0 || !m) fail(new Error(`callgrind run over ${bytes} bytes failed (exit ${code}):\n${err.slice(-2000)}`));
      else done(Number(m[1]));
    });
  });
}

/**
 * Node flags for a pool worker's heap limits: V8 gives a young generation of Y MiB semi-spaces of
 * Y/3 MiB, rounded up to a power of two.
 * @param {string} dist @returns {Promise<string[]>}
 */
async function workerHeapFlags(dist) {
  const { WORKER_HEAP } = await import(join(dist, 'pipeline', 'executor.js'));
  const semiSpace = 2 ** Math.ceil(Math.log2(WORKER_HEAP.maxYoungGenerationSizeMb / 3));
  return [`--max-semi-space-size=${Math.max(1, semiSpace)}`, `--max-old-space-size=${WORKER_HEAP.maxOldGenerationSizeMb}`];
}

const o = options(process.argv.slice(2));
if (spawnSync('valgrind', ['--version']).error) throw new Error('valgrind is not installed (Debian: apt-get install valgrind)');
const state = mkdtempSync(join(tmpdir(), 'logveil-instructions-'));
try {
  if (o.detectors !== undefined) {
    const { writePolicyWithDetectors } = await import('./perf/packs.mjs');
    const written = writePolicyWithDetectors(join(state, 'packs'), o.detectors);
    o.patterns = written.dir;
  }
  const counts = await Promise.all([0, o.warm, o.warm + o.measure].map((b, k) => count(o, b, join(state, String(k)))));
  const [start, warm, all] = /** @type {[number, number, number]} */ (counts);
  const g = (/** @type {number} */ n) => `${(n / 1e9).toFixed(3)} G`;
  const perMB = (/** @type {number} */ n, /** @type {number} */ bytes) => `${(n / bytes).toFixed(1)} M per MB`;
  process.stdout.write(`${o.dist}, ${o.stage === 'batch' ? 'processBatch' : 'line prefilter'}, ${o.detectors !== undefined ? `${o.detectors} detectors` : (o.patterns ?? 'built-in packs')}${o.workerHeap ? ', worker heap' : ''}; ${o.corpus}\n`);
  process.stdout.write(`start-up                    ${g(start)}\n`);
  process.stdout.write(`first ${(o.warm / 1e6).toFixed(0)} MB (warm-up)`.padEnd(28) + `${g(warm - start)}  ${perMB(warm - start, o.warm)}\n`);
  process.stdout.write(`next ${(o.measure / 1e6).toFixed(0)} MB (fresh data)`.padEnd(28) + `${g(all - warm)}  ${perMB(all - warm, o.measure)}\n`);
} finally {
  rmSync(state, { recursive: true, force: true });
}
