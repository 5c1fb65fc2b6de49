/**
 * Text lines a container runtime or a log forwarder wrote inside JSON records, one line a record:
 * Docker's json-file driver (`{"log":"...\n","stream":"stdout","time":"..."}`), and Fluent Bit's
 * and Fluentd's records of a container's line (`{"time":"...","stream":"stdout","_p":"F","log":"..."}`,
 * Kubernetes metadata after it), as they reach CloudWatch Logs. A private key's body line, a value
 * under a name on the line above, a bind parameter below or above its statement (see pem-blocks.ts,
 * named-values.ts, bound-lines.ts, diagnose-lines.ts, command-lines.ts) are then each in a record of their own, and
 * are read as they are in a text log: those readers read a batch's text, in which such a record
 * stands for the line its `log` member holds (its escapes decoded, the line end it ends with left
 * out). What they mark in that text is replaced in the member, written as the member's string
 * writes it (see {@link wrappedEdits}); the record then takes the structured path as any other.
 *
 * A record is read so when its `log` member (a key of the top-level object, named once) is a
 * string that holds one line, a line end (`\n`, `\r\n` or `\r`, escaped either way) at its end
 * at most: a string with a line end inside it (a runtime that keeps a multi-line message whole)
 * or a lone surrogate stays a record as written. The rest of the record is not checked: a line
 * that is no JSON record is read as text (the structured path says what it is).
 *
 * A line that holds terminal sequences (colours, see detect/terminal-codes.ts), or starts with a
 * byte order mark, is read without them, a record's line once read from the record: a colour
 * between a name and its value, at the start of a key's body line, or a mark before a file's
 * first name is no part of what those readers read. What they mark is moved back around them
 * (see {@link readEdits}).
 *
 * Not told apart: a partial record (`"_p":"P"`, a line of 16 KiB or more cut in parts) from a
 * full one, and records of several containers or streams interleaved: their lines are read in
 * the order the records come, as a text log's lines are.
 */
import { escapedOffsets } from '../codecs/json-text.js';
import { stripSequences, terminalCodesView } from '../detect/terminal-codes.js';
import type { LineEdit } from './line-edits.js';
import { endsWithLf, logMember, recordPart, recordText } from './log-records.js';

const NL = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ESC = 0x1b;
/** A byte order mark, which a line starts with where a file written with one begins (see detect/terminal-codes.ts). */
const MARK = Buffer.from([0xef, 0xbb, 0xbf]);
const LOG_KEY = Buffer.from('"log"');
const LOG_KEY_TAIL = Buffer.from('log"');

/**
 * Whether `data` holds `"log"` anywhere. Every batch is searched for it, in the batcher and in the
 * worker. Buffer#indexOf stops at each byte equal to the word's first one: in JSON lines a quote
 * comes every few bytes, and `"log"` took 500 us per 512 KiB of the benchmark's JSON lines, where
 * `log"` (each hit then checked for the quote before it) took 100; in text, where quotes are rare,
 * `"log"` is the faster search (7 against 74 us on the loghub lines). A batch whose first byte opens
 * a JSON object is searched by `log"`.
 */
function holdsLogKey(data: Buffer): boolean {
  if (data[0] !== 0x7b) return data.indexOf(LOG_KEY) !== -1;
  for (let at = data.indexOf(LOG_KEY_TAIL, 1); at !== -1; at = data.indexOf(LOG_KEY_TAIL, at + 1)) if (data[at - 1] === QUOTE) return true;
  return false;
}

/**
 * A batch's text as the line readers read it: `data` and its line ends, which lines are records'
 * `log` members, and which are read without their terminal sequences.
 */
export interface BatchText {
  readonly data: Buffer;
  readonly ends: Int32Array;
  /** 1 for each line (by index) read from a record's `log` member. */
  readonly wrapped: Uint8Array;
  /** 1 for each line read without its terminal sequences (see detect/terminal-codes.ts), after its record's `log` member is read. */
  readonly plain: Uint8Array;
  /** 1 for each record whose `log` string has no line end (`\n`) at its end, read from it or not (a part of a longer line, see part-lines.ts). */
  readonly unended: Uint8Array;
}

/**
 * The text of `data` (whole lines; `ends[i]` is line i's `\n`, or the end of the data), each
 * record that wraps a line (see the module notes) replaced by that line, and each line without
 * its terminal sequences (a colour glued to a value, `password:ESC[0m hunter2`), the others as
 * they are. Undefined when no line is read otherwise than written (most batches: two native
 * searches). `seen`, given, is told when a record no line is read from (its `log` holds line ends)
 * may be a part of a longer line all the same (see part-lines.ts).
 */
