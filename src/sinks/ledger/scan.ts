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
  const it = fileLines(data);
  for (let r = it.next(); ; r = it.next()) {
    if (r.done) return { lines, completeBytes: r.value.completeBytes, tornBytes: r.value.tornBytes, size: r.value.size };
    lines.push(r.value);
  }
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
 * Line `line` (1-based) of a file as its bytes, `data[start, end)` without the `\n`, which start
 * at byte `offset` of the file. Valid until the reader moves on: `data` is its buffer, reused for
 * the lines after, and so is the object.
 */
export interface RawLine {
  data: Buffer;
  start: number;
  end: number;
  line: number;
  offset: number;
}

/**
 * Each complete line of a file, in order, as {@link scanBytes} gives them, read a chunk at a time
 * (from the start, one read after the other, so a pipe reads too): a line is let go once the
 * caller moves on, so a 64 MiB segment costs a chunk and a line of memory, not the file and every
 * line parsed. Returns what it read once it is through.
 */
export function* fileLines(source: LedgerSource, chunkBytes?: number): Generator<ScannedLine, FileLines, undefined> {
  const raw = rawLines(source, chunkBytes);
  try {
    for (let r = raw.next(); ; r = raw.next()) {
      if (r.done) return r.value;
      yield scannedLine(r.value);
    }
  } finally {
    // Closes the file when the caller stops early.
    raw.return(undefined as never);
  }
}

/** The lines {@link fileLines} reads, as their bytes, not decoded or parsed. */
function* rawLines(source: LedgerSource, chunkBytes = 1 << 20): Generator<RawLine, FileLines, undefined> {
  const raw: RawLine = { data: source instanceof Buffer ? source : Buffer.alloc(0), start: 0, end: 0, line: 0, offset: 0 };
  const at = (data: Buffer, start: number, end: number, line: number, offset: number): RawLine => {
    raw.data = data;
    raw.start = start;
    raw.end = end;
    raw.line = line;
    raw.offset = offset;
    return raw;
  };
  if (typeof source !== 'string') {
    let start = 0;
    let n = 1;
    for (let nl = source.indexOf(NL); nl !== -1; nl = source.indexOf(NL, start)) {
      yield at(source, start, nl, n, start);
      start = nl + 1;
      n += 1;
    }
    return { lines: n - 1, completeBytes: start, tornBytes: source.length - start, size: source.length };
  }
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
        yield at(buf, start, nl, n, base + start);
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

/** Calls `fn` with each line of a file as its bytes ({@link RawLine}), as {@link eachFileLine} does with them read. */
export function eachRawFileLine(source: LedgerSource, fn: (line: RawLine) => void, chunkBytes?: number): FileLines {
  return drain(rawLines(source, chunkBytes), fn);
}

/** Calls `fn` with each line {@link fileLines} reads. */
export function eachFileLine(source: LedgerSource, fn: (line: ScannedLine) => void, chunkBytes?: number): FileLines {
  return drain(fileLines(source, chunkBytes), fn);
}

/** Calls `fn` with each line of `lines`; returns what they read. */
function drain<T>(lines: Generator<T, FileLines, undefined>, fn: (line: T) => void): FileLines {
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

/** A line read whole: decoded, and parsed where it parses. */
export function scannedLine({ data, start, end, line, offset }: RawLine): ScannedLine {
  const text = data.toString('utf8', start, end);
  const scanned: ScannedLine = { line, offset, text };
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
