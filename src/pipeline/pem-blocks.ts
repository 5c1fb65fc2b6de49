/**
 * Private keys a text log holds over several lines (a PEM block a program printed, each of its
 * lines a record of its own). A line of the block's body is base64 alone, which no detector can
 * tell from other base64, so the block is followed from its BEGIN line: the batcher carries
 * whether one is open from batch to batch (input order, see batcher.ts), and a batch redacts the
 * body lines of the blocks it holds or starts inside (see batch.ts).
 *
 * A body line is one that ends in a run of 16 base64 characters or more (after a log prefix, if
 * any, and a space or colon), or of whole groups of four right after such a line (the block's
 * last line is short): that run is what is redacted. Blank lines and PEM or armor headers (`Proc-Type:`,
 * `DEK-Info:`, `Version:`, `Comment:`) keep the block open; its END line closes it, and so does
 * any other line (a block cut short), which is read as usual.
 */

const NL = 0x0a;
const CR = 0x0d;
const MARK = Buffer.from('PRIVATE KEY');
const BEGIN = Buffer.from('-----BEGIN ');
const END = Buffer.from('-----END ');
/** The base64 run a line ends in (then only blanks), after the line's start, a blank or a colon. */
const RUN = /(?<=^|[\s:])[A-Za-z0-9+/]+(={0,2})(?=[ \t]*$)/;
/** Base64 characters (padding aside) a body line's run holds at least, but for the block's last line. */
const FULL_RUN = 16;
const HEADER = /(?:^|[\s:])(?:Proc-Type|DEK-Info|Version|Comment|Hash|Charset):\s/;

/** What {@link pemBodies} found in a batch. */
export interface PemBodies {
  /** 1 for each line (by index) of a block's body. */
  readonly body: Uint8Array;
  /** Whether a block is still open after the batch's last line. */
  readonly openAfter: boolean;
}

/**
 * The body lines of the private-key blocks in `data` (whole lines; `ends[i]` is line i's `\n`, or
 * the end of the data), `open`: whether a block was open before its first line. Undefined when
 * `data` holds none and none was open (most batches: one native search).
 */
export function pemBodies(data: Buffer, ends: Int32Array, open: boolean): PemBodies | undefined {
  if (!open && data.indexOf(MARK) === -1) return undefined;
  const body = new Uint8Array(ends.length);
  let inside = open;
  // The line before was a body line of FULL_RUN characters or more.
  let afterFull = false;
  for (let i = 0, start = 0; i < ends.length; i++) {
    const end = ends[i] as number;
    const line = data.subarray(start, end > start && data[end - 1] === CR ? end - 1 : end);
    start = end + 1;
    if (!inside) {
      inside = opens(line);
      afterFull = false;
      continue;
    }
    if (line.indexOf(END) !== -1) {
      inside = false;
      continue;
    }
    const text = line.toString('latin1');
    const m = RUN.exec(text);
    const length = m ? m[0].length - (m[1] as string).length : 0;
    // A last line, shorter, is whole base64 groups of four (padding included).
    if (length >= FULL_RUN || (afterFull && m !== null && m[0].length >= 4 && m[0].length % 4 === 0)) body[i] = 1;
    else if (!isBlank(line) && !HEADER.test(text)) inside = false;
    afterFull = length >= FULL_RUN;
  }
  return { body, openAfter: inside };
}

/** Whether a block is open after `data` (whole lines), one having been open before it when `open`. */
export function pemOpenAfter(data: Uint8Array, open: boolean): boolean {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!open && bytes.indexOf(MARK) === -1) return false;
  const ends: number[] = [];
  for (let nl = bytes.indexOf(NL); nl !== -1; nl = bytes.indexOf(NL, nl + 1)) ends.push(nl);
  if (ends.length === 0 || (ends[ends.length - 1] as number) < bytes.length - 1) ends.push(bytes.length);
  return (pemBodies(bytes, Int32Array.from(ends), open) as PemBodies).openAfter;
}

/** Where the base64 run of a body line lies (UTF-16 offsets of its text). */
export function bodyRun(text: string): { start: number; end: number } | undefined {
  const m = RUN.exec(text);
  return m ? { start: m.index, end: m.index + m[0].length } : undefined;
}

/** A BEGIN line of a private key whose block goes on below it (its END not on the line). */
function opens(line: Buffer): boolean {
  const begin = line.lastIndexOf(BEGIN);
  if (begin === -1) return false;
  const mark = line.indexOf(MARK, begin);
  return mark !== -1 && line.indexOf(END, mark) === -1;
}

function isBlank(line: Buffer): boolean {
  for (const c of line) if (c !== 0x20 && c !== 0x09) return false;
  return true;
}
