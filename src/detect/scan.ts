/**
 * Detection on one string: the policy's prefilter names the candidate detectors, positions from the hit
 * detectors' own RE2, then tokens, allowlists, keyword windows and validators confirm; overlaps
 * resolve to the longest, then most severe match. The same code path records why a candidate was
 * rejected when explain asks for it, so explain never disagrees with redaction.
 */
import { findTokens, isTokenBody, type TokenRef } from '../crypto/token.js';
import { SEVERITY_RANK } from '../record.js';
import { hasEscapes, type DecodedView } from './escapes.js';
import { mayHideNumber } from './numbers.js';
import { readings } from './readings.js';
import type { CompiledDetector, CompiledPolicy } from './compile.js';

/** A confirmed detection: UTF-16 offsets of the span to redact within the scanned string. */
export interface Match {
  detector: CompiledDetector;
  start: number;
  end: number;
  /**
   * The value with its escapes decoded, for a match found in a decoded view alone (see escapes.ts):
   * what its token is made of, so that it joins with the same value written plainly elsewhere.
   */
  value?: string;
}

export type Verdict =
  | 'fired'
  | 'inside-token'
  | 'allowlisted'
  | 'keyword-missing'
  | 'validator-failed'
  | 'overlapped';

/** Why one candidate fired or did not; offsets only, never the value. */
export interface TraceEntry {
  detectorId: string;
  verdict: Verdict;
  start: number;
  end: number;
  detail?: string;
}

export interface Candidate extends Match {
  matchStart: number;
  matchEnd: number;
  /**
   * How the text was read where this was found: '' as written, else a decoded view's `how` (see
   * escapes.ts). Every candidate has the field: one object shape keeps overlap resolution fast.
   */
  reading: string;
  /** The value as its decoded view reads it ('' for a candidate found as written). */
  decodedValue: string;
}

/**
 * Every confirmed match in `text`, non-overlapping, ordered by position. `only`, when given, are
 * the only detectors that can match (those the record's raw line matched): the prefilter is
 * skipped and they run directly.
 */
export function scanText(policy: CompiledPolicy, text: string, trace?: TraceEntry[], only?: readonly number[]): Match[] {
  if (!policy.prefilter || text.length === 0) return [];
  // Most strings of a record its raw line marks: no detector, and nothing a decoded view could add.
  if (only?.length === 0 && !hasEscapes(text) && !mayHideNumber(text)) return [];
  const cacheable = !trace && text.length <= CLEAN_CACHE_MAX_CHARS;
  if (cacheable && policy.cleanValues.has(text)) return [];
  const hits = only ?? policy.prefilter.candidates(text);
  // The other readings need every detector: the raw line's prefilter (`only`) saw the text as written.
  const views = readings(text);
  const found = views.length > 0 ? scanWithViews(policy, text, views, hits, trace) : hits.length === 0 ? [] : scanHits(policy, text, hits, trace);
  // Clean for a few detectors is not clean for all of them.
  if (cacheable && found.length === 0 && !only) policy.cleanValues.add(text);
  return found;
}

/**
 * The tokens of `text` that logveil can have written: token syntax whose body is well formed (see
 * {@link isTokenBody}) and none of whose parts (label, kid, payload or mac), each taken alone or
 * the kid and payload together, holds anything a detector finds. A secret wrapped in token syntax
 * (`[[X:tk1.a.<secret>]]`, `[[X:tk1.<jwt header>.<jwt claims>]]`, `[[<AWS key id>]]`) is not a
 * token: what is inside one is otherwise never scanned.
 */
export function ownTokens(policy: CompiledPolicy, text: string): TokenRef[] {
  return findTokens(text).filter((t) => {
    if (t.body !== undefined && !isTokenBody(t.body)) return false;
    const pieces = t.body ? t.body.split('.').slice(1) : [];
    const parts = [t.label, ...pieces, ...(pieces.length > 1 ? [pieces.join('.')] : [])];
    return parts.every((part) => scanText(policy, part).length === 0);
  });
}

/** Values up to this long are remembered when they hold no finding. */
const CLEAN_CACHE_MAX_CHARS = 256;

/** Runs the given detectors (by index) over `text`; `hits` normally comes from the prefilter. */
export function scanHits(policy: CompiledPolicy, text: string, hits: readonly number[], trace?: TraceEntry[]): Match[] {
  return resolveOverlaps(candidatesOf(policy, text, hits, trace), trace);
}

