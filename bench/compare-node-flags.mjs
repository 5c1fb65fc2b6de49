#!/usr/bin/env node
// @ts-check
/**
 * What node's own flags (a V8 collector setting, say) do to the engine's speed with 1 worker and
 * with N: processes started with the flags and without them in turn, each keeping a pool of each
 * size over its rounds (bench/perf/scaling-run.mjs). A flag that V8 reads at start cannot be
 * compared within one process, and a process's speed drifts with the machine's, so the runs
 * alternate and the summary takes every run's rounds but its first:
 *
 *   node bench/compare-node-flags.mjs "--single-threaded-gc" [--base "FLAGS"] [--runs 6] [--rounds 4] [--size 50MB] [--workers N] [--seed 42]
 *
 * The flags are one argument, split at spaces; "" compares node's defaults with themselves.
 * `--base` gives flags both sides run with: the CLI's own (`--base "--max-semi-space-size=2"`),
 * to see what a flag adds to them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSize } from './generate.mjs';
import { optionPairs } from './perf/args.mjs';
import { ensureCorpus } from './perf/corpora.mjs';
import { distStatus } from './perf/machine.mjs';

const RUNNER = fileURLToPath(new URL('./perf/scaling-run.mjs', import.meta.url));

/** @param {string[]} argv */
function options(argv) {
  const [flags, ...rest] = argv;
  if (flags === undefined || (flags.length > 0 && !flags.startsWith('--'))) throw new Error('usage: compare-node-flags.mjs "NODE FLAGS" [--base "NODE FLAGS"] [--runs N] [--rounds N] [--size SIZE] [--workers N] [--seed N]');
  const f = optionPairs(rest, ['base', 'runs', 'rounds', 'size', 'workers', 'seed']);
  const o = {
    flags: flags.split(' ').filter((x) => x.length > 0),
    base: (f.base ?? '').split(' ').filter((x) => x.length > 0),
    runs: Number(f.runs ?? 6),
    rounds: Number(f.rounds ?? 4),
    size: parseSize(f.size ?? '50MB'),
    workers: Number(f.workers ?? availableParallelism()),
    seed: Number(f.seed ?? 42),
  };
  for (const k of /** @type {const} */ (['runs', 'rounds', 'workers'])) if (!Number.isInteger(o[k]) || o[k] < (k === 'rounds' ? 2 : 1)) throw new Error(`--${k}: expected an integer of at least ${k === 'rounds' ? 2 : 1}`);
  return o;
}

/** @param {number[]} xs */
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

const o = options(process.argv.slice(2));
const dist = distStatus();
if (!dist.ok) throw new Error(dist.message);
const corpus = ensureCorpus(fileURLToPath(new URL('.data/', import.meta.url)), { format: 'jsonl', bytes: o.size, seed: o.seed });
const tmp = mkdtempSync(join(tmpdir(), 'logveil-node-flags-'));
/** @type {Record<'with' | 'without', { one: number[], many: number[], cores: number[] }>} */
const all = { with: { one: [], many: [], cores: [] }, without: { one: [], many: [], cores: [] } };
const label = (/** @type {'with' | 'without'} */ side) => (side === 'with' ? o.flags.join(' ') || '(none)' : '(none)') + (o.base.length > 0 ? ` on ${o.base.join(' ')}` : '');
/** The node flags of a side's runs. @param {'with' | 'without'} side */
const flagsOf = (side) => [...o.base, ...(side === 'with' ? o.flags : [])];
try {
  process.stdout.write(`${corpus.path}: ${(corpus.stats.bytes / 1e6).toFixed(0)} MB; 1 and ${o.workers} workers; ${o.runs} runs each way of ${o.rounds} rounds\n`);
  for (let run = 0; run < o.runs; run++) {
    // Which goes first alternates too.
    /** @type {Array<'with' | 'without'>} */
    const sides = run % 2 === 0 ? ['with', 'without'] : ['without', 'with'];
    for (const side of sides) {
      const args = [...flagsOf(side), RUNNER, corpus.path, String(corpus.stats.bytes), String(o.workers), String(o.rounds), join(tmp, `${side}-${run}`)];
      const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
      if (child.status !== 0) throw new Error(`run with ${label(side)} failed: ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      const r = JSON.parse(child.stdout.trim().split('\n').pop() ?? '');
      const want = flagsOf(side);
      if (JSON.stringify(r.execArgv) !== JSON.stringify(want)) throw new Error(`run with ${label(side)} had node flags ${JSON.stringify(r.execArgv)}`);
      const one = r.one.slice(1).map((/** @type {{ mbps: number }} */ x) => x.mbps);
      const many = r.many.slice(1).map((/** @type {{ mbps: number }} */ x) => x.mbps);
      all[side].one.push(...one);
      all[side].many.push(...many);
      all[side].cores.push(...r.one.slice(1).map((/** @type {{ cores: number }} */ x) => x.cores));
      process.stdout.write(`  run ${run + 1}, ${label(side).padEnd(o.base.length > 0 ? 56 : 24)} 1 worker ${one.map((/** @type {number} */ x) => x.toFixed(1)).join(' ')}; ${o.workers} workers ${many.map((/** @type {number} */ x) => x.toFixed(1)).join(' ')} MB/s\n`);
    }
  }
  process.stdout.write('\n');
  for (const side of /** @type {const} */ (['with', 'without'])) {
    const a = all[side];
    process.stdout.write(`${label(side).padEnd(o.base.length > 0 ? 56 : 24)} 1 worker ${mean(a.one).toFixed(1)} MB/s (${mean(a.cores).toFixed(2)} cores), ${o.workers} workers ${mean(a.many).toFixed(1)} MB/s: ${(mean(a.many) / mean(a.one)).toFixed(3)} times one (ratio of the mean rates)\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
