/**
 * A file of saved Lambda events: one JSON object (pretty-printed or not), a JSON array of them,
 * or objects one per line or back to back. A file that is one JSON value as a whole is read as
 * that ({@link wholeFileEvents}): the object, or each element of the array. Any other file is cut
 * into the texts of its top-level objects by brackets and strings alone, so one damaged object
 * costs only itself: a string that runs past the end of its line (JSON allows no raw newline in
 * one), a `{` at the start of a line inside an object that started at the start of a line (taken
 * for the next object: one per line is the usual damaged file), unless it stands where an array
 * expects its next item (Python's `json.dumps(event, indent=0)` starts each object of a list on a
 * line of its own, `[` or `,` before it), and
 * text that starts no object are each a stretch of their own, with what is wrong with it. Between
 * objects, `[`, `]` and `,` (an array's brackets and commas) are passed over, not taken for
 * events. Messages name places, never content. {@link EventBytes} keeps what a span still needs of
 * the chunks read, and no more than a bound of it.
 */
import { CodecError } from '../errors.js';

/** The `--format` values of saved events: which Lambda handler's events a file holds (see lambda/replay.ts). */
export const SAVED_EVENT_FORMATS = ['cloudwatch', 'firehose', 'kinesis'] as const;

export type SavedEventFormat = (typeof SAVED_EVENT_FORMATS)[number];

/** Whether `format` names saved events (else it is a line format). */
export function isSavedEventFormat(format: string | undefined): format is SavedEventFormat {
  return (SAVED_EVENT_FORMATS as readonly string[]).includes(format as string);
}

/** One top-level value of the file by its place, or a stretch that holds none. */
export interface EventSpan {
  /** Byte offsets in the file, the end exclusive. */
  start: number;
  end: number;
  /** 1-based line the stretch starts on. */
  line: number;
  /** Why the stretch is not a JSON value (the value's own JSON is checked when it is parsed). */
  problem?: { code: string; message: string };
}

const NL = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf];

/** Cuts a file's bytes, chunk by chunk, into {@link EventSpan}s; keeps offsets only, never the bytes. */
export class EventSplitter {
  #offset = 0;
  #line = 1;
  #atLineStart = true;
  /** The open brackets of the value being read, innermost last (none: between values). */
  #open: number[] = [];
  /** The last byte of the value being read that is no blank, a string's quote for a string. */
  #last = 0;
  #inString = false;
  #escaped = false;
  #valueStart = 0;
  #valueLine = 0;
  #valueAtLineStart = false;
  /** Start and line of text that starts no value, read up to the end of its line. */
  #junk: { start: number; line: number } | undefined;
  #bom = 0;

  /** The spans that end in `chunk` (which follows the chunks before it). */
  push(chunk: Uint8Array): EventSpan[] {
    const out: EventSpan[] = [];
    for (let i = 0; i < chunk.length; i++) this.#byte(chunk[i] as number, this.#offset + i, out);
    this.#offset += chunk.length;
    return out;
  }

  /** Where the stretch being read started, if one is open: its bytes are still needed. */
  openSince(): number | undefined {
    return this.#junk ? this.#junk.start : this.#open.length > 0 ? this.#valueStart : undefined;
  }

