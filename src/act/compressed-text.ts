/**
 * Compressed text written as base64 inside a log: a function that logs the event it was given
 * logs a CloudWatch Logs subscription's payload as it came (`{"awslogs":{"data":"H4sI..."}}`,
 * gzip), a consumer a Kinesis record's data, a client a compressed request body (zlib, `eJw...`).
 * Whatever the messages inside held is in it, unreadable to every detector. base64-text.ts reads
 * such a run inflated and writes a redacted text back compressed the same way (the bytes differ
 * from the original's, the text inside does not). That the run inflates at all says it is no
 * random bytes: any UTF-8 it inflates to is read, control characters (a terminal's colours) and
 * all.
 *
 * A stream is read as `zcat` reads it, as far as it goes: its deflate data, each gzip member in
 * turn, whatever its trailer says (a checksum or a length that is wrong), up to bad data (what
 * comes before it is read) or to where the data ends (bytes may follow: a URL's path goes on after an unpadded run, `/blob/H4sI.../download`,
 * which base64-text.ts reads as a run of its own) or stops (a log line truncated mid-payload; the
 * last UTF-8 character, cut too, is left out).
 *
 * What a record's runs inflate to, nested ones included, counts against one budget per record
 * ({@link MAX_INFLATED_BYTES}); so do its attempts ({@link MAX_INFLATE_ATTEMPTS}: a run that
 * only begins as a compressed stream costs a stream's setup) and the base64 its readings decode,
 * compressed or not ({@link MAX_DECODED_BYTES}: a long run tried again from each of its slashes).
 * A run that would go past one
 * cannot be read whole, and cannot be passed on unread: its record is quarantined. A few bytes of
 * compressed text can hold megabytes, and runs nested in runs multiply them.
 */
import { isUtf8 } from 'node:buffer';
import { constants, deflateSync, gzipSync, inflateRawSync } from 'node:zlib';
import { CodecError } from '../errors.js';

export type Compression = 'gzip' | 'zlib';

/** The bytes inflated for one record, across its runs and their nesting (see the head comment). */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

/** The runs one record may try to inflate (about 90 us each: some 0.7 s at most). */
export const MAX_INFLATE_ATTEMPTS = 8192;

/** The bytes one record may decode from base64 runs in all (a run tried from several places is counted each time). */
export const MAX_DECODED_BYTES = 32 * 1024 * 1024;

/** What is left of a record's inflation budget (see the head comment). */
export interface InflateBudget {
  left: number;
  attempts: number;
  decoded: number;
}

/** A record's whole inflation budget. */
export function inflateBudget(): InflateBudget {
  return { left: MAX_INFLATED_BYTES, attempts: MAX_INFLATE_ATTEMPTS, decoded: MAX_DECODED_BYTES };
}

/** How many bytes of a stream's start {@link mayInflate} reads. */
export const PROBE_BYTES = 1024;

/**
 * True when `start` (a stream's first {@link PROBE_BYTES} or fewer) begins as a stream that
 * inflates: the whole run need not be decoded to tell (a long run that only begins as one, tried
 * from each of its slashes, would be decoded again each time). Counts as an attempt.
 *
 * @throws CodecError `ENCODED_TOO_MANY` when the record has tried as many runs as it may.
 */
export function mayInflate(start: Buffer, compression: Compression, budget: InflateBudget): boolean {
  const body = bodyStart(start, 0, compression);
  // A gzip header longer than the probe (a large extra field) tells nothing yet: read whole.
  if (body === undefined) return compression === 'gzip' && gzipHeader(start);
  attempt(budget);
  try {
    const read = inflatePrefix(start.subarray(body), 64 * PROBE_BYTES);
    // Empty blocks (a flush's markers) may come first: only bad data says it is no stream.
    return !read.broken || read.out.length > 0;
  } catch (err) {
    // More than the probe takes: it inflates (what it inflates to counts when it is read).
    if (err instanceof CodecError) return true;
    throw err;
  }
}

