/**
 * What a batch's raw lines tell the structured path, worked out for the whole batch before any
 * line is parsed: which lines take it ({@link slowLines}), and for its JSON lines, which detectors
 * can match each value (see lineDetectors) and those detectors' matches in the values
 * ({@link prepareLines}).
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { holdsBytes, QUOTED_BYTES_MEMBERS } from '../act/bytes-value.js';
import { isJsonRecord, readsAsText, type LineFormat } from '../codecs/jsonl.js';
import type { CompiledDetector, CompiledPolicy } from '../detect/compile.js';
import { hasRawEscape } from '../detect/escapes.js';
import { lineAt as lineOf, lineEnds, type LineFilter } from '../detect/line-filter.js';
import { withoutTerminalCodes } from '../detect/terminal-codes.js';
import { controlEscapesDecoded, textEscapesDecoded } from '../detect/json-readings.js';
import { markByte, markByteArrays, markEscapes } from '../detect/line-marks.js';
import { isAsciiText } from '../detect/literal-automaton.js';
import { requiredLiterals, type Literal } from '../detect/literals.js';
import { execAll, type RegexMatch } from '../detect/regex-matches.js';
import { askValidator, type KnownMatches } from '../detect/scan.js';
import { lineDetectors, type ValueDetectors } from './raw-line.js';
import { mayNameInStrings } from './string-lines.js';

const CR = 0x0d;
const BACKSLASH = 0x5c;
const ESC = 0x1b;

/** What {@link slowLines} needs of a batch's context. */
export interface SlowLineOptions {
  policy: CompiledPolicy;
  format: LineFormat;
  limits: { maxRecordBytes: number };
  fastPath?: boolean;
  throwOnMarker?: string;
}

/**
 * Which lines take the structured path: prefilter hits (one pass over the whole batch), lines with
 * a backslash (but see {@link markBackslashes}; a string whose lines may name a value on the line
 * after, see string-lines.ts), a percent-escape or a character reference (an
 * escape can hide a match), an OTLP bytes value (base64 hides what it spells, see
 * bytes-value.ts), a member's array of bytes (journald's, see byte-array.ts), invalid UTF-8,
 * oversized lines, in `jsonl` mode the lines that are not JSON records (see isJsonRecord), and all of them when the fast path is off. `found` receives the
 * prefilter's hits of each line it ran on as written, when they stand for the line's strings.
 */
export function slowLines(data: Buffer, ends: Int32Array, ctx: SlowLineOptions, found: Map<number, number[]>): Uint8Array {
  const slow = new Uint8Array(ends.length);
  const filter = ctx.policy.lineFilter;
  if (ctx.fastPath === false || !filter) return slow.fill(1);
  // Cheap whole-batch checks first: a line they mark needs no prefilter call.
  const decoded = markBackslashes(data, ends, ctx.format, slow);
  markEscapes(data, ends, slow);
  for (const member of QUOTED_BYTES_MEMBERS) markByte(data, ends, member, slow);
  markByteArrays(data, ends, slow);
  if (ctx.throwOnMarker !== undefined) markByte(data, ends, ctx.throwOnMarker, slow);
  filter.markHits(data, ends, slow, found, ctx.format);
  for (const [i, readings] of decoded) {
    // What the line as written holds is not what its strings hold: the structured path reads it
    // as a line with a backslash (every detector, every routing rule), and a string's lines as a
    // text log's (see string-lines.ts).
    found.delete(i);
    if (!slow[i] && readingsHold(readings, ctx.policy, filter)) slow[i] = 1;
  }
  markColoured(data, ends, slow, filter, ctx.format);
  const utf8 = isUtf8(data);
  const strict = ctx.format === 'jsonl';
  for (let i = 0, start = 0; i < ends.length; i++) {
    const end = ends[i] as number;
    if (end - start > ctx.limits.maxRecordBytes || (!utf8 && !slow[i] && !isUtf8(data.subarray(start, end)))) slow[i] = 1;
    // Strict JSON lines: a line passes as it came only if it is one; the others are rejected there.
    else if (strict && !slow[i] && !isJsonRecord(data.subarray(start, end))) slow[i] = 1;
    start = end + 1;
  }
  return slow;
}

/**
 * Marks the lines with a backslash, but a JSON line whose only escapes are `\n`, `\r`, `\t`, `\"`,
 * `\/`, most `\uXXXX` and some `\\` (stack traces, multi-line messages, JSON logged inside a
 * message, the output of encoders that escape `&`, `<` or every non-ASCII letter, Windows paths;
 * see controlEscapesDecoded), which it returns with its readings (see {@link escapedReadings}), by
 * line index. Such a line is read as a JSON record if it parses, with those characters in its
 * strings, and as text if it does not: it leaves unchanged when the prefilter passes it as written
 * (the caller's pass over the batch) and in each reading.
 */