  /** The spans left open at the end of the file. */
  end(): EventSpan[] {
    const out: EventSpan[] = [];
    if (this.#junk) this.#endJunk(this.#offset, out);
    if (this.#open.length > 0) this.#broken(this.#offset, 'the file ends inside it', out);
    return out;
  }

  #byte(b: number, at: number, out: EventSpan[]): void {
    const lineStart = this.#atLineStart;
    this.#atLineStart = b === NL;
    if (b === NL) {
      if (this.#junk) this.#endJunk(at, out);
      else if (this.#open.length > 0 && this.#inString) this.#broken(at, 'a string runs past the end of its line', out);
      this.#line += 1;
      return;
    }
    if (this.#junk) return;
    if (this.#open.length === 0) {
      if (at === this.#bom && b === BOM[this.#bom]) {
        this.#bom += 1;
        return;
      }
      // Blanks, and an array's brackets and commas around the objects (see the module notes).
      if (b === 0x20 || b === 0x09 || b === CR || b === 0x5b || b === 0x5d || b === 0x2c) return;
      if (b === 0x7b) this.#openValue(at, lineStart);
      else this.#junk = { start: at, line: this.#line };
      return;
    }
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false;
      else if (b === 0x5c) this.#escaped = true;
      else if (b === 0x22) this.#inString = false;
      return;
    }
    if (b === 0x20 || b === 0x09 || b === CR) return;
    const last = this.#last;
    this.#last = b;
    if (b === 0x22) this.#inString = true;
    else if (b === 0x7b || b === 0x5b) {
      if (lineStart && this.#valueAtLineStart && !(this.#open.at(-1) === 0x5b && (last === 0x5b || last === 0x2c))) {
        this.#broken(at, 'the next line starts another value before it ends', out);
        this.#openValue(at, true);
      } else this.#open.push(b);
    } else if (b === 0x7d || b === 0x5d) {
      this.#open.pop();
      if (this.#open.length === 0) out.push({ start: this.#valueStart, end: at + 1, line: this.#valueLine });
    }
  }

  #openValue(at: number, lineStart: boolean): void {
    this.#open = [0x7b];
    this.#last = 0x7b;
    this.#inString = false;
    this.#escaped = false;
    this.#valueStart = at;
    this.#valueLine = this.#line;
    this.#valueAtLineStart = lineStart;
  }

  /** The value being read is cut short at `end`. */
  #broken(end: number, why: string, out: EventSpan[]): void {
    out.push({ start: this.#valueStart, end, line: this.#valueLine, problem: { code: 'JSON_INVALID', message: `the JSON value that starts here does not end: ${why}` } });
    this.#open = [];
    this.#inString = false;
  }

  #endJunk(end: number, out: EventSpan[]): void {
    const junk = this.#junk as { start: number; line: number };
    this.#junk = undefined;
    out.push({ start: junk.start, end, line: junk.line, problem: { code: 'EVENT_INVALID', message: 'not a JSON object' } });
  }
}

/** The bytes of the spans of a file read chunk by chunk: what an open span needs is kept, at most `maxBytes` of it. */
export class EventBytes {
  readonly #maxBytes: number;
  /** Kept pieces, by their offsets in the file, in order. */
  #parts: Array<{ at: number; bytes: Buffer }> = [];
  #end = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  add(chunk: Buffer): void {
    this.#parts.push({ at: this.#end, bytes: chunk });
    this.#end += chunk.length;
  }

  /** The span's bytes as kept: its first `maxBytes`. */
  take(span: EventSpan): Buffer {
    const end = Math.min(span.end, span.start + this.#maxBytes);
    const pieces: Buffer[] = [];
    for (const { at, bytes } of this.#parts) {
      if (at + bytes.length <= span.start || at >= end) continue;
      pieces.push(bytes.subarray(Math.max(0, span.start - at), Math.min(bytes.length, end - at)));
    }
    return pieces.length === 1 ? Buffer.from(pieces[0] as Buffer) : Buffer.concat(pieces);
  }

  /** Lets go of everything but the first `maxBytes` from `from` (the open span's start; none: all). */
  keep(from: number | undefined): void {
    if (from === undefined) {
      this.#parts = [];
      return;
    }
    const end = from + this.#maxBytes;
    this.#parts = this.#parts.flatMap(({ at, bytes }) => {
      if (at + bytes.length <= from || at >= end) return [];
      const start = Math.max(0, from - at);
      return [{ at: at + start, bytes: bytes.subarray(start, Math.min(bytes.length, end - at)) }];
    });
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The events of a file that is one JSON value as a whole (a leading BOM aside): one span for an
 * object, one per element for an array (in order, each on the line it starts on; an element that
 * is no object is a span too, for its reader to reject). Undefined when the file is not valid
 * JSON, or is a scalar: then it is split ({@link EventSplitter}).
 */
export function wholeFileEvents(bytes: Buffer): EventSpan[] | undefined {
  const from = bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2] ? 3 : 0;
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes.subarray(from)));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  let start = from;
  let line = 1;
  for (; bytes[start] !== 0x7b && bytes[start] !== 0x5b; start++) if (bytes[start] === NL) line += 1;
  if (!Array.isArray(value)) {
    let end = bytes.length;
    while (bytes[end - 1] !== 0x7d) end -= 1;
    return [{ start, end, line }];
  }
  return arrayElements(bytes, start, line);
}

/** The elements of the valid JSON array that starts at `open` on line `line`, as spans. */
function arrayElements(bytes: Buffer, open: number, line: number): EventSpan[] {
  const out: EventSpan[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element: { start: number; line: number } | undefined;
  /** The last byte of the element being read that is no blank. */
  let last = open;
  for (let i = open; i < bytes.length; i++) {
    const b = bytes[i] as number;
    // Valid JSON holds no raw newline in a string.
    if (b === NL) {
      line += 1;
      continue;
    }
    if (inString) {
      if (escaped) escaped = false;
      else if (b === 0x5c) escaped = true;
      else if (b === 0x22) inString = false;
      last = i;
      continue;
    }
    if (b === 0x20 || b === 0x09 || b === CR) continue;
    if (depth === 1 && (b === 0x2c || b === 0x5d)) {
      if (element) out.push({ start: element.start, end: last + 1, line: element.line });
      element = undefined;
      if (b === 0x5d) break;
      continue;
    }
    if (depth === 1 && !element) element = { start: i, line };
    if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) depth += 1;
    else if (b === 0x7d || b === 0x5d) depth -= 1;
    last = i;
  }
  return out;
}

/**
 * The JSON value of one span's bytes.
 *
 * @throws CodecError `INVALID_UTF8`, `JSON_INVALID` (with the position, never the text).
 */
export function parseEvent(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (err) {
    throw new CodecError('INVALID_UTF8', 'the event is not valid UTF-8', { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // The parser's message quotes the text: only the position is kept.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new CodecError('JSON_INVALID', `invalid JSON${at ? ` at character ${at}` : ''}`);
  }
}
