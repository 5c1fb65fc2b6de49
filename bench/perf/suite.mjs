// @ts-check
/**
 * The whole benchmark in one process, so that every ratio compares figures taken in the same
 * conditions: corpora, logveil (library inline / 1..N workers, and the CLI), the floors, the naive
 * baseline, the npm competitors, the scaling curves and the peak-RSS run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCorpus, prefix, pruneStale } from './corpora.mjs';
import { batchScanFloor, competitors, jsonFloor, naiveBaseline, rawScanFloor } from './baselines.mjs';
import { busyHostNote, ceilingScaling, threadCeiling } from './ceiling.mjs';
import { cliSubject, librarySubject, openLogveil, redactFile } from './logveil.mjs';
import { gitInfo, machineInfo } from './machine.mjs';
import { measureInterleaved, median } from './measure.mjs';
import { evaluateTargets } from './report.mjs';
import { peakRss } from './rss.mjs';
import { scalingCurves } from './scaling.mjs';

/** @typedef {import('./args.mjs').BenchOptions} BenchOptions */
/** @typedef {import('./measure.mjs').Measurement} Measurement */
/** @typedef {import('./measure.mjs').Subject} Subject */
/** @typedef {import('./corpora.mjs').Corpus} Corpus */

/**
 * @param {BenchOptions} o @param {(line: string) => void} log
 * @param {{ stale: boolean, builtAt: string, version: string }} dist
 */
