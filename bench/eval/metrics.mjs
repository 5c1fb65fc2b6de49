// @ts-check
/**
 * Confusion counts, precision / recall / F1 and span matching. Pure functions, no I/O.
 *
 * Span matching (used for every span-level source): an expected span is a true positive when at
 * least one finding overlaps it (each expected span counts at most once, however many findings
 * touch it); an expected span no finding overlaps is a false negative; a finding that overlaps no
 * expected span is a false positive. A finding that overlaps two expected spans therefore matches
 * both (it redacts both), and a second finding on an already matched span is neither TP nor FP.
 * Redaction is the question: "was the entity hidden" and "was anything else hidden".
 */

/**
 * @typedef {{ tp: number, fp: number, fn: number, tn?: number }} Counts
 * @typedef {{ tp: number, fp: number, fn: number, tn?: number,
 *   precision: number | null, recall: number | null, f1: number | null }} Scored
 * @typedef {{ start: number, end: number }} Span
 */

/** @returns {Counts} */
export function emptyCounts() {
  return { tp: 0, fp: 0, fn: 0, tn: 0 };
}

/**
 * Adds `b` into `a` (in place) and returns `a`.
 * @param {Counts} a
 * @param {Counts} b
 * @returns {Counts}
 */
export function addCounts(a, b) {
  a.tp += b.tp;
  a.fp += b.fp;
  a.fn += b.fn;
  if (b.tn !== undefined) a.tn = (a.tn ?? 0) + b.tn;
  return a;
}

/**
 * Precision, recall and F1, rounded to 4 decimals. A ratio with a zero denominator is `null`
 * (undefined, not zero): no predictions means precision is unknown, no positives means recall is.
 * F1 = 2TP / (2TP + FP + FN): null only when TP, FP and FN are all 0.
 * @param {Counts} c
 * @returns {Scored}
 */
export function score(c) {
  const precision = c.tp + c.fp === 0 ? null : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? null : c.tp / (c.tp + c.fn);
  // 2TP / (2TP + FP + FN): the harmonic mean of P and R where both exist, and 0 (not unknown)
  // when nothing was found although there was something to find.
  const denominator = 2 * c.tp + c.fp + c.fn;
  const f1 = denominator === 0 ? null : (2 * c.tp) / denominator;
  /** @type {Scored} */
  const out = { tp: c.tp, fp: c.fp, fn: c.fn, precision: round(precision), recall: round(recall), f1: round(f1) };
  if (c.tn !== undefined) out.tn = c.tn;
  return out;
}

/**
 * @param {number | null} x
 * @returns {number | null}
 */
function round(x) {
  return x === null ? null : Math.round(x * 10000) / 10000;
}

/**
 * Adds one case-level outcome to `c` (in place).
 * @param {Counts} c
 * @param {boolean} expected the case should be detected
 * @param {boolean} predicted the case was detected
 * @returns {Counts}
 */
export function addCase(c, expected, predicted) {
  if (expected && predicted) c.tp++;
  else if (expected) c.fn++;
  else if (predicted) c.fp++;
  else c.tn = (c.tn ?? 0) + 1;
  return c;
}

/**
 * True when the half-open spans [a.start, a.end) and [b.start, b.end) share a character.
 * @param {Span} a
 * @param {Span} b
 */
export function overlaps(a, b) {
  return a.start < b.end && b.start < a.end;
}

/**
 * Matches findings against expected spans (see the module comment for the rule).
 * @template {Span} E
 * @template {Span} F
 * @param {readonly E[]} expected
 * @param {readonly F[]} found
 * @returns {{ tp: number, fp: number, fn: number, matched: E[], missed: E[], spurious: F[], covered: number }}
 *   `covered`: expected spans whose every character lies inside some finding (full redaction).
 */
export function matchSpans(expected, found) {
  /** @type {E[]} */
  const matched = [];
  /** @type {E[]} */
  const missed = [];
  let covered = 0;
  for (const e of expected) {
    const hits = found.filter((f) => overlaps(e, f));
    if (hits.length === 0) {
      missed.push(e);
      continue;
    }
    matched.push(e);
    if (fullyCovered(e, hits)) covered++;
  }
  const spurious = found.filter((f) => !expected.some((e) => overlaps(e, f)));
  return { tp: matched.length, fp: spurious.length, fn: missed.length, matched, missed, spurious, covered };
}

/**
 * True when the union of `spans` covers every character of `target`.
 * @param {Span} target
 * @param {readonly Span[]} spans
 */
export function fullyCovered(target, spans) {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let pos = target.start;
  for (const s of sorted) {
    if (s.start > pos) break;
    if (s.end > pos) pos = s.end;
    if (pos >= target.end) return true;
  }
  return pos >= target.end;
}

/**
 * Count-based fallback for cases that give how many entities are expected but not where
 * (`spans_complete: false`): min(found, expected) true positives, the rest FN or FP.
 * @param {number} expectedCount
 * @param {number} foundCount
 * @returns {Counts}
 */
export function matchCounts(expectedCount, foundCount) {
  const tp = Math.min(expectedCount, foundCount);
  return { tp, fp: foundCount - tp, fn: expectedCount - tp };
}

/**
 * Scores every entry of a map of counts, keyed like the input, sorted by key.
 * @param {Map<string, Counts>} byKey
 * @returns {Record<string, Scored>}
 */
export function scoreAll(byKey) {
  /** @type {Record<string, Scored>} */
  const out = {};
  for (const key of [...byKey.keys()].sort()) out[key] = score(/** @type {Counts} */ (byKey.get(key)));
  return out;
}

/**
 * The counts stored under `key`, created empty on first use.
 * @param {Map<string, Counts>} map
 * @param {string} key
 * @returns {Counts}
 */
export function countsFor(map, key) {
  let c = map.get(key);
  if (!c) {
    c = emptyCounts();
    map.set(key, c);
  }
  return c;
}
