/**
 * Private keys a text log holds over several lines (a PEM block a program printed, each of its
 * lines a record of its own). A line of the block's body is base64 alone, which no detector can
 * tell from other base64, so the block is followed from its BEGIN line: the batcher carries the
 * state of an open block from batch to batch (input order, see batcher.ts), and a batch redacts
 * the body lines of the blocks it holds or starts inside (see batch.ts), then reads them as usual.
 *
 * A body line is one that ends in a run of 16 base64 characters or more (after a log prefix, if
 * any, and a space or colon), or of 2 or more right after such a line (the block's last line is
 * short): that run is what is redacted. Blank lines and PEM or armor headers (`Proc-Type:`,
 * `DEK-Info:`, `Version:`, `Comment:`), read after as many bytes as the BEGIN line's prefix held (a
 * log prefix of fixed width), keep the block open; its END line closes it. A line of another
 * source (its log prefix names another compose service, pod or host than the BEGIN line's) is
 * passed over. Any other line cuts the block (a block cut short, or another program's line among
 * its lines where no prefix tells them apart): up to {@link MAX_FOREIGN_LINES} lines on (2 when
 * the block has no full body line yet), a line ending in a run that looks like a body line's (40
 * base64 characters or more of every kind, or 16 right after such a line) is still the block's,
 * and its END line has the body lines right before it marked. A line that closes a block may open another. An END line without
 * its BEGIN before it in the data (the block began before the data did) has the body lines right
 * before it marked too.
 *
 * A container runtime's record of a line (`{"log":"...\n",...}`) is read as the line it holds (see
 * wrapped-lines.ts): a block printed by a program in a container is followed as in a text log.
 *
 * A PuTTY key file (`.ppk`) has no BEGIN line: its `Private-Lines: N` line opens a block of the N
 * lines after it, each a body line that ends in a base64 run (of 2 or more); a line that does not
 * ends it cut short.
 *
 * A Lambda invocation may hold neither: the middle of a key logged a line per event and split
 * over three invocations or more. There (`orphans`), two lines in a row or more that end in a
 * full PEM or OpenSSH body line (a base64 run of exactly 64 or 70 characters, upper and lower
 * case and digits all in it) are marked as body lines. (A file read in order carries an open
 * block from batch to batch, and does not need this.)
 */
import { prefixLength, prefixShape } from './log-prefix.js';

const NL = 0x0a;
const CR = 0x0d;
const MARK = Buffer.from('PRIVATE KEY');
const MARK_HEAD = 'PRIVATE';
const BEGIN = Buffer.from('-----BEGIN ');
const END = Buffer.from('-----END ');
/** What opens a PuTTY key's body: the count of its lines follows. */
const PUTTY = Buffer.from('Private-Lines:');
/** `Lines:`, and the length of `Private-` before it (see holdsMark). */
const PUTTY_TAIL = PUTTY.subarray(8);
const PUTTY_HEAD = 8;
const PUTTY_LINES = /Private-Lines: *([0-9]{1,3})[ \t]*$/;
/** The base64 run a line ends in (then only blanks), after the line's start, a blank or a colon. */
const RUN = /(?<=^|[\s:])[A-Za-z0-9+/]+(={0,2})(?=[ \t]*$)/;
/** Base64 characters (padding aside) a body line's run holds at least, but for the block's last line. */
const FULL_RUN = 16;
const HEADER = /^[ \t]*(?:Proc-Type|DEK-Info|Version|Comment|Hash|Charset):\s/;

/**
 * An open block: the bytes before `-----BEGIN` on its first line, and whether the line before was
 * a full body line; for a PuTTY key, how many of its body lines are still to come.
 */
