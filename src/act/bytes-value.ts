/**
 * OTLP's bytes values (`{"bytesValue":"<base64>"}` in an AnyValue, as the JSON mapping of protobuf
 * writes them): base64 hides what the bytes spell from every detector, so the structured path reads
 * them decoded too (see Walker in redact.ts), and the fast path passes no line that holds one.
 * Bytes that are UTF-8 or UTF-16LE text are read as that text; others byte by byte (latin1), where
 * an ASCII secret inside a binary blob still reads as written. What is redacted there is encoded again.
 * Bytes that are a compressed stream (gzip, zlib) are read as any base64 string is: inflated, and
 * written back compressed (see compressed-text.ts).
 */
import { isUtf8 } from 'node:buffer';

/** The member names of an AnyValue's bytes: the JSON mapping's and the .proto's. */
export const BYTES_MEMBERS: readonly string[] = ['bytesValue', 'bytes_value'];

/** The quoted member names, as a raw line holds them. */
export const QUOTED_BYTES_MEMBERS: readonly string[] = BYTES_MEMBERS.map((m) => `"${m}"`);

/** Base64, with or without padding, in either alphabet (Node's decoder reads both). */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

export interface DecodedBytes {
  text: string;
  encoding: 'utf8' | 'utf16le' | 'latin1';
}

/**
 * The text the base64 `value` spells (wrapped or not: line breaks and spaces are skipped, as
 * decoders do); undefined when it is not base64 or spells nothing. `wide`: bytes known to be
 * UTF-16LE where they can be (a PowerShell encoded command's) are read so whatever script their
 * text is in; else only where mostly ASCII (see utf16Text).
 */
export function bytesText(value: string, wide: 'known' | 'guessed' = 'guessed'): DecodedBytes | undefined {
  const compact = value.replace(/\s+/g, '');
  if (compact.length === 0 || !BASE64.test(compact)) return undefined;
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length === 0) return undefined;
  // Known to be UTF-16LE where it can be, but UTF-8 text without control characters (which
  // UTF-16LE of any script but one holds: a NUL, a 0x04) is read as written.
  const utf16 = wide === 'known' && isUtf8(bytes) && !bytes.some((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) ? undefined : utf16Text(bytes, wide === 'guessed');
  if (utf16 !== undefined) return { text: utf16, encoding: 'utf16le' };
  const encoding = isUtf8(bytes) ? 'utf8' : 'latin1';
  return { text: bytes.toString(encoding), encoding };
}

/**
 * The text `bytes` spell as UTF-16LE (Windows' text: a PowerShell encoded command, a registry
 * string), when they read as text that way and, `mostlyAscii`, half its characters or more are
 * ASCII, whose high byte is zero: UTF-8 reads such bytes too, with a NUL between every two
 * characters. A binary blob seldom reads as text in UTF-16LE, and almost never as ASCII: it is
 * read byte by byte.
 */
function utf16Text(bytes: Buffer, mostlyAscii: boolean): string | undefined {
  if (bytes.length % 2 !== 0) return undefined;
  const text = bytes.toString('utf16le');
  let ascii = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A control character but a tab or a line break, or a surrogate that is not one of a pair: no text.
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return undefined;
    if (c >= 0xd800 && c <= 0xdbff) {
      const low = text.charCodeAt(i + 1);
      if (!(low >= 0xdc00 && low <= 0xdfff)) return undefined;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return undefined;
    else if (c < 0x80) ascii++;
  }
  return !mostlyAscii || ascii * 2 >= text.length ? text : undefined;
}

/**
 * `text` (a redacted {@link bytesText}) as base64 again, in the encoding it was read with; in
 * bytes read one by one, a character a replacement brought past U+00FF (a mask character, a
 * label) is written in UTF-8.
 */
export function encodedBytes(text: string, encoding: DecodedBytes['encoding']): string {
  if (encoding === 'utf16le') return Buffer.from(text, 'utf16le').toString('base64');
  const bytes = encoding === 'latin1' ? text.replace(/[\u0100-\uffff]+/g, (wide) => Buffer.from(wide, 'utf8').toString('latin1')) : text;
  return Buffer.from(bytes, encoding).toString('base64');
}

/** True when a raw line holds a bytes member (see {@link QUOTED_BYTES_MEMBERS}). */
export function holdsBytes(line: Buffer): boolean {
  return QUOTED_BYTES_MEMBERS.some((m) => line.includes(m));
}
