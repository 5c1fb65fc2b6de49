/**
 * Reads a ledger file (a segment or the checkpoints file) into lines with their numbers and
 * offsets, parsed where they parse, and the torn tail: bytes after the last line end, which a
 * complete write never leaves (every line ends with `\n`), so they are what a crash in the middle
 * of a write left behind.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

export interface ScannedLine {
  /** 1-based. */
  line: number;
  /** Byte offset of the line's first byte. */
  offset: number;
  text: string;
  /** The parsed JSON, or undefined when the line is not JSON. */
  value?: unknown;
  /** Set when the line's bytes are not valid UTF-8 (`text` then reads them as U+FFFD). */
  invalidUtf8?: true;
}

export interface ScannedFile {
  lines: ScannedLine[];
  /** Bytes of complete lines (up to and including the last `\n`). */
  completeBytes: number;
  /** Bytes after the last `\n`: a torn last line. */
  tornBytes: number;
  size: number;
}

/** Splits a file's bytes into complete lines and a torn tail. */
export function scanBytes(data: Buffer): ScannedFile {
  const lines: ScannedLine[] = [];
  const it = bytesLines(data);
  for (let r = it.next(); ; r = it.next()) {
    if (r.done) return { lines, completeBytes: r.value.completeBytes, tornBytes: r.value.tornBytes, size: r.value.size };
    lines.push(r.value);
  }
}

/** The lines of bytes in memory, one at a time, as {@link fileLines} reads them from a file. */
function* bytesLines(data: Buffer): Generator<ScannedLine, FileLines, undefined> {
  let start = 0;
  let n = 1;
  for (let nl = data.indexOf(NL); nl !== -1; nl = data.indexOf(NL, start)) {
    yield scannedLine(data, start, nl, n, start);
    start = nl + 1;
    n += 1;
  }
  return { lines: n - 1, completeBytes: start, tornBytes: data.length - start, size: data.length };
}

/** What {@link fileLines} read: the file's size, its complete lines and the torn tail after them. */
export interface FileLines {
  lines: number;
  completeBytes: number;
  tornBytes: number;
  size: number;
}

/**
 * A ledger file to read: its path, or its bytes when it was read already, for an input that
 * cannot be read twice (a pipe, `<(cat segment)`), which `ledger verify` reads once.
 */
export type LedgerSource = string | Buffer;

/**
 * Each complete line of a file, in order, as {@link scanBytes} gives them, read a chunk at a time
 * (from the start, one read after the other, so a pipe reads too): a line is let go once the
 * caller moves on, so a 64 MiB segment costs a chunk and a line of memory, not the file and every
 * line parsed. Returns what it read once it is through.
 */
export function* fileLines(source: LedgerSource, chunkBytes = 1 << 20): Generator<ScannedLine, FileLines, undefined> {
  if (typeof source !== 'string') return yield* bytesLines(source);
  const fd = openSync(source, 'r');
  try {
    let buf = Buffer.allocUnsafe(chunkBytes);
    // buf[0, held) holds the bytes of the current line read so far; they start at file offset `base`.
    let held = 0;
    let base = 0;
    let n = 1;
    for (;;) {
      if (held === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, held);
        buf = bigger;
      }
      const got = readSync(fd, buf, held, buf.length - held, null);
      if (got === 0) return { lines: n - 1, completeBytes: base, tornBytes: held, size: base + held };
      let start = 0;
      for (let nl = buf.indexOf(NL, held); nl !== -1 && nl < held + got; nl = buf.indexOf(NL, start)) {
        yield scannedLine(buf, start, nl, n, base + start);
        n += 1;
        start = nl + 1;
      }
      // What follows the last line end moves to the front.
      buf.copy(buf, 0, start, held + got);
      base += start;
      held = held + got - start;
    }
  } finally {
    closeSync(fd);
  }
}

/** Calls `fn` with each line {@link fileLines} reads. */
export function eachFileLine(source: LedgerSource, fn: (line: ScannedLine) => void, chunkBytes?: number): FileLines {
  const lines = fileLines(source, chunkBytes);
  try {
    for (let r = lines.next(); ; r = lines.next()) {
      if (r.done) return r.value;
      fn(r.value);
    }
  } finally {
    // Closes the file when `fn` throws.
    lines.return(undefined as never);
  }
}

/**
 * Calls `fn` with each line {@link fileLines} reads while it returns true; when it returns false,
 * the file is closed and the answer is undefined.
 */
export function eachFileLineWhile(source: LedgerSource, fn: (line: ScannedLine) => boolean, chunkBytes?: number): FileLines | undefined {
  const lines = fileLines(source, chunkBytes);
  try {
    for (let r = lines.next(); ; r = lines.next()) {
      if (r.done) return r.value;
      if (!fn(r.value)) return undefined;
    }
  } finally {
    lines.return(undefined as never);
  }
}

/** The first complete line of a file, if it has one. */
export function firstFileLine(source: LedgerSource): ScannedLine | undefined {
  const lines = fileLines(source);
  try {
    const r = lines.next();
    return r.done ? undefined : r.value;
  } finally {
    lines.return(undefined as never);
  }
}

/**
 * Whether the regular file at `path` ends inside a line (a torn last line), told from its last
 * byte; undefined for what is not a regular file (a pipe can be read only once).
 */
export function endsTorn(path: string): boolean | undefined {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return undefined;
    if (stat.size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, stat.size - 1);
    return last[0] !== NL;
  } finally {
    closeSync(fd);
  }
}

/** The number of complete lines of the file at `path` (read a chunk at a time). */
export function countFileLines(path: string, chunkBytes = 1 << 20): number {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    let lines = 0;
    for (let got = readSync(fd, buf, 0, chunkBytes, null); got > 0; got = readSync(fd, buf, 0, chunkBytes, null)) {
      for (let nl = buf.indexOf(NL); nl !== -1 && nl < got; nl = buf.indexOf(NL, nl + 1)) lines += 1;
    }
    return lines;
  } finally {
    closeSync(fd);
  }
}

const NL = 0x0a;

/** Line `n` of a file: `data[start, end)`, which starts at byte `offset` of the file. */
function scannedLine(data: Buffer, start: number, end: number, n: number, offset: number): ScannedLine {
  const text = data.toString('utf8', start, end);
  const scanned: ScannedLine = { line: n, offset, text };
  if (!isUtf8(data.subarray(start, end))) scanned.invalidUtf8 = true;
  try {
    scanned.value = JSON.parse(text) as unknown;
  } catch {
    // left undefined: the caller reports the line as malformed
  }
  return scanned;
}

export function scanFile(path: string): ScannedFile {
  return scanBytes(readFileSync(path));
}
