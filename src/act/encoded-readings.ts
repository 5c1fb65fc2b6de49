/**
 * A string read decoded where it encodes another text: base64 or hex that spells text (see
 * base64-text.ts, hex-text.ts), an array of bytes (see byte-array.ts) and PowerShell's encoded commands (see encoded-command.ts). What
 * the raw line or the string as written matched says nothing of what the encoding spells, so the
 * decoded text is read with every detector and key rule, and its own encodings decoded in turn
 * (the caller's `scan`); what that redacts is encoded again as it was written.
 */
import { CodecError } from '../errors.js';
import { base64TextIn, encodedText, mayHoldBase64Text } from './base64-text.js';
import { encodedHex, hexTextIn, mayHoldHexText } from './hex-text.js';
import { byteArraysIn, mayHoldByteArray, writtenByteArray } from './byte-array.js';
import { encodedBytes } from './bytes-value.js';
import { inflateBudget, type Compression, type InflateBudget } from './compressed-text.js';
import { encodedCommands, type EncodedCommand } from './encoded-command.js';

/** A field a drop action takes: the string is not written at all. */
export const DROP = Symbol('drop-field');

/** A decoded text, redacted with every detector and key rule; DROP when an action drops the field. */
export type Scan = (text: string) => string | typeof DROP;

/** How many levels of text encoded inside encoded text are read decoded; a record holding more is quarantined. */
export const MAX_ENCODED_DEPTH = 8;

/** A run of base64 or hex in a text that spells text: where it stands, the text, and how to write a text so again. */
export interface EncodedText {
  start: number;
  end: number;
  kind: 'base64' | 'hex' | 'bytes';
  /** How the text was compressed before it was encoded, if it was (see compressed-text.ts). */
  compression?: Compression;
  text: string;
  again: (text: string) => string;
}

/** True when `text` may hold base64 or hex of text: a cheap test before {@link readEncodedTexts}. */
export function mayHoldEncodedText(text: string): boolean {
  return mayHoldBase64Text(text) || mayHoldHexText(text) || mayHoldByteArray(text);
}

/**
 * The runs of base64 or hex in `text` that spell text, in order. A run read as both is read as
 * base64 (none is known: hex of text starts with a digit 0-7, base64 of text with C, D, I-Z or a-f).
 */
export function encodedTextsIn(text: string, budget: InflateBudget = inflateBudget()): EncodedText[] {
  const base64 = base64TextIn(text, budget).map((r): EncodedText => ({ start: r.start, end: r.end, kind: 'base64', ...(r.compression ? { compression: r.compression } : {}), text: r.text, again: (t) => encodedText(t, r) }));
  const hex = hexTextIn(text).filter((h) => !base64.some((b) => h.start < b.end && b.start < h.end));
  // An array of bytes (journald's JSON of a field that is not UTF-8 text) holds neither.
  const bytes = mayHoldByteArray(text) ? byteArraysIn(text) : [];
  if (hex.length === 0 && bytes.length === 0) return base64;
  return [
    ...base64,
    ...hex.map((r): EncodedText => ({ start: r.start, end: r.end, kind: 'hex', text: r.text, again: (t) => encodedHex(t, r) })),
    ...bytes.map((r): EncodedText => ({ start: r.start, end: r.end, kind: 'bytes', text: r.text, again: (t) => writtenByteArray(t, r) })),
  ].sort((a, b) => a.start - b.start);
}

/** {@link encodedTextsIn}, its errors naming the field at `path`. */
function encodedTextsAt(text: string, path: string, budget: InflateBudget): EncodedText[] {
  try {
    return encodedTextsIn(text, budget);
  } catch (err) {
    if (err instanceof CodecError) throw new CodecError(err.code, `${err.message} at ${path}`, { cause: err });
    throw err;
  }
}

/**
 * `text` with each run of base64 or hex that spells text read decoded (`scan`, which reads what
 * is encoded inside it at `depth` + 1) and encoded again where redacted, as it was written
 * (alphabet, padding, case, line width). `budget`: what the record may still inflate (see compressed-text.ts).
 *
 * @throws CodecError `RECORD_TOO_DEEP` when such a run lies {@link MAX_ENCODED_DEPTH} encodings deep or more,
 *   `ENCODED_TOO_LARGE` when one is compressed past what is read (see compressed-text.ts); `path` names the field.
 */
export function readEncodedTexts(text: string, path: string, scan: Scan, depth = 0, budget: InflateBudget = inflateBudget()): string | typeof DROP {
  const runs = encodedTextsAt(text, path, budget);
  // Deeper than that it is not read, and not passed on unread either: the record is quarantined.
  if (runs.length > 0 && depth >= MAX_ENCODED_DEPTH) {
    throw new CodecError('RECORD_TOO_DEEP', `text encoded in base64 or hex nested deeper than ${MAX_ENCODED_DEPTH} levels at ${path}`);
  }
  let out = '';
  let last = 0;
  for (const found of runs) {
    const redacted = scan(found.text);
    if (redacted === DROP) return DROP;
    if (redacted === found.text) continue;
    out += text.slice(last, found.start) + found.again(redacted);
    last = found.end;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * `text` with each PowerShell encoded command in it (`commands`, by default those the text
 * holds) read decoded (`scan`, which reads what is encoded inside it at `depth` + 1) and encoded
 * again where redacted.
 *
 * @throws CodecError `RECORD_TOO_DEEP` when such a command lies {@link MAX_ENCODED_DEPTH} encodings deep or more (`path` names the field).
 */
export function readEncodedCommands(text: string, path: string, scan: Scan, depth = 0, commands: readonly EncodedCommand[] = encodedCommands(text)): string | typeof DROP {
  if (commands.length > 0 && depth >= MAX_ENCODED_DEPTH) {
    throw new CodecError('RECORD_TOO_DEEP', `encoded commands and texts nested deeper than ${MAX_ENCODED_DEPTH} levels at ${path}`);
  }
  let out = '';
  let last = 0;
  for (const { start, end, script } of commands) {
    const redacted = scan(script.text);
    if (redacted === DROP) return DROP;
    if (redacted === script.text) continue;
    out += text.slice(last, start) + encodedBytes(redacted, script.encoding);
    last = end;
  }
  return last === 0 ? text : out + text.slice(last);
}
