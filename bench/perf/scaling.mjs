// @ts-check
/**
 * The scaling curves: throughput against workers (from the main measurements), against detector
 * count (30 / built-in / 100 / 200 detectors, 1 worker so detection cost is not hidden behind the
 * main thread), against line length (100 B, 1 KB, 10 KB lines, all workers, with the JSON floor
 * on the same corpora), plus logveil on the text and loghub corpora.
 */
import { join } from 'node:path';
import { ensureCorpus, prefix } from './corpora.mjs';
import { batchScanFloor, jsonFloor, rawScanFloor } from './baselines.mjs';
import { librarySubject, openLogveil, redactFile } from './logveil.mjs';
import { writePolicyWithDetectors } from './packs.mjs';

/** @typedef {import('./measure.mjs').Measurement} Measurement */
/** @typedef {import('./measure.mjs').Subject} Subject */
/** @typedef {import('./corpora.mjs').Corpus} Corpus */
/** @typedef {{ x: number, mbps: number, recordsPerSec: number, id: string, [key: string]: unknown }} CurvePoint */

export const DETECTOR_COUNTS = [30, 100, 200];
export const LINE_BYTES = [100, 1000, 10000];
/** The two ends of the detector-cost target, measured again with the same findings (and the whole built-in library, see scalingCurves). */
export const SAME_FINDINGS_COUNTS = [30, 200];

/**
 * @param {object} c
 * @param {import('./args.mjs').BenchOptions} c.o
 * @param {string} c.tmp
 * @param {number} c.cores
 * @param {Corpus} c.main
 * @param {Measurement[]} c.measurements
 * @param {(subject: Subject, corpus: Pick<Corpus, 'path' | 'stats'>, overrides?: { roundBudgetSec?: number, warmupBytes?: number }) => Promise<Measurement | undefined>} c.run
 * @param {(subjects: Subject[], corpus: Pick<Corpus, 'path' | 'stats'>, overrides?: { roundBudgetSec?: number, warmupBytes?: number }) => Promise<Array<Measurement | undefined>>} c.runTogether
 * @param {(line: string) => void} c.log
 * @param {string[]} c.notes
 * @param {() => string} c.elapsed time since the start, for the phase headers
 */