export interface PemState {
  readonly prefix: number;
  readonly afterFull: boolean;
  readonly lines?: number;
  /** The shape of the log prefix its BEGIN line has, when that names a source of its own (see {@link sourceOf}). */
  readonly source?: string;
  /** Other sources' lines since its last line (see {@link MAX_FOREIGN_LINES}). */
  readonly foreign?: number;
  /**
   * Set once a line that is no body line cut the block (another program's line among a key's
   * lines, where no prefix tells sources apart): how many lines more it may take. Only a line
   * ending in 40 base64 characters or more (16 after such a line), upper and lower case and digits
   * all among them, is then the block's, and an END line has the lines right before it marked
   * (see markTail).
   */
  readonly cut?: number;
}

/** Lines that a block's lines may have between them: other sources' in a row, or any after the block was cut. */
export const MAX_FOREIGN_LINES = 64;
/** Lines after a cut that come before the block's first full body line, within which one must come. */
const CUT_BEFORE_BODY = 2;
/** Base64 characters of a line that a cut block takes for a body line (but its last). */
const LONG_RUN = 40;

/** What {@link pemBodies} found in a batch. */
export interface PemBodies {
  /** 1 for each line (by index) of a block's body. */
  readonly body: Uint8Array;
  /** The block still open after the batch's last line, if one is. */
  readonly after: PemState | undefined;
}

/**
 * The body lines of the private-key blocks in `data` (whole lines; `ends[i]` is line i's `\n`, or
 * the end of the data), `state`: the block open before its first line, if any. Undefined when
 * `data` holds none and none was open (most batches: one native search).
 */
export function pemBodies(data: Buffer, ends: Int32Array, state: PemState | undefined, orphans = false): PemBodies | undefined {
  const marked = state !== undefined || holdsMark(data);
  if (!marked && !orphans) return undefined;
  const body = new Uint8Array(ends.length);
  if (orphans) markOrphans(data, ends, body);
  if (!marked) return body.includes(1) ? { body, after: undefined } : undefined;
  let open = state;
  for (let i = 0, start = 0; i < ends.length; i++) {
    const end = ends[i] as number;
    const line = data.subarray(start, end > start && data[end - 1] === CR ? end - 1 : end);
    start = end + 1;
    if (open?.lines !== undefined) {
      const run = RUN.exec(line.toString('latin1'));
      if (run && run[0].length - (run[1] as string).length >= 2) {
        body[i] = 1;
        open = open.lines > 1 ? { prefix: open.prefix, afterFull: false, lines: open.lines - 1 } : undefined;
      } else open = opening(line);
      continue;
    }
    if (!open || line.indexOf(END) !== -1) {
      // Without a block, or after a cut one (see PemState.cut): the lines right before the END line are its last.
      if ((!open || open.cut !== undefined) && closesKey(line) && !opensBefore(line)) markTail(data, ends, i, body);
      open = opening(line);
      continue;
    }
    // Another source's line (another service of a compose project, another pod): passed over. A
    // line without a prefix is the block's own (a logger prints a message's first line alone behind one).
    const source = open.source === undefined ? undefined : sourceOf(line);
    if (source !== undefined && source !== open.source) {
      const foreign = (open.foreign ?? 0) + 1;
      open = foreign <= MAX_FOREIGN_LINES ? { ...open, foreign } : opening(line);
      continue;
    }
    const m = RUN.exec(line.toString('latin1'));
    const length = m ? m[0].length - (m[1] as string).length : 0;
    const own = open.source === undefined ? {} : { source: open.source };
    if (open.cut !== undefined) {
      // Cut: only a line that looks like a body line is the block's, base64 of every kind of
      // character: a long run, or one of 16 or more after such a line (the block's last line).
      // Other lines count down to its end.
      if (m && mixed(m[0]) && (length >= LONG_RUN || (open.afterFull && length >= FULL_RUN))) {
        body[i] = 1;
        open = { prefix: open.prefix, afterFull: length >= LONG_RUN, cut: MAX_FOREIGN_LINES, ...own };
      } else open = opening(line) ?? (open.cut > 1 ? { ...open, cut: open.cut - 1 } : undefined);
      continue;
    }
    if (length >= FULL_RUN || (open.afterFull && length >= 2)) {
      body[i] = 1;
      open = { prefix: open.prefix, afterFull: length >= FULL_RUN, ...own };
      continue;
    }
    const rest = line.subarray(Math.min(open.prefix, line.length));
    if (isBlank(rest) || HEADER.test(rest.toString('latin1'))) open = { prefix: open.prefix, afterFull: false, ...own };
    // Cut after a full body line: the key goes on among other lines; before one (a BEGIN line
    // that only names a key, a message about one), its body must follow within a line or two.
    else open = opening(line) ?? { prefix: open.prefix, afterFull: open.afterFull, cut: open.afterFull ? MAX_FOREIGN_LINES : CUT_BEFORE_BODY, ...own };
  }
  return { body, after: open };
}