function markBackslashes(data: Buffer, ends: Int32Array, format: LineFormat, slow: Uint8Array): Map<number, Buffer[]> {
  const decoded = new Map<number, Buffer[]>();
  const marked = new Uint8Array(ends.length);
  markByte(data, ends, BACKSLASH, marked);
  for (let i = 0; i < ends.length; i++) {
    if (!marked[i]) continue;
    const bytes = lineAt(data, ends, i);
    const readings = readsAsText(bytes, format) ? undefined : escapedReadings(bytes);
    if (readings) decoded.set(i, readings);
    else slow[i] = 1;
  }
  return decoded;
}

/**
 * A JSON line's readings the prefilter must pass besides the line as written: its strings as they
 * read once parsed (see controlEscapesDecoded), once more with a control escape that a `\\` left
 * in them decoded when there is one, and the text that detection reads with its `\"`, `\/` and
 * `\u` escapes decoded when the line does not parse (see textEscapesDecoded: a parse, 1-2 us for a
 * container's record of a JSON line of 390 bytes, costs less than that reading and its prefilter
 * test, about 10). Undefined when an escape hides what no
 * reading spells, as a `\u` escape may once decoded, finishing a percent-escape or a character
 * reference that detection decodes in turn (`%\u00340`, `&\u002364;`), or a `\/` in a MIME
 * encoded word's base64 (`=?UTF-8?B?Wm\/Dq...?=`, as PHP's json_encode writes every `/`).
 */
function escapedReadings(bytes: Buffer): Buffer[] | undefined {
  const parsed = controlEscapesDecoded(bytes);
  if (parsed === undefined) return undefined;
  const readings = [parsed];
  // A `\\t` leaves `\t` in the string, which key rules inside text read as a tab too.
  const twice = bytes.includes(ESCAPED_BACKSLASH) ? controlEscapesDecoded(bytes, true) : undefined;
  if (twice && !twice.equals(parsed)) readings.push(twice);
  // A line that parses is read as its strings, never as text (see decodeLineText).
  const text = isJsonRecord(bytes) ? undefined : textEscapesDecoded(bytes);
  if (text) readings.push(text);
  return (bytes.includes(UNICODE_ESCAPE) || bytes.includes(ESCAPED_SLASH)) && readings.some(hasRawEscape) ? undefined : readings;
}

const UNICODE_ESCAPE = Buffer.from('\\u');
const ESCAPED_SLASH = Buffer.from('\\/');
const ESCAPED_BACKSLASH = Buffer.from('\\\\');

/**
 * True when a raw line may hold something to redact: a line filter hit, as written or in one of
 * its readings (see {@link escapedReadings}), a string whose lines may name a value (see
 * string-lines.ts), or an escape it cannot see through (another of
 * JSON's, a percent-escape or a character reference the detectors decode, an OTLP bytes value).
 * A line with none of them leaves unchanged however it is parsed, as {@link slowLines} passes it
 * (the structured path asks before it rejects a record with a repeated key).
 */
export function mayHide(bytes: Buffer, policy: CompiledPolicy): boolean {
  const filter = policy.lineFilter;
  if (!filter || hasRawEscape(bytes) || holdsBytes(bytes) || filter.test(bytes)) return true;
  const readings = escapedReadings(bytes);
  return readings === undefined || hitsPlain(bytes, filter) || readingsHold(readings, policy, filter, bytes);
}

/**
 * Whether a JSON line's readings (see {@link escapedReadings}) hold what the structured path may
 * change: a prefilter hit in one, as read or without its terminal sequences, or a string whose
 * lines may name a value (see string-lines.ts). `tested`: a reading the prefilter has answered.
 */
function readingsHold(readings: readonly Buffer[], policy: CompiledPolicy, filter: LineFilter, tested?: Buffer): boolean {
  return readings.some((r) => r !== tested && (filter.test(r) || hitsPlain(r, filter))) || (!policy.keyRules.empty && mayNameInStrings(readings[0] as Buffer));
}

/**
 * Marks the lines the prefilter hits without their terminal sequences and a byte order mark at
 * their start (detection reads a text without them too, see terminal-codes.ts): those lines so
 * read are a batch of their own, which the prefilter reads as it reads the batch's (a line read
 * as text, with each detector's own pattern; see LineFilter.markHits).
 */
