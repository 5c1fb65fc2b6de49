/**
 * JSON-lines and text-lines codec. In `auto` mode a line holding a JSON object or array is a
 * structured record and any other line is a text body; `jsonl` mode rejects lines that are not
 * JSON objects or arrays; `text` mode never parses.
 */
import { CodecError } from '../errors.js';
import type { JsonValue, LogRecord, SourceRef } from '../record.js';

export type LineFormat = 'auto' | 'jsonl' | 'text';

export interface DecodeLimits {
  maxRecordBytes: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes one line; throws CodecError naming the problem (the caller adds file:line). */
export function decodeLine(bytes: Buffer, source: SourceRef, format: LineFormat, limits: DecodeLimits): LogRecord {
  return decodeLineText(bytes, source, format, limits).record;
}

/**
 * As {@link decodeLine}, with the line's text as decoded from UTF-8 (a caller that needs it decodes
 * once). For a structured record, `text` is the JSON text parsed, and `lead` a byte-order mark that
 * stood before it (JSON does not allow one; it is kept in front of the line written back).
 */
export function decodeLineText(bytes: Buffer, source: SourceRef, format: LineFormat, limits: DecodeLimits): { record: LogRecord; text: string; lead: string } {
  if (bytes.length > limits.maxRecordBytes) {
    throw new CodecError(
      'RECORD_TOO_LARGE',
      `record of ${bytes.length} bytes exceeds maxRecordBytes ${limits.maxRecordBytes}`,
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (err) {
    throw new CodecError('INVALID_UTF8', `invalid UTF-8 at byte ${firstInvalidUtf8(bytes)}`, { cause: err });
  }
  if (format === 'text') return { record: lineRecord(source, text, false), text, lead: '' };
  const shape = jsonShape(bytes);
  // Only a line that closes what it opens can parse; jsonl mode parses the others too, for the
  // position its error names.
  if (shape === 'closed' || (format === 'jsonl' && shape === 'open')) {
    const lead = text.startsWith(BOM) ? BOM : '';
    const json = lead ? text.slice(1) : text;
    try {
      const body = JSON.parse(json) as JsonValue;
      return { record: lineRecord(source, body, true), text: json, lead };
    } catch (err) {
      if (format === 'jsonl') {
        // The parser's message quotes the input; only the position is kept.
        const at = /position (\d+)/.exec((err as Error).message)?.[1];
        throw new CodecError('INVALID_JSON', `invalid JSON${at ? ` at character ${at}` : ''}`);
      }
    }
  } else if (format === 'jsonl') {
    throw new CodecError('INVALID_JSON', 'line is not a JSON object or array');
  }
  return { record: lineRecord(source, text, false), text, lead: '' };
}

/**
 * A line's record, written out member by member: spread from a base object made per line
 * (`{ ...base, body }`), it cost 1.4 us of the 3.7 a line of the benchmark's JSON lines took to
 * decode and parse (V8 makes an object spread and then given new members slowly).
 */
function lineRecord(source: SourceRef, body: JsonValue, structured: boolean): LogRecord {
  return { attributes: {}, resource: {}, source, body, structured };
}

/**
 * True when {@link decodeLineText} reads these bytes (a line without its end) as a text body
 * whatever else they hold: every line in `text` mode; in `auto` mode a line that does not both
 * open and close a JSON object or array (see {@link jsonShape}). False for the others, which
 * are JSON if they parse.
 */
export function readsAsText(bytes: Uint8Array, format: LineFormat): boolean {
  if (format !== 'auto') return format === 'text';
  return jsonShape(bytes) !== 'closed';
}

/**
 * True when `jsonl` mode reads the line (without its end) as a record rather than rejecting it: a
 * JSON object or array that parses, a byte-order mark before it allowed. Its UTF-8 is not checked.
 */
export function isJsonRecord(bytes: Buffer): boolean {
  if (jsonShape(bytes) !== 'closed') return false;
  const lead = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  try {
    JSON.parse(bytes.toString('utf8', lead));
    return true;
  } catch {
    return false;
  }
}

/**
 * How a line stands to JSON, after a byte-order mark and JSON whitespace: `none` when its first
 * character opens no object or array, `open` when it opens one but its last character does not
 * close it (a JSON text ends closing what it opens: `[notice] ...` cannot parse), `closed` when
 * it may be JSON.
 */
function jsonShape(bytes: Uint8Array): 'none' | 'open' | 'closed' {
  let first = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (first < bytes.length && isJsonSpace(bytes[first] as number)) first++;
  const opens = bytes[first];
  if (opens !== 0x7b && opens !== 0x5b) return 'none';
  let last = bytes.length - 1;
  while (last > first && isJsonSpace(bytes[last] as number)) last--;
  return bytes[last] === (opens === 0x7b ? 0x7d : 0x5d) && last > first ? 'closed' : 'open';
}

function isJsonSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
}

/** Serializes a redacted body back to one line. */
export function encodeBody(body: string | JsonValue, structured: boolean): string {
  if (!structured && typeof body === 'string') return body;
  return JSON.stringify(body);
}

const BOM = '\uFEFF';

/** Byte offset of the first invalid UTF-8 sequence, for the error message. */
export function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return i;
}
