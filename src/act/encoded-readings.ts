/**
 * A string read decoded where it encodes another text: base64 that spells JSON (see
 * base64-json.ts) and PowerShell's encoded commands (see encoded-command.ts). What the raw line
 * or the string as written matched says nothing of what the encoding spells, so the decoded text
 * is read with every detector and key rule (the caller's `scan`), and what that redacts is encoded
 * again as it was written. An encoding inside the decoded text is read so too.
 */
import { CodecError } from '../errors.js';
import { base64JsonIn, encodedJson, mayHoldBase64Json } from './base64-json.js';
import { encodedBytes } from './bytes-value.js';
import { encodedCommands, mayHoldEncodedCommand, type EncodedCommand } from './encoded-command.js';

/** A field a drop action takes: the string is not written at all. */
export const DROP = Symbol('drop-field');

/** A decoded text, redacted with every detector and key rule; DROP when an action drops the field. */
export type Scan = (text: string) => string | typeof DROP;

/** How many levels of base64 of JSON inside base64 of JSON are read decoded; a record holding more is quarantined. */
export const MAX_BASE64_DEPTH = 8;

/**
 * `text` with each base64 run that spells JSON read decoded and encoded again where redacted, in
 * the alphabet and padding it was written in; JSON encoded inside it too, down to
 * {@link MAX_BASE64_DEPTH} levels.
 *
 * @throws CodecError `RECORD_TOO_DEEP` when it nests deeper (`path` names the field).
 */
export function readBase64Json(text: string, path: string, scan: Scan, depth = 0): string | typeof DROP {
  let out = '';
  let last = 0;
  for (const found of base64JsonIn(text)) {
    const scanned = scan(found.json);
    const nested = scanned !== DROP && mayHoldBase64Json(scanned);
    // Deeper than that it is not read, and not passed on unread either: the record is quarantined.
    if (nested && depth + 1 >= MAX_BASE64_DEPTH && base64JsonIn(scanned).length > 0) {
      throw new CodecError('RECORD_TOO_DEEP', `base64 of JSON nested deeper than ${MAX_BASE64_DEPTH} levels at ${path}`);
    }
    const redacted = nested ? readBase64Json(scanned, path, scan, depth + 1) : scanned;
    if (redacted === DROP) return DROP;
    if (redacted === found.json) continue;
    out += text.slice(last, found.start) + encodedJson(redacted, found);
    last = found.end;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * `text` with each PowerShell encoded command in it (`commands`, by default those the text
 * holds) read decoded and encoded again where redacted; a command encoded inside one too.
 */
export function readEncodedCommands(text: string, scan: Scan, commands: readonly EncodedCommand[] = encodedCommands(text)): string | typeof DROP {
  let out = '';
  let last = 0;
  for (const { start, end, script } of commands) {
    const scanned = scan(script.text);
    const redacted = scanned !== DROP && mayHoldEncodedCommand(scanned) ? readEncodedCommands(scanned, scan) : scanned;
    if (redacted === DROP) return DROP;
    if (redacted === script.text) continue;
    out += text.slice(last, start) + encodedBytes(redacted, script.encoding);
    last = end;
  }
  return last === 0 ? text : out + text.slice(last);
}
