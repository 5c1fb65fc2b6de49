/**
 * A text written as a JSON array of its bytes: journald's JSON output (`journalctl -o json`)
 * writes a field so when it is not valid UTF-8 or holds a control character (a colour escape, a
 * NUL): `"MESSAGE":[108,111,103,...]`. The numbers hide what they spell from every detector, so
 * the structured path reads such an array decoded (see Walker in redact.ts), and such an array
 * inside a text too (a line read as text, a record quoted in a message; see encoded-readings.ts),
 * and writes what it redacts as bytes again. Such an array is read only as a member's value
 * (`":[`, or `" : [ ` as older journald writes it: see BYTE_ARRAY_OPEN), which a cheap scan of the raw lines finds
 * (see markByteArrays in detect/line-marks.ts) to send its line down that path.
 */
import { isUtf8 } from 'node:buffer';
import type { JsonValue } from '../record.js';

/** How few bytes an array holds to be read: fewer spell no secret worth the look. */
export const MIN_BYTES = 12;

/**
 * The shape of an array of bytes that is a member's value, the one definition the cheap scan of
 * raw lines (markByteArrays in detect/line-marks.ts) and the reading here share: a quote, a colon
 * and a bracket with blanks (spaces or tabs) around the colon and inside the brackets, as older
 * journald writes it (`"MESSAGE" : [ 108, 111, ... ]`), and numbers of 0-999 with blanks around
 * their commas.
 */
const BLANKS = '[ \\t]*';
/** What stands before the bracket: a member's key's closing quote and its colon. */
const MEMBER = `"${BLANKS}:${BLANKS}`;
/** How such an array starts, from its bracket: {@link MIN_BYTES} numbers at least. */
export const BYTE_ARRAY_OPEN = new RegExp(String.raw`\[${BLANKS}(?:\d{1,3}${BLANKS},${BLANKS}){${MIN_BYTES - 1}}\d{1,3}(?!\d)`, 'y');
/** What stands before such an array's bracket, up to it. */
export const BYTE_ARRAY_MEMBER = new RegExp(`${MEMBER}$`);

/** Such an array whole in a text: its blanks after the bracket, its numbers, the separator after its first number, its blanks before the closing bracket. */
const ARRAY = new RegExp(String.raw`(?<=${MEMBER})\[(${BLANKS})(\d{1,3}(${BLANKS},${BLANKS})\d{1,3}(?:${BLANKS},${BLANKS}\d{1,3}){${MIN_BYTES - 2},})(${BLANKS})\]`, 'g');

/** How such an array starts, for the cheap test of {@link mayHoldByteArray}. */
const ARRAY_START = new RegExp(MEMBER + BYTE_ARRAY_OPEN.source);

/** The text an array of bytes spells, and how it is written again. */
export interface ByteArrayText {
  text: string;
  encoding: 'utf8' | 'latin1';
}

/**
 * The text `items` spells when it is an array of {@link MIN_BYTES} bytes or more (integers of
 * 0-255) that reads as text: nine in ten of them text (printable ASCII, a tab, a line break, an
 * escape, or a byte of a valid UTF-8 sequence of a character past ASCII: a lone byte of 0x80 or
 * more is not text), and a third of them letters (ASCII, or bytes of such a character). UTF-8 where the bytes are, else byte by
 * byte (latin1), where an ASCII secret beside an invalid byte still reads as written. Undefined
 * when it is not so: an array of other numbers (a pixel row, a digest) is mostly not.
 */
export function byteArrayText(items: readonly JsonValue[]): ByteArrayText | undefined {
  if (items.length < MIN_BYTES) return undefined;
  for (const item of items) if (typeof item !== 'number' || !Number.isInteger(item) || item < 0 || item > 255) return undefined;
  const bytes = Buffer.from(items as number[]);
  let text = 0;
  let letters = 0;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      if (b >= 0x20 ? b !== 0x7f : b === 0x09 || b === 0x0a || b === 0x0d || b === 0x1b) text++;
      if ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a) letters++;
      i++;
      continue;
    }
    const n = utf8SequenceAt(bytes, i);
    // A character past ASCII is most likely a letter (é, я, 語).
    text += n;
    letters += n;
    i += Math.max(n, 1);
  }
  if (text * 10 < bytes.length * 9 || letters * 3 < bytes.length) return undefined;
  const encoding = isUtf8(bytes) ? 'utf8' : 'latin1';
  return { text: bytes.toString(encoding), encoding };
}

/** How many bytes the valid UTF-8 sequence of a character past ASCII at `i` takes, 0 when none stands there. */
function utf8SequenceAt(bytes: Buffer, i: number): number {
  const b = bytes[i] as number;
  const n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  return n > 0 && i + n <= bytes.length && isUtf8(bytes.subarray(i, i + n)) ? n : 0;
}

/** `text` (a redacted {@link ByteArrayText}) as an array of its bytes again. */
export function encodedByteArray(text: string, encoding: ByteArrayText['encoding']): number[] {
  return [...Buffer.from(text, encoding)];
}

/** An array of bytes in a text that spells text: where it stands, the text, and how to write a text so again. */
export interface ByteArrayRun extends ByteArrayText {
  start: number;
  end: number;
  /** The blanks after the opening bracket, between two numbers (with the comma) and before the closing bracket. */
  open: string;
  separator: string;
  close: string;
}

/** True when `text` may hold an array of bytes: a cheap test before {@link byteArraysIn}. */
export function mayHoldByteArray(text: string): boolean {
  return text.includes('[') && ARRAY_START.test(text);
}

/** The arrays of bytes written in `text` that spell text (see {@link byteArrayText}), in order, brackets included. */
export function byteArraysIn(text: string): ByteArrayRun[] {
  const out: ByteArrayRun[] = [];
  ARRAY.lastIndex = 0;
  for (let m = ARRAY.exec(text); m !== null; m = ARRAY.exec(text)) {
    const found = byteArrayText((m[2] as string).split(',').map((n) => Number(n.trim())));
    if (found) out.push({ start: m.index, end: m.index + m[0].length, open: m[1] ?? '', separator: m[3] ?? ',', close: m[4] ?? '', ...found });
  }
  return out;
}

/** `text` (a redacted {@link ByteArrayRun}) as the array of its bytes, written as `like` was. */
export function writtenByteArray(text: string, like: Pick<ByteArrayRun, 'encoding' | 'open' | 'separator' | 'close'>): string {
  return `[${like.open}${encodedByteArray(text, like.encoding).join(like.separator)}${like.close}]`;
}
