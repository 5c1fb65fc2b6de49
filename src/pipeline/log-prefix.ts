/**
 * The prefix a tool that captures a program's output line by line writes before each line, so
 * that what the program printed can be read after it (see named-values.ts): a manifest printed in
 * a CI job reads `2024-05-01T10:00:00.1234567Z   value: ...` in the job's log, and each of its
 * lines has the same prefix in the same shape. The forms read, each from the line's first byte:
 *
 * - an ISO 8601 timestamp (`2024-05-01T10:00:00.1234567Z`; a fraction after `.` or `,` and an
 *   offset, `Z`, `+02:00` or `+0200`, optional; `T` or a blank between date and time), bracketed
 *   or not, as GitHub Actions, `kubectl logs --timestamps`, `docker logs -t` and Jenkins'
 *   timestamper write it; a container runtime's log file has the stream and a tag after it
 *   (`2024-05-01T10:00:00.123456789Z stdout F `), journald's `short-iso` a host and a tag with a
 *   process id (`2024-05-01T10:00:00+0000 host app[123]: `);
 * - a syslog header (`Dec  7 01:00:00 host app[123]: `, a fraction after the seconds as
 *   journald's `short-precise` writes it), as journald and rsyslog write a service's output;
 * - a Docker Compose service's name, padded, and a bar (`web-1     | `);
 * - a bracketed tag (`[build] `, `[INFO] `, kubectl's `[pod/web-7d9f/app] `).
 *
 * Up to three stand one after another (`web-1  | 2024-05-01T10:00:00.123Z `, as `docker compose
 * logs -t` writes). A prefix ends at the one blank after it (or at the line's end); what follows
 * the last is the line as the program printed it, its indentation its own. The prefix's shape
 * tells lines of one source apart from another's: its text as written, but for its time, whose
 * runs of digits (a decimal fraction's point with them) are each taken as one `0` and runs of
 * blanks as one blank, since a time changes from line to line (a fraction that is 0 is left
 * out, a day is padded to two places with a blank) where a service's name (`web-1`, `web-2`), a
 * host, a tag and a process id do not.
 */

const SPACE = 0x20;
const TAB = 0x09;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const BAR = 0x7c;
const COLON = 0x3a;
/** A prefix is at most this long (bytes); a longer run is no prefix. */
const MAX_PREFIX = 160;
/** The longest tag inside brackets, a Compose service's name, a syslog host or tag (bytes). */
const MAX_TOKEN = 64;
/** Prefixes one after another that are read. */
const MAX_PREFIXES = 3;
/** The months' names, each as its three bytes in one number. */
const MONTHS: ReadonlySet<number> = new Set('Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ').map((m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2)));
const STREAMS = [Buffer.from('stdout '), Buffer.from('stderr ')];

/**
 * How many bytes a log prefix takes at `start` (the blank after it included), or 0 for a line with
 * none. `stop` is the line's end (its line end left out). Every byte of a prefix is ASCII, so the
 * count is also the prefix's length in UTF-16 units.
 */
export function prefixLength(data: Uint8Array, start: number, stop: number): number {
  let at = start;
  for (let n = 0; n < MAX_PREFIXES; n++) {
    const one = onePrefix(data, at, stop);
    if (one === 0) break;
    at += one;
  }
  return at - start > MAX_PREFIX ? 0 : at - start;
}

/** Where the time of the prefix {@link onePrefix} read last ends (where it starts for one without a time): set by each call. */
let timeEnd = 0;

/** The length of one prefix at `start` (the blank after it included), or 0; sets {@link timeEnd}. */
function onePrefix(data: Uint8Array, start: number, stop: number): number {
  const first = data[start];
  timeEnd = start;
  if (first === undefined || start >= stop) return 0;
  let end = -1;
  if (isDigit(first)) {
    const time = isoTimestamp(data, start, stop);
    if (time !== -1) timeEnd = time;
    end = afterStream(data, time, stop);
  } else if (first === OPEN) {
    end = bracketed(data, start, stop);
    if (end !== -1 && holdsTime(data, start, end)) timeEnd = end;
  } else if (first >= 0x41 && first <= 0x5a) {
    end = syslogHeader(data, start, stop);
  }
  if (end === -1 && isWordByte(first)) {
    timeEnd = start;
    end = composeService(data, start, stop);
  }
  if (end === -1 || end - start > MAX_PREFIX) return 0;
  // The one blank after the prefix is its own; so is the line's end right after it.
  if (end === stop) return end - start;
  return data[end] === SPACE || data[end] === TAB ? end + 1 - start : 0;
}

/** A container runtime's line (see part-lines.ts): its stream (1 stdout, 2 stderr), whether its tag is `P` (a part the next line of the stream continues), and where its text starts. */
export interface RuntimeLine {
  stream: number;
  open: boolean;
  content: number;
}