/**
 * Detection on `text` and on its decoded views (see escapes.ts): the views' candidates, mapped onto
 * the escapes that spell them, resolve their overlaps together with the text's own.
 */
export function scanWithViews(policy: CompiledPolicy, text: string, views: readonly DecodedView[], hits: readonly number[], trace?: TraceEntry[]): Match[] {
  const all = hits.length === 0 ? [] : candidatesOf(policy, text, hits, trace);
  // The same finding in two readings (no escape inside it) counts once; a set keeps this linear.
  const seen = new Set(all.map(findingKey));
  for (const view of views) {
    const decodedTrace: TraceEntry[] | undefined = trace ? [] : undefined;
    const decoded = candidatesOf(policy, view.text, policy.prefilter?.candidates(view.text) ?? [], decodedTrace);
    const at = (i: number): number => view.at[i] as number;
    const endAt = (i: number): number => (view.end ?? view.at)[i] as number;
    for (const t of decodedTrace ?? []) {
      trace?.push({ ...t, start: at(t.start), end: endAt(t.end), detail: t.detail ? `${t.detail} (${view.how})` : `with its ${view.how}` });
    }
    for (const c of decoded) {
      const m: Candidate = { detector: c.detector, start: at(c.start), end: endAt(c.end), matchStart: at(c.matchStart), matchEnd: endAt(c.matchEnd), reading: view.how, decodedValue: view.text.slice(c.start, c.end) };
      const key = findingKey(m);
      if (seen.has(key)) continue;
      seen.add(key);
      all.push(m);
    }
  }
  return resolveOverlaps(all, trace);
}

function findingKey(c: Candidate): string {
  return `${c.detector.index}:${c.start}:${c.end}`;
}

/** The candidates of the given detectors in `text`: matches that pass tokens, allowlists, keywords and validators. */
function candidatesOf(policy: CompiledPolicy, text: string, hits: readonly number[], trace?: TraceEntry[]): Candidate[] {
  let tokens: TokenRef[] | undefined;
  const candidates: Candidate[] = [];
  for (const index of hits) {
    const detector = policy.detectors[index];
    if (!detector) continue;
    const { regex, spec } = detector;
    regex.lastIndex = 0;
    // A match that ends the text leaves nothing to search (an empty match at the end is skipped anyway).
    for (let m = regex.exec(text); m !== null; m = regex.lastIndex < text.length ? regex.exec(text) : null) {
      const whole: [number, number] = [m.index, m.index + m[0].length];
      if (whole[1] === whole[0]) {
        regex.lastIndex = whole[1] + 1;
        continue;
      }
      const [start, end] = detector.hasSecretGroup ? secretSpan(detector, text, m) : whole;
      if (end <= start) continue;
      const note = (verdict: Verdict, detail?: string): void => {
        trace?.push({ detectorId: spec.id, verdict, start, end, ...(detail ? { detail } : {}) });
      };
      const known = (tokens ??= ownTokens(policy, text));
      if (coveredByTokens(text, known, start, end)) {
        note('inside-token');
        continue;
      }
      const value = text.slice(start, end);
      const allowedBy = detector.allow.match(value) ?? policy.globalAllow.match(value);
      if (allowedBy) {
        note('allowlisted', allowedBy);
        continue;
      }
      if (detector.keywords) {
        if (!detector.keywords.test(text.slice(Math.max(0, whole[0] - spec.keywordWindow), whole[1]))) {
          note('keyword-missing', `none of [${spec.keywords.join(', ')}] within ${spec.keywordWindow} chars before the match`);
          continue;
        }
      }
      if (detector.validate) {
        const result = detector.validate(value);
        if (!result.ok) {
          note('validator-failed', `${spec.validator?.name ?? 'validator'}: ${result.reason ?? 'rejected'}`);
          continue;
        }
      }
      candidates.push({ detector, start, end, matchStart: whole[0], matchEnd: whole[1], reading: '', decodedValue: '' });
    }
  }
  return candidates;
}

/**
 * Where the `secret` group of match `m` lies in `text` (the whole match when the group took no
 * part). The match gives the group's text, not its place: where that text occurs once in the
 * match, that is the place; else the match is found again with group positions (the `d` flag
 * makes every match cost about twice as much, so it is kept for these few).
 */