/**
 * Deflate data inflated as far as it goes: all of it, or the longest start of it that inflates
 * without error (`broken`: bad data follows, as `zcat` prints what comes before it), and how many
 * of its bytes that took.
 *
 * @throws CodecError `ENCODED_TOO_LARGE` when it inflates past `maxOutput` bytes.
 */
function inflatePrefix(body: Buffer, maxOutput: number): { out: Buffer; consumed: number; broken: boolean } {
  const inflate = (bytes: Buffer): { buffer: Buffer; engine: { bytesWritten: number } } | undefined => {
    try {
      return inflateRawSync(bytes, { maxOutputLength: Math.max(1, maxOutput), finishFlush: constants.Z_SYNC_FLUSH, info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new CodecError('ENCODED_TOO_LARGE', `compressed data in base64 inflates past ${MAX_INFLATED_BYTES} bytes (all that one record's runs may inflate to)`, { cause: err });
      return undefined;
    }
  };
  const whole = inflate(body);
  if (whole) return { out: whole.buffer, consumed: whole.engine.bytesWritten, broken: false };
  // Bad data somewhere: every start that holds it fails too, so the longest good one is found by halves.
  let good = 0;
  let bad = body.length;
  let best: { buffer: Buffer; engine: { bytesWritten: number } } | undefined;
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1;
    const read = inflate(body.subarray(0, mid));
    if (read) [good, best] = [mid, read];
    else bad = mid;
  }
  return { out: best?.buffer ?? Buffer.alloc(0), consumed: good, broken: true };
}

function attempt(budget: InflateBudget): void {
  budget.attempts -= 1;
  if (budget.attempts < 0) throw new CodecError('ENCODED_TOO_MANY', `more base64 runs to inflate than one record may hold (${MAX_INFLATE_ATTEMPTS})`);
}

/** A zlib header's second byte for each compression level (fastest, fast, default, best). */
const ZLIB_LEVELS = [0x01, 0x5e, 0x9c, 0xda];

/**
 * How base64 of a compressed stream begins: gzip's magic and deflate method (1F 8B 08) is `H4sI`;
 * a zlib header of a 32K window (78, then the level's byte) is three characters, the third of
 * which also holds the high bits of the first byte after it (`eAE`-`eAH`, `eF4`-`eF7`, `eJw`-`eJz`, `eNo`-`eNr`).
 */
export const COMPRESSED_HEADS: readonly string[] = [
  'H4sI',
  ...ZLIB_LEVELS.flatMap((level) => [0x00, 0x40, 0x80, 0xc0].map((next) => Buffer.from([0x78, level, next]).toString('base64').slice(0, 3))),
];

/** The compression base64 `written` begins as, if any (see {@link COMPRESSED_HEADS}). */
export function compressionOf(written: string): Compression | undefined {
  if (written.startsWith('H4sI')) return 'gzip';
  return COMPRESSED_HEADS.includes(written.slice(0, 3)) ? 'zlib' : undefined;
}

/** What a compressed stream inflated to; `streamBytes`: the bytes it takes, trailer included, when bytes follow it. */
export interface Inflated {
  text: string;
  streamBytes?: number;
}

/** The trailer after a stream's deflate data: gzip's CRC-32 and length, zlib's Adler-32. */
const TRAILER: Readonly<Record<Compression, number>> = { gzip: 8, zlib: 4 };

/**
 * `bytes` inflated as text (each gzip member in turn; a stream that does not inflate cleanly, as
 * far as it goes: its deflate data is read without its trailer's checks); undefined when they do
 * not inflate at all, or not to UTF-8.
 *
 * @throws CodecError `ENCODED_TOO_LARGE` when they inflate past what `budget` has left,
 *   `ENCODED_TOO_MANY` when the record has tried to inflate as many runs as it may.
 */
export function inflated(bytes: Buffer, compression: Compression, budget: InflateBudget): Inflated | undefined {
  const texts: Buffer[] = [];
  let at = 0;
  let streamBytes: number | undefined;
  for (let member = compression; ; member = 'gzip') {
    const body = bodyStart(bytes, at, member);
    if (body === undefined) break;
    const read = inflateRaw(bytes.subarray(body), budget);
    if (!read) break;
    texts.push(read.out);
    const after = body + read.consumed;
    if (after >= bytes.length) {
      streamBytes = undefined;
      break;
    }
    // A stream that ends before the bytes do: its trailer, then another gzip member or other bytes.
    streamBytes = Math.min(bytes.length, after + TRAILER[member]);
    at = streamBytes;
    if (member === 'zlib' || bytes[at] !== 0x1f || bytes[at + 1] !== 0x8b) break;
  }
  const out = withoutCutCharacter(texts.length === 1 ? (texts[0] as Buffer) : Buffer.concat(texts));
  if (out.length === 0 || !isUtf8(out)) return undefined;
  return { text: out.toString('utf8'), ...(streamBytes !== undefined ? { streamBytes } : {}) };
}

/** Deflate data inflated as far as it goes, and how many of its bytes that took; undefined when it does not inflate. */
function inflateRaw(body: Buffer, budget: InflateBudget): { out: Buffer; consumed: number } | undefined {
  // Each attempt costs something whatever it yields: a record of many runs that begin as
  // compressed streams and are none is read in bounded time too.
  attempt(budget);
  spend(budget, body.length);
  const read = inflatePrefix(body, budget.left);
  budget.left -= read.out.length;
  if (read.out.length === 0) return undefined;
  // Bad data after a good start: the stream's end is not known, the run is read whole.
  return { out: read.out, consumed: read.broken ? body.length : read.consumed };
}

/**
 * Counts `bytes` of base64 decoded for a reading against the record's budget.
 *
 * @throws CodecError `ENCODED_TOO_MANY` when the record has decoded as much as it may.
 */
export function spend(budget: InflateBudget, bytes: number): void {
  budget.decoded -= bytes;
  if (budget.decoded < 0) throw new CodecError('ENCODED_TOO_MANY', `more base64 to decode than one record may hold (${MAX_DECODED_BYTES} bytes)`);
}

/** Where the deflate data of the stream at `at` begins, after its header (RFC 1952, 1950); undefined when there is none. */
function bodyStart(bytes: Buffer, at: number, compression: Compression): number | undefined {
  if (compression === 'zlib') return at === 0 && bytes.length > 2 ? 2 : undefined;
  const member = bytes.subarray(at);
  if (!gzipHeader(member)) return undefined;
  const flags = member[3] as number;
  let end = 10;
  if (flags & FEXTRA) end = end + 2 <= member.length ? end + 2 + member.readUInt16LE(end) : member.length;
  for (const field of [FNAME, FCOMMENT]) {
    if (flags & field) end = end < member.length ? member.indexOf(0, end) + 1 || member.length : member.length;
  }
  if (flags & FHCRC) end += 2;
  return end < member.length ? at + end : undefined;
}

/**
 * True when `bytes` open with a gzip member's header (RFC 1952): no reserved flag set, the extra
 * flags of a deflate level, a known operating system. Base64 that only begins as gzip does fails
 * here, without a zlib stream made for it.
 */
function gzipHeader(bytes: Buffer): boolean {
  const flags = bytes[3] ?? 0xff;
  const extra = bytes[8] ?? 0xff;
  const os = bytes[9] ?? 0;
  return bytes.length > 10 && (flags & 0xe0) === 0 && (extra === 0 || extra === 2 || extra === 4) && (os <= 13 || os === 255);
}

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

/** `bytes` without the UTF-8 character its end cuts short, if one does (a stream cut short cuts one). */
function withoutCutCharacter(bytes: Buffer): Buffer {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const b = bytes[bytes.length - back] as number;
    if (b < 0x80) return bytes;
    if (b >= 0xc0) {
      const needs = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return needs > back ? bytes.subarray(0, bytes.length - back) : bytes;
    }
  }
  return bytes;
}

/** `text` compressed as {@link inflated} read it. */
export function compressed(text: string, compression: Compression): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return compression === 'gzip' ? gzipSync(bytes) : deflateSync(bytes);
}