function markColoured(data: Buffer, ends: Int32Array, slow: Uint8Array, filter: LineFilter, format: LineFormat): void {
  const coloured = new Uint8Array(ends.length);
  markByte(data, ends, ESC, coloured);
  // And the lines a byte order mark starts, which that reading leaves out too.
  for (let at = data.indexOf(MARK); at !== -1; at = data.indexOf(MARK, at + 1)) if (at === 0 || data[at - 1] === 0x0a) coloured[lineOf(ends, at)] = 1;
  const index: number[] = [];
  const lines: Buffer[] = [];
  for (let i = 0; i < ends.length; i++) {
    const plain = coloured[i] && !slow[i] ? withoutTerminalCodes(lineAt(data, ends, i)) : undefined;
    if (!plain) continue;
    index.push(i);
    lines.push(plain, NEWLINE);
  }
  if (index.length === 0) return;
  const plain = Buffer.concat(lines);
  const hit = new Uint8Array(index.length);
  filter.markHits(plain, lineEnds(plain), hit, undefined, format);
  index.forEach((i, k) => {
    if (hit[k]) slow[i] = 1;
  });
}

const NEWLINE = Buffer.from('\n');
const MARK = Buffer.from([0xef, 0xbb, 0xbf]);

/** True when `line` holds terminal sequences and the prefilter hits it without them. */
function hitsPlain(line: Buffer, filter: LineFilter): boolean {
  const plain = withoutTerminalCodes(line);
  return plain !== undefined && filter.test(plain);
}

/** The most values of one line whose matches {@link prepareLines} searches ahead. */
const MAX_PREPARED_VALUES = 4096;

/**
 * The longest value whose matches {@link prepareLines} searches ahead: a longer one gains nothing
 * from a search among others, and its matches would be held from the preparation to its scan
 * (one string of 80,000 addresses: 80,000 of them, beside everything its scan makes).
 */
const MAX_PREPARED_VALUE_CHARS = 64 * 1024;

/** What {@link prepareLines} found for a batch's lines. */
export interface PreparedLines {
  /** By line index, what lineDetectors answers for the line read as a JSON record. */
  readonly detectors: ReadonlyMap<number, ValueDetectors>;
  /** The matches of those detectors in those values. */
  readonly known: KnownMatches;
}

/**
 * For the lines the line prefilter hit (`hits`, by line index) that may be JSON records with
 * nothing escaped: the detectors each value can match, and their matches in it. Both searches
 * run one detector over every line (or value) it concerns before the next detector, as the line
 * prefilter runs its sets (see Prefilter.hitsMany): each RE2's automaton stays in the CPU's caches
 * across its calls, where a line at a time goes through several detectors' automata. A detector
 * with required literals (`ghp_`, `AKIA`, `eyJ`, `bearer`) is not located on an ASCII line with
 * its regex: a value can match it only where it holds one of them, which indexOf finds (see
 * {@link literalRanges}). A costly validator (see ValidatorSpec.costly) is then asked about the
 * matches, its answers kept for the scans. The answers are the ones each line would get alone, or wider. A line
 * whose preparation fails is left out: the structured path works it out again, and quarantines it
 * if that fails too.
 */
