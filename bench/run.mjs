#!/usr/bin/env node
// @ts-check
/**
 * `npm run bench`: logveil's throughput and memory next to its floors, a naive baseline and npm
 * competitors, with scaling curves; prints a table and writes bench/results/<date>.json and .html
 * (quick runs: <date>-quick.*). See `npm run bench -- --help`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from './perf/args.mjs';
import { distStatus } from './perf/machine.mjs';

/** @param {string} line */
const log = (line) => process.stdout.write(line + '\n');

async function main() {
  const o = parseArgs(process.argv.slice(2), new URL('./', import.meta.url));
  if (!o) return 0;
  const dist = distStatus();
  if (!dist.ok) {
    process.stderr.write(`bench: ${dist.message}\n`);
    return 2;
  }
  if (dist.stale) log('warning: dist/ is older than src/ - run `npm run build` to measure the working tree');
  // Loaded after the dist check: these modules import the compiled library.
  const { runSuite } = await import('./perf/suite.mjs');
  const { ceilingText, measurementTable, targetTable } = await import('./perf/report.mjs');
  const { resultsPage } = await import('./perf/page.mjs');

  const results = await runSuite(o, log, dist);
  const w2 = results.measurements.find((m) => m.id === 'logveil-w2')?.mbps;
  const scaling = (/** @type {{ group: string }} */ m) => m.group.startsWith('scaling');
  log('\n=== throughput (MB = 10^6 bytes; median of rounds) ===');
  log(measurementTable(results.measurements.filter((m) => !scaling(m)), w2));
  log('\n=== scaling curves ===');
  log(measurementTable(results.measurements.filter(scaling), w2));
  log(`\nfixed cost per run: ${Object.entries(results.startupSec).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')}`);
  if (results.rss) log(`peak RSS (CLI, ${(results.rss.inputBytes / 1e9).toFixed(1)} GB input): ${results.rss.peakRssMB.toFixed(0)} MiB${results.rss.timedOut ? ' (run stopped at its time limit)' : ''}`);
  log('\n=== targets (reported, not enforced) ===');
  log(targetTable(results.targets));
  const ceiling = results.ceiling.twoThreadsVsOne;
  if (ceiling) log(`ceiling of 2 workers / 1 worker on this machine: ${ceilingText(ceiling)} (the batch function alone in plain threads, no engine)`);
  for (const n of results.notes) log(`note: ${n}`);
  for (const f of results.failures) log(`failed: ${f.label}: ${f.error}`);

  mkdirSync(o.outDir, { recursive: true });
  const base = join(o.outDir, `${results.date}${o.quick ? '-quick' : ''}`);
  writeFileSync(`${base}.json`, JSON.stringify(results, null, 2) + '\n');
  writeFileSync(`${base}.html`, resultsPage(results));
  log(`\nwrote ${base}.json and ${base}.html (${results.durationSec.toFixed(0)} s)`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
