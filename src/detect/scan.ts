/**
 * Detection on one string: the policy's prefilter names the candidate detectors, positions from the hit
 * detectors' own RE2, then tokens, allowlists, keyword windows and validators confirm; overlaps
 * resolve to the longest, then most severe match. The same code path records why a candidate was
 * rejected when explain asks for it, so explain never disagrees with redaction.
 */
import { findTokens, type TokenRef } from '../crypto/token.js';
import { SEVERITY_RANK } from '../record.js';
import type { CompiledDetector, CompiledPolicy } from './compile.js';

/** A confirmed detection: UTF-16 offsets of the span to redact within the scanned string. */
export interface Match {
  detector: CompiledDetector;
  start: number;
  end: number;
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

interface Candidate extends Match {
  matchStart: number;
  matchEnd: number;
}

/**
 * Every confirmed match in `text`, non-overlapping, ordered by position. `only`, when given, are
 * the only detectors that can match (those the record's raw line matched): the prefilter is
 * skipped and they run directly.
 */
export function scanText(policy: CompiledPolicy, text: string, trace?: TraceEntry[], only?: readonly number[]): Match[] {
  if (!policy.prefilter || text.length === 0) return [];
  const cacheable = !trace && text.length <= CLEAN_CACHE_MAX_CHARS;
  if (cacheable && policy.cleanValues.has(text)) return [];
  const hits = only ?? policy.prefilter.candidates(text);
  const found = hits.length === 0 ? [] : scanHits(policy, text, hits, trace);
  // Clean for a few detectors is not clean for all of them.
  if (cacheable && found.length === 0 && !only) policy.cleanValues.add(text);
  return found;
}

/**
 * The tokens of `text` that logveil can have written: token syntax in which no detector finds
 * anything. A secret wrapped in token syntax (`[[X:tk1.a.<secret>]]`) is not a token: what is
 * inside one is otherwise never scanned.
 */
export function ownTokens(policy: CompiledPolicy, text: string): TokenRef[] {
  return findTokens(text).filter((t) => scanText(policy, text.slice(t.start + 2, t.end - 2)).length === 0);
}

/** Values up to this long are remembered when they hold no finding. */
const CLEAN_CACHE_MAX_CHARS = 256;

/** Runs the given detectors (by index) over `text`; `hits` normally comes from the prefilter. */
export function scanHits(policy: CompiledPolicy, text: string, hits: readonly number[], trace?: TraceEntry[]): Match[] {
  let tokens: TokenRef[] | undefined;
  const candidates: Candidate[] = [];
  for (const index of hits) {
    const detector = policy.detectors[index];
    if (!detector) continue;
    const { regex, spec } = detector;
    if (!policy.prefilter?.mayMatch(index, text)) continue;
    regex.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = regex.exec(text)) !== null) {
      const whole = m.indices?.[0];
      if (!whole) break;
      if (whole[1] === whole[0]) {
        regex.lastIndex = whole[1] + 1;
        continue;
      }
      const span = (detector.hasSecretGroup ? m.indices?.groups?.secret : undefined) ?? whole;
      const [start, end] = span;
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
      candidates.push({ detector, start, end, matchStart: whole[0], matchEnd: whole[1] });
    }
  }
  return resolveOverlaps(candidates, trace);
}

/**
 * Overlaps: a candidate whose whole match lies inside another's whole match, and whose span differs
 * from the other's span, yields to it (the outer match saw the context: the e-mail-like `pass@host`
 * inside a connection string is the connection string's password). The rest resolve to the longest
 * span, then the most severe, then the earliest, then pack order.
 */
function resolveOverlaps(candidates: Candidate[], trace?: TraceEntry[]): Match[] {
  let live = candidates;
  if (candidates.length > 1) {
    live = candidates.filter((c) => {
      const outer = candidates.find(
        (o) =>
          o !== c &&
          o.matchStart <= c.matchStart &&
          c.matchEnd <= o.matchEnd &&
          o.matchEnd - o.matchStart > c.matchEnd - c.matchStart &&
          (o.start !== c.start || o.end !== c.end) &&
          o.start < c.end &&
          c.start < o.end,
      );
      if (outer) note(trace, c, `inside the match of "${outer.detector.spec.id}"`);
      return !outer;
    });
    live.sort(
      (a, b) =>
        b.end - b.start - (a.end - a.start) ||
        SEVERITY_RANK[b.detector.spec.severity] - SEVERITY_RANK[a.detector.spec.severity] ||
        a.start - b.start ||
        a.detector.index - b.detector.index,
    );
  }
  const kept: Match[] = [];
  for (const c of live) {
    const winner = kept.find((k) => k.start < c.end && c.start < k.end);
    if (winner) {
      note(trace, c, `overlapped by "${winner.detector.spec.id}"`);
      continue;
    }
    kept.push({ detector: c.detector, start: c.start, end: c.end });
    trace?.push({ detectorId: c.detector.spec.id, verdict: 'fired', start: c.start, end: c.end });
  }
  return kept.sort((a, b) => a.start - b.start);
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
