/**
 * Overlap resolution of the candidates one string's detection found (see scan.ts): which spans are
 * redacted, and under which detector, when matches nest, overlap or repeat each other.
 */
import { SEVERITY_RANK } from '../record.js';
import type { Candidate, Match, TraceEntry } from './scan.js';

/**
 * Overlaps: a candidate whose whole match lies inside another's longer whole match, and whose span
 * differs from the other's span, yields to it (the outer match saw the context: the e-mail-like
 * `pass@host` inside a connection string is the connection string's password), but only while that
 * outer candidate stands; when it is dropped, the inner one stands again. The rest resolve to the
 * longest span, then the most severe, then the earliest, then pack order, and a candidate that
 * partly overlaps the spans ranked above it is merged into them rather than dropped: every candidate
 * that does not yield ends up inside the spans returned.
 */
export function resolveOverlaps(candidates: Candidate[], trace?: TraceEntry[]): Match[] {
  if (candidates.length === 0) return [];
  // One candidate (most strings with a finding) stands: what the passes below come to for it.
  if (candidates.length === 1) {
    const only = candidates[0] as Candidate;
    if (trace) trace.push(firedEntry(only));
    return [matchOf(only)];
  }
  const ranked = candidates.length > 1 ? [...candidates].sort(byRank) : candidates;
  const outers = ranked.length > 1 ? enclosingOf(ranked) : new Map<Candidate, Candidate[]>();
  // Presume every outer candidate stands, then free each candidate whose outers were all dropped and
  // resolve again. Only ever freeing (never yielding again) bounds this by the candidate count, and
  // a freed candidate is resolved like any other, so the error is on the side of redacting.
  const yielded = new Set(outers.keys());
  for (;;) {
    const log: TraceEntry[] | undefined = trace ? [] : undefined;
    const pass = mergeSpans(ranked.filter((c) => !yielded.has(c)), log);
    // An outer covered by a kept span of exactly its own span (a token detector on a URL's
    // password) still stands: its span is redacted as it would be, and what it saw of the context
    // (the host after the @) still holds.
    const stands = (o: Candidate): boolean => !yielded.has(o) && (!pass.covered.has(o) || pass.same.has(o));
    const freed = [...yielded].filter((c) => !outers.get(c)?.some(stands));
    for (const c of freed) yielded.delete(c);
    if (freed.length > 0) continue;
    for (const c of yielded) {
      const outer = outers.get(c)?.find(stands);
      if (outer) note(trace, c, `inside the match of "${outer.detector.spec.id}"`);
    }
    if (log) trace?.push(...log);
    return pass.spans.map(matchOf).sort((a, b) => a.start - b.start);
  }
}

/** A kept span or a candidate as the match it makes: its value where it was read decoded alone. */
function matchOf({ detector, start, end, decodedValue }: KeptSpan | Candidate): Match {
  return { detector, start, end, ...(decodedValue ? { value: decodedValue } : {}) };
}

/** The trace entry of a candidate kept as it was found. */
function firedEntry(c: Candidate): TraceEntry {
  return { detectorId: c.detector.spec.id, verdict: 'fired', start: c.start, end: c.end, ...(c.reading ? { detail: `with its ${c.reading}` } : {}) };
}

/** A kept span, with its 'fired' trace entry (kept in step as merges widen the span). */
export interface KeptSpan extends Match {
  fired: TraceEntry | undefined;
  /** The candidate's decoded value while the span is that one candidate's; '' once merged. */
  decodedValue: string;
}

/**
 * One pass in rank order. A candidate that overlaps no kept span is kept; one the kept spans cover
 * is dropped; one that would leave part of its span uncovered widens the best-ranked kept span it
 * overlaps to the union, which absorbs any other kept span it now overlaps. The widened span keeps
 * that kept detector's identity, so its action and label apply to the whole union.
 */