/** The block open after `data` (whole lines), `state` the one open before it. */
export function pemStateAfter(data: Uint8Array, state: PemState | undefined): PemState | undefined {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!state && !holdsMark(bytes)) return undefined;
  const ends: number[] = [];
  for (let nl = bytes.indexOf(NL); nl !== -1; nl = bytes.indexOf(NL, nl + 1)) ends.push(nl);
  if (ends.length === 0 || (ends[ends.length - 1] as number) < bytes.length - 1) ends.push(bytes.length);
  return (pemBodies(bytes, Int32Array.from(ends), state) as PemBodies).after;
}

/**
 * Where `data` first holds `PRIVATE KEY`, or -1. Every batch is searched for it, twice (the
 * batcher's state for the next batch, the batch's own body lines): `PRIVATE` alone is found in a
 * seventh of the time the whole mark takes (40 against 270 us per 512 KiB of the benchmark's JSON
 * lines), so it is looked for first; at a `PRIVATE` without ` KEY` after it, the whole mark is
 * searched for from there, as before.
 */
export function indexOfMark(data: Buffer): number {
  const at = data.indexOf(MARK_HEAD, 0, 'latin1');
  if (at === -1) return -1;
  const whole = at + MARK.length <= data.length && data.compare(MARK, MARK_HEAD.length, MARK.length, at + MARK_HEAD.length, at + MARK.length) === 0;
  return whole ? at : data.indexOf(MARK, at + 1);
}

/**
 * True when `data` may open a block: it holds a private key's mark or a PuTTY key's
 * `Private-Lines:`. Buffer#indexOf searches a word of seven bytes or more another way than a
 * shorter one, which took 170 us per 512 KiB of the benchmark's JSON lines where `Lines:` took 10:
 * that is looked for, and the bytes before each checked.
 */
function holdsMark(data: Buffer): boolean {
  if (indexOfMark(data) !== -1) return true;
  for (let at = data.indexOf(PUTTY_TAIL, PUTTY_HEAD); at !== -1; at = data.indexOf(PUTTY_TAIL, at + 1)) {
    if (data.compare(PUTTY, 0, PUTTY_HEAD, at - PUTTY_HEAD, at) === 0) return true;
  }
  return false;
}

/** Where the base64 run of a body line lies (UTF-16 offsets of its text). */
export function bodyRun(text: string): { start: number; end: number } | undefined {
  const m = RUN.exec(text);
  return m ? { start: m.index, end: m.index + m[0].length } : undefined;
}

/** Whether `line` ends a private key's block: `-----END ` then the mark. */
function closesKey(line: Buffer): boolean {
  const end = line.indexOf(END);
  return end !== -1 && line.indexOf(MARK, end) !== -1;
}

/** Whether `line` begins a block before it ends one: a whole key on one line (its breaks written `\n`, or spaces). */
function opensBefore(line: Buffer): boolean {
  const begin = line.indexOf(BEGIN);
  return begin !== -1 && begin < line.indexOf(END);
}

/**
 * Marks the body lines right before line `i`, the END line of a block whose BEGIN was not seen:
 * the block began before the data did (a log file that starts inside one, a Lambda invocation
 * that got the rest of a key another one began). Walking back from the END line, the line just
 * before it may be the short last one (a run of 2 or more), each line above it a full one; the
 * first line that is neither, or opens or ends a block, is the block's start.
 */
