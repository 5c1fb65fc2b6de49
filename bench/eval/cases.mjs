// @ts-check
/**
 * Case-level evaluation shared by the secret corpora (gitleaks examples, detect-secrets cases):
 * each case is one text that should or should not be detected, grouped by the other tool's rule.
 *
 * - loose: predicted positive = any finding of the group's categories (secret/credential by
 *   default) anywhere in the text. This is the redaction question: did the secret get hidden.
 * - strict: predicted positive = a detector mapped to the case's rule fired.
 *
 * By default only the cases of covered groups (some detector maps the group) are scored and the
 * others are counted under `uncovered`. With `wholeFile`, every case is scored: a case of an
 * uncovered group is still scanned for the loose view, and is a strict miss (a positive is a false
 * negative, a negative a true negative), so nothing is left out of the totals.
 */
import { addCase, countsFor, emptyCounts, score, scoreAll } from './metrics.mjs';

/**
 * @typedef {import('./metrics.mjs').Counts} Counts
 * @typedef {import('./policy.mjs').EvalPolicy} EvalPolicy
 * @typedef {import('./policy.mjs').Finding} Finding
 * @typedef {{ key: string, text: string, expected: boolean, row: number }} Case
 * @typedef {{ detectors: Set<string>, categories: readonly string[] }} GroupMapping
 * @typedef {{ tp: number, fp: number, fpOtherRules: number, precision?: number | null }} DetectorCounts
 *   tp: positive cases it fired on; fp: negative cases of its own rules it fired on; fpOtherRules:
 *   negative cases of other covered rules it redacted (a loose false positive). Recall belongs to
 *   the rule, not to one of several detectors sharing it, so it is reported per rule only.
 */

/** How many case numbers to list per group and outcome. */
const EXAMPLE_ROWS = 5;

/**
 * Runs every case of a covered group through the policy and scores it both ways.
 * @param {EvalPolicy} policy
 * @param {Case[]} cases
 * @param {(key: string) => GroupMapping} mappingOf the detectors addressing a group (empty: uncovered)
 * @param {{ wholeFile?: boolean }} [options] wholeFile: score the cases of uncovered groups too
 */
export function evaluateCases(policy, cases, mappingOf, options = {}) {
  const wholeFile = options.wholeFile === true;
  const loose = emptyCounts();
  const strict = emptyCounts();
  /** @type {Map<string, Counts>} */
  const looseBy = new Map();
  /** @type {Map<string, Counts>} */
  const strictBy = new Map();
  /** @type {Map<string, DetectorCounts>} */
  const perDetector = new Map();
  /** @type {Map<string, { missed: number[], falseAlarms: number[] }>} */
  const examples = new Map();
  /** @type {Map<string, { cases: number, positives: number }>} */
  const uncovered = new Map();
  /** @type {Map<string, string[]>} */
  const coveredBy = new Map();
  let coveredCases = 0;

  for (const c of cases) {
    const mapping = mappingOf(c.key);
    if (mapping.detectors.size === 0) {
      const u = uncovered.get(c.key) ?? { cases: 0, positives: 0 };
      u.cases++;
      if (c.expected) u.positives++;
      uncovered.set(c.key, u);
      if (!wholeFile) continue;
    } else {
      coveredCases++;
      if (!coveredBy.has(c.key)) coveredBy.set(c.key, [...mapping.detectors].sort());
    }
    const findings = policy.scan(c.text);
    const looseHit = findings.some((f) => mapping.categories.includes(f.category));
    const fired = new Set(findings.map((f) => f.id));
    const strictHit = [...mapping.detectors].some((id) => fired.has(id));

    addCase(loose, c.expected, looseHit);
    addCase(countsFor(looseBy, c.key), c.expected, looseHit);
    addCase(strict, c.expected, strictHit);
    addCase(countsFor(strictBy, c.key), c.expected, strictHit);

    for (const id of mapping.detectors) {
      const d = detectorCounts(perDetector, id);
      if (!fired.has(id)) continue;
      if (c.expected) d.tp++;
      else d.fp++;
    }
    if (!c.expected) {
      for (const f of findings) {
        if (!mapping.detectors.has(f.id) && mapping.categories.includes(f.category)) detectorCounts(perDetector, f.id).fpOtherRules++;
      }
    }
    const ex = examples.get(c.key) ?? { missed: [], falseAlarms: [] };
    examples.set(c.key, ex);
    if (c.expected && !looseHit && ex.missed.length < EXAMPLE_ROWS) ex.missed.push(c.row);
    if (!c.expected && looseHit && ex.falseAlarms.length < EXAMPLE_ROWS) ex.falseAlarms.push(c.row);
  }

  const uncoveredList = [...uncovered.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    cases: cases.length,
    covered: {
      groups: [...coveredBy.keys()].sort(),
      cases: coveredCases,
      detectors: Object.fromEntries([...coveredBy.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    },
    uncovered: {
      groups: uncoveredList.length,
      cases: uncoveredList.reduce((n, [, u]) => n + u.cases, 0),
      positives: uncoveredList.reduce((n, [, u]) => n + u.positives, 0),
      byGroup: Object.fromEntries(uncoveredList),
    },
    loose: { overall: score(loose), byGroup: scoreAll(looseBy) },
    strict: { overall: score(strict), byGroup: scoreAll(strictBy) },
    perDetector: Object.fromEntries(
      [...perDetector.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([id, d]) => [id, { ...d, precision: score({ tp: d.tp, fp: d.fp, fn: 0 }).precision }]),
    ),
    /** 1-based case numbers (rows of the corpus file) of loose misses and false alarms. */
    examples: Object.fromEntries(
      [...examples.entries()].filter(([, e]) => e.missed.length + e.falseAlarms.length > 0).sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
  };
}

/**
 * @param {Map<string, DetectorCounts>} map
 * @param {string} id
 * @returns {DetectorCounts}
 */
function detectorCounts(map, id) {
  let d = map.get(id);
  if (!d) map.set(id, (d = { tp: 0, fp: 0, fpOtherRules: 0 }));
  return d;
}
