// @ts-check
/**
 * Presidio recognizer test cases (`pii/presidio_recognizer_cases.jsonl.gz`), span-level, for every
 * entity type a detector refs (`presidio:CA_SIN`), not only the common ones the labelled sentences
 * hold (PRESIDIO_TYPES): the recognizers' cases are the one source for the national ids. A case
 * counts for type T when its `entity_types_tested`
 * includes T; its expected spans of T are matched against the findings of T's detectors. Cases
 * that give only a count (`spans_complete: false`) are scored by count.
 */
import { join } from 'node:path';
import { PRESIDIO_TYPES, presidioType } from './mappings.mjs';
import { codePointToUtf16, readJsonLines } from './readers.mjs';
import { referencedNames } from './refs.mjs';
import { coveredTypes, SpanTally } from './spans.mjs';

export const FILE = 'pii/presidio_recognizer_cases.jsonl.gz';

/**
 * @param {import('./policy.mjs').EvalPolicy} policy
 * @param {string} root corpora root
 */
export function evaluatePresidioRecognizer(policy, root) {
  const rows = readJsonLines(join(root, FILE));
  const covered = coveredTypes(policy, [...new Set([...PRESIDIO_TYPES, ...referencedNames(policy, 'presidio')])]);
  const tally = new SpanTally(covered);
  /** @type {Map<string, number>} */
  const uncovered = new Map();
  let casesUsed = 0;
  let countOnly = 0;

  for (const row of rows) {
    const text = String(row.text);
    const tested = [...new Set((row.entity_types_tested ?? []).map((/** @type {string} */ t) => presidioType(t)))];
    const evaluated = tested.filter((t) => covered.has(t));
    for (const t of tested) {
      if (PRESIDIO_TYPES.includes(t) && !covered.has(t)) uncovered.set(t, (uncovered.get(t) ?? 0) + 1);
    }
    if (evaluated.length === 0) continue;
    casesUsed++;
    const findings = policy.scan(text);
    const toUtf16 = codePointToUtf16(text);
    const spans = (row.spans ?? []).map((/** @type {{start: number, end: number, type: string}} */ s) => ({
      start: toUtf16(s.start),
      end: toUtf16(s.end),
      type: presidioType(s.type),
    }));
    for (const t of evaluated) {
      if (row.spans_complete === false && tested.length === 1) {
        countOnly++;
        tally.addCount(t, Number(row.expected_count ?? 0), findings);
      } else {
        tally.add(t, spans.filter((/** @type {{type: string}} */ s) => s.type === t), findings);
      }
    }
  }
  return {
    source: 'presidio-recognizer',
    file: FILE,
    unit: 'span',
    cases: rows.length,
    casesEvaluated: casesUsed,
    casesScoredByCount: countOnly,
    coveredTypes: [...covered.keys()],
    uncoveredTypes: Object.fromEntries([...uncovered.entries()].sort()),
    ...tally.result(),
  };
}
