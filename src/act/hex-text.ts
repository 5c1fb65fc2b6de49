/**
 * Text written as hexadecimal inside a log: a packet capture's payload (`tcpdump payload
 * 0x6768705f...`), a byte column of a database dump, a debugger's or a driver's dump of a buffer,
 * `token_hex=...`. As base64 does (see base64-text.ts), hex hides what it spells from every
 * detector; the structured path reads such a run decoded (see encoded-readings.ts) and writes what
 * it redacts as hex again, in the case it was written in. The line prefilter sends a line that
 * holds one down that path ({@link HEX_TEXT_LINE}).
 *
 * A hex run is read when it spells text (see text-bytes.ts): a digest, an id or a key almost never
 * does. A run that spells a command line as the kernel keeps it (/proc/PID/cmdline, auditd's
 * PROCTITLE record: each argument followed by a NUL, the last maybe not) is read with each NUL a
 * blank, so a detector reads it as a command line (`mysql -uroot -pX db`). Digits alone are read so only led by `0x` or `\x` (PostgreSQL's bytea): else they are more
 * likely a decimal number, which spells text when every other digit is 2 to 7.
 */
import { spellsText, TEXT_BYTES } from './text-bytes.js';

/** A byte of text as two hex digits: 0x20-0x7F, a tab, a line feed or a carriage return. */
const TEXT_BYTE = '(?:[2-7][0-9A-Fa-f]|0[9AaDd])';

/** How a run that spells a command line (see above) starts: an argument of two bytes or more, a NUL, the next. */
const ARGV_START = `${TEXT_BYTE}+00${TEXT_BYTE}`;

/** A run of whole bytes not inside a word, led by `0x`, `\x` or nothing. */
const RUN = /(?<![0-9A-Za-z_])(0[xX]|\\x)?((?:[0-9A-Fa-f]{2}){12,})(?![0-9A-Za-z_])/g;

/** How a run that spells text starts, for the cheap test of {@link mayHoldHexText}. */
const TEXT_START = new RegExp(String.raw`(?<![0-9A-Za-z_])(?:0[xX]|\\x)?(?:${TEXT_BYTE}{${TEXT_BYTES}}|${ARGV_START})`);

/** The same for the line prefilter (RE2, no look-around): a line that holds one may be changed. */
export const HEX_TEXT_LINE = String.raw`(?:^|[^0-9A-Za-z_])(?:0[xX]|\\x)?(?:${TEXT_BYTE}{${TEXT_BYTES}}|${ARGV_START})`;

/** A hex run in a text that spells text: where its digits stand, the text, and their case. */
export interface HexText {
  start: number;
  end: number;
  text: string;
  upper: boolean;
  /** What the run's NULs are read as when it spells a command line (see {@link argvSeparator}). */
  nul?: ' ' | '\n';
  /** Where the run's NULs stand in `text`, to write them back where they were (see {@link encodedHex}). */
  nuls?: readonly number[];
}

/** True when `text` may hold hex of text: a cheap test before {@link hexTextIn}. */
export function mayHoldHexText(text: string): boolean {
  return text.length >= 2 * TEXT_BYTES && TEXT_START.test(text);
}

/** The hex runs in `text` that spell text (see above) as UTF-8, in order; a run's `0x` or `\x` stays outside it. */
export function hexTextIn(text: string): HexText[] {
  const out: HexText[] = [];
  RUN.lastIndex = 0;
  for (let m = RUN.exec(text); m !== null; m = RUN.exec(text)) {
    const digits = m[2] as string;
    if (m[1] === undefined && !/[A-Fa-f]/.test(digits)) continue;
    const bytes = Buffer.from(digits, 'hex');
    const nul = argvSeparator(bytes);
    const nuls = nul === undefined ? undefined : nulsIn(bytes.toString('utf8'));
    if (nul !== undefined) bytes.forEach((b, i) => b === 0 && (bytes[i] = nul.charCodeAt(0)));
    if (!spellsText(bytes)) continue;
    const start = m.index + (m[1]?.length ?? 0);
    out.push({ start, end: start + digits.length, text: bytes.toString('utf8'), upper: /[A-F]/.test(digits) && !/[a-f]/.test(digits), ...(nul !== undefined ? { nul, nuls } : {}) });
  }
  return out;
}

/** Where the NULs of `text` stand. */
function nulsIn(text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf('\0'); i !== -1; i = text.indexOf('\0', i + 1)) out.push(i);
  return out;
}

/**
 * What the NULs of `bytes` are read as when they end its arguments as a command line's do: a
 * line feed where an argument holds a blank but none a line feed (`bash -c "mysql -pX db"`), else
 * a blank, whatever the arguments hold (an empty argument, a blank and a line feed in one: each
 * NUL is written back where it stood, see {@link encodedHex}); undefined when it holds no NUL or
 * begins with one (not arguments of text).
 */
function argvSeparator(bytes: Buffer): ' ' | '\n' | undefined {
  const first = bytes.indexOf(0);
  if (first <= 0) return undefined;
  return bytes.includes(0x20) && !bytes.includes(0x0a) ? '\n' : ' ';
}

/**
 * `text` (a redacted {@link HexText}) as hex again, in the case `like` was written in, a command
 * line's NULs again: where the text is as it was read (before and after what a redaction
 * changed), each NUL where it stood; inside what it changed, each separator (a blank a redaction
 * writes included: it stays a separator).
 */
export function encodedHex(text: string, like: Pick<HexText, 'upper' | 'nul' | 'nuls' | 'text'>): string {
  const hex = Buffer.from(like.nul === undefined ? text : withNuls(text, like), 'utf8').toString('hex');
  return like.upper ? hex.toUpperCase() : hex;
}

/** `text` with the NULs of `like` put back (see {@link encodedHex}). */
function withNuls(text: string, like: Pick<HexText, 'nul' | 'nuls' | 'text'>): string {
  const was = like.text;
  const nuls = new Set(like.nuls ?? []);
  let head = 0;
  while (head < text.length && head < was.length && text[head] === was[head]) head++;
  let tail = 0;
  while (tail < text.length - head && tail < was.length - head && text[text.length - 1 - tail] === was[was.length - 1 - tail]) tail++;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const at = i < head ? i : i >= text.length - tail ? i - text.length + was.length : -1;
    out += (at === -1 ? c === like.nul : c === like.nul && nuls.has(at)) ? '\0' : c;
  }
  return out;
}