/**
 * The line at `start` as a container runtime's log file writes it (`2024-05-01T10:00:00.123456789Z
 * stdout P text`, the CRI format kubelet reads): a timestamp, the stream, the tag `P` or `F`,
 * then the text after one blank; undefined for another line. `stop` is the line's end (its line end left out).
 */
export function runtimeLine(data: Uint8Array, start: number, stop: number): RuntimeLine | undefined {
  if (!isDigit(data[start])) return undefined;
  const time = isoTimestamp(data, start, stop);
  if (time === -1 || data[time] !== SPACE) return undefined;
  const stream = STREAMS.findIndex((s) => startsWith(data, time + 1, stop, s));
  if (stream === -1) return undefined;
  const tag = data[time + 8];
  if (tag !== 0x50 && tag !== 0x46) return undefined;
  const at = time + 9;
  if (at < stop && data[at] !== SPACE) return undefined;
  return { stream: stream + 1, open: tag === 0x50, content: Math.min(at + 1, stop) - start };
}

/**
 * The shape of the prefix `data[start, start + length)` that {@link prefixLength} read (see the
 * module notes): each prefix's time with its digits and blanks folded, the rest as written.
 */
export function prefixShape(data: Uint8Array, start: number, length: number): string {
  let out = '';
  const stop = start + length;
  for (let at = start; at < stop; ) {
    const one = onePrefix(data, at, stop);
    if (one === 0) break;
    out += foldedTime(data, at, timeEnd) + Buffer.from(data.buffer, data.byteOffset + timeEnd, at + one - timeEnd).toString('latin1');
    at += one;
  }
  return out;
}

/**
 * The time `data[start, end)`, each run of digits (a decimal fraction's point with it) as one `0`,
 * of two letters or more as one `a` (a month's or a weekday's name: `Nov 30 23:59:59` and
 * `Dec  1 00:00:00` are one shape; ISO's `T` and `Z` stay), of blanks as one blank.
 */
function foldedTime(data: Uint8Array, start: number, end: number): string {
  let out = '';
  let run = 0;
  for (let k = start; k < end; k++) {
    const c = data[k] as number;
    if (isLetter(c) && isLetter(data[k + 1]) && k + 1 < end) {
      while (k + 1 < end && isLetter(data[k + 1])) k++;
      out += 'a';
      run = 0;
      continue;
    }
    // A decimal point between digits belongs to their run.
    const digit = isDigit(c) || ((c === 0x2e || c === 0x2c) && run === DIGITS && isDigit(data[k + 1]) && k + 1 < end);
    const kind = digit ? DIGITS : c === SPACE || c === TAB ? BLANKS : 0;
    if (kind === 0) out += String.fromCharCode(c);
    else if (kind !== run) out += kind === DIGITS ? '0' : ' ';
    run = kind;
  }
  return out;
}

function isLetter(c: number | undefined): boolean {
  return c !== undefined && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
}

/** True when `data[start, end)` holds a time of day (`10:00:00`): a bracketed tag that is a timestamp (`[Sun Dec 04 04:47:44 2005]`). */
function holdsTime(data: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k + 8 <= end; k++) {
    if (data[k + 2] === COLON && data[k + 5] === COLON && digitsAt(data, k, 2, end) && digitsAt(data, k + 3, 2, end) && digitsAt(data, k + 6, 2, end)) return true;
  }
  return false;
}

const DIGITS = 1;
const BLANKS = 2;

/** Where an ISO 8601 date and time at `k` ends, or -1. */
function isoTimestamp(data: Uint8Array, k: number, stop: number): number {
  // 2024-05-01T10:00:00 or 2024-05-01 10:00:00
  if (!(digitsAt(data, k, 4, stop) && data[k + 4] === 0x2d && digitsAt(data, k + 5, 2, stop) && data[k + 7] === 0x2d && digitsAt(data, k + 8, 2, stop))) return -1;
  const t = data[k + 10];
  if (t !== 0x54 && t !== SPACE) return -1;
  if (!(digitsAt(data, k + 11, 2, stop) && data[k + 13] === COLON && digitsAt(data, k + 14, 2, stop) && data[k + 16] === COLON && digitsAt(data, k + 17, 2, stop))) return -1;
  let at = k + 19;
  if (at < stop && (data[at] === 0x2e || data[at] === 0x2c) && isDigit(data[at + 1])) {
    at += 1;
    while (at < stop && at - k < 40 && isDigit(data[at])) at++;
  }
  if (data[at] === 0x5a) return at + 1;
  if ((data[at] === 0x2b || data[at] === 0x2d) && digitsAt(data, at + 1, 2, stop)) {
    at += 3;
    if (data[at] === COLON) at += 1;
    return digitsAt(data, at, 2, stop) ? at + 2 : -1;
  }
  return at;
}

