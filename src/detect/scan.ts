/**
 * Detection on one string: the policy's prefilter names the candidate detectors, positions from the hit
 * detectors' own RE2, then tokens, allowlists, keyword windows and validators confirm; overlaps
 * resolve to the longest, then most severe match. The same code path records why a candidate was
 * rejected when explain asks for it, so explain never disagrees with redaction.
 */
import { findTokens, isTokenBody, type TokenRef } from '../crypto/token.js';
import type { DecodedView } from './escapes.js';
import { wordsOf } from './key-words.js';
import { resolveOverlaps } from './overlaps.js';
import { hasReadings, readings } from './readings.js';
import { isBareText, isTerminalView, SequenceSpans } from './terminal-codes.js';
import { standalone } from './repeats.js';
import type { CompiledDetector, CompiledPolicy } from './compile.js';
import { execAll, keywordsNear, nearestKeyword, type RegexMatch } from './regex-matches.js';

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
 * Matches of detectors' regexes made before the scan (see {@link execAll}), by the text searched
 * and then by detector index: the structured path searches a batch's values one detector at a
 * time (see pipeline/prepare.ts).
 */
export type KnownMatches = ReadonlyMap<string, KnownRow>;

/**
 * One text's matches by detector index. A map, not an array: an array given an element at a
 * detector's index (the built-in library has over two hundred) takes a backing store that long,
 * about 2 KB for one row, which a batch kept alive long enough to be promoted by every scavenge.
 */
export type KnownRow = ReadonlyMap<number, readonly RegexMatch[]>;

/**
 * Every confirmed match in `text`, non-overlapping, ordered by position. `only`, when given, are
 * the only detectors that can match (those the record's raw line matched): the prefilter is
 * skipped and they run directly; `known` may hold their matches in `text` already. Each of
 * `context.keys`, keys above a JSON value, is also read standing before it (`key: value`), for
 * detectors whose pattern or keyword window needs what the key holds (`{"ssn":"078051120"}`): what
 * any detector finds in the value so read counts. (The line prefilter sends every line with such a
 * key down the structured path, see prefilter.ts.)
 */
export function scanText(policy: CompiledPolicy, text: string, trace?: TraceEntry[], only?: readonly number[], context?: ScanContext, known?: KnownMatches): Match[] {
  if (!policy.prefilter || text.length === 0) return [];
  const keys = context?.keys ?? [];
  // Most strings of a record its raw line marks: no detector, and nothing a decoded view or the key could add.
  if (only?.length === 0 && keys.length === 0 && !hasReadings(text)) return [];
  // Clean alone is not clean under a key that holds a keyword.
  const cacheable = !trace && keys.length === 0 && text.length <= CLEAN_CACHE_MAX_CHARS;
  if (cacheable && policy.cleanValues.has(text)) return [];
  const hits = only ?? policy.prefilter.candidates(text);
  // The other readings need every detector: the raw line's prefilter (`only`) saw the text as written.
  const views = readings(text);
  const under = context?.under;
  const keyed = keys.flatMap((key) => keyedCandidates(policy, text, key, trace, under));
  const matches = known?.get(text);
  const found =
    views.length > 0 || keyed.length > 0 ? scanWithViews(policy, text, views, hits, trace, keyed, matches, under) : hits.length === 0 ? [] : resolveOverlaps(candidatesOf(policy, text, hits, trace, matches, under), trace);
  // Clean for a few detectors is not clean for all of them; clean under a key, not clean alone.
  if (cacheable && found.length === 0 && !only && under === undefined) policy.cleanValues.add(text);
  return found;
}

/**
 * What stands above a JSON value: `keys`, the keys that can tell a detector something (read
 * standing before the value, see {@link scanText}); `under`, the value's own key, which the
 * allowlist entries on a value's context read as text reads `key: value` (see
 * CompiledPolicy.allowedUnder): a counter's number under `rx_bytes` is no national id in JSON
 * either.
 */
export interface ScanContext {
  keys?: readonly string[];
  under?: string;
}

/**
 * The tokens of `text` that logveil can have written: token syntax with a label the policy writes,
 * whose body, if any, is well formed (see {@link isTokenBody}), and none of whose parts (label, kid, payload or mac), each taken alone or
 * the kid and payload together, holds anything a detector finds. A secret wrapped in token syntax
 * (`[[X:tk1.a.<secret>]]`, `[[X:tk1.<jwt header>.<jwt claims>]]`, `[[<AWS key id>]]`) is not a
 * token: what is inside one is otherwise never scanned.
 */
