/**
 * Writes a redacted JSON record back by editing its original text: only the values that changed
 * are replaced, so everything else (whitespace, number spelling, big integers, escapes, key order)
 * stays exactly as it came in. The same pass over the text finds keys an object repeats: a parser
 * keeps the last of them, so an earlier one is never seen by detectors, yet it is still in the text.
 */
import { fieldPath, type JsonValue } from '../record.js';
import { containerEnd, stringEnd } from './json-text.js';

interface Span {
  start: number;
  end: number;
}

/**
 * A JSON text's values by path, and the first key some object repeats. Paths join segments: NUL and
 * the key for an object member (see {@link memberPath}), SOH and the index for an array item ('' is
 * the whole text). No spans when a key repeats, or when the paths are too long (see {@link indexJson}).
 */
export interface JsonIndex {
  spans: Map<string, Span> | undefined;
  repeated: string | undefined;
}

const MEMBER = '\u0000';
const ITEM = '\u0001';
/** Escapes the separators (and itself) inside a key, so that every path names one value. */
const ESCAPE = '\u0002';
const QUOTE = 0x22;

/** The path of member `key` of the object at `path`. */
export function memberPath(path: string, key: string): string {
  let escaped = '';
  let from = 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c > 2) continue;
    // NUL, SOH and the escape itself: the escape and a digit.
    escaped += key.slice(from, i) + ESCAPE + String.fromCharCode(0x30 + c);
    from = i + 1;
  }
  return path + MEMBER + (from === 0 ? key : escaped + key.slice(from));
}

/** The path of item `index` of the array at `path`. */
export function itemPath(path: string, index: number): string {
  return path + ITEM + index;
}

/** A key as {@link memberPath} wrote it, back as it was. */
function unescapeKey(part: string): string {
  let out = '';
  let from = 0;
  for (let i = part.indexOf(ESCAPE); i !== -1; i = part.indexOf(ESCAPE, from)) {
    out += part.slice(from, i) + String.fromCharCode(part.charCodeAt(i + 1) - 0x30);
    from = i + 2;
  }
  return from === 0 ? part : out + part.slice(from);
}

/**
 * Indexes a JSON text that `JSON.parse` accepted (anything else gives no useful spans). Objects and
 * arrays nested `maxDepth` deep or more are spanned whole, their insides left out: the record is
 * rejected for its depth, or a key rule replaces the whole value, before anything looks inside.
 * No spans either when the paths would hold far more characters than the text (a key of 80 KB over
 * 10,000 values: every value's path holds the key): the record is then written anew.
 */
export function indexJson(text: string, maxDepth = Infinity): JsonIndex {
  const indexer = new Indexer(text, maxDepth);
  indexer.value('', 0);
  return { spans: indexer.repeated === undefined && indexer.budget >= 0 ? indexer.spans : undefined, repeated: indexer.repeated };
}

/**
 * The pass of {@link indexJson}, as methods rather than closures made per call: V8 optimizes a
 * method once, where closures made anew for every record were optimized again and again.
 */
class Indexer {
  readonly spans = new Map<string, Span>();
  repeated: string | undefined;
  budget: number;
  #i = 0;
  readonly #text: string;
  readonly #maxDepth: number;

  constructor(text: string, maxDepth: number) {
    this.#text = text;
    this.#maxDepth = maxDepth;
    this.budget = PATH_CHARS_PER_CHAR * text.length + PATH_CHARS_BASE;
  }

