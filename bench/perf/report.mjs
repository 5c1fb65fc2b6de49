// @ts-check
/**
 * The targets and the printed table. Targets are reported, never enforced: a miss is a finding,
 * not a failed process.
 */

import { ceilingScaling } from './ceiling.mjs';
import { roundRatio, roundRatioRange } from './measure.mjs';

/** @typedef {import('./measure.mjs').Measurement} Measurement */
/**
 * @typedef {object} Target
 * @property {string} id
 * @property {string} description
 * @property {number | null} value null when its measurements did not run
 * @property {string} comparison e.g. '>= 150'
 * @property {string} unit
 * @property {boolean | null} pass
 * @property {string} [basis] what the value was computed from
 * @property {[number, number]} [range] lowest and highest round ratio, for ratios of rounds run side by side
 */

/**
 * @param {Map<string, Measurement>} byId
 * @param {{ rss: { peakRssMB: number, inputBytes: number, bytesRead: number, timedOut: boolean } | null }} extra
 * @returns {Target[]}
 */
export function evaluateTargets(byId, extra) {
  const mbps = (/** @type {string} */ id) => byId.get(id)?.mbps;
  const w2 = mbps('logveil-w2');
  /** @type {(id: string, description: string, value: number | undefined | null, op: '>=' | '<=' | '<', threshold: number, unit: string, basis?: string, range?: [number, number]) => Target} */
  const target = (id, description, value, op, threshold, unit, basis, range) => ({
    id,
    description,
    value: value ?? null,
    comparison: `${op} ${threshold}`,
    unit,
    pass: value == null || !Number.isFinite(value) ? null : op === '>=' ? value >= threshold : op === '<=' ? value <= threshold : value < threshold,
    ...(basis ? { basis } : {}),
    ...(range && value != null ? { range } : {}),
  });
  // Ratios of subjects measured side by side come from their rounds (see roundRatio), with the
  // lowest and highest round ratio: on a machine whose speed drifts they tell how firm a pass is.
  /** The median round ratio of `a` over `b` with its range. @param {string} a @param {string} b */
  const ratio = (a, b) => /** @type {const} */ ([roundRatio(byId.get(a), byId.get(b)), roundRatioRange(byId.get(a), byId.get(b))]);
  /**
   * The arguments of `target` after its description, for a ratio of rounds run side by side.
   * @param {readonly [number | undefined, [number, number] | undefined]} r @param {'>=' | '<='} op @param {number} threshold @param {string} basis
   * @returns {[number | undefined, '>=' | '<=', number, string, string, [number, number] | undefined]}
   */
  const sideBySide = ([value, range], op, threshold, basis) => [value, op, threshold, 'x', basis, range];
  // The whole built-in library on the detector-count curves (the largest count, when above 200), as
  // measured and with the same findings.
  const libraryCost = () => {
    const largest = (/** @type {RegExp} */ re) => Math.max(0, ...[...byId.keys()].map((id) => re.exec(id)?.[1]).filter((n) => n !== undefined).map(Number));
    const all = largest(/^detectors-(\d+)$/);
    const same = largest(/^detectors-same-(\d+)$/);
    return [
      ...(all > 200 ? [target('detector-cost-library', `cost of all ${all} built-in detectors / cost of 30`, ...sideBySide(ratio('detectors-30', `detectors-${all}`), '<=', 1.3, '1 worker, scaling corpus, median of rounds run side by side'))] : []),
      ...(same > 200
        ? [
            target(
              'detector-cost-library-same-findings',
              `the same, both policies holding every detector that finds something in the corpus`,
              ...sideBySide(ratio('detectors-same-30', `detectors-same-${same}`), '<=', 1.3, '1 worker, scaling corpus, median of rounds run side by side'),
            ),
          ]
        : []),
    ];
  };
  // The machine's own bound on that ratio: the batch function alone in 2 plain threads against 1 (see ceiling.mjs).
  const ceiling = () => {
    const c = ceilingScaling(byId);
    return c ? `; the batch function alone in 2 threads / 1 thread (no engine): ${ceilingText(c)}` : '';
  };
  const rss = extra.rss;
  // The goal is in MB as the suite counts them (10^6 bytes, like the 1 GB input); the peak is
  // measured in MiB. A run stopped at its time limit still bounds the peak from below: a figure
  // over the goal fails.
  const peakMB = rss ? (rss.peakRssMB * 1024 * 1024) / 1e6 : 0;
  const rssValue = rss && (!rss.timedOut || peakMB >= 300) ? peakMB : null;
  return [
    target('throughput-2-workers', 'end to end with 2 workers', w2, '>=', 150, 'MB/s', 'library, logveil-w2: one worker pool for the warm-up and every round'),
    target('vs-naive', 'logveil (2 workers) / naive RegExp baseline', ...sideBySide(ratio('logveil-w2', 'baseline-naive'), '>=', 10, 'median of rounds run side by side')),
    target('vs-json-floor', 'logveil (2 workers) / JSON parse+stringify floor', ...sideBySide(ratio('logveil-w2', 'floor-json'), '>=', 2, 'median of rounds run side by side')),
    target('worker-scaling', '2 workers / 1 worker', ...sideBySide(ratio('logveil-w2', 'logveil-w1'), '>=', 1.7, `median of rounds run side by side${ceiling()}`)),
    target('detector-cost', 'cost of 200 detectors / cost of 30 (time per byte)', ...sideBySide(ratio('detectors-30', 'detectors-200'), '<=', 1.3, '1 worker, scaling corpus, median of rounds run side by side')),
    target(
      'detector-cost-same-findings',
      'the same, both policies holding every detector that finds something in the corpus',
      ...sideBySide(
        ratio('detectors-same-30', 'detectors-same-200'),
        '<=',
        1.3,
        '1 worker, scaling corpus, median of rounds run side by side; the first 30 detectors miss the keys and tokens the others find',
      ),
    ),
    ...libraryCost(),
    target(
      'peak-rss-1gb',
      `peak RSS for a ${rss ? (rss.inputBytes / 1e9).toFixed(1) : '1'} GB input`,
      rssValue,
      '<',
      300,
      'MB',
      `${rss ? `${rss.peakRssMB.toFixed(0)} MiB; ` : ''}${rss?.timedOut ? `run stopped at its time limit after ${(rss.bytesRead / 1e6).toFixed(0)} MB` : 'CLI, default workers'}`,
    ),
  ];
}

