// @ts-check
/**
 * The results as an HTML page: throughput bars, the three scaling curves, memory over time, and
 * the tables behind them.
 */
import { barChart, esc, htmlPage, htmlTable, lineChart } from './html.mjs';
import { fmt } from './report.mjs';

/** @typedef {import('./measure.mjs').Measurement} Measurement */

/** @param {any} r the results object written to JSON @returns {string} */
export function resultsPage(r) {
  /** @type {Measurement[]} */
  const ms = r.measurements;
  const main = ms.filter((m) => ['logveil', 'cli', 'floor', 'baseline', 'competitor', 'variant'].includes(m.group));
  const bars = barChart(
    main.map((m) => ({ label: m.label, value: m.mbps, group: m.group, ...(m.sampled ? { note: `sampled ${fmt(m.bytes / 1e6, 0)} of ${fmt(m.corpusBytes / 1e6, 0)} MB` } : {}) })),
    { title: 'Throughput (median of rounds)', unit: 'MB/s (10^6 input bytes per second)' },
  );
  const curves = [
    lineChart([{ name: 'logveil library', points: r.scaling.workers.map((/** @type {any} */ p) => ({ x: p.x, y: p.mbps })) }], { title: 'Throughput vs workers', xLabel: 'worker threads', yLabel: 'MB/s' }),
    lineChart([{ name: 'logveil, 1 worker', points: r.scaling.detectors.map((/** @type {any} */ p) => ({ x: p.x, y: p.mbps })) }], { title: 'Throughput vs detector count', xLabel: 'detectors', yLabel: 'MB/s' }),
    lineChart(
      [
        { name: 'logveil, 1 worker', points: relativeCost(r.scaling.detectors, (p) => p.mbps) },
        { name: 'prefilter only', points: relativeCost(r.scaling.detectors, (p) => p.prefilterMbps) },
        { name: 'same findings, 1 worker', points: relativeCost(r.scaling.detectorsSameFindings ?? [], (p) => p.mbps) },
      ],
      { title: 'Cost per byte vs detector count', xLabel: 'detectors', yLabel: 'time per byte, fewest detectors = 1' },
    ),
    lineChart(
      [
        { name: 'logveil', points: r.scaling.lineLength.map((/** @type {any} */ p) => ({ x: p.x, y: p.mbps })) },
        { name: 'JSON floor', points: r.scaling.lineLength.filter((/** @type {any} */ p) => p.jsonFloorMbps).map((/** @type {any} */ p) => ({ x: p.x, y: p.jsonFloorMbps })) },
      ],
      { title: 'Throughput vs line length', xLabel: 'line length (bytes, log scale)', yLabel: 'MB/s', logX: true },
    ),
  ];
  if (r.rss?.series?.length) {
    curves.push(lineChart([{ name: 'RSS', points: r.rss.series.map((/** @type {[number, number]} */ [x, y]) => ({ x, y })) }], { title: `CLI memory over a ${(r.rss.inputBytes / 1e9).toFixed(1)} GB input`, xLabel: 'seconds', yLabel: 'RSS (MiB)' }));
  }

  const rows = [['measurement', 'MB/s', 'records/s', 'median s', 'bytes/round', 'rounds (MB/s)', 'notes']];
  for (const m of ms) {
    const d = m.detail ?? {};
    const notes = [m.sampled ? 'sampled' : '', typeof d.fastPathShare === 'number' ? `fast path ${(Number(d.fastPathShare) * 100).toFixed(1)}%` : '', typeof d.lastQuartersMBps === 'number' ? `last 3/4 of the bytes ${fmt(Number(d.lastQuartersMBps))} MB/s` : '', typeof d.mainThreadBusy === 'number' ? `main busy ${(Number(d.mainThreadBusy) * 100).toFixed(0)}%` : '', typeof d.coresUsed === 'number' ? `cores ${Number(d.coresUsed).toFixed(2)}` : '', typeof m.othersCpuShare === 'number' ? `others' CPU ${(m.othersCpuShare * 100).toFixed(0)}%` : '', m.note ?? ''];
    rows.push([m.label, fmt(m.mbps), fmt(m.recordsPerSec, 0), m.seconds.toFixed(2), fmt(m.bytes / 1e6, 0) + ' MB', m.rounds.map((x) => x.mbps.toFixed(1)).join(' / '), notes.filter(Boolean).join('; ')]);
  }
  const targets = `<table><thead><tr><th>target</th><th class="n">value</th><th>goal</th><th>result</th></tr></thead><tbody>${r.targets
    .map((/** @type {any} */ t) => `<tr><td>${esc(t.description)}</td><td class="n">${t.value === null ? 'n/a' : esc(`${t.value.toFixed(2)} ${t.unit}${t.range ? ` (rounds ${t.range[0].toFixed(2)}-${t.range[1].toFixed(2)})` : ''}`)}</td><td>${esc(`${t.comparison} ${t.unit}`)}</td><td class="${t.pass === null ? '' : t.pass ? 'pass' : 'fail'}">${t.pass === null ? 'not run' : t.pass ? 'pass' : 'FAIL'}</td></tr>`)
    .join('')}</tbody></table>`;
  const corpora = htmlTable(
    [['corpus', 'bytes', 'lines', 'lines with a sensitive value', 'sha256'], ...Object.entries(r.corpora).map(([k, c]) => [k, fmt(/** @type {any} */ (c).bytes / 1e6, 1) + ' MB', String(/** @type {any} */ (c).lines), /** @type {any} */ (c).piiLines === null ? 'n/a (real logs)' : String(/** @type {any} */ (c).piiLines), String(/** @type {any} */ (c).sha256).slice(0, 16)])],
    [false, true, true, true, false],
  );
  const show = (/** @type {unknown} */ v) => (Array.isArray(v) ? v.join(' ') || '(none)' : String(v));
  const machine = htmlTable([['', ''], ...Object.entries(r.machine).map(([k, v]) => [k, show(v)]), ...Object.entries(r.logveil).map(([k, v]) => [`logveil ${k}`, show(v)])]);
  const notes = [...r.notes, ...(r.naive.skipped.length ? [`naive baseline left out: ${r.naive.skipped.map((/** @type {any} */ s) => `${s.id} (${s.reason})`).join('; ')}`] : []), ...r.failures.map((/** @type {any} */ f) => `${f.label} failed: ${f.error}`)];
  return htmlPage({
    title: `logveil benchmarks ${r.date}${r.options.quick ? ' (quick)' : ''}`,
    intro: `Node ${esc(r.machine.node)} on ${esc(r.machine.cpus)} × ${esc(r.machine.cpuModel)}, policy <code>${esc(r.logveil.policyHash.slice(0, 16))}</code> (${esc(r.logveil.detectors)} detectors); main corpus ${esc(fmt(r.corpora.main.bytes / 1e6, 0))} MB of generated JSON lines; ${esc(r.options.rounds)} timed round(s) after a warm-up, median reported. Run took ${esc(r.durationSec.toFixed(0))} s.`,
    sections: [
      { heading: 'Targets', html: targets },
      { heading: 'Throughput', html: `<div class="charts">${bars}</div><p class="note">* measured on a prefix of the corpus (too slow for the round budget).</p>` },
      { heading: 'Scaling', html: `<div class="charts">${curves.join('')}</div>` },
      { heading: 'All measurements', html: htmlTable(rows, [false, true, true, true, true, false, false]) },
      { heading: 'Fixed cost per run (one-line input)', html: htmlTable([['workers', 'seconds'], ...Object.entries(r.startupSec).map(([k, v]) => [k, Number(v).toFixed(3)])], [false, true]) },
      { heading: 'Corpora', html: corpora },
      { heading: 'Machine and build', html: machine },
      { heading: 'Notes', html: notes.length ? `<ul>${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '<p>none</p>' },
    ],
  });
}

/**
 * Time per byte of each point relative to the first (fewest detectors) point.
 * @param {any[]} points @param {(p: any) => number | null | undefined} mbps @returns {Array<{ x: number, y: number }>}
 */
function relativeCost(points, mbps) {
  const usable = points.filter((p) => (mbps(p) ?? 0) > 0);
  const base = usable[0] ? /** @type {number} */ (mbps(usable[0])) : 0;
  return usable.map((p) => ({ x: p.x, y: base / /** @type {number} */ (mbps(p)) }));
}
