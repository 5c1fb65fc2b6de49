// @ts-check
/**
 * Text rendering of the per-category scores (see categories.mjs).
 */
import { table } from './format.mjs';

/** @param {number | null | undefined} x */
const f3 = (x) => (x === null || x === undefined ? null : x.toFixed(3));

/** @param {import('./metrics.mjs').Scored} s */
const prf = (s) => [f3(s.precision), f3(s.recall), f3(s.f1), s.tp, s.fp, s.fn];

/**
 * Scores per category and source, then findings per category on the real logs.
 * @param {{ labelled: import('./categories.mjs').CategoryRow[], logs: import('./categories.mjs').CategoryLogRow[] | null }} c
 */
export function categorySection(c) {
  const out = ['== by category: each labelled group under its detectors\' category (strict for gitleaks and detect-secrets)'];
  out.push(
    c.labelled.length === 0
      ? '  no labelled source evaluated'
      : table(
          ['category', 'source', 'unit', 'groups', 'P', 'R', 'F1', 'TP', 'FP', 'FN'],
          c.labelled.map((r) => [r.category, r.source, r.unit, r.groups.length, ...prf(r)]),
        ),
  );
  if (c.logs) {
    out.push('  real logs, findings per category:');
    out.push(table(['category', 'detectors', 'findings', 'per 10k'], c.logs.map((r) => [r.category, r.detectors, r.findings, r.per10k]), '    '));
  }
  return out.join('\n');
}