export function batchText(data: Buffer, ends: Int32Array, seen?: { openRecord: boolean }): BatchText | undefined {
  const records = holdsLogKey(data);
  if (!records && data.indexOf(ESC) === -1 && data.indexOf(MARK) === -1) return undefined;
  // A line read from a record is shorter than the record, one without sequences shorter than with them: the text fits in the data's length.
  const text = Buffer.allocUnsafe(data.length);
  const wrapped = new Uint8Array(ends.length);
  const plain = new Uint8Array(ends.length);
  const out = new Int32Array(ends.length);
  let length = 0;
  let changed = false;
  const unended = new Uint8Array(ends.length);
  for (let i = 0, start = 0; i < ends.length; i++) {
    const end = ends[i] as number;
    const from = length;
    const record = records && data[start] === 0x7b ? data.subarray(start, end > start && data[end - 1] === CR ? end - 1 : end) : undefined;
    const read = record ? wrappedLine(record, text, length) : -1;
    if (read === -1) length += data.copy(text, length, start, end);
    else {
      wrapped[i] = 1;
      length = read;
      changed = true;
    }
    // A record's string holding a line end inside is read as the record, but may be a part all the same.
    if (record && (read !== -1 ? !lineLf : recordPart(record)?.open)) {
      unended[i] = 1;
      if (seen && read === -1) seen.openRecord = true;
    }
    const stripped = stripSequences(text, from, length, text, from);
    if (stripped !== -1) {
      length = stripped;
      plain[i] = 1;
      changed = true;
    }
    out[i] = length;
    if (end < data.length) text[length++] = NL;
    start = end + 1;
  }
  if (!changed) return undefined;
  return { data: text.subarray(0, length), ends: out, wrapped, plain, unended };
}

/** The text of `data` (whole lines) as {@link batchText} reads it: the data itself when it reads every line as written. */
export function textOf(data: Uint8Array): Buffer {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!holdsLogKey(bytes) && bytes.indexOf(ESC) === -1 && bytes.indexOf(MARK) === -1) return bytes;
  const ends: number[] = [];
  for (let nl = bytes.indexOf(NL); nl !== -1; nl = bytes.indexOf(NL, nl + 1)) ends.push(nl);
  if (ends.length === 0 || (ends[ends.length - 1] as number) < bytes.length - 1) ends.push(bytes.length);
  return batchText(bytes, Int32Array.from(ends))?.data ?? bytes;
}

/** Whether the `log` string {@link wrappedLine} read last ended with `\n` (set by each call that reads one). */
let lineLf = false;

/**
 * Writes the line a record (`line`, its end left out) wraps into `out` at `at`, as UTF-8, and
 * returns where it ends there; -1 when the record wraps none (`out` may then hold part of it),
 * or names `log` twice (a reader of JSON takes the last, this one the first). Sets {@link lineLf}.
 */
function wrappedLine(line: Buffer, out: Buffer, at: number): number {
  const open = logMember(line);
  const read = open === -1 ? undefined : unescaped(line, open, out, at);
  if (read === undefined || logMember(line, read.close + 1, 1) !== -1) return -1;
  lineLf = read.ended && endsWithLf(line, read.close);
  return read.end;
}


/**
 * The JSON string opened at `open` decoded into `out` at `at`, but for one line end at its end
 * (`\n`, `\r\n` or `\r`, escaped either way): where it ends there, and where its closing quote
 * stands; undefined when it holds another line end or a lone surrogate, or is not closed.
 */
function unescaped(line: Buffer, open: number, out: Buffer, at: number): { end: number; close: number; ended: boolean } | undefined {
  // The commonest: no escape, or none but the line end, and no CR.
  const quote = line.indexOf(QUOTE, open + 1);
  const slash = quote === -1 ? -1 : line.lastIndexOf(BACKSLASH, quote);
  if (quote !== -1 && (slash <= open || (slash === quote - 2 && line[quote - 1] === 0x6e && line.lastIndexOf(BACKSLASH, slash - 1) <= open))) {
    const stop = slash <= open ? quote : slash;
    const cr = line.indexOf(CR, open + 1);
    if (cr === -1 || cr >= stop) return { end: at + line.copy(out, at, open + 1, stop), close: quote, ended: stop !== quote };
  }
  let o = at;
  // Where the line end started in `out`, and whether it is a CR that its LF may still follow.
  let end = -1;
  let cr = false;
  for (let p = open + 1; p < line.length; ) {
    const c = line[p] as number;
    if (c === QUOTE) return { end: end === -1 ? o : end, close: p, ended: end !== -1 };
    let code = c;
    let bytes = 1;
    if (c === BACKSLASH) {
      const e = line[p + 1] as number;
      if (e === 0x75) {
        const unit = hex4(line, p + 2);
        bytes = 6;
        code = unit;
        if (unit >= 0xdc00 && unit <= 0xdfff) return undefined;
        if (unit >= 0xd800 && unit <= 0xdbff) {
          const low = line[p + 6] === BACKSLASH && line[p + 7] === 0x75 ? hex4(line, p + 8) : -1;
          if (low < 0xdc00 || low > 0xdfff) return undefined;
          code = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
          bytes = 12;
        }
        if (code < 0) return undefined;
      } else {
        const byte = e === 0x6e ? NL : e === 0x72 ? CR : SIMPLE_ESCAPES[e];
        if (byte === undefined) return undefined;
        code = byte;
        bytes = 2;
      }
    }
    p += bytes;
    if (code === NL || code === CR) {
      // A line end: only at the end, `\r\n`, `\n` or `\r`.
      if (end !== -1 && !(cr && code === NL)) return undefined;
      if (end === -1) end = o;
      cr = code === CR;
      continue;
    }
    if (end !== -1) return undefined;
    if (c !== BACKSLASH) out[o++] = c;
    else if (code < 0x80) out[o++] = code;
    else o += out.write(String.fromCodePoint(code), o, 'utf8');
  }
  return undefined;
}

