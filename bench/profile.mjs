#!/usr/bin/env node
// @ts-check
/**
 * Where logveil's time goes: one library run under `node --cpu-prof`, then self time by source
 * file and by function for the main thread and each worker.
 *
 *   node bench/profile.mjs [--workers 2] [--size 50MB] [--format jsonl|text|loghub] [--line-bytes 1KB]
 *                          [--seed 42] [--top 12] [--keep DIR]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSize } from './generate.mjs';
import { optionPairs } from './perf/args.mjs';
import { ensureCorpus } from './perf/corpora.mjs';
import { summarizeDir } from './perf/cpuprofile.mjs';
import { distStatus } from './perf/machine.mjs';

/** @param {string[]} argv */
function options(argv) {
  const f = optionPairs(argv, ['workers', 'size', 'format', 'line-bytes', 'seed', 'top', 'keep']);
  const format = /** @type {'jsonl' | 'text' | 'loghub'} */ (f.format ?? 'jsonl');
  return {
    workers: Number(f.workers ?? 2),
    size: parseSize(f.size ?? '50MB'),
    format,
    lineBytes: f['line-bytes'] ? parseSize(f['line-bytes']) : undefined,
    seed: Number(f.seed ?? 42),
    top: Number(f.top ?? 12),
    keep: f.keep,
    dataDir: fileURLToPath(new URL('.data/', import.meta.url)),
  };
}

const o = options(process.argv.slice(2));
const dist = distStatus();
if (!dist.ok) throw new Error(dist.message);
const corpus = ensureCorpus(o.dataDir, { format: o.format, bytes: o.size, seed: o.seed, ...(o.lineBytes ? { lineBytes: o.lineBytes } : {}) });
const tmp = mkdtempSync(join(tmpdir(), 'logveil-profile-'));
try {
  const dir = join(tmp, 'profiles');
  const child = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, fileURLToPath(new URL('./perf/profile-run.mjs', import.meta.url)), corpus.path, String(corpus.stats.bytes), String(o.workers), join(tmp, 'state')], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`profiled run failed: ${child.stderr}`);
  const run = JSON.parse(child.stdout);
  const pct = (/** @type {number} */ x) => `${(x * 100).toFixed(1)}%`.padStart(6);
  process.stdout.write(`${corpus.path}: ${(run.bytes / 1e6).toFixed(0)} MB, ${run.records} lines, ${run.detectors} detectors, workers ${o.workers}\n`);
  process.stdout.write(`${run.mbps.toFixed(1)} MB/s in ${run.seconds.toFixed(2)} s (under the profiler); fast path ${pct(run.fastPathShare)} of lines, ${run.structuredLines} structured; main thread busy ${pct(run.mainThreadBusy)}; ${run.coresUsed.toFixed(2)} cores\n`);
  for (const t of summarizeDir(dir)) {
    process.stdout.write(`\n--- thread ${t.thread === '0' ? '0 (main)' : `${t.thread} (worker)`}: ${t.busySeconds.toFixed(2)} s busy of ${t.seconds.toFixed(2)} s profiled\n`);
    process.stdout.write('  by file:     ' + t.byFile.slice(0, 8).map((x) => `${x.name} ${pct(x.share).trim()}`).join(', ') + '\n');
    for (const f of t.byFunction.slice(0, o.top)) process.stdout.write(`  ${pct(f.share)}  ${f.name}\n`);
  }
  if (o.keep) {
    cpSync(dir, o.keep, { recursive: true });
    process.stdout.write(`\nprofiles kept in ${o.keep} (open them in Chrome DevTools > Performance)\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