function secretSpan(detector: CompiledDetector, text: string, m: RegExpExecArray): [number, number] {
  const secret = m.groups?.['secret'];
  const whole = m[0];
  if (secret === undefined) return [m.index, m.index + whole.length];
  const at = whole.indexOf(secret);
  if (secret.length > 0 && at === whole.lastIndexOf(secret)) return [m.index + at, m.index + at + secret.length];
  const again = detector.positions();
  again.lastIndex = m.index;
  const span = again.exec(text)?.indices?.groups?.['secret'];
  return span ? [span[0], span[1]] : [m.index, m.index + whole.length];
}

/**
 * Overlaps: a candidate whose whole match lies inside another's longer whole match, and whose span
 * differs from the other's span, yields to it (the outer match saw the context: the e-mail-like
 * `pass@host` inside a connection string is the connection string's password), but only while that
 * outer candidate stands; when it is dropped, the inner one stands again. The rest resolve to the
 * longest span, then the most severe, then the earliest, then pack order, and a candidate that
 * partly overlaps the spans ranked above it is merged into them rather than dropped: every candidate
 * that does not yield ends up inside the spans returned.
 */
function resolveOverlaps(candidates: Candidate[], trace?: TraceEntry[]): Match[] {
  if (candidates.length === 0) return [];
  const ranked = candidates.length > 1 ? [...candidates].sort(byRank) : candidates;
  const outers = ranked.length > 1 ? enclosingOf(ranked) : new Map<Candidate, Candidate[]>();
  // Presume every outer candidate stands, then free each candidate whose outers were all dropped and
  // resolve again. Only ever freeing (never yielding again) bounds this by the candidate count, and
  // a freed candidate is resolved like any other, so the error is on the side of redacting.
  const yielded = new Set(outers.keys());
  for (;;) {
    const log: TraceEntry[] | undefined = trace ? [] : undefined;
    const pass = mergeSpans(ranked.filter((c) => !yielded.has(c)), log);
    const stands = (o: Candidate): boolean => !yielded.has(o) && !pass.covered.has(o);
    const freed = [...yielded].filter((c) => !outers.get(c)?.some(stands));
    for (const c of freed) yielded.delete(c);
    if (freed.length > 0) continue;
    for (const c of yielded) {
      const outer = outers.get(c)?.find(stands);
      if (outer) note(trace, c, `inside the match of "${outer.detector.spec.id}"`);
    }
    if (log) trace?.push(...log);
    return pass.spans.map(({ detector, start, end, decodedValue }) => ({ detector, start, end, ...(decodedValue ? { value: decodedValue } : {}) })).sort((a, b) => a.start - b.start);
  }
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
export function mergeSpans(ranked: readonly Candidate[], log?: TraceEntry[]): { spans: KeptSpan[]; covered: Set<Candidate> } {
  const spans: KeptSpan[] = []; // in rank order of the detectors they carry
  // The same spans by position: disjoint, so sorted by end too, and the ones a match overlaps are
  // found by a binary search (a value with thousands of findings costs no quadratic time).
  const byStart: KeptSpan[] = [];
  const order = new Map<KeptSpan, number>();
  const covered = new Set<Candidate>();
  for (const c of ranked) {
    const hit = overlapping(byStart, c).sort((a, b) => (order.get(a) as number) - (order.get(b) as number));
    const best = hit[0];
    if (!best) {
      const fired: TraceEntry | undefined = log && { detectorId: c.detector.spec.id, verdict: 'fired', start: c.start, end: c.end, ...(c.reading ? { detail: `with its ${c.reading}` } : {}) };
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
  return { spans, covered };
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

/**
 * True when the span holds nothing but logveil tokens and punctuation: such a span was redacted
 * already. A span that reaches past a token into other letters or digits is still redacted.
 */
function coveredByTokens(text: string, tokens: readonly TokenRef[], start: number, end: number): boolean {
  if (tokens.length === 0) return false;
  let overlaps = false;
  let pos = start;
  for (const t of tokens) {
    if (t.end <= start || t.start >= end) continue;
    overlaps = true;
    if (/[\p{L}\p{N}]/u.test(text.slice(pos, Math.max(pos, t.start)))) return false;
    pos = Math.max(pos, t.end);
  }
  return overlaps && !/[\p{L}\p{N}]/u.test(text.slice(pos, end));
}
