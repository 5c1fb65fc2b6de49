/**
 * Reads a ledger file (a segment or the checkpoints file) into lines with their numbers and
 * offsets, parsed where they parse, and the torn tail: bytes after the last line end, which a
 * complete write never leaves (every line ends with `\n`), so they are what a crash in the middle
 * of a write left behind.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

export interface ScannedLine {
  /** 1-based. */
  line: number;
  /** Byte offset of the line's first byte. */
  offset: number;
  text: string;
  /** The parsed JSON, or undefined when the line is not JSON. */
  value?: unknown;
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
  let start = 0;
  let n = 1;
  for (let nl = data.indexOf(NL); nl !== -1; nl = data.indexOf(NL, start)) {
    lines.push(scannedLine(data, start, nl, n, start));
    start = nl + 1;
    n += 1;
  }
  return { lines, completeBytes: start, tornBytes: data.length - start, size: data.length };
}

/** What {@link eachFileLine} read: the file's size, its complete lines and the torn tail after them. */
export interface FileLines {
  lines: number;
  completeBytes: number;
  tornBytes: number;
  size: number;
}

/**
 * Each complete line of the file at `path`, in order, as {@link scanBytes} gives them, read a chunk
 * at a time: a line is let go once the caller moves on, so a 64 MiB segment costs a chunk and a
 * line of memory, not the file and every line parsed. Returns what it read once it is through.
 */
export function* fileLines(path: string, chunkBytes = 1 << 20): Generator<ScannedLine, FileLines, undefined> {
  const fd = openSync(path, 'r');
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
      const got = readSync(fd, buf, held, buf.length - held, base + held);
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
export function eachFileLine(path: string, fn: (line: ScannedLine) => void, chunkBytes?: number): FileLines {
  const lines = fileLines(path, chunkBytes);
  for (let r = lines.next(); ; r = lines.next()) {
    if (r.done) return r.value;
    fn(r.value);
  }
}

/**
 * Calls `fn` with each line {@link fileLines} reads while it returns true; when it returns false,
 * the file is closed and the answer is undefined.
 */
export function eachFileLineWhile(path: string, fn: (line: ScannedLine) => boolean, chunkBytes?: number): FileLines | undefined {
  const lines = fileLines(path, chunkBytes);
  for (let r = lines.next(); ; r = lines.next()) {
    if (r.done) return r.value;
    if (!fn(r.value)) {
      lines.return(undefined as never);
      return undefined;
    }
  }
}

/** The first complete line of the file at `path`, if it has one. */
export function firstFileLine(path: string): ScannedLine | undefined {
  const lines = fileLines(path);
  const r = lines.next();
  if (r.done) return undefined;
  lines.return(undefined as never);
  return r.value;
}

/** The number of complete lines of the file at `path` (read a chunk at a time). */
export function countFileLines(path: string, chunkBytes = 1 << 20): number {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    let lines = 0;
    for (let at = 0, got = readSync(fd, buf, 0, chunkBytes, 0); got > 0; at += got, got = readSync(fd, buf, 0, chunkBytes, at)) {
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
