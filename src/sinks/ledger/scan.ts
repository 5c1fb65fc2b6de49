/**
 * Reads a ledger file (a segment or the checkpoints file) into lines with their numbers and
 * offsets, parsed where they parse, and the torn tail: bytes after the last line end, which a
 * complete write never leaves (every line ends with `\n`), so they are what a crash in the middle
 * of a write left behind.
 */
import { readFileSync } from 'node:fs';

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
  for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
    const text = data.toString('utf8', start, nl);
    const scanned: ScannedLine = { line: n, offset: start, text };
    try {
      scanned.value = JSON.parse(text) as unknown;
    } catch {
      // left undefined: the caller reports the line as malformed
    }
    lines.push(scanned);
    start = nl + 1;
    n += 1;
  }
  return { lines, completeBytes: start, tornBytes: data.length - start, size: data.length };
}

export function scanFile(path: string): ScannedFile {
  return scanBytes(readFileSync(path));
}
