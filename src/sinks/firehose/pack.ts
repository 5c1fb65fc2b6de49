/**
 * Lines -> Firehose records -> PutRecordBatch calls, within the service limits: 1,000 KiB per
 * record, 500 records and 4 MiB per call. Whole lines are packed into records (Firehose bills per
 * 5 KB, and S3 concatenates records anyway); a line too long for one record is split into part
 * lines that say which part of how many they are, cut between words and never inside a token, so
 * every part is still redacted text and nothing is cut silently.
 */
import { createHash } from 'node:crypto';

/** The PutRecordBatch limits (bytes are before base64). */
export interface FirehoseLimits {
  maxRecordBytes: number;
  maxBatchRecords: number;
  maxBatchBytes: number;
}

/** The service's limits: 1,000 KiB per record, 500 records and 4 MiB per PutRecordBatch. */
export const FIREHOSE_LIMITS: FirehoseLimits = { maxRecordBytes: 1_000 * 1024, maxBatchRecords: 500, maxBatchBytes: 4 * 1024 * 1024 };

/** A line to deliver (without its newline), tagged with what the caller needs back if it fails. */
export interface OutLine<T> {
  line: string | Buffer;
  tag: T;
}

/** One Firehose record: newline-ended lines, and the tags of the lines it holds. */
export interface OutRecord<T> {
  data: Buffer;
  tags: T[];
}

/** What a part line of a split line holds. */
export interface LinePart {
  logveilPart: { id: string; index: number; count: number };
  text: string;
}

/** Room for the part envelope around a chunk: `{"logveilPart":{"id":"…16…","index":N,"count":N},"text":""}\n`. */
const PART_OVERHEAD_BYTES = 96;
const NL = Buffer.from('\n');

/**
 * Packs lines into records of at most `limits.maxRecordBytes`, in order. `onSplit` is told how many
 * parts each oversized line became.
 */
export function packLines<T>(lines: readonly OutLine<T>[], maxRecordBytes: number = FIREHOSE_LIMITS.maxRecordBytes, onSplit?: (parts: number) => void): OutRecord<T>[] {
  const records: OutRecord<T>[] = [];
  let parts: Buffer[] = [];
  let bytes = 0;
  let tags: T[] = [];
  const flush = (): void => {
    if (parts.length === 0) return;
    records.push({ data: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, bytes), tags });
    parts = [];
    bytes = 0;
    tags = [];
  };
  for (const { line, tag } of lines) {
    const buf = typeof line === 'string' ? Buffer.from(line) : line;
    const size = buf.length + 1;
    if (size > maxRecordBytes) {
      flush();
      const split = splitLine(buf.toString('utf8'), maxRecordBytes);
      onSplit?.(split.length);
      for (const p of split) records.push({ data: Buffer.from(`${p}\n`), tags: [tag] });
      continue;
    }
    if (bytes + size > maxRecordBytes) flush();
    parts.push(buf, NL);
    bytes += size;
    tags.push(tag);
  }
  flush();
  return records;
}

/** Cuts records into PutRecordBatch calls, in order. */
export function chunkRecords<T>(records: readonly OutRecord<T>[], limits: FirehoseLimits = FIREHOSE_LIMITS): OutRecord<T>[][] {
  const calls: OutRecord<T>[][] = [];
  let call: OutRecord<T>[] = [];
  let bytes = 0;
  for (const r of records) {
    if (call.length > 0 && (call.length >= limits.maxBatchRecords || bytes + r.data.length > limits.maxBatchBytes)) {
      calls.push(call);
      call = [];
      bytes = 0;
    }
    call.push(r);
    bytes += r.data.length;
  }
  if (call.length > 0) calls.push(call);
  return calls;
}

/**
 * Splits a line into part lines (JSON, see {@link LinePart}) of at most `maxBytes` each, newline
 * included. Parts share an id (a hash of the line) so that a reader can put them together again.
 */
export function splitLine(line: string, maxBytes: number): string[] {
  const budget = maxBytes - PART_OVERHEAD_BYTES;
  if (budget < 64) throw new RangeError(`record limit ${maxBytes} leaves no room to split a line`);
  const ends = cutPoints(line, budget);
  const id = createHash('sha256').update(line).digest('hex').slice(0, 16);
  let from = 0;
  return ends.map((end, index) => {
    const part: LinePart = { logveilPart: { id, index, count: ends.length }, text: line.slice(from, end) };
    from = end;
    return JSON.stringify(part);
  });
}

/** Parts back into the line; undefined unless all parts of one id are there. */
export function joinLineParts(parts: readonly LinePart[]): string | undefined {
  const first = parts[0]?.logveilPart;
  if (!first || parts.length !== first.count) return undefined;
  const sorted = [...parts].sort((a, b) => a.logveilPart.index - b.logveilPart.index);
  if (sorted.some((p, i) => p.logveilPart.id !== first.id || p.logveilPart.index !== i)) return undefined;
  return sorted.map((p) => p.text).join('');
}

/** Bytes a code point takes inside a JSON string (UTF-8, escapes as JSON.stringify writes them). */
function jsonBytes(cp: number): number {
  if (cp === 0x22 || cp === 0x5c || cp === 0x08 || cp === 0x09 || cp === 0x0a || cp === 0x0c || cp === 0x0d) return 2;
  if (cp < 0x20 || (cp >= 0xd800 && cp <= 0xdfff)) return 6; // \u00XX, and a lone surrogate
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  return cp < 0x10000 ? 3 : 4;
}

function isWordChar(cp: number): boolean {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f || cp === 0x2d || cp === 0x2b || cp === 0x2f || cp === 0x3d || cp > 0x7f;
}

/**
 * Chunk ends (exclusive UTF-16 offsets) such that each chunk's JSON-escaped size fits `budget`.
 * A cut goes after the last non-word character of the chunk, never inside `[[…]]` or a surrogate
 * pair; only a chunk without any such place is cut hard.
 */
function cutPoints(text: string, budget: number): number[] {
  const ends: number[] = [];
  let start = 0;
  let cost = 0;
  let safe = -1;
  let openToken = -1;
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    const c = jsonBytes(cp);
    if (cost + c > budget && i > start) {
      const cut = openToken > start ? openToken : safe > start ? safe : i;
      ends.push(cut);
      start = cut;
      cost = 0;
      for (let k = cut; k < i; ) {
        const p = text.codePointAt(k) as number;
        cost += jsonBytes(p);
        k += p > 0xffff ? 2 : 1;
      }
      safe = -1;
      if (openToken < cut) openToken = -1;
      continue;
    }
    cost += c;
    if (cp === 0x5b && text.charCodeAt(i + 1) === 0x5b && openToken === -1) openToken = i;
    else if (cp === 0x5d && text.charCodeAt(i - 1) === 0x5d) openToken = -1;
    if (openToken === -1 && !isWordChar(cp)) safe = i + width;
    i += width;
  }
  ends.push(text.length);
  return ends;
}
