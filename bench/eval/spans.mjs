// @ts-check
/**
 * Span-level evaluation of Presidio entity types, shared by the recognizer cases and the labelled
 * sentences. For an entity type T, the expected spans of T are matched against the findings of the
 * detectors whose refs include `presidio:T` (matching rule: metrics.mjs).
 */
import { PRESIDIO_TYPES } from './mappings.mjs';
import { addCounts, countsFor, emptyCounts, matchCounts, matchSpans, overlaps, score, scoreAll } from './metrics.mjs';
import { detectorsFor } from './refs.mjs';

/**
 * @typedef {import('./metrics.mjs').Counts} Counts
 * @typedef {import('./policy.mjs').EvalPolicy} EvalPolicy
 * @typedef {import('./policy.mjs').Finding} Finding
 * @typedef {{ start: number, end: number, type: string }} LabelledSpan
 */

/**
 * The evaluated types the policy covers (a detector refs `presidio:<TYPE>`), with their detectors.
 * @param {EvalPolicy} policy
 * @param {readonly string[]} [types]
 * @returns {Map<string, Set<string>>}
 */
export function coveredTypes(policy, types = PRESIDIO_TYPES) {
  /** @type {Map<string, Set<string>>} */
  const out = new Map();
  for (const t of types) {
    const ids = detectorsFor(policy, 'presidio', t);
    if (ids.size > 0) out.set(t, ids);
  }
  return out;
}

/** Accumulates span-level counts per type and per detector over many texts. */
export class SpanTally {
  /** @param {Map<string, Set<string>>} covered type -> detector ids */
  constructor(covered) {
    this.covered = covered;
    this.overall = emptyCounts();
    /** @type {Map<string, Counts>} */
    this.byType = new Map();
    /**
     * Per detector: expected spans it overlapped (tp) and its findings that overlapped none (fp).
     * Recall belongs to the type (several detectors may share one), so it is reported per type only.
     * @type {Map<string, Counts>}
     */
    this.byDetector = new Map();
    /** @type {Map<string, number>} expected spans fully inside findings, per type */
    this.fullyCovered = new Map();
    /** @type {Map<string, Map<string, number>>} type -> other detector -> missed spans it redacted anyway */
    this.redactedByOther = new Map();
    /** @type {Map<string, number>} texts evaluated per type */
    this.texts = new Map();
  }

  /**
   * Scores one text for one covered type.
   * @param {string} type
   * @param {readonly LabelledSpan[]} expected spans of this type only
   * @param {readonly Finding[]} findings every finding in the text
   */
  add(type, expected, findings) {
    const ids = this.covered.get(type);
    if (!ids) return;
    this.texts.set(type, (this.texts.get(type) ?? 0) + 1);
    const mine = findings.filter((f) => ids.has(f.id));
    const m = matchSpans(expected, mine);
    this.#record(type, m);
    this.fullyCovered.set(type, (this.fullyCovered.get(type) ?? 0) + m.covered);
    for (const id of ids) {
      const own = matchSpans(expected, mine.filter((f) => f.id === id));
      addCounts(countsFor(this.byDetector, id), { tp: own.tp, fp: own.fp, fn: 0 });
    }
    for (const missed of m.missed) {
      const other = findings.find((f) => !ids.has(f.id) && overlaps(f, missed));
      if (!other) continue;
      let byId = this.redactedByOther.get(type);
      if (!byId) this.redactedByOther.set(type, (byId = new Map()));
      byId.set(other.id, (byId.get(other.id) ?? 0) + 1);
    }
  }

  /**
   * Scores one text whose expected spans are unknown, only their number (`spans_complete: false`).
   * @param {string} type
   * @param {number} expectedCount
   * @param {readonly Finding[]} findings
   */
  addCount(type, expectedCount, findings) {
    const ids = this.covered.get(type);
    if (!ids) return;
    this.texts.set(type, (this.texts.get(type) ?? 0) + 1);
    const mine = findings.filter((f) => ids.has(f.id));
    const c = matchCounts(expectedCount, mine.length);
    this.#record(type, c);
    for (const id of ids) {
      const own = matchCounts(expectedCount, mine.filter((f) => f.id === id).length);
      addCounts(countsFor(this.byDetector, id), { tp: own.tp, fp: own.fp, fn: 0 });
    }
  }

  /**
   * @param {string} type
   * @param {Counts} c
   */
  #record(type, c) {
    const counts = { tp: c.tp, fp: c.fp, fn: c.fn };
    addCounts(this.overall, counts);
    addCounts(countsFor(this.byType, type), counts);
  }

  /** The JSON form: overall, per type (with texts and fully covered spans), per detector. */
  result() {
    const byType = scoreAll(this.byType);
    /** @type {Record<string, object>} */
    const types = {};
    for (const [t, s] of Object.entries(byType)) {
      const other = this.redactedByOther.get(t);
      types[t] = {
        ...s,
        texts: this.texts.get(t) ?? 0,
        fullyCovered: this.fullyCovered.get(t) ?? 0,
        detectors: [...(this.covered.get(t) ?? [])].sort(),
        ...(other ? { missedButRedactedBy: Object.fromEntries([...other.entries()].sort((a, b) => b[1] - a[1])) } : {}),
      };
    }
    const overall = { tp: this.overall.tp, fp: this.overall.fp, fn: this.overall.fn };
    const perDetector = Object.fromEntries(
      [...this.byDetector.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([id, c]) => [id, { tp: c.tp, fp: c.fp, precision: score(c).precision }]),
    );
    return { overall: score(overall), byType: types, perDetector };
  }
}
