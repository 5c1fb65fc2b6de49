/**
 * What a record's raw line tells the structured path before and after it is parsed: which
 * detectors can match each of its values, and its numbers as written.
 */
import { indexPath, type JsonIndex } from '../codecs/json-splice.js';
import type { LineFilter } from '../detect/line-filter.js';

const BACKSLASH = 0x5c;
const QUOTE = 0x22;

/**
 * Which detectors can match each string (or number) of the record, from its raw line: every
 * string of a JSON line without a backslash (no escape) appears in it verbatim between two quotes,
 * every number as written, and a text line's body is the line. Only the detectors whose raw-line
 * form matched the line are located; a string gets the detectors with a match overlapping it,
 * others are not scanned at all. The line filter holds the detectors' raw-line forms first, in
 * policy order (`count` of them).
 */
export function lineDetectors(
  bytes: Buffer,
  filter: LineFilter,
  count: number,
  structured: boolean,
  hits?: readonly number[],
): { detectorsFor?: (text: string) => readonly number[]; keyedDetectorsFor?: (text: string) => readonly number[] } {
  if (bytes.includes(BACKSLASH)) return {};
  const detectors = (hits ?? filter.prefilter.matching(bytes)).filter((i) => i < count);
  if (detectors.length === 0 || !structured) return { detectorsFor: () => detectors, keyedDetectorsFor: () => detectors };
  const { spans, arrays } = valueSpans(bytes);
  const byValue = new Map<string, number[]>();
  // Read with its key, every element of an array has what one element has: the raw line's pattern
  // reached the first of `"ssns":["A","B"]` from the key, and B is read as `ssns: B` as well.
  const byKeyedValue = new Map<string, number[]>();
  const text = (k: number): string => bytes.toString('utf8', spans[2 * k] as number, spans[2 * k + 1] as number);
  for (const d of detectors) {
    filter.prefilter.locate(d, bytes, (start, end) => {
      for (let k = 0; 2 * k < spans.length; k++) {
        // Overlapping, or touching: a match may end on the closing quote or start on the opening one.
        if ((spans[2 * k] as number) > end || (spans[2 * k + 1] as number) < start) continue;
        const value = text(k);
        addTo(byValue, value, d);
        addTo(byKeyedValue, value, d);
        const array = arrays[k] as number;
        if (array !== -1) arrays.forEach((a, j) => a === array && j !== k && addTo(byKeyedValue, text(j), d));
      }
    });
  }
  return { detectorsFor: (value) => byValue.get(value) ?? NONE, keyedDetectorsFor: (value) => byKeyedValue.get(value) ?? NONE };
}

const NONE: readonly number[] = [];

function addTo(map: Map<string, number[]>, value: string, d: number): void {
  const list = map.get(value);
  if (!list) map.set(value, [d]);
  else if (!list.includes(d)) list.push(d);
}

/**
 * The quoted strings of a JSON line as [start, end) byte ranges of their content, and its numbers
 * (`spans`, two offsets each); for each, the offset of the `[` of the array it is an element of,
 * or -1 (`arrays`). The line holds no backslash: a quote always ends a string.
 */
function valueSpans(bytes: Buffer): { spans: number[]; arrays: number[] } {
  const spans: number[] = [];
  const arrays: number[] = [];
  // The open containers: the `[` offset of an array, -1 for an object.
  const open: number[] = [];
  const inArray = (): number => (open.length > 0 ? (open[open.length - 1] as number) : -1);
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (c === QUOTE) {
      const close = bytes.indexOf(QUOTE, i + 1);
      if (close === -1) break;
      spans.push(i + 1, close);
      arrays.push(inArray());
      i = close;
    } else if (c === 0x5b) open.push(i);
    else if (c === 0x7b) open.push(-1);
    else if (c === 0x5d || c === 0x7d) open.pop();
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i < bytes.length && isNumberByte(bytes[i] as number)) i++;
      spans.push(start, i);
      arrays.push(inArray());
      i--;
    }
  }
  return { spans, arrays };
}

/** Digits, sign, point and exponent: what a JSON number is written with. */
function isNumberByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

/**
 * The numbers of a JSON text as written, by field path; the map is made on the first question
 * (most records hold no number a detector could want).
 */
export function numbersOf(text: string, spans: NonNullable<JsonIndex['spans']>): (path: string) => string | undefined {
  let byPath: Map<string, string> | undefined;
  return (path) => {
    if (!byPath) {
      byPath = new Map();
      for (const [p, span] of spans) {
        const c = text.charCodeAt(span.start);
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) byPath.set(indexPath(p), text.slice(span.start, span.end));
      }
    }
    return byPath.get(path);
  };
}