export function prepareLines(data: Buffer, ends: Int32Array, hits: ReadonlyMap<number, readonly number[]>, policy: CompiledPolicy, format: LineFormat): PreparedLines {
  const filter = policy.lineFilter;
  const count = policy.detectors.length;
  const detectors = new Map<number, ValueDetectors>();
  const known = new Map<string, Map<number, RegexMatch[]>>();
  if (!filter) return { detectors, known };
  // Each detector's lines, then its ranges in each of them (by line, by detector).
  const lines = new Map<number, Buffer>();
  const linesOf = new Map<number, number[]>();
  for (const [i, entries] of hits) {
    const bytes = lineAt(data, ends, i);
    if (bytes.includes(BACKSLASH) || readsAsText(bytes, format)) continue;
    for (const d of entries) if (d < count) push(linesOf, d, i);
    lines.set(i, bytes);
  }
  const located = new Map<number, Map<number, number[]>>();
  const failed = new Set<number>();
  // An ASCII line's text in lower case, for the literals matched without case.
  const lower = new Map<number, string | null>();
  const lowerOf = (i: number, bytes: Buffer): string | undefined => {
    let text = lower.get(i);
    if (text === undefined) lower.set(i, (text = isAscii(bytes) ? bytes.toString('latin1').toLowerCase() : null));
    return text ?? undefined;
  };
  for (const [d, list] of linesOf) {
    const literals = literalsOf(policy, d);
    for (const i of list) {
      const ranges: number[] = [];
      const bytes = lines.get(i) as Buffer;
      const text = literals ? lowerOf(i, bytes) : undefined;
      try {
        if (literals && text !== undefined) literalRanges(bytes, text, literals, ranges);
        else filter.prefilter.locate(d, bytes, ranges);
      } catch {
        failed.add(i);
        continue;
      }
      let byDetector = located.get(i);
      if (!byDetector) located.set(i, (byDetector = new Map()));
      byDetector.set(d, ranges);
    }
  }
  // Each detector's values, then its matches in each of them.
  const valuesOf = new Map<number, Set<string>>();
  for (const [i, byDetector] of located) {
    if (failed.has(i)) continue;
    let answer: ValueDetectors | undefined;
    try {
      answer = lineDetectors(lines.get(i) as Buffer, filter, count, true, hits.get(i), byDetector);
    } catch {
      continue;
    }
    if (!answer) continue;
    detectors.set(i, answer);
    // A record of very many values is searched value by value as it is walked: the matches of all
    // of them held at once would outgrow a worker's heap (30,000 e-mail fields of one record).
    if ((answer.byValue?.size ?? 0) > MAX_PREPARED_VALUES) continue;
    for (const [value, ds] of answer.byValue ?? []) {
      for (const d of ds) {
        const values = valuesOf.get(d);
        if (values) values.add(value);
        else valuesOf.set(d, new Set([value]));
      }
    }
  }
  for (const [d, values] of valuesOf) {
    const detector = policy.detectors[d] as CompiledDetector;
    for (const value of values) {
      if (value.length > MAX_PREPARED_VALUE_CHARS) continue;
      let row = known.get(value);
      if (!row) known.set(value, (row = new Map()));
      try {
        row.set(d, execAll(detector, value));
      } catch {
        // Searched again where the value is scanned.
      }
    }
  }
  // Then the costly validators' answers on those matches, one after the other.
  for (const [d, values] of valuesOf) {
    const detector = policy.detectors[d] as CompiledDetector;
    if (!detector.costlyValidator) continue;
    for (const value of values) {
      const matches = known.get(value)?.get(d);
      try {
        if (matches) askValidator(policy, detector, value, matches);
      } catch {
        // Asked again where the value is scanned.
      }
    }
  }
  return { detectors, known };
}

/** Each detector's required literals, where all are ASCII (null: none, or not all), by policy. */
const literalsByPolicy = new WeakMap<CompiledPolicy, Array<readonly Literal[] | null | undefined>>();

function literalsOf(policy: CompiledPolicy, d: number): readonly Literal[] | undefined {
  let known = literalsByPolicy.get(policy);
  if (!known) literalsByPolicy.set(policy, (known = []));
  let literals = known[d];
  if (literals === undefined) {
    const found = requiredLiterals((policy.detectors[d] as CompiledDetector).spec.regex);
    // A literal that is not ASCII may match ASCII text without case (`ſ` is `s` to RE2's (?i)).
    literals = found && found.length > 0 && found.every((l) => isAsciiText(l.text)) ? found.map((l) => (l.nocase ? { ...l, text: l.text.toLowerCase() } : l)) : null;
    known[d] = literals;
  }
  return literals ?? undefined;
}

/**
 * The places of an ASCII line (`lower`: its text in lower case) where one of a detector's
 * required literals occurs, as start, end pairs: a value of the line can match the detector only
 * where it holds one (every match does), so these ranges serve as the places Prefilter#locate
 * gives (every match overlaps one). In an ASCII line, RE2's case folding is ASCII's.
 */
function literalRanges(bytes: Buffer, lower: string, literals: readonly Literal[], out: number[]): void {
  for (const { text, nocase } of literals) {
    if (nocase) for (let at = lower.indexOf(text); at !== -1; at = lower.indexOf(text, at + 1)) out.push(at, at + text.length);
    else for (let at = bytes.indexOf(text, 0, 'latin1'); at !== -1; at = bytes.indexOf(text, at + 1, 'latin1')) out.push(at, at + text.length);
  }
}

/** Line `i` of a batch without its line end. */
function lineAt(data: Buffer, ends: Int32Array, i: number): Buffer {
  const start = i === 0 ? 0 : (ends[i - 1] as number) + 1;
  const end = ends[i] as number;
  return data.subarray(start, end > start && data[end - 1] === CR ? end - 1 : end);
}

function push(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