  #ws(): void {
    while (isSpace(this.#text.charCodeAt(this.#i))) this.#i++;
  }

  #key(): string {
    const text = this.#text;
    const start = this.#i;
    this.#i = stringEnd(text, start);
    const raw = text.slice(start + 1, this.#i - 1);
    return raw.includes('\\') ? (JSON.parse(text.slice(start, this.#i)) as string) : raw;
  }

  value(path: string, depth: number): void {
    const text = this.#text;
    this.#ws();
    const start = this.#i;
    const c = text.charCodeAt(start);
    if ((c === 0x7b || c === 0x5b) && depth >= this.#maxDepth) {
      this.#i = containerEnd(text, start) ?? text.length;
    } else if (c === 0x7b) {
      this.#i++;
      this.#ws();
      const seen = new Set<string>();
      while (this.#i < text.length && text.charCodeAt(this.#i) !== 0x7d) {
        this.#ws();
        const k = this.#key();
        if (seen.has(k)) this.repeated ??= memberPath(path, k);
        seen.add(k);
        this.#ws();
        this.#i++; // ':'
        this.value(memberPath(path, k), depth + 1);
        this.#separator();
      }
      this.#i++;
    } else if (c === 0x5b) {
      this.#i++;
      this.#ws();
      for (let n = 0; this.#i < text.length && text.charCodeAt(this.#i) !== 0x5d; n++) {
        this.value(path + ITEM + n, depth + 1);
        this.#separator();
      }
      this.#i++;
    } else if (c === QUOTE) {
      this.#i = stringEnd(text, start);
    } else {
      let i = start;
      for (let d = c; i < text.length && d !== 0x2c && d !== 0x5d && d !== 0x7d && d > 0x20; d = text.charCodeAt(++i));
      this.#i = i;
    }
    this.budget -= path.length;
    if (this.budget >= 0) this.spans.set(path, { start, end: this.#i });
  }

  /** Past the comma after a member or item, if any, and the whitespace around it. */
  #separator(): void {
    this.#ws();
    if (this.#text.charCodeAt(this.#i) === 0x2c) this.#i++;
    this.#ws();
  }
}

/** The characters all paths of an index may hold: this many per character of the text, and a base. */
const PATH_CHARS_PER_CHAR = 32;
const PATH_CHARS_BASE = 1 << 16;

/** The keys an index path goes through, as written in the record (escapes decoded). */
export function indexPathKeys(path: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < path.length; ) {
    let next = i + 1;
    while (next < path.length && path[next] !== MEMBER && path[next] !== ITEM) next++;
    if (path[i] === MEMBER) keys.push(unescapeKey(path.slice(i + 1, next)));
    i = next;
  }
  return keys;
}

/**
 * True when `value` holds an index path: each key a member of an object there, each item an
 * index of an array there.
 */
export function holdsIndexPath(value: JsonValue, path: string): boolean {
  let at: JsonValue | undefined = value;
  for (let i = 0; i < path.length; ) {
    const kind = path[i];
    let next = i + 1;
    while (next < path.length && path[next] !== MEMBER && path[next] !== ITEM) next++;
    const part = path.slice(i + 1, next);
    if (kind === ITEM) at = Array.isArray(at) ? at[Number(part)] : undefined;
    else {
      const key = unescapeKey(part);
      at = at !== null && typeof at === 'object' && !Array.isArray(at) && Object.hasOwn(at, key) ? at[key] : undefined;
    }
    if (at === undefined) return false;
    i = next;
  }
  return true;
}

/** An index path as a field path (`$.a.b[0]`, `$["odd key"]`), for messages. */
export function indexPath(path: string): string {
  let out = '$';
  for (let i = 0; i < path.length; ) {
    const kind = path[i];
    let next = i + 1;
    while (next < path.length && path[next] !== MEMBER && path[next] !== ITEM) next++;
    const part = path.slice(i + 1, next);
    out = kind === ITEM ? `${out}[${part}]` : fieldPath(out, unescapeKey(part));
    i = next;
  }
  return out;
}

/**
 * The text of `after` (a redacted copy of `before`, which was parsed from `text`) with the least
 * change to `text`: changed leaves are replaced in place, renamed keys too, and the members an
 * object lost (a field dropped) are cut out with their commas; an array that lost items, or an
 * object that both lost members and renamed some, is written anew. `index` is `text`'s, when the
 * caller has it already.
 */
export function spliceJson(text: string, before: JsonValue, after: JsonValue, index: JsonIndex = indexJson(text)): string {
  if (before === after) return text;
  const spans = index.spans;
  // A repeated key would leave its earlier, unredacted value in the text: write the record anew.
  if (!spans) return JSON.stringify(after);
  const edits: Edit[] = [];
  changedSpans(text, before, after, '', spans, edits);
  edits.sort(byStart);
  let out = '';
  let pos = 0;
  for (const e of edits) {
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + text.slice(pos);
}

interface Edit extends Span {
  text: string;
}

/** The edits that turn the spans of `b` into `a`, the value at `path` of `text` (see {@link spliceJson}). */
function changedSpans(text: string, b: JsonValue, a: JsonValue, path: string, spans: Map<string, Span>, edits: Edit[]): void {
  if (b === a) return;
  const bObj = b !== null && typeof b === 'object';
  const aObj = a !== null && typeof a === 'object';
  if (bObj && aObj && Array.isArray(b) === Array.isArray(a)) {
    if (Array.isArray(b) && Array.isArray(a)) {
      if (a.length === b.length) {
        for (let k = 0; k < b.length; k++) changedSpans(text, b[k] as JsonValue, a[k] as JsonValue, path + ITEM + k, spans, edits);
        return;
      }
    } else {
      const bo = b as Record<string, JsonValue>;
      const ao = a as Record<string, JsonValue>;
      const names = newNames(bo, ao);
      const span = names?.size !== 0 ? spans.get(path) : undefined;
      const members = span ? memberSpans(text, span.start) : undefined;
      if (names && (names.size === 0 || members)) {
        for (const k of Object.keys(bo)) {
          const name = names.get(k);
          const member = members?.get(k);
          if (name !== undefined && member) edits.push({ start: member.start, end: member.end, text: JSON.stringify(name) });
          changedSpans(text, bo[k] as JsonValue, ao[name ?? k] as JsonValue, memberPath(path, k), spans, edits);
        }
        return;
      }
      if (!names && members && Object.keys(ao).every((k) => Object.hasOwn(bo, k))) {
        dropMembers(members, (k) => Object.hasOwn(ao, k), edits);
        for (const k of Object.keys(ao)) changedSpans(text, bo[k] as JsonValue, ao[k] as JsonValue, memberPath(path, k), spans, edits);
        return;
      }
    }
  }
  const span = spans.get(path);
  if (!span) throw new Error('JSON splice: no span for a changed value');
  edits.push({ start: span.start, end: span.end, text: numbersLike(text.slice(span.start, span.end), a) ?? JSON.stringify(a) });
}

/** How an array of numbers is spaced: the blanks after its bracket, around its first comma, before its closing bracket. */
const NUMBERS_SPACING = /^\[(\s*)-?\d[\d.eE+-]*(\s*,\s*)[\s\S]*?(\s*)\]$/;

/**
 * `a` written with the blanks of `was` where both are arrays of numbers (journald's array of a
 * text's bytes, redacted: `[ 108, 111, ... ]`), so that its spelling stays; else undefined.
 */
function numbersLike(was: string, a: JsonValue): string | undefined {
  if (!Array.isArray(a) || a.length < 2 || !a.every((n) => typeof n === 'number')) return undefined;
  const m = NUMBERS_SPACING.exec(was);
  if (!m || (m[1] === '' && m[2] === ',' && m[3] === '')) return undefined;
  return `[${m[1] ?? ''}${a.map((n) => JSON.stringify(n)).join(m[2] ?? ',')}${m[3] ?? ''}]`;
}

const byStart = (x: Edit, y: Edit): number => x.start - y.start;

/**
 * The keys of `b` that `a` renamed (a key that held what a rule or detector redacts), each with
 * its new name; empty when `a` has the same keys; undefined when `a` has members `b` has not, or
 * fewer (then the object is written anew). The redaction writes an object's members in the order
 * it read them, so the keys `b` lost and the keys `a` gained pair up in that order.
 */
function newNames(b: Record<string, JsonValue>, a: Record<string, JsonValue>): Map<string, string> | undefined {
  const keys = Object.keys(b);
  const aKeys = Object.keys(a);
  if (aKeys.length !== keys.length) return undefined;
  const lost = keys.filter((k) => !Object.hasOwn(a, k));
  const names = new Map<string, string>();
  if (lost.length === 0) return names;
  const gained = aKeys.filter((k) => !Object.hasOwn(b, k));
  if (gained.length !== lost.length) return undefined;
  lost.forEach((k, i) => names.set(k, gained[i] as string));
  return names;
}

/** A member of an object in the text: its key's span (quotes included) and where its value ends. */
interface MemberSpan extends Span {
  valueEnd: number;
}

/**
 * The edits that cut out the members `keep` says no to: each with what follows it up to the next
 * member's key, or, for the last members, from the end of the last kept one's value, so that no
 * comma is left over. Members are in the text's order (a key spelled as an integer comes first
 * in an object, not always in the text).
 */
function dropMembers(members: ReadonlyMap<string, MemberSpan>, keep: (key: string) => boolean, edits: Edit[]): void {
  const list = [...members].map(([key, span]) => ({ kept: keep(key), ...span }));
  let last = list.length - 1;
  while (last >= 0 && !(list[last] as { kept: boolean }).kept) last--;
  list.forEach((m, i) => {
    if (m.kept) return;
    if (i < last) edits.push({ start: m.start, end: (list[i + 1] as MemberSpan).start, text: '' });
    else if (i === last + 1) edits.push({ start: last >= 0 ? (list[last] as MemberSpan).valueEnd : m.start, end: (list.at(-1) as MemberSpan).valueEnd, text: '' });
  });
}

/** Each member of the object that opens at `open` in `text`, by key, in the text's order. */
function memberSpans(text: string, open: number): Map<string, MemberSpan> | undefined {
  if (text.charCodeAt(open) !== 0x7b) return undefined;
  const out = new Map<string, MemberSpan>();
  let i = open + 1;
  const ws = (): void => {
    while (isSpace(text.charCodeAt(i))) i++;
  };
  ws();
  while (i < text.length && text.charCodeAt(i) !== 0x7d) {
    const start = i;
    i = stringEnd(text, start);
    const end = i;
    const raw = text.slice(start + 1, end - 1);
    ws();
    i++; // ':'
    ws();
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) i = containerEnd(text, i) ?? text.length;
    else if (c === QUOTE) i = stringEnd(text, i);
    else while (i < text.length && text.charCodeAt(i) !== 0x2c && text.charCodeAt(i) !== 0x7d && !isSpace(text.charCodeAt(i))) i++;
    out.set(raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw, { start, end, valueEnd: i });
    ws();
    if (text.charCodeAt(i) === 0x2c) i++;
    ws();
  }
  return out;
}

/**
 * A JSON text on one line, as written (repeated keys, escapes and number spelling kept): the
 * whitespace between tokens goes. Lone surrogates inside strings, which UTF-8 cannot carry, are
 * written as escapes. `text` must be JSON that `JSON.parse` accepted.
 */
export function compactJson(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i);
    else if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
      out += text.slice(from, i);
      while (i < text.length && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09 || text.charCodeAt(i) === 0x0a || text.charCodeAt(i) === 0x0d)) i++;
      from = i;
    } else i++;
  }
  out += text.slice(from);
  return out.replace(LONE_SURROGATES, (s) => `\\u${s.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