/** A ratio with the range of its rounds. @param {{ value: number, range?: [number, number] }} c */
export function ceilingText(c) {
  return `${c.value.toFixed(2)}${c.range ? ` (rounds ${c.range[0].toFixed(2)}-${c.range[1].toFixed(2)})` : ''}`;
}

/** @param {number} n @param {number} [digits] */
export function fmt(n, digits = 1) {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return n.toFixed(digits);
}

/** @param {string[][]} rows first row is the header @returns {string} */
export function table(rows) {
  const widths = /** @type {string[]} */ (rows[0]).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (/** @type {string[]} */ r) => r.map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd();
  return [line(/** @type {string[]} */ (rows[0])), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** @param {Measurement[]} ms @param {number | undefined} reference MB/s the ratios are taken against @returns {string} */
export function measurementTable(ms, reference) {
  const rows = [['measurement', 'MB/s', 'records/s', 'w2 / this', 'notes']];
  for (const m of ms) {
    const notes = [];
    if (m.sampled) notes.push(`sampled ${fmt(m.bytes / 1e6, 0)} of ${fmt(m.corpusBytes / 1e6, 0)} MB, full corpus ~${fmt(m.corpusBytes / 1e6 / m.mbps, 0)} s`);
    const d = m.detail ?? {};
    if (typeof d.fastPathShare === 'number') notes.push(`fast path ${(d.fastPathShare * 100).toFixed(1)}%`);
    if (typeof d.lastQuartersMBps === 'number') notes.push(`last 3/4 of the bytes ${fmt(d.lastQuartersMBps)} MB/s`);
    if (typeof d.mainThreadBusy === 'number') notes.push(`main busy ${(d.mainThreadBusy * 100).toFixed(0)}%`);
    if (typeof d.coresUsed === 'number') notes.push(`cores ${d.coresUsed.toFixed(2)}`);
    if (typeof d.hitShare === 'number') notes.push(`hit lines ${(d.hitShare * 100).toFixed(1)}%`);
    if (typeof m.othersCpuShare === 'number' && m.othersCpuShare >= 0.1) notes.push(`other processes took ${(m.othersCpuShare * 100).toFixed(0)}% of the CPU`);
    if (m.note) notes.push(m.note);
    rows.push([m.label, fmt(m.mbps), fmt(m.recordsPerSec, 0), reference ? `${(reference / m.mbps).toFixed(2)}x` : '-', notes.join('; ')]);
  }
  return table(rows);
}

/** @param {Target[]} targets @returns {string} */
export function targetTable(targets) {
  const rows = [['target', 'value', 'goal', 'result']];
  for (const t of targets) {
    const range = t.range ? ` (rounds ${t.range[0].toFixed(2)}-${t.range[1].toFixed(2)})` : '';
    const value = t.value === null ? 'n/a' : `${t.value.toFixed(2)} ${t.unit}${range}`;
    rows.push([t.description, value, `${t.comparison} ${t.unit}`, t.pass === null ? 'NOT RUN' : t.pass ? 'PASS' : 'FAIL']);
  }
  return table(rows);
}