export function ownTokens(policy: CompiledPolicy, text: string): TokenRef[] {
  return findTokens(text).filter((t) => {
    // A label the policy does not write (`[[HUNTER2SECRET]]`) makes no token of it.
    if (!policy.labels.has(t.label)) return false;
    if (t.body !== undefined && !isTokenBody(t.body)) return false;
    const pieces = t.body ? t.body.split('.').slice(1) : [];
    const parts = [t.label, ...pieces, ...(pieces.length > 1 ? [pieces.join('.')] : [])];
    return parts.every((part) => scanText(policy, part).length === 0);
  });
}

/** A key that names an identifier (`entity_id`, `clientId`, `userID`), a UUID, and the categories of secrets. */
const ID_KEY = /(?:^|[_.-])(?:id|Id|ID)$|[a-z0-9](?:Id|ID)$/;
/**
 * A key that names what a value is called or where it lies, not what it holds (`secretName`,
 * `namespace`, `path`, `defaultMode`): a Kubernetes Secret's reference under `secret`.
 */
const NAME_KEY = /^(?:name|namespace|path|mode|kind|type)$|[_.-](?:name|namespace|path|mode|kind|type)$|[a-z0-9](?:Name|Namespace|Path|Mode|Kind|Type)$/;
/** What such a key holds: a lower-case name or path (web-tls, kube-system/coredns-tls) or a number, not a random string. */
const NAME_LIKE = /^(?:[a-z0-9](?:[-a-z0-9._/]*[a-z0-9])?|\d+)$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const SECRETS: ReadonlySet<string> = new Set(['secret', 'credential']);

/** How much of a key a value is read with at most: the widest keyword window a pack may set. */
const MAX_KEY_READ = 1000;

/** Values up to this long are remembered when they hold no finding. */
const CLEAN_CACHE_MAX_CHARS = 256;

/** Runs the given detectors (by index) over `text`; `hits` normally comes from the prefilter. */
export function scanHits(policy: CompiledPolicy, text: string, hits: readonly number[], trace?: TraceEntry[]): Match[] {
  return resolveOverlaps(candidatesOf(policy, text, hits, trace), trace);
}

/**
 * The candidates of a JSON value read with its key before it, as `key: value` reads in text
 * (`{"ssn":"078051120"}` holds its keyword in the key), and of that reading's decoded views
 * (`{"ssn":5.36221234E8}`), each lying within the value, in the value's offsets; the key is also
 * read as its words (`transit number: ...` for `transitNumber`). Detectors whose pattern or keyword
 * window needs the keyword find it there. `under`: the value's own key, whose allowlist reading
 * still holds (`{"stats":{"rx_bytes":...}}`, see {@link ScanContext}), and which, when it names
 * an id and the value is a UUID, takes it from a secret's match that reads another key as its name.
 */
function keyedCandidates(policy: CompiledPolicy, text: string, key: string, trace?: TraceEntry[], under?: string): Candidate[] {
  // The key as written, and as its words read (`transitNumber` as `transit number`, see key-words.ts);
  // of a long key, its end: a keyword further from the value than a keyword window reaches tells
  // nothing, and every value under the key is read so (a key of 80 KB over 10,000 values).
  const near = key.length > MAX_KEY_READ ? key.slice(-MAX_KEY_READ) : key;
  const words = wordsOf(near).join(' ');
  return (words === near || words === '' ? [near] : [near, words]).flatMap((k) => {
    const prefix = `${k}: `;
    const keyed = prefix + text;
    const shift = prefix.length;
    const read: TraceEntry[] | undefined = trace ? [] : undefined;
    const found = candidatesOf(policy, keyed, policy.prefilter?.candidates(keyed) ?? [], read);
    for (const view of readings(keyed)) found.push(...viewCandidates(policy, view));
    // What was nearly found in the value so read (a validator that failed), where the value stands.
    for (const t of read ?? []) if (t.verdict !== 'fired' && t.start >= shift) trace?.push({ ...t, start: t.start - shift, end: t.end - shift, detail: `${t.detail ?? ''}${t.detail ? '; ' : ''}read with its key "${k}" before it` });
    const inValue = found
      .filter((c) => c.start >= shift)
      .map((c) => ({ ...c, start: c.start - shift, end: c.end - shift, matchStart: c.matchStart - shift, matchEnd: c.matchEnd - shift }));
    if (under === undefined || under === k) return inValue;
    // The value's own key, nearer than this one, may allow what this one lets through; and an id's
    // key or a name's says what the value is: a match that took this key as the value's name
    // (`auth: <uuid>` for `{"auth":{"entity_id":"<uuid>"}}`, `secret: web-tls` for
    // `{"secret":{"secretName":"web-tls"}}`) names it wrongly.
    const named = (ID_KEY.test(under) && UUID.test(text)) || (NAME_KEY.test(under) && NAME_LIKE.test(text));
    return inValue.filter((c) => !(named && c.matchStart < 0 && SECRETS.has(c.detector.spec.category)) && !policy.allowedUnder(c.detector, under, text, c));
  });
}

