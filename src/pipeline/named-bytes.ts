/**
 * A line's first bytes, read before anything is decoded, for named-values.ts: with nothing open,
 * whether the line may open something (a name line's `- name:`, `  name:` or `  "name"`, a netrc
 * entry's `machine ` or `default`, a key line by its last bytes), and whether it is blank or a
 * comment, passed over. Most batches open nothing: these checks keep the cost of reading one to a
 * few bytes a line.
 */
import { NAMES } from '../detect/in-key.js';

const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const HASH = 0x23;
const DASH = 0x2d;
const QUOTE = 0x22;
const COLON = 0x3a;
const OPEN_PAREN = 0x28;
const GT = 0x3e;
const EQUALS = 0x3d;
const BRACKET = 0x5b;
const APOSTROPHE = 0x27;
const PIPE = 0x7c;
const PLUS = 0x2b;
const TILDE = 0x7e;
const SLASH = 0x2f;
const NAME_BYTES = NAMES.map((k) => Buffer.from(k, 'latin1'));
const MACHINE = Buffer.from('machine', 'latin1');
const DEFAULT = Buffer.from('default', 'latin1');

/**
 * Whether the line at `start` may open something, read on no open state: its first bytes say (a
 * name line's `- name:`, `  name:` or `  "name"`, a netrc entry's `machine ` or `default`), before
 * anything is decoded.
 */
export function mayOpen(data: Buffer, start: number, end: number): boolean {
  // A CRLF line's CR is no part of its text.
  while (end > start && data[end - 1] === CR) end--;
  let k = pastMarkers(data, start, end);
  if (k === end) return false;
  const indented = k > start;
  const first = data[k];
  if (mayBeKeyLine(data, k, end, indented)) return true;
  if (first === 0x6d) return startsWith(data, k, end, MACHINE) && isBlankByte(data[k + MACHINE.length]);
  if (first === 0x64 && startsWith(data, k, end, DEFAULT)) return k + DEFAULT.length === end || isBlankByte(data[k + DEFAULT.length]);
  if (first === DASH) {
    if (!isBlankByte(data[k + 1])) return false;
    k += 1;
    while (k < end && (data[k] === SPACE || data[k] === TAB)) k++;
    return nameKeyAt(data, k, end, COLON) || hclNameAt(data, k, end);
  }
  if (!indented) return false;
  if (first === QUOTE) return nameKeyAt(data, k + 1, end, QUOTE);
  return nameKeyAt(data, k, end, COLON) || hclNameAt(data, k, end);
}

/**
 * Where the line from `start` has its first byte past its blanks and a change marker among them,
 * read as blanks (see unmarked in named-lines.ts): a diff's `+` or `-` in the first column (a `-`
 * with a blank and another blank or a dash after it), a plan's `+`, `~`, `-/+` or `+/-` with a
 * blank after it. A plan's `-` before a key is left, as a YAML list's dash is.
 */
function pastMarkers(data: Buffer, start: number, end: number): number {
  let k = start;
  const first = data[k];
  if ((first === PLUS && isBlankByte(data[k + 1])) || (first === DASH && isBlankByte(data[k + 1]) && (isBlankByte(data[k + 2]) || data[k + 2] === DASH))) k++;
  while (k < end && (data[k] === SPACE || data[k] === TAB)) k++;
  let marker = 0;
  if (data[k] === PLUS || data[k] === TILDE) marker = 1;
  if ((data[k] === DASH && data[k + 1] === SLASH && data[k + 2] === PLUS) || (data[k] === PLUS && data[k + 1] === SLASH && data[k + 2] === DASH)) marker = 3;
  if (marker > 0 && isBlankByte(data[k + marker])) {
    k += marker;
    while (k < end && (data[k] === SPACE || data[k] === TAB)) k++;
  }
  return k;
}

/** True when a name key stands at `k` as an HCL attribute's (`name  = "X"`, see named-lines.ts): blanks, then `=` but not `==` or `=>`. */
function hclNameAt(data: Buffer, k: number, end: number): boolean {
  for (const key of NAME_BYTES) {
    if (data[k] !== key[0] || !startsWith(data, k, end, key)) continue;
    let j = k + key.length;
    while (j < end && isBlankByte(data[j])) j++;
    if (data[j] === EQUALS && data[j + 1] !== EQUALS && data[j + 1] !== GT) return true;
  }
  return false;
}

/**
 * Whether the line whose first byte past its blanks is at `k` may be a key line (see KeyLine in
 * named-lines.ts), by its last bytes: `Some(` (indented), `=>` after a `[`, a `'` or a `p`
 * (`public`, `protected`, `private`), a colon after a key alone, or a block scalar's `|` or `>` after a
 * blank, with up to two indicators after it (`|-`, `>2`, `|+1`).
 */
