// @ts-check
/**
 * Presidio-research labelled sentences (`pii/presidio_generated_{small,large}.jsonl.gz`,
 * `{text, spans:[{start,end,type,value}]}`), span-level per evaluated type. Every sentence is
 * fully labelled, so every sentence counts for every covered type. Also counts, per detector, the
 * findings that overlap no labelled span of any type: potential false positives.
 */
import { join } from 'node:path';
import { PRESIDIO_TYPES, presidioType } from './mappings.mjs';
import { overlaps } from './metrics.mjs';
import { codePointToUtf16, readJsonLines } from './readers.mjs';
import { coveredTypes, SpanTally } from './spans.mjs';

export const FILES = Object.freeze({
  small: 'pii/presidio_generated_small.jsonl.gz',
  large: 'pii/presidio_generated_large.jsonl.gz',
});

/**
 * @param {import('./policy.mjs').EvalPolicy} policy
 * @param {string} root corpora root
 */
export function evaluatePresidioGenerated(policy, root) {
  /** @type {Record<string, object>} */
  const sets = {};
  for (const [name, file] of Object.entries(FILES)) sets[name] = evaluateFile(policy, join(root, file), file);
  return { source: 'presidio-generated', unit: 'span', files: FILES, sets };
}

/**
 * @param {import('./policy.mjs').EvalPolicy} policy
 * @param {string} path
 * @param {string} file the name shown in the report
 */
function evaluateFile(policy, path, file) {
  const rows = readJsonLines(path);
  const covered = coveredTypes(policy);
  const tally = new SpanTally(covered);
  /** @type {Map<string, number>} */
  const labelled = new Map();
  /** @type {Map<string, { findings: number, unlabelled: number, byLabel: Map<string, number> }>} */
  const perDetector = new Map();

  for (const row of rows) {
    const text = String(row.text);
    const toUtf16 = codePointToUtf16(text);
    const spans = (row.spans ?? []).map((/** @type {{start: number, end: number, type: string}} */ s) => ({
      start: toUtf16(s.start),
      end: toUtf16(s.end),
      type: presidioType(s.type),
    }));
    for (const s of spans) labelled.set(s.type, (labelled.get(s.type) ?? 0) + 1);
    const findings = policy.scan(text);
    for (const t of covered.keys()) tally.add(t, spans.filter((/** @type {{type: string}} */ s) => s.type === t), findings);
    for (const f of findings) {
      let d = perDetector.get(f.id);
      if (!d) perDetector.set(f.id, (d = { findings: 0, unlabelled: 0, byLabel: new Map() }));
      d.findings++;
      const hit = spans.filter((/** @type {{start: number, end: number}} */ s) => overlaps(s, f));
      if (hit.length === 0) d.unlabelled++;
      for (const type of new Set(hit.map((/** @type {{type: string}} */ s) => s.type))) d.byLabel.set(type, (d.byLabel.get(type) ?? 0) + 1);
    }
  }
  return {
    file,
    sentences: rows.length,
    labelledSpans: Object.fromEntries([...labelled.entries()].sort((a, b) => b[1] - a[1])),
    coveredTypes: [...covered.keys()],
    uncoveredTypes: PRESIDIO_TYPES.filter((t) => !covered.has(t) && labelled.has(t)),
    ...tally.result(),
    /** Every detector's findings: how many overlap no labelled span, and which labels the rest overlap. */
    findingsByDetector: Object.fromEntries(
      [...perDetector.entries()]
        .sort((a, b) => b[1].unlabelled - a[1].unlabelled || (a[0] < b[0] ? -1 : 1))
        .map(([id, d]) => [id, { findings: d.findings, unlabelled: d.unlabelled, overlapsLabel: Object.fromEntries(d.byLabel) }]),
    ),
  };
}