/**
 * Detection on `text` and on its decoded views (see escapes.ts): the views' candidates, mapped onto
 * the escapes that spell them, resolve their overlaps together with the text's own and with
 * `keyed`, those found with the value's key before it (see {@link keyedCandidates}).
 */
export function scanWithViews(
  policy: CompiledPolicy,
  text: string,
  views: readonly DecodedView[],
  hits: readonly number[],
  trace?: TraceEntry[],
  keyed: readonly Candidate[] = [],
  known?: KnownRow,
  under?: string,
): Match[] {
  // Where the text holds terminal sequences, what a reading finds across one's start is the
  // sequence's doing (`MinLength12\x1b` looks like a password with a symbol): the reading without
  // them says what stands there (see terminal-codes.ts).
  const spans = views.some(isTerminalView) ? new SequenceSpans(text) : undefined;
  // A reading without sequences finds across them; the text's own reading without its raw ones, only across those.
  const kept = (c: Candidate): boolean => !spans || (isTerminalView({ how: c.reading }) ? !isBareText(c.reading) || !spans.crosses(c.start, c.end, true) : !spans.crosses(c.start, c.end));
  const all = hits.length === 0 ? [] : candidatesOf(policy, text, hits, trace, known, under).filter(kept);
  // The same finding in two readings (no escape inside it) counts once; a set keeps this linear.
  const seen = new Set(all.map(findingKey));
  const add = (c: Candidate): void => {
    if (seen.has(findingKey(c))) return;
    seen.add(findingKey(c));
    all.push(c);
  };
  keyed.filter(kept).forEach(add);
  for (const view of views) viewCandidates(policy, view, trace).filter(kept).forEach(add);
  return resolveOverlaps(all, trace);
}

/** The candidates of a decoded view, mapped onto the escapes that spell them in the original text. */
function viewCandidates(policy: CompiledPolicy, view: DecodedView, trace?: TraceEntry[]): Candidate[] {
  const decodedTrace: TraceEntry[] | undefined = trace ? [] : undefined;
  const decoded = candidatesOf(policy, view.text, policy.prefilter?.candidates(view.text) ?? [], decodedTrace);
  const at = (i: number): number => view.at[i] as number;
  const endAt = (i: number): number => (view.end ?? view.at)[i] as number;
  for (const t of decodedTrace ?? []) {
    trace?.push({ ...t, start: at(t.start), end: endAt(t.end), detail: t.detail ? `${t.detail} (${view.how})` : `with its ${view.how}` });
  }
  return decoded.map((c) => ({ detector: c.detector, start: at(c.start), end: endAt(c.end), matchStart: at(c.matchStart), matchEnd: endAt(c.matchEnd), reading: view.how, decodedValue: view.text.slice(c.start, c.end) }));
}

function findingKey(c: Candidate): string {
  return `${c.detector.index}:${c.start}:${c.end}`;
}

/**
 * The candidates of the given detectors in `text`: matches that pass tokens, allowlists, keywords
 * and validators. `known`: the detectors' matches in `text` where they were searched already (by
 * detector index). `under`: the JSON key `text` stands under (see {@link ScanContext}).
 */
