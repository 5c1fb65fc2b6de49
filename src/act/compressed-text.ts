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
 * A stream that does not inflate cleanly is read as far as it goes, as `zcat` reads it: one cut
 * short (a log line truncated mid-payload; its last UTF-8 character, cut too, left out), one whose
 * trailer's checksum or length is wrong, one with bytes after its end (a URL's path goes on after
 * an unpadded run: `/blob/H4sI.../download`, tried first without the last segment).
 *
 * What a record's runs inflate to, nested ones included, counts against one budget per record
 * ({@link MAX_INFLATED_BYTES}), and so does each attempt (a window's 32 KiB: 256 runs at most): a
 * run that would go past it cannot be read whole, and cannot be passed on unread, so its record
 * is quarantined. A few bytes of compressed text can hold megabytes, runs nested in runs multiply
 * them, and a line of runs that only begin as compressed streams would cost a stream each.
 */
import { isUtf8 } from 'node:buffer';
import { constants, deflateSync, gunzipSync, gzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { CodecError } from '../errors.js';

export type Compression = 'gzip' | 'zlib';

/** The bytes inflated for one record, across its runs and their nesting (see the head comment). */
export const MAX_INFLATED_BYTES = 8 * 1024 * 1024;

/** What one attempt to inflate a run costs the budget, whatever it yields: a deflate window. */
const ATTEMPT_BYTES = 32 * 1024;

/** What is left of a record's inflation budget (see {@link MAX_INFLATED_BYTES}). */
export interface InflateBudget {
  left: number;
}

export function inflateBudget(): InflateBudget {
  return { left: MAX_INFLATED_BYTES };
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

/** What a compressed stream inflated to, and whether it inflated cleanly to its end. */
export interface Inflated {
  text: string;
  clean: boolean;
}

/**
 * `bytes` inflated as text (every member of a gzip stream; a stream that does not inflate
 * cleanly, as far as it goes); undefined when they do not inflate at all, or not to UTF-8.
 *
 * @throws CodecError `ENCODED_TOO_LARGE` when they inflate past what `budget` has left.
 */
export function inflated(bytes: Buffer, compression: Compression, budget: InflateBudget): Inflated | undefined {
  if (compression === 'gzip' && !gzipHeader(bytes)) return undefined;
  // Each attempt costs what a stream's window does, whatever it yields: a record of many runs
  // that begin as compressed streams and are none is read in bounded time too.
  budget.left -= ATTEMPT_BYTES;
  if (budget.left < 0) throw new CodecError('ENCODED_TOO_LARGE', `more base64 runs to inflate than one record may hold (${MAX_INFLATED_BYTES / ATTEMPT_BYTES})`);
  const options = { maxOutputLength: Math.max(1, budget.left), finishFlush: constants.Z_SYNC_FLUSH };
  let out: Buffer | undefined;
  let clean = true;
  try {
    out = compression === 'gzip' ? gunzipSync(bytes, options) : inflateSync(bytes, options);
  } catch (err) {
    tooLarge(err, compression);
    clean = false;
    const body = deflateBody(bytes, compression);
    try {
      out = body ? inflateRawSync(body, options) : undefined;
    } catch (again) {
      tooLarge(again, compression);
    }
  }
  if (!out || out.length === 0) return undefined;
  budget.left -= out.length;
  const text = withoutCutCharacter(out);
  return isUtf8(text) ? { text: text.toString('utf8'), clean } : undefined;
}

function tooLarge(err: unknown, compression: Compression): void {
  if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
    throw new CodecError('ENCODED_TOO_LARGE', `${compression} data in base64 inflates past ${MAX_INFLATED_BYTES} bytes (all that one record's runs may inflate to)`, { cause: err });
  }
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

/** The deflate data of a gzip member or a zlib stream, after its header (RFC 1952, 1950); undefined when the header is cut short. */
function deflateBody(bytes: Buffer, compression: Compression): Buffer | undefined {
  if (compression === 'zlib') return bytes.length > 2 ? bytes.subarray(2) : undefined;
  const flags = bytes[3] ?? 0;
  let at = 10;
  if (flags & FEXTRA) at = at + 2 <= bytes.length ? at + 2 + bytes.readUInt16LE(at) : bytes.length;
  for (const field of [FNAME, FCOMMENT]) {
    if (flags & field) at = at < bytes.length ? bytes.indexOf(0, at) + 1 || bytes.length : bytes.length;
  }
  if (flags & FHCRC) at += 2;
  return at < bytes.length ? bytes.subarray(at) : undefined;
}

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
