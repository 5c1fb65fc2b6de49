/**
 * What a record's raw line tells the structured path before and after it is parsed: which
 * detectors can match each of its values, and its numbers as written.
 */
import { indexPath, type JsonIndex } from '../codecs/json-splice.js';
import type { LineFilter } from '../detect/line-filter.js';
import { holdsEncodedWord } from '../detect/encoded-words.js';
import { mayHideNumber } from '../detect/numbers.js';

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const PERCENT = 0x25;
const AMPERSAND = 0x26;

/**
 * Which detectors can match each string (or number) of the record, from its raw line: every
 * string of a JSON line without a backslash (no escape) appears in it verbatim between two quotes,
 * every number as written, and a text line's body is the line. Only the detectors whose raw-line
 * form matched the line are located; a string gets the detectors with a match overlapping it,
 * others are not scanned at all. The line filter holds the detectors' raw-line forms first, in
 * policy order (`count` of them). `located`: the ranges the prefilter's `locate` gives, by
 * detector, where the caller has them already.
 */
export function lineDetectors(
  bytes: Buffer,
  filter: LineFilter,
  count: number,
  structured: boolean,
  hits?: readonly number[],
  located?: ReadonlyMap<number, readonly number[]>,
): ValueDetectors | undefined {
  if (bytes.includes(BACKSLASH)) return undefined;
  const detectors = (hits ?? filter.prefilter.matching(bytes)).filter(isDetector, count);
  if (!structured) return new SameDetectors(detectors, false);
  const plain = isPlain(bytes);
  if (detectors.length === 0) return new SameDetectors(detectors, plain);
  // The quoted strings of the line, as [start, end) byte ranges of their content, and its numbers.
  const spans: number[] = [];
  let from = 0;
  for (let q = bytes.indexOf(QUOTE); q !== -1; ) {
    const close = bytes.indexOf(QUOTE, q + 1);
    if (close === -1) break;
    numberSpans(bytes, from, q, spans);
    spans.push(q + 1, close);
    from = close + 1;
    q = bytes.indexOf(QUOTE, from);
  }
  numberSpans(bytes, from, bytes.length, spans);
  // The detectors located on each span (by span index), in ascending order as `detectors` is.
  const bySpan: Array<number[] | undefined> = [];
  const own: number[] = [];
  for (const d of detectors) {
    let ranges = located?.get(d);
    if (!ranges) {
      own.length = 0;
      filter.prefilter.locate(d, bytes, own);
      ranges = own;
    }
    for (let r = 0; r < ranges.length; r += 2) {
      const start = ranges[r] as number;
      const end = ranges[r + 1] as number;
      // Overlapping, or touching: a match may end on the closing quote or start on the opening one.
      for (let k = firstSpanEndingFrom(spans, start); 2 * k < spans.length && (spans[2 * k] as number) <= end; k++) {
        const list = (bySpan[k] ??= []);
        if (list[list.length - 1] !== d) list.push(d);
      }
    }
  }
  // By value, its text made once: a value written twice gets the detectors of both places.
  const byValue = new Map<string, number[]>();
  for (let k = 0; k < bySpan.length; k++) {
    const here = bySpan[k];
    if (!here) continue;
    const value = bytes.toString('utf8', spans[2 * k] as number, spans[2 * k + 1] as number);
    const seen = byValue.get(value);
    byValue.set(value, seen ? union(seen, here) : here);
  }
  return new DetectorsByValue(byValue, plain);
}

/**
 * True when no value of a JSON line (without a backslash) can hold an escape (`%`, `&`, `\`, a
 * MIME encoded word), a quoted key and value (`"` needs a backslash inside a string, `'` does
 * not), or a number that hides its digits: what a string or number holds is then all its raw line
 * shows. Every value is written in the line as it reads, after a quote or a JSON separator, so a
 * value would show such a thing to the line's own tests.
 */
function isPlain(bytes: Buffer): boolean {
  return !bytes.includes(APOSTROPHE) && !bytes.includes(PERCENT) && !bytes.includes(AMPERSAND) && !holdsEncodedWord(bytes) && !mayHideNumber(bytes.toString('latin1'));
}

function isDetector(this: number, i: number): boolean {
  return i < this;
}

/** Two ascending lists of detectors as one. */
function union(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

/** The only detectors (indices, ascending) that can match a string of a record. */
export interface ValueDetectors {
  of(text: string): readonly number[];
  /** Each string (or number) that some detector can match, with those detectors; absent when the same detectors go to every one. */
  readonly byValue?: ReadonlyMap<string, readonly number[]>;
  /**
   * True when no value of the record holds an escape, a quoted pair or a number that hides its
   * digits: a value that no detector can match then holds nothing to find (see scanText), nor
   * anything a key rule takes inside text (see embeddedValues).
   */
  readonly plain: boolean;
}

/*
 * The answers of lineDetectors and numbersOf are objects with methods, not closures made per line:
 * V8 optimizes a method once, where closures made anew for every record were optimized again and
 * again.
 */

class SameDetectors implements ValueDetectors {
  constructor(
    readonly detectors: readonly number[],
    readonly plain: boolean,
  ) {}
  of(): readonly number[] {
    return this.detectors;
  }
}

class DetectorsByValue implements ValueDetectors {
  constructor(
    readonly byValue: ReadonlyMap<string, readonly number[]>,
    readonly plain: boolean,
  ) {}
  of(text: string): readonly number[] {
    return this.byValue.get(text) ?? NONE;
  }
}

const NONE: readonly number[] = [];

/** Index of the first span (pairs in `spans`, in line order) that ends at or after `pos`. */
function firstSpanEndingFrom(spans: readonly number[], pos: number): number {
  let lo = 0;
  let hi = spans.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((spans[2 * mid + 1] as number) < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Appends the [start, end) byte ranges of the JSON numbers between `from` and `to` (outside strings). */
function numberSpans(bytes: Buffer, from: number, to: number, spans: number[]): void {
  for (let i = from; i < to; i++) {
    const c = bytes[i] as number;
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    const start = i;
    while (i < to && isNumberByte(bytes[i] as number)) i++;
    spans.push(start, i);
  }
}

/** Digits, sign, point and exponent: what a JSON number is written with. */
function isNumberByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

/** The numbers of a JSON text as written, by field path. */
export interface WrittenNumbers {
  at(path: string): string | undefined;
}

/**
 * The numbers of a JSON text as written, by field path; the map is made on the first question
 * (most records hold no number a detector could want).
 */
export function numbersOf(text: string, spans: NonNullable<JsonIndex['spans']>): WrittenNumbers {
  return new NumbersByPath(text, spans);
}

class NumbersByPath implements WrittenNumbers {
  #byPath: Map<string, string> | undefined;
  readonly #text: string;
  readonly #spans: NonNullable<JsonIndex['spans']>;

  constructor(text: string, spans: NonNullable<JsonIndex['spans']>) {
    this.#text = text;
    this.#spans = spans;
  }

  at(path: string): string | undefined {
    if (!this.#byPath) {
      this.#byPath = new Map();
      for (const [p, span] of this.#spans) {
        const c = this.#text.charCodeAt(span.start);
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) this.#byPath.set(indexPath(p), this.#text.slice(span.start, span.end));
      }
    }
    return this.#byPath.get(path);
  }
}