function candidatesOf(policy: CompiledPolicy, text: string, hits: readonly number[], trace?: TraceEntry[], known?: KnownRow, under?: string): Candidate[] {
  let tokens: TokenRef[] | undefined;
  const candidates: Candidate[] = [];
  for (const index of hits) {
    const detector = policy.detectors[index];
    if (!detector) continue;
    const { spec } = detector;
    for (const m of known?.get(index) ?? execAll(detector, text)) {
      const { start, end } = m;
      if (end <= start) continue;
      // Made only for a trace: a call without one builds no detail either.
      const note = trace
        ? (verdict: Verdict, detail?: string): void => {
            trace.push({ detectorId: spec.id, verdict, start, end, ...(detail ? { detail } : {}) });
          }
        : undefined;
      const known = (tokens ??= ownTokens(policy, text));
      if (coveredByTokens(text, known, start, end)) {
        note?.('inside-token');
        continue;
      }
      const value = text.slice(start, end);
      const verdict = policy.verdictOf(detector, value);
      const allowedBy = verdict.allowedBy ?? policy.allowedAround(detector, text, m);
      if (allowedBy) {
        note?.('allowlisted', allowedBy);
        continue;
      }
      if (!keywordsNear(detector, text, m)) {
        note?.('keyword-missing', `none of [${spec.keywords.join(', ')}] within ${spec.keywordWindow} chars before the match; ${nearestKeyword(detector, text, m.matchStart)}`);
        continue;
      }
      if (detector.validate) {
        const result = verdict.validation();
        if (!result.ok) {
          note?.('validator-failed', `${spec.validator?.name ?? 'validator'}: ${result.reason ?? 'rejected'}`);
          continue;
        }
      }
      // Last, as few candidates get this far: the key's allowlist reading builds a text of its own.
      const allowedUnder = under === undefined ? undefined : policy.allowedUnder(detector, under, text, m);
      if (allowedUnder) {
        note?.('allowlisted', `${allowedUnder}, read with its key "${under}" before it`);
        continue;
      }
      candidates.push({ detector, start, end, matchStart: m.matchStart, matchEnd: m.matchEnd, reading: '', decodedValue: '' });
    }
  }
  return candidates.length > 0 ? withRepeats(policy, text, candidates, tokens ?? []) : candidates;
}

/**
 * Asks `detector`'s validator about its `matches` in `text` that pass its allowlists and keywords,
 * as {@link candidatesOf} will: the answers are kept with the policy's verdicts, where the scan of
 * `text` finds them. The structured path asks a costly validator (see ValidatorSpec.costly) about a
 * batch's candidates together, ahead of the batch's scans.
 */
export function askValidator(policy: CompiledPolicy, detector: CompiledDetector, text: string, matches: readonly RegexMatch[]): void {
  if (!detector.validate) return;
  for (const m of matches) {
    if (m.end <= m.start) continue;
    const verdict = policy.verdictOf(detector, text.slice(m.start, m.end));
    if (!verdict.allowedBy && !policy.allowedAround(detector, text, m) && keywordsNear(detector, text, m)) verdict.validation();
  }
}

/**
 * The candidates, and every other place the value of one of them occurs in `text` on its own (see
 * repeats.ts): a detector that needs its context (a keyword, an assignment) confirms the value
 * where the context stands, and the same secret written again further on must not stay in clear
 * beside its token. The repeat is the same value, so its allowlist and validator verdicts are the
 * first one's; an allowlist entry on what stands around a value is asked again where it repeats
 * (`Version=4.2.2.0, Culture=` beside the address 4.2.2.0).
 */
function withRepeats(policy: CompiledPolicy, text: string, candidates: Candidate[], tokens: readonly TokenRef[]): Candidate[] {
  // Most values are written once, where they were found: nothing repeats them. Each is asked on
  // its own (a search of the text) only while they are few; a string of 80,000 addresses would
  // search its megabyte 80,000 times (48 s), where the one search below walks it once.
  if (candidates.length <= WRITTEN_ONCE_CHECKS && candidates.every((c) => writtenOnce(text, c))) return candidates;
  const taken = new Set(candidates.map((c) => `${c.detector.index}:${c.start}`));
  // Of each value, the first candidate of each detector: a value found 9,000 times is repeated
  // 9,000 times, not 9,000 squared.
  const byValue = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const value = text.slice(c.start, c.end);
    const list = byValue.get(value);
    if (!list) byValue.set(value, [c]);
    else if (!list.some((k) => k.detector === c.detector)) list.push(c);
  }
  for (const { at, value } of standalone(text, byValue.keys(), tokens)) {
    for (const c of byValue.get(value) as Candidate[]) {
      if (taken.has(`${c.detector.index}:${at}`)) continue;
      taken.add(`${c.detector.index}:${at}`);
      const end = at + value.length;
      if (policy.allowedAround(c.detector, text, { matchStart: at, matchEnd: end, start: at, end })) continue;
      candidates.push({ detector: c.detector, start: at, end, matchStart: at, matchEnd: end, reading: '', decodedValue: '' });
    }
  }
  return candidates;
}

/** Candidates {@link withRepeats} asks about one by one before it searches for all at once. */
const WRITTEN_ONCE_CHECKS = 32;

/** True when the candidate's value occurs in `text` at its own place only. */
function writtenOnce(text: string, c: Candidate): boolean {
  const value = text.slice(c.start, c.end);
  return text.indexOf(value) === c.start && text.indexOf(value, c.start + 1) === -1;
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
