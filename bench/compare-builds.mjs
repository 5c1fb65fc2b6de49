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
 * pair finds the caches warmer.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseSize } from './generate.mjs';
import { optionPairs } from './perf/args.mjs';
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

/**
 * `processBatch` of the build in `dist`, bound to the built-in packs, routing rules and local keys.
 * @param {string} dist @param {string} stateDir @returns {Promise<(data: Buffer) => void>}
 */
async function subject(dist, stateDir) {
  const load = (/** @type {string} */ path) => import(pathToFileURL(join(dist, path)).href);
  const { CompiledPolicy } = await load('detect/compile.js');
  const { loadPolicy } = await load('detect/load.js');
  const { builtinPatternsDir } = await load('config/config.js');
  const { processBatch } = await load('pipeline/batch.js');
  const { LocalKeyProvider } = await load('crypto/keys/local.js');
  const { KeyRegistry } = await load('crypto/keys/registry.js');
  const { DataKeyCache } = await load('crypto/keys/cache.js');
  const { ActionPolicy } = await load('act/actions.js');
  const { loadRoutingRules } = await load('route/load.js');
  const { CompiledRouting } = await load('route/compile.js');
  const { builtinRoutingDir } = await load('route/builtin.js');
  const routing = new CompiledRouting(loadRoutingRules([builtinRoutingDir()]));
  const policy = new CompiledPolicy(loadPolicy([builtinPatternsDir()]), { maxDepth: 64, extraLinePatterns: routing.linePatterns });
  mkdirSync(stateDir, { recursive: true });
  const keys = new DataKeyCache(await LocalKeyProvider.open(stateDir), await KeyRegistry.open(join(stateDir, 'keys.jsonl')), {
    maxAgeMs: 3_600_000,
    maxUses: 1e9,
    context: { pipeline: 'logveil', purpose: 'tokenize' },
  });
  const tokenKey = await keys.current();
  const ctx = { policy, actions: new ActionPolicy(), format: 'auto', limits: { maxRecordBytes: 1 << 20, maxDepth: 64 }, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey, routing };
  return (data) => void processBatch({ seq: 0, file: 'corpus', firstLine: 1, firstOffset: 0, data }, ctx);
}

/** Whole-line batches of about `bytes` each. @param {Buffer} data @param {number} bytes */
function batches(data, bytes) {
  const out = [];
  for (let s = 0; s < data.length; ) {
    let e = data.indexOf(10, Math.min(s + bytes, data.length - 1));
    if (e === -1) e = data.length - 1;
    out.push(data.subarray(s, e + 1));
    s = e + 1;
  }
  return out;
}

const o = options(process.argv.slice(2));
const state = mkdtempSync(join(tmpdir(), 'logveil-compare-'));
try {
  const runA = await subject(o.a, join(state, 'a'));
  const runB = await subject(o.b, join(state, 'b'));
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