export async function runSuite(o, log, dist) {
  const startedAt = new Date();
  const machine = machineInfo();
  const cores = availableParallelism();
  const tmp = mkdtempSync(join(tmpdir(), 'logveil-bench-'));
  /** @type {string[]} */
  const notes = [];
  if (dist.stale) notes.push('dist/ is older than src/: these figures are for the last build, not the working tree');
  /** @type {Measurement[]} */
  const measurements = [];
  /** @type {Array<{ id: string, label: string, error: string }>} */
  const failures = [];
  /** `[m:ss]` since the start, for the phase headers. */
  const elapsed = () => {
    const s = Math.round((Date.now() - startedAt.getTime()) / 1000);
    return `[${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}]`;
  };
  const timing = { rounds: o.rounds, roundBudgetSec: o.roundBudgetSec, warmupBytes: o.warmupBytes, log };
  /** @type {(subject: Subject, corpus: Pick<Corpus, 'path' | 'stats'>, overrides?: Partial<typeof timing>) => Promise<Measurement | undefined>} */
  const run = async (subject, corpus, overrides = {}) => (await runTogether([subject], corpus, overrides))[0];
  /** Subjects whose ratios are targets run side by side (see measureInterleaved). */
  /** @type {(subjects: Subject[], corpus: Pick<Corpus, 'path' | 'stats'>, overrides?: Partial<typeof timing>) => Promise<Array<Measurement | undefined>>} */
  const runTogether = async (subjects, corpus, overrides = {}) => {
    try {
      const ms = await measureInterleaved(subjects, corpus, { ...timing, ...overrides });
      measurements.push(...ms);
      return ms;
    } catch (err) {
      const error = /** @type {Error} */ (err).message;
      for (const subject of subjects) {
        failures.push({ id: subject.id, label: subject.label, error });
        log(`  ${subject.label.padEnd(44)}   FAILED: ${error}`);
      }
      return subjects.map(() => undefined);
    }
  };

  try {
    pruneStale(o.dataDir);
    log(`corpus: JSON lines, ${(o.size / 1e6).toFixed(0)} MB, seed ${o.seed}`);
    const main = ensureCorpus(o.dataDir, { format: 'jsonl', bytes: o.size, seed: o.seed });
    log(`  ${main.stats.lines} lines, ${main.stats.piiLines} with a sensitive value (${((100 * (main.stats.piiLines ?? 0)) / main.stats.lines).toFixed(2)}%), ${main.cached ? 'cached' : `generated in ${main.seconds.toFixed(1)} s`}`);

    const lv = await openLogveil(join(tmp, 'state-default'));
    log(`policy ${lv.policy.hash.slice(0, 12)}: ${lv.policy.detectors} detectors in ${lv.policy.packs} packs (opened in ${lv.openSeconds.toFixed(2)} s)`);
    const git = gitInfo();
    if (git.commit) log(`logveil at ${git.commit.slice(0, 10)}${git.dirty?.length ? `, with ${git.dirty.length} uncommitted change(s) under src/ and patterns/` : ''}; dist built ${dist.builtAt}`);

    // Everything a target compares logveil with runs side by side with it.
    log(`\n${elapsed()} logveil, the JSON floor and the naive baseline on the main corpus (${o.rounds} round(s) after a warm-up, side by side; median)`);
    const naive = naiveBaseline(lv.runtime.policy);
    if (naive.skipped.length > 0) log(`  naive baseline: ${naive.subject.note}`);
    await runTogether(
      [
        librarySubject(lv, { id: 'logveil-w0', label: 'logveil library, inline (workers: 0)', group: 'logveil', workers: 0 }),
        ...Array.from({ length: cores }, (_, i) => librarySubject(lv, { id: `logveil-w${i + 1}`, label: `logveil library, ${i + 1} worker${i > 0 ? 's' : ''}`, group: 'logveil', workers: i + 1 })),
        librarySubject(lv, { id: `logveil-w${cores}-cold`, label: `logveil library, ${cores} workers, new pool per run`, group: 'logveil', workers: cores, coldPool: true }),
        jsonFloor(),
        naive.subject,
      ],
      main,
    );
    if (o.cli) {
      // The CLI cannot stop early: when the library needed a sample, the CLI gets a prefix (on stdin)
      // that the library's speed says takes half a round budget, leaving room for node start and compile.
      const lib = measurements.find((m) => m.id === `logveil-w${cores}`);
      const cut = lib?.sampled ? prefix(main, Math.min(lib.bytes, (lib.mbps * 1e6 * o.roundBudgetSec) / 2)) : undefined;
      const corpus = cut ? { path: main.path, stats: { ...main.stats, bytes: cut.bytes } } : main;
      // Killed only well past what the library's speed predicts (plus node start and policy compile).
      const predictedSec = lib ? corpus.stats.bytes / 1e6 / lib.mbps : o.roundBudgetSec;
      const killAfterSec = Math.max(3 * o.roundBudgetSec, 3 * predictedSec + 20);
      const m = await run(cliSubject({ id: 'logveil-cli', label: 'logveil CLI (default workers) > /dev/null', group: 'cli', stateDir: join(tmp, 'state-cli'), killAfterSec }), corpus);
      if (m && cut) Object.assign(m, { sampled: true, corpusBytes: main.stats.bytes });
    }

    // What k pool workers can reach against one on this machine, without the engine (see ceiling.mjs).
    log(`\n${elapsed()} scaling ceiling: the batch function alone in 1..${cores} plain threads (side by side)`);
    const { WORKER_HEAP } = await import('../../dist/pipeline/executor.js');
    await runTogether(
      Array.from({ length: cores }, (_, i) => threadCeiling(i + 1, { stateDir: join(tmp, 'state-ceiling', `t${i + 1}`), heap: WORKER_HEAP })),
      main,
    );

    // Fixed cost of a run (pool start, policy compiled in each worker): redactStreams over one line.
    /** @type {Record<string, number>} */
    const startupSec = {};
    const oneLine = prefix(main, 1);
    for (const w of [0, 1, cores]) {
      /** @type {number[]} */
      const times = [];
      for (let i = 0; i < o.rounds; i++) {
        const t = performance.now();
        await redactFile(lv, w, oneLine, Infinity);
        times.push((performance.now() - t) / 1000);
      }
      startupSec[`workers-${w}`] = median(times);
    }
    log(`  fixed cost per run (one-line input): ${Object.entries(startupSec).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')}`);

    log(`\n${elapsed()} raw-scan floors`);
    const raw = rawScanFloor(lv.runtime.policy);
    if (raw) await run(raw, main);
    else notes.push('the compiled policy exposes no line prefilter set: raw-scan floor not measured');
    const lineFilterModule = await import('../../dist/detect/line-filter.js').catch(() => undefined);
    const batch = batchScanFloor(lv.runtime.policy, lineFilterModule);
    if (batch) await run(batch, main);

    /** @type {Array<Record<string, unknown>>} */
    const competitorInfo = [];
    if (o.competitors) {
      log(`\n${elapsed()} npm competitors (each line redacted as text, default rules)`);
      for (const c of await competitors()) {
        if ('error' in c) {
          competitorInfo.push({ name: c.name, error: c.error });
          log(`  ${c.name}: unusable: ${c.error}`);
          continue;
        }
        const m = await run(c.subject, main);
        competitorInfo.push({ ...c.info, enginesNote: c.info.engines ? undefined : 'declares no engines; runs on this Node', sampled: m?.sampled ?? null, bytes: m?.bytes ?? null });
      }
    }

    const curves = o.scaling ? await scalingCurves({ o, tmp, cores, main, measurements, run, runTogether, log, notes, elapsed }) : { workers: [], detectors: [], detectorsSameFindings: [], lineLength: [], corpora: {} };
    if (!o.scaling) notes.push('scaling curves skipped (--no-scaling)');

    /** @type {(import('./rss.mjs').RssResult & { corpus: Record<string, unknown> }) | null} */
    let rss = null;
    if (o.rss) {
      log(`\n${elapsed()} peak RSS: CLI over ${(o.rssSize / 1e9).toFixed(1)} GB`);
      const t = performance.now();
      const big = ensureCorpus(join(tmp, 'rss'), { format: 'jsonl', bytes: o.rssSize, seed: o.seed + 1 });
      log(`  input generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      try {
        // The last phase: it gets what is left of ~14 minutes, but at least 2 and at most 10 minutes.
        const timeoutSec = Math.min(600, Math.max(120, 14 * 60 - (Date.now() - startedAt.getTime()) / 1000));
        rss = { ...(await peakRss({ file: big.path, inputBytes: big.stats.bytes, stateDir: join(tmp, 'state-rss'), timeoutSec })), corpus: { ...big.stats, path: undefined } };
        log(`  peak RSS ${rss.peakRssMB.toFixed(0)} MiB over ${(rss.bytesRead / 1e6).toFixed(0)} MB in ${rss.seconds.toFixed(1)} s (${rss.mbps.toFixed(1)} MB/s)${rss.timedOut ? ' - STOPPED at the time limit' : ''}`);
      } catch (err) {
        failures.push({ id: 'rss', label: 'peak RSS', error: /** @type {Error} */ (err).message });
        log(`  FAILED: ${/** @type {Error} */ (err).message}`);
      } finally {
        rmSync(big.path, { force: true });
      }
    } else {
      notes.push('peak-RSS run skipped');
    }
    await lv.runtime.close();

    const byId = new Map(measurements.map((m) => [m.id, m]));
    const targets = evaluateTargets(byId, { rss });
    const ceiling = ceilingScaling(byId);
    const busy = busyHostNote(ceiling);
    if (busy) notes.push(busy);
    return {
      schema: 'logveil-bench/1',
      date: localDate(startedAt),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      durationSec: (Date.now() - startedAt.getTime()) / 1000,
      label: o.label ?? null,
      options: { ...o, outDir: undefined, dataDir: undefined },
      machine: { ...machine, loadavgEnd: machineInfo().loadavg },
      logveil: { version: dist.version, ...git, distBuiltAt: dist.builtAt, distStale: dist.stale, policyHash: lv.policy.hash, detectors: lv.policy.detectors, packs: lv.policy.packs },
      corpora: { main: { ...main.stats, generatedSec: main.cached ? null : main.seconds }, ...curves.corpora },
      units: { mbps: '10^6 input bytes per wall second', recordsPerSec: 'input lines per wall second', rss: 'MiB' },
      measurements,
      failures,
      startupSec,
      naive: { used: naive.used, skipped: naive.skipped },
      competitors: competitorInfo,
      ceiling: { twoThreadsVsOne: ceiling ?? null },
      scaling: { workers: curves.workers, detectors: curves.detectors, detectorsSameFindings: curves.detectorsSameFindings, lineLength: curves.lineLength },
      rss,
      targets,
      notes,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** YYYY-MM-DD in local time. @param {Date} d */
export function localDate(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