/** What each one-letter escape of JSON stands for (by the letter's byte). */
const SIMPLE_ESCAPES: Record<number, number> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 0x08, 0x66: 0x0c, 0x74: 0x09 };

/** The four hex digits at `p` as a number, or -1. */
function hex4(line: Buffer, p: number): number {
  let n = 0;
  for (let k = p; k < p + 4; k++) {
    const c = line[k] as number;
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (d === -1 || k >= line.length) return -1;
    n = n * 16 + d;
  }
  return n;
}


/**
 * What `edits` makes of a line as the batch read it (see {@link batchText}), made in the line as
 * written (`text`): `wrapped`, a record's line, `plain`, the line without its terminal sequences.
 * Undefined when `text` does not read so (it does, when the line is the one the batch read).
 */
export function readEdits(text: string, wrapped: boolean, plain: boolean, edits: (line: string) => readonly LineEdit[], whole = false): LineEdit[] | undefined {
  const read = plain ? (line: string): LineEdit[] | undefined => withoutSequences(line, edits) : (line: string): LineEdit[] => [...edits(line)];
  return wrapped ? wrappedEdits(text, read, whole) : read(text);
}

/**
 * What `edits` makes of `line` without its terminal sequences, made in `line`: each span moved to
 * where its characters stand, a sequence at either end left out of it (see terminalCodesView).
 * Undefined when `line` holds none.
 */
function withoutSequences(line: string, edits: (line: string) => readonly LineEdit[]): LineEdit[] | undefined {
  const view = terminalCodesView(line);
  if (!view) return undefined;
  const start = (i: number): number => view.at[i] as number;
  const end = (i: number): number => (view.end ?? view.at)[i] as number;
  return edits(view.text).map((e) => ({ ...e, start: start(e.start), end: end(e.end), ...(e.at ? { at: { start: start(e.at.start), end: end(e.at.end) } } : {}) }));
}

/**
 * What `edits` makes of the line a record wraps, made in the record (`text`, its line): the
 * reader's edits are given the wrapped line, and each span is moved to where its characters
 * stand in the `log` string, its replacement written with that string's escapes. The field path
 * of the findings is `$.log`, their offsets those in the string. `whole`: the line is the `log`
 * string read whole (see {@link recordText}), as a part of a line the batch did not read as one
 * line is. Undefined when `text` wraps no line as {@link batchText} read it, or `edits` gives none.
 */
function wrappedEdits(text: string, edits: (line: string) => readonly LineEdit[] | undefined, whole: boolean): LineEdit[] | undefined {
  const bytes = Buffer.from(text, 'utf8');
  const part = whole ? recordPart(bytes) : undefined;
  const quote = whole ? (part?.quote ?? -1) : bytes[0] === 0x7b ? logMember(bytes) : -1;
  if (quote === -1) return undefined;
  let line: string | undefined;
  if (part) line = recordText(bytes, part);
  else {
    const decoded = Buffer.allocUnsafe(bytes.length);
    const end = wrappedLine(bytes, decoded, 0);
    line = end === -1 ? undefined : decoded.toString('utf8', 0, end);
  }
  if (line === undefined) return undefined;
  const open = bytes.toString('utf8', 0, quote).length;
  const at = escapedOffsets(text, open, line.length);
  const escape = (s: string): string => JSON.stringify(s).slice(1, -1);
  return edits(line)?.map((e) => {
    const where = e.at ?? e;
    return {
      ...e,
      start: at[e.start] as number,
      end: at[e.end] as number,
      at: { start: where.start, end: where.end },
      path: '$.log',
      encode: (replaced: string) => escape(e.encode ? e.encode(replaced) : replaced),
    };
  });
}