export function mergeSpans(ranked: readonly Candidate[], log?: TraceEntry[]): { spans: KeptSpan[]; covered: Set<Candidate>; same: Set<Candidate> } {
  const spans: KeptSpan[] = []; // in rank order of the detectors they carry
  // The same spans by position: disjoint, so sorted by end too, and the ones a match overlaps are
  // found by a binary search (a value with thousands of findings costs no quadratic time).
  const byStart: KeptSpan[] = [];
  const order = new Map<KeptSpan, number>();
  const covered = new Set<Candidate>();
  // The covered candidates whose span a kept span is exactly.
  const same = new Set<Candidate>();
  for (const c of ranked) {
    const hit = overlapping(byStart, c).sort((a, b) => (order.get(a) as number) - (order.get(b) as number));
    const best = hit[0];
    if (!best) {
      const fired = log && firedEntry(c);
      if (fired) log?.push(fired);
      const kept: KeptSpan = { detector: c.detector, start: c.start, end: c.end, fired, decodedValue: c.decodedValue };
      order.set(kept, order.size);
      spans.push(kept);
      byStart.splice(firstEndingAfter(byStart, kept.start), 0, kept);
      continue;
    }
    const into = `"${best.detector.spec.id}"`;
    if (coveredBy(hit, c.start, c.end)) {
      covered.add(c);
      if (hit.some((k) => k.start === c.start && k.end === c.end)) same.add(c);
      note(log, c, `overlapped by ${into}`);
      continue;
    }
    note(log, c, `merged into ${into}`);
    widen(best, c);
    // What the widened span gains lies inside c or inside a span it absorbs, and kept spans are
    // disjoint, so the spans it overlaps now are all it absorbs; it keeps its place by position.
    const absorbed = overlapping(byStart, best).filter((k) => k !== best);
    // Latest kept first, as the trace names them.
    for (const k of absorbed.sort((a, b) => (order.get(b) as number) - (order.get(a) as number))) {
      byStart.splice(byStart.indexOf(k), 1);
      spans.splice(spans.indexOf(k), 1);
      widen(best, k);
      if (k.fired) Object.assign(k.fired, { verdict: 'overlapped', detail: `merged into ${into}` });
    }
  }
  return { spans, covered, same };
}

/** Index of the first span of `byStart` (disjoint, by position) that ends after `pos`. */
function firstEndingAfter(byStart: readonly Match[], pos: number): number {
  let lo = 0;
  let hi = byStart.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((byStart[mid] as Match).end > pos) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The spans of `byStart` (disjoint, by position) that overlap `m`, by position. */
function overlapping(byStart: readonly KeptSpan[], m: Match): KeptSpan[] {
  const out: KeptSpan[] = [];
  for (let i = firstEndingAfter(byStart, m.start); i < byStart.length && (byStart[i] as KeptSpan).start < m.end; i++) out.push(byStart[i] as KeptSpan);
  return out;
}

function widen(kept: KeptSpan, other: Match): void {
  kept.start = Math.min(kept.start, other.start);
  kept.end = Math.max(kept.end, other.end);
  // A union of readings is read as written.
  kept.decodedValue = '';
  if (!kept.fired) return;
  const id = `"${other.detector.spec.id}"`;
  kept.fired.start = kept.start;
  kept.fired.end = kept.end;
  kept.fired.detail = kept.fired.detail ? `${kept.fired.detail}, ${id}` : `widened to cover ${id}`;
}

function byRank(a: Candidate, b: Candidate): number {
  return (
    b.end - b.start - (a.end - a.start) ||
    SEVERITY_RANK[b.detector.spec.severity] - SEVERITY_RANK[a.detector.spec.severity] ||
    a.start - b.start ||
    a.detector.index - b.detector.index
  );
}

/**
 * For each candidate, the others that enclose it (see {@link encloses}), in rank order. A sweep by
 * whole-match start compares each candidate only with those whose whole match is still open where
 * it starts, so a line with thousands of findings side by side costs no quadratic time.
 */
export function enclosingOf(ranked: readonly Candidate[]): Map<Candidate, Candidate[]> {
  const rank = new Map(ranked.map((c, i) => [c, i]));
  const byStart = [...ranked].sort((a, b) => a.matchStart - b.matchStart || b.matchEnd - a.matchEnd);
  const out = new Map<Candidate, Candidate[]>();
  let open: Candidate[] = [];
  for (const c of byStart) {
    // An outer starts no later and ends no earlier; one that ended before c starts encloses nothing after.
    open = open.filter((o) => o.matchEnd >= c.matchStart);
    const enclosing = open.filter((o) => encloses(o, c));
    if (enclosing.length > 0) out.set(c, enclosing.sort((a, b) => (rank.get(a) as number) - (rank.get(b) as number)));
    open.push(c);
  }
  return out;
}

/** True when `outer`'s whole match holds `inner`'s and is longer, and their spans differ but overlap. */
export function encloses(outer: Candidate, inner: Candidate): boolean {
  return (
    outer !== inner &&
    outer.matchStart <= inner.matchStart &&
    inner.matchEnd <= outer.matchEnd &&
    outer.matchEnd - outer.matchStart > inner.matchEnd - inner.matchStart &&
    (outer.start !== inner.start || outer.end !== inner.end) &&
    overlaps(outer, inner)
  );
}

function overlaps(a: Match, b: Match): boolean {
  return a.start < b.end && b.start < a.end;
}

/** True when `spans` (disjoint, each overlapping [start, end)) leave no gap in [start, end). */
function coveredBy(spans: readonly Match[], start: number, end: number): boolean {
  let pos = start;
  for (const k of [...spans].sort((a, b) => a.start - b.start)) {
    if (k.start > pos) return false;
    pos = Math.max(pos, k.end);
  }
  return pos >= end;
}

function note(trace: TraceEntry[] | undefined, c: Candidate, detail: string): void {
  trace?.push({ detectorId: c.detector.spec.id, verdict: 'overlapped', start: c.start, end: c.end, detail });
}