export async function scalingCurves({ o, tmp, cores, main, measurements, run: runFull, runTogether, log, notes, elapsed }) {
  // Curve points get a third of the round budget and half the warm-up of the main measurements: there
  // are many of them, and a slow engine must not stretch the whole run past its ~15 minutes.
  const budget = { roundBudgetSec: o.roundBudgetSec / 3, warmupBytes: o.warmupBytes / 2 };
  /** @type {typeof runFull} */
  const run = (subject, corpus) => runFull(subject, corpus, budget);
  // The detector-cost targets are ratios of policies run side by side: nearly twice the rounds of
  // the other curve points (five by default) give a median that holds better where the machine's
  // speed drifts within seconds (one run read the 218/30 ratio of three rounds at 1.08-1.81). The rounds
  // stay as long: shorter ones would weigh each round's start (reading, first batches) more.
  const sideBySide = { ...budget, rounds: 2 * o.rounds - 1 };
  /** @type {(m: Measurement | undefined, x: number, extra?: Record<string, unknown>) => CurvePoint[]} */
  const point = (m, x, extra = {}) => (m ? [{ x, mbps: m.mbps, recordsPerSec: m.recordsPerSec, id: m.id, sampled: m.sampled, ...extra }] : []);
  const workers = measurements.filter((m) => /^logveil-w[1-9]\d*$/.test(m.id)).flatMap((m) => point(m, Number(m.id.slice('logveil-w'.length))));

  // The first scaleSize bytes of the main corpus.
  const cut = prefix(main, o.scaleSize);
  const view = { path: main.path, stats: { ...main.stats, bytes: cut.bytes } };

  const builtin = await openLogveil(join(tmp, 'state-scaling'));
  const lineFilterModule = await import('../../dist/detect/line-filter.js').catch(() => undefined);
  const counts = [...new Set([...DETECTOR_COUNTS, builtin.policy.detectors])].sort((a, b) => a - b);
  log(`\n${elapsed()} detector count (1 worker, first ${(cut.bytes / 1e6).toFixed(0)} MB of the main corpus, side by side)`);
  const policies = [];
  for (const n of counts) {
    const written = writePolicyWithDetectors(join(tmp, `packs-${n}`), n);
    policies.push({ n, written, lv: await openLogveil(join(tmp, `state-d${n}`), [written.dir]) });
  }
  // Side by side: the detector-cost target is a ratio of these.
  const together = await runTogether(
    policies.map(({ n, lv }) => librarySubject(lv, { id: `detectors-${n}`, label: `logveil, ${n} detectors, 1 worker`, group: 'scaling-detectors', workers: 1 })),
    view,
    sideBySide,
  );
  // What each policy finds decides how many lines take the structured path: a policy that finds
  // more costs more per byte whatever its size (the first 30 detectors miss the corpus's keys and tokens).
  /** @type {(m: Measurement | undefined) => { structuredPerMB: number, findingsPerMB: number } | undefined} */
  const found = (m) => {
    const d = /** @type {{ structuredLines?: number, findings?: number } | undefined} */ (m?.detail);
    if (!m || !d || d.structuredLines === undefined || d.findings === undefined || m.bytes <= 0) return undefined;
    return { structuredPerMB: d.structuredLines / (m.bytes / 1e6), findingsPerMB: d.findings / (m.bytes / 1e6) };
  };
  const foundBy = together.map(found);
  for (const [k, { n }] of policies.entries()) {
    const f = foundBy[k];
    if (f) log(`  ${n} detectors: ${f.structuredPerMB.toFixed(0)} lines per MB take the structured path, ${f.findingsPerMB.toFixed(0)} findings per MB`);
  }
  /** @type {CurvePoint[]} */
  const detectors = [];
  for (const [k, { n, written, lv }] of policies.entries()) {
    // The engine's prefilter alone on the same bytes: tells whether a bigger policy costs in the scan or after it.
    const scan = batchScanFloor(lv.runtime.policy, lineFilterModule) ?? rawScanFloor(lv.runtime.policy);
    const floor = scan ? await run({ ...scan, id: `detectors-${n}-prefilter`, label: `prefilter only, ${n} detectors`, group: 'scaling-detectors' }, view) : undefined;
    detectors.push(...point(together[k], n, { policyHash: lv.policy.hash, clones: written.clones, openSec: lv.openSeconds, prefilterMbps: floor?.mbps ?? null, ...foundBy[k] }));
    await lv.runtime.close();
  }

  // The first policies differ in what they find as well as in size: the first 30 detectors miss the
  // corpus's keys and tokens. Here every policy holds every detector that finds something in the
  // slice, so the ratio is what more detectors cost with the same findings.
  // The whole built-in library too: what adding it costs where it finds no more than 30 detectors do.
  const finding = await findingDetectors(builtin, cut);
  log(`\n${elapsed()} detector count with the same findings (${finding.size} detectors find something: each policy holds them)`);
  const same = [];
  for (const n of [...new Set([...SAME_FINDINGS_COUNTS, builtin.policy.detectors])].sort((a, b) => a - b)) {
    const written = writePolicyWithDetectors(join(tmp, `packs-same-${n}`), n, finding);
    same.push({ n, written, lv: await openLogveil(join(tmp, `state-s${n}`), [written.dir]) });
  }
  const sameRuns = await runTogether(
    same.map(({ n, written, lv }) =>
      librarySubject(lv, { id: `detectors-same-${n}`, label: `logveil, ${written.detectors} detectors holding the ${finding.size} that find something, 1 worker`, group: 'scaling-detectors-same', workers: 1 }),
    ),
    view,
    sideBySide,
  );
  /** @type {CurvePoint[]} */
  const detectorsSameFindings = [];
  for (const [k, { n, written, lv }] of same.entries()) {
    detectorsSameFindings.push(...point(sameRuns[k], n, { policyHash: lv.policy.hash, detectors: written.detectors, finding: [...finding].sort() }));
    await lv.runtime.close();
  }

  log(`\n${elapsed()} line length (${cores} workers, ${(o.scaleSize / 1e6).toFixed(0)} MB corpora)`);
  /** @type {Record<string, unknown>} */
  const corpora = {};
  /** @type {CurvePoint[]} */
  const lineLength = [];
  for (const bytes of LINE_BYTES) {
    const corpus = ensureCorpus(o.dataDir, { format: 'jsonl', bytes: o.scaleSize, seed: o.seed, lineBytes: bytes });
    corpora[`jsonl-${bytes}B-lines`] = corpus.stats;
    const meanLine = corpus.stats.bytes / corpus.stats.lines;
    const m = await run(librarySubject(builtin, { id: `line-${bytes}`, label: `logveil, ~${bytes} B lines, ${cores} workers`, group: 'scaling-lines', workers: cores }), corpus);
    const floor = await run({ ...jsonFloor(), id: `line-${bytes}-json-floor`, label: `floor: JSON, ~${bytes} B lines`, group: 'scaling-lines' }, corpus);
    lineLength.push(...point(m, bytes, { meanLineBytes: meanLine, jsonFloorMbps: floor?.mbps ?? null }));
  }

  log(`\n${elapsed()} other corpora (${cores} workers)`);
  for (const format of /** @type {const} */ (['text', 'loghub'])) {
    const corpus = ensureCorpus(o.dataDir, { format, bytes: o.scaleSize, seed: o.seed });
    corpora[format] = corpus.stats;
    await run(librarySubject(builtin, { id: `variant-${format}`, label: `logveil on ${format === 'text' ? 'nginx/syslog text' : 'loghub (real logs)'}, ${cores} workers`, group: 'variant', workers: cores }), corpus);
  }
  await builtin.runtime.close();
  if (cores < 2) notes.push('one core: the worker curve has a single point');
  return { workers, detectors, detectorsSameFindings, lineLength, corpora };
}

/**
 * The built-in detectors that find something in `slice` (one pass, 1 worker): key rules are in
 * every policy anyway.
 * @param {import('./logveil.mjs').Logveil} lv @param {import('./corpora.mjs').Slice} slice
 * @returns {Promise<Set<string>>}
 */
async function findingDetectors(lv, slice) {
  const r = await redactFile(lv, 1, slice, Infinity);
  const found = /** @type {Record<string, number>} */ (r.detail?.findingsByDetector ?? {});
  const ids = new Set(lv.runtime.policy.detectors.map((d) => d.spec.id));
  return new Set(Object.keys(found).filter((id) => ids.has(id) && (found[id] ?? 0) > 0));
}