function markTail(data: Buffer, ends: Int32Array, i: number, body: Uint8Array): void {
  for (let k = i - 1; k >= 0 && !body[k]; k--) {
    const start = k === 0 ? 0 : (ends[k - 1] as number) + 1;
    const end = ends[k] as number;
    const line = data.subarray(start, end > start && data[end - 1] === CR ? end - 1 : end);
    if (line.indexOf(BEGIN) !== -1 || line.indexOf(END) !== -1) return;
    const m = RUN.exec(line.toString('latin1'));
    const length = m ? m[0].length - (m[1] as string).length : 0;
    if (length < (k === i - 1 ? 2 : FULL_RUN)) return;
    body[k] = 1;
  }
}

/** Base64 characters a full body line holds: PEM's 64, OpenSSH's 70. */
const FULL_WIDTHS = new Set([64, 70]);

/** Whether a base64 run (without padding) is a full PEM or OpenSSH body line's: its width, upper and lower case and digits all in it. */
function isFullBody(run: string): boolean {
  return FULL_WIDTHS.has(run.length) && mixed(run);
}

/** Whether `run` holds upper and lower case letters and digits, as base64 of random bytes does. */
function mixed(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}

/** Marks runs of two lines or more that each end in a full body line (see the module notes). */
function markOrphans(data: Buffer, ends: Int32Array, body: Uint8Array): void {
  let first = -1;
  const close = (i: number): void => {
    if (first !== -1 && i - first >= 2) body.fill(1, first, i);
    first = -1;
  };
  for (let i = 0, start = 0; i < ends.length; i++) {
    const end = ends[i] as number;
    const line = data.subarray(start, end > start && data[end - 1] === CR ? end - 1 : end).toString('latin1');
    start = end + 1;
    const m = RUN.exec(line);
    if (m && m[1] === '' && isFullBody(m[0])) {
      if (first === -1) first = i;
    } else {
      close(i);
    }
  }
  close(ends.length);
}

/** The block a BEGIN line of a private key (its END not after it on the line) or a PuTTY key's `Private-Lines:` line opens, if it is one. */
function opening(line: Buffer): PemState | undefined {
  const begin = line.lastIndexOf(BEGIN);
  if (begin === -1) return puttyOpening(line);
  const mark = line.indexOf(MARK, begin);
  if (mark === -1 || line.indexOf(END, mark) !== -1) return undefined;
  const source = sourceOf(line);
  return { prefix: begin, afterFull: false, ...(source !== undefined ? { source } : {}) };
}

/**
 * The source a line's log prefix names, as its shape (see prefixShape in log-prefix.ts): a
 * compose service's (`web-1  | `), a pod's (`[pod/web-7d9f/app] `), a syslog host's and tag's;
 * undefined for a line without a prefix, or one whose prefix names none (a timestamp alone, which
 * every source's lines have alike).
 */
function sourceOf(line: Buffer): string | undefined {
  const n = prefixLength(line, 0, line.length);
  if (n === 0) return undefined;
  const shape = prefixShape(line, 0, n);
  return /[A-Za-z]{2}/.test(shape.replace(/(?<![A-Za-z])[TZ](?![A-Za-z])/g, '')) ? shape : undefined;
}

function isBlank(line: Buffer): boolean {
  for (const c of line) if (c !== 0x20 && c !== 0x09) return false;
  return true;
}

/** The body a PuTTY key's `Private-Lines: N` line, ending the line, opens. */
function puttyOpening(line: Buffer): PemState | undefined {
  const at = line.lastIndexOf(PUTTY);
  if (at === -1) return undefined;
  const lines = Number(PUTTY_LINES.exec(line.subarray(at).toString('latin1'))?.[1] ?? 0);
  return lines > 0 ? { prefix: at, afterFull: false, lines } : undefined;
}
