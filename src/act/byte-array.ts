/**
 * A text written as a JSON array of its bytes: journald's JSON output (`journalctl -o json`)
 * writes a field so when it is not valid UTF-8 or holds a control character (a colour escape, a
 * NUL): `"MESSAGE":[108,111,103,...]`. The numbers hide what they spell from every detector, so
 * the structured path reads such an array decoded (see Walker in redact.ts), and such an array
 * inside a text too (a line read as text, a record quoted in a message; see encoded-readings.ts),
 * and writes what it redacts as bytes again. Such an array is read only as a member's value
 * (`":[` or `": [` before it, as a JSON text writes it), which a cheap scan of the raw lines finds
 * (see markByteArrays in detect/line-marks.ts) to send its line down that path.
 */
import { isUtf8 } from 'node:buffer';
import type { JsonValue } from '../record.js';

/** How few bytes an array holds to be read: fewer spell no secret worth the look. */
export const MIN_BYTES = 12;

/** An array of numbers of 0-999 that is a member's value in a text, and the separator after its first comma. */
const ARRAY = new RegExp(String.raw`(?<=": ?)\[(\d{1,3}(?:,( ?)\d{1,3}){${MIN_BYTES - 1},})\]`, 'g');

/** The text an array of bytes spells, and how it is written again. */
export interface ByteArrayText {
  text: string;
  encoding: 'utf8' | 'latin1';
}

/**
 * The text `items` spells when it is an array of {@link MIN_BYTES} bytes or more (integers of
 * 0-255), nine in ten of them text (printable, a tab, a line break, an escape or a byte of a
 * multi-byte character): UTF-8 where the bytes are, else byte by byte (latin1), where an ASCII
 * secret beside an invalid byte still reads as written. Undefined when it is not so.
 */
export function byteArrayText(items: readonly JsonValue[]): ByteArrayText | undefined {
  if (items.length < MIN_BYTES) return undefined;
  let text = 0;
  for (const item of items) {
    if (typeof item !== 'number' || !Number.isInteger(item) || item < 0 || item > 255) return undefined;
    if (item >= 0x20 ? item !== 0x7f : item === 0x09 || item === 0x0a || item === 0x0d || item === 0x1b) text++;
  }
  if (text * 10 < items.length * 9) return undefined;
  const bytes = Buffer.from(items as number[]);
  const encoding = isUtf8(bytes) ? 'utf8' : 'latin1';
  return { text: bytes.toString(encoding), encoding };
}

/** `text` (a redacted {@link ByteArrayText}) as an array of its bytes again. */
export function encodedByteArray(text: string, encoding: ByteArrayText['encoding']): number[] {
  return [...Buffer.from(text, encoding)];
}

/** An array of bytes in a text that spells text: where it stands, the text, and how to write a text so again. */
export interface ByteArrayRun extends ByteArrayText {
  start: number;
  end: number;
  separator: string;
}

/** True when `text` may hold an array of bytes: a cheap test before {@link byteArraysIn}. */
export function mayHoldByteArray(text: string): boolean {
  return (text.includes('":[') || text.includes('": [')) && ARRAY_START.test(text);
}

/** How an array of bytes that is a member's value starts, for the cheap test of {@link mayHoldByteArray}. */
const ARRAY_START = new RegExp(String.raw`": ?\[(?:\d{1,3}, ?){${MIN_BYTES - 1}}\d`);

/** The arrays of bytes written in `text` that spell text (see {@link byteArrayText}), in order, brackets included. */
export function byteArraysIn(text: string): ByteArrayRun[] {
  const out: ByteArrayRun[] = [];
  ARRAY.lastIndex = 0;
  for (let m = ARRAY.exec(text); m !== null; m = ARRAY.exec(text)) {
    const found = byteArrayText((m[1] as string).split(',').map((n) => Number(n.trim())));
    if (found) out.push({ start: m.index, end: m.index + m[0].length, separator: `,${m[2] ?? ''}`, ...found });
  }
  return out;
}

/** `text` (a redacted {@link ByteArrayRun}) as the array of its bytes, written as `like` was. */
export function writtenByteArray(text: string, like: Pick<ByteArrayRun, 'encoding' | 'separator'>): string {
  return `[${encodedByteArray(text, like.encoding).join(like.separator)}]`;
}