/**
 * After a timestamp, a container runtime's stream and tag (`stdout F`) or journald's host and tag
 * with a process id (`host app[123]:`), if there; else `end` as it is.
 */
function afterStream(data: Uint8Array, end: number, stop: number): number {
  if (end === -1 || data[end] !== SPACE) return end;
  for (const s of STREAMS) {
    if (startsWith(data, end + 1, stop, s) && (data[end + 8] === 0x46 || data[end + 8] === 0x50) && end + 9 <= stop) return end + 9;
  }
  const tagged = hostAndTag(data, end + 1, stop);
  return tagged !== -1 && data[tagged - 2] === CLOSE && data[tagged - 3] !== OPEN ? tagged : end;
}

/** Where a syslog host and tag at `k` (`host app[123]:`, the tag's colon its last byte) end, or -1; the host starts with a letter or a digit. */
function hostAndTag(data: Uint8Array, k: number, stop: number): number {
  if (!isAlnum(data[k])) return -1;
  const host = token(data, k, stop);
  if (host === -1 || data[host] !== SPACE) return -1;
  const tag = token(data, host + 1, stop);
  return tag !== -1 && data[tag - 1] === COLON ? tag : -1;
}

/** Where a bracketed timestamp or tag at `k` (`[`) ends, past its `]`, or -1. */
function bracketed(data: Uint8Array, k: number, stop: number): number {
  const ts = isoTimestamp(data, k + 1, stop);
  if (ts !== -1) return data[ts] === CLOSE ? ts + 1 : -1;
  for (let at = k + 1; at < stop && at - k <= MAX_TOKEN; at++) {
    const c = data[at] as number;
    if (c === CLOSE) return at > k + 1 ? at + 1 : -1;
    if (!(isWordByte(c) || c === SPACE || c === COLON || c === 0x2f)) return -1;
  }
  return -1;
}

/** Where a syslog header at `k` (`Dec  7 01:00:00 host tag: `, its tag's colon the last byte) ends, or -1. */
function syslogHeader(data: Uint8Array, k: number, stop: number): number {
  if (stop - k < 20 || data[k + 3] !== SPACE || !MONTHS.has(((data[k] as number) << 16) | ((data[k + 1] as number) << 8) | (data[k + 2] as number))) return -1;
  const day = data[k + 4];
  if (!((day === SPACE || isDigit(day)) && isDigit(data[k + 5]) && data[k + 6] === SPACE)) return -1;
  if (!(digitsAt(data, k + 7, 2, stop) && data[k + 9] === COLON && digitsAt(data, k + 10, 2, stop) && data[k + 12] === COLON && digitsAt(data, k + 13, 2, stop))) return -1;
  let at = k + 15;
  if (data[at] === 0x2e && isDigit(data[at + 1])) {
    at += 1;
    while (at < stop && at - k < 40 && isDigit(data[at])) at++;
  }
  timeEnd = at;
  return data[at] === SPACE ? hostAndTag(data, at + 1, stop) : -1;
}

/** Where a Docker Compose service's name at `k`, its padding and its bar (`web-1   |`) end, or -1. */
function composeService(data: Uint8Array, k: number, stop: number): number {
  let at = k;
  while (at < stop && at - k < MAX_TOKEN && isWordByte(data[at] as number)) at++;
  if (at === k || data[at] !== SPACE) return -1;
  while (at < stop && data[at] === SPACE) at++;
  return data[at] === BAR ? at + 1 : -1;
}

/** Where a run of printable non-blank ASCII at `k` ends (at most {@link MAX_TOKEN} bytes), or -1 for none. */
function token(data: Uint8Array, k: number, stop: number): number {
  let at = k;
  while (at < stop && at - k <= MAX_TOKEN && (data[at] as number) > SPACE && (data[at] as number) < 0x7f) at++;
  return at === k || at - k > MAX_TOKEN ? -1 : at;
}

function digitsAt(data: Uint8Array, k: number, n: number, stop: number): boolean {
  if (k + n > stop) return false;
  for (let j = k; j < k + n; j++) if (!isDigit(data[j])) return false;
  return true;
}

function isAlnum(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= ZERO && c <= NINE));
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE;
}

/** A byte of a service's name or a tag: a letter, a digit, `_`, `-` or `.`. */
export function isWordByte(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= ZERO && c <= NINE) || c === 0x5f || c === 0x2d || c === 0x2e);
}

function startsWith(data: Uint8Array, k: number, stop: number, bytes: Uint8Array): boolean {
  if (stop - k < bytes.length) return false;
  for (let j = 0; j < bytes.length; j++) if (data[k + j] !== bytes[j]) return false;
  return true;
}