function mayBeKeyLine(data: Buffer, k: number, end: number, indented: boolean): boolean {
  let last = end - 1;
  while (last > k && (data[last] === SPACE || data[last] === TAB || data[last] === CR)) last--;
  const c = data[last];
  if (c === OPEN_PAREN) return indented;
  if (c === GT && data[last - 1] === EQUALS) return data[k] === BRACKET || data[k] === APOSTROPHE || data[k] === 0x70;
  if (c === COLON) return isKeyStart(data[k]) && isKeyRun(data, k + 1, last);
  if (isKeyStart(data[k]) && endsAsBlock(data, last)) return true;
  // A YAML key line with a comment after it (`password:  # note`, `token: | # note`): read by its bytes before the comment.
  if (!isKeyStart(data[k])) return false;
  const before = beforeComment(data, k, end);
  return before !== -1 && ((data[before] === COLON && isKeyRun(data, k + 1, before)) || endsAsBlock(data, before));
}

/** The last byte before a comment (a `#` after a blank) the line from `k` to `end` ends in, blanks left out; -1 for a line without one. */
function beforeComment(data: Buffer, k: number, end: number): number {
  // Byte by byte up to the line's end: an indexOf would read on through the batch past it.
  let hash = k + 1;
  while (hash < end && !(data[hash] === HASH && isBlankByte(data[hash - 1]))) hash++;
  if (hash >= end) return -1;
  let last = hash - 1;
  while (last > k && isBlankByte(data[last])) last--;
  return last;
}

/**
 * Whether the line from `start` to `end` (past its log prefix) may be a block scalar's key, a value
 * member's among them (`  password: |`, `    value: >-`): its lines after it are the block's,
 * whatever they read as, so the batcher reads from the start of a batch that holds one near a line
 * that opens something (see namedStateAfter in named-values.ts).
 */
export function mayOpenBlock(data: Buffer, start: number, end: number): boolean {
  const k = pastMarkers(data, start, end);
  let last = end - 1;
  while (last > k && (data[last] === SPACE || data[last] === TAB || data[last] === CR)) last--;
  if (!isKeyStart(data[k])) return false;
  if (endsAsBlock(data, last)) return true;
  const before = beforeComment(data, k, end);
  return before !== -1 && endsAsBlock(data, before);
}

/** A block scalar's `|` or `>` after a blank, then up to two indicators, ending at `last`. */
function endsAsBlock(data: Buffer, last: number): boolean {
  let at = last;
  while (at > last - 2 && isIndicator(data[at])) at--;
  return (data[at] === PIPE || data[at] === GT) && isBlankByte(data[at - 1]);
}

/** Whether the bytes from `from` to `to` are a YAML key's after its first (`[\w.-]`): a line of prose that ends in a colon is no key line. */
function isKeyRun(data: Buffer, from: number, to: number): boolean {
  for (let j = from; j < to; j++) {
    const b = data[j] as number;
    if (!(isKeyStart(b) || (b >= 0x30 && b <= 0x39) || b === DASH || b === 0x2e)) return false;
  }
  return true;
}

/** A block scalar's chomping (`+`, `-`) or indentation indicator (a digit). */
function isIndicator(b: number | undefined): boolean {
  return b === PLUS || b === DASH || (b !== undefined && b >= 0x31 && b <= 0x39);
}

/** A letter or `_`: what a YAML key that names a value may start with. */
function isKeyStart(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b === 0x5f);
}

/** True when a name key's bytes stand at `k`, `after` right after them. */
function nameKeyAt(data: Buffer, k: number, end: number, after: number): boolean {
  for (const key of NAME_BYTES) if (data[k] === key[0] && startsWith(data, k, end, key) && data[k + key.length] === after) return true;
  return false;
}

/** True when `bytes` stand at `k`, before `end`. */
function startsWith(data: Buffer, k: number, end: number, bytes: Buffer): boolean {
  if (end - k < bytes.length) return false;
  for (let j = 0; j < bytes.length; j++) if (data[k + j] !== bytes[j]) return false;
  return true;
}

/** A space or a tab. */
function isBlankByte(b: number | undefined): boolean {
  return b === SPACE || b === TAB;
}

/** A blank line, or a comment's (`#` its first byte past its blanks): read as if it were not there. */
export function passedOver(data: Buffer, start: number, stop: number): boolean {
  // A diff's blank or comment line, added or removed (`+`, `-  # note`).
  const first = data[start];
  if ((first === PLUS || first === DASH) && (start + 1 === stop || isBlankByte(data[start + 1]))) start++;
  for (let k = start; k < stop; k++) {
    if (data[k] === HASH) return true;
    if (data[k] !== SPACE && data[k] !== TAB) return false;
  }
  return true;
}
