/**
 * A string with its escapes decoded. URL percent-encoding (`email=alice%40example.com`, common in
 * access-log query strings) and `\uXXXX` escapes (`a\u0040b.com` in a line that is not valid JSON)
 * hide a value from every detector that reads the string as written. Detection also runs on the
 * decoded view, and each finding there is mapped back onto the escapes that spell it, so what is
 * redacted is the value as written.
 *
 * Percent-escapes of ASCII bytes (`%00`-`%7F`) are decoded one to one. The escapes of a multi-byte
 * UTF-8 character (`n%C3%A9e le`, `%E9%9B%BB%E8%A9%B1`) are decoded together when they spell a
 * valid one, its units all mapped to where its first escape starts; any other escape of a byte
 * of 0x80 or more is left as written. In percent-encoded text a `+` may stand
 * for a space (form encoding), and is also read so. A value encoded again (`%2540`: a URL
 * carried in another URL's query string, as `redirect_uri=` or `next=` do) is decoded again, up
 * to {@link MAX_LEVELS} times, each level a view of its own (see {@link decodedViews}).
 *
 * So are a string literal's escapes of printable ASCII bytes (`\x67\x68\x70\x5f...`, as
 * JavaScript, Python and C write them), unless the backslash is itself escaped.
 *
 * The escapes `\n`, `\r` and `\t` written out in a text (a message encoded twice, a string's repr,
 * a stack trace flattened onto one line) are read as the line break or tab they stand for, unless
 * the backslash is itself escaped (`C:\\new`).
 *
 * HTML character references are decoded too (`bob&#64;example&#46;com`, `&#x40;`, `&commat;`, as
 * HTML pages, mail bodies and form echoes carry them): numeric ones of any character, and the
 * named ones of the punctuation values are written with (see {@link NAMED}).
 *
 * So are MIME encoded words (`=?utf-8?B?am9lcmcubXVlbGxlckBleGFtcGxlLmRl?=`, see
 * encoded-words.ts), each mapped whole: a span that starts or ends inside one covers all of it.
 * The spaces between two of them are not read, as RFC 2047 has it (a mailer splits a long
 * address over two words).
 */
import { encodedWordAt, holdsEncodedWord } from './encoded-words.js';

/**
 * An escape the view may decode: of an ASCII byte, the first two of a UTF-8 sequence, `\\uXXXX`,
 * `\\xXX` of a printable ASCII byte,
 * JSON's `\\/` and `\\"` (a URL or a quoted value inside JSON that is part of a text line), or a
 * `\\n`, `\\r` or `\\t` written out (see {@link decodedViews}).
 */
const ESCAPE = /%[0-7][0-9A-Fa-f]|%[C-Fc-f][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]|\\u[0-9A-Fa-f]{4}|\\x[2-7][0-9A-Fa-f]|\\[/"nrt]|&(?:#[0-9]|#[Xx][0-9A-Fa-f]|[a-z]{2,6};)|=\?[^?\s]{1,62}\?[BbQq]\?/;
/** The named character references decoded: markup's own and the punctuation of addresses, numbers and URLs. */
const NAMED: ReadonlyMap<string, string> = new Map(Object.entries({
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  commat: '@',
  period: '.',
  plus: '+',
  colon: ':',
  sol: '/',
  num: '#',
  percnt: '%',
  equals: '=',
  lowbar: '_',
  dash: '-',
  nbsp: ' ',
}));
/** The longest numeric reference decoded (leading zeros included), and the longest named one. */
const MAX_REFERENCE = 40;
const MAX_NAMED = 8;
const CONTROL_ESCAPE = /\\[nrt]/;
const PERCENT_ESCAPE = /%[0-7][0-9A-Fa-f]|%[C-Fc-f][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface DecodedView {
  text: string;
  /** For each UTF-16 unit of `text`, the offset in the original where it starts; then the original's length. */
  at: number[];
  /**
   * For each index of `text`, the offset in the original where a span ending there ends, when that
   * is not `at` of it: a number read as its plain digits stands for its whole writing, so a span
   * that ends inside those digits ends where the number does.
   */
  end?: number[];
  /** How the original was read to give this view, for explain (`escapes decoded 2 times`). */
  how: string;
}

/** True when `text` holds an escape the view decodes. */
export function hasEscapes(text: string): boolean {
  return ESCAPE.test(text);
}

/**
 * True when the bytes of a raw line hold a percent-escape, a character reference or an encoded
 * word the view decodes (JSON's `\u` needs a backslash, which raw lines are checked for anyway).
 */
export function hasRawEscape(bytes: Buffer): boolean {
  for (let pos = bytes.indexOf(PERCENT); pos !== -1; pos = bytes.indexOf(PERCENT, pos + 1)) if (isPercentEscapeAt(bytes, pos)) return true;
  for (let pos = bytes.indexOf(AMPERSAND); pos !== -1; pos = bytes.indexOf(AMPERSAND, pos + 1)) if (isReferenceAt(bytes, pos)) return true;
  return holdsEncodedWord(bytes);
}

/**
 * True when `bytes[pos]` starts a percent-escape the view may decode: `%`, then 0-7 and a hex digit
 * (an ASCII byte), or the escapes of a UTF-8 lead byte and a continuation byte (`%C3%A9`).
 */
export function isPercentEscapeAt(bytes: Buffer, pos: number): boolean {
  if (bytes[pos] !== PERCENT || !isHexCode(bytes[pos + 2] ?? 0)) return false;
  const high = bytes[pos + 1] ?? 0;
  if (high >= 0x30 && high <= 0x37) return true;
  if (!((high >= 0x43 && high <= 0x46) || (high >= 0x63 && high <= 0x66))) return false;
  const next = bytes[pos + 4] ?? 0;
  return bytes[pos + 3] === PERCENT && (next === 0x38 || next === 0x39 || next === 0x41 || next === 0x42 || next === 0x61 || next === 0x62) && isHexCode(bytes[pos + 5] ?? 0);
}

/**
 * The decoded view of `text`, or undefined when it holds no escape it decodes. `controls`: read
 * `\n`, `\r` and `\t` as the characters too.
 */
export function decodeEscapes(text: string, controls = false): DecodedView | undefined {
  if (!ESCAPE.test(text)) return undefined;
  let out = '';
  const at: number[] = [];
  // Each encoded word decoded: where its text starts and ends in `out`, and where the word ends in `text`.
  const words: Array<[number, number, number]> = [];
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    const utf8 = c === 0x25 && isHex(text, i + 1, 2) ? percentChar(text, i) : '';
    const word = c === EQUALS && text.charCodeAt(i + 1) === QUESTION ? encodedWordAt(text, i) : undefined;
    if (word) {
      const last = words[words.length - 1];
      // Spaces between two words are not read: the last word's text runs on into this one's.
      if (last && last[2] < i && /^[ \t\r\n]+$/.test(text.slice(last[2], i))) {
        out = out.slice(0, last[1]);
        at.length = last[1];
      }
      const from = out.length;
      out += word.text;
      for (let k = 0; k < word.text.length; k++) at.push(i);
      i += word.length;
      words.push([from, out.length, i]);
    } else if (utf8.length > 0) {
      out += utf8;
      at.push(i);
      if (utf8.length === 2) at.push(i);
      i += 3 * utf8ByteLength(parseInt(text.slice(i + 1, i + 3), 16));
    } else if (c === 0x5c && text.charCodeAt(i + 1) === 0x75 && isHex(text, i + 2, 4)) {
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      at.push(i);
      i += 6;
    } else if (c === 0x5c && text.charCodeAt(i + 1) === 0x78 && isHex(text, i + 2, 2) && text.charCodeAt(i + 2) >= 0x32 && text.charCodeAt(i + 2) <= 0x37 && !isEscaped(text, i)) {
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
      at.push(i);
      i += 4;
    } else if (c === AMPERSAND && referenceAt(text, i) !== undefined) {
      const [char, length] = referenceAt(text, i) as [string, number];
      out += char;
      at.push(i);
      if (char.length === 2) at.push(i);
      i += length;
    } else if (c === 0x5c && (text[i + 1] === '/' || text[i + 1] === '"')) {
      out += text[i + 1];
      at.push(i);
      i += 2;
    } else if (controls && c === 0x5c && LETTER_CONTROLS.has(text[i + 1] as string) && !isEscaped(text, i)) {
      out += LETTER_CONTROLS.get(text[i + 1] as string);
      at.push(i);
      i += 2;
    } else {
      out += text[i];
      at.push(i);
      i += 1;
    }
  }
  at.push(text.length);
  // Escapes of bytes that spell no character (`%C0%80`) leave the text as it was.
  if (out === text) return undefined;
  const view: DecodedView = { text: out, at, how: controls ? 'escapes decoded, \\n \\r \\t read as characters' : 'escapes decoded' };
  if (words.length > 0) {
    // A span that ends inside a word ends where the word does.
    const end = at.slice();
    for (const [from, to, wordEnd] of words) for (let k = from + 1; k <= to; k++) end[k] = wordEnd;
    view.end = end;
  }
  return view;
}

/** How many times a string is decoded at most: a URL in a URL in a URL. */
export const MAX_LEVELS = 3;

/**
 * The views of `text` decoded once, twice, ... while escapes remain (at most {@link MAX_LEVELS}),
 * each mapped onto `text` itself; empty when it holds no escape. Percent-encoded text also gets
 * the last of them with each `+` read as a space, as form encoding writes one
 * (`tel=%2B44+20+7946+0958`); the others keep the `+`, which an address such as `alice+tag@` needs.
 * A `+` is read so when the text decoded last wrote it as such (encoded once more, a form's space
 * is `%2B` in the original; a `+` that the last decoding made is a plus). Text with a `\n`, `\r`
 * or `\t` written out gets one more view, decoded once with those read as the characters.
 */
export function decodedViews(text: string): DecodedView[] {
  const views: DecodedView[] = [];
  // The text the last view was decoded from, and where each of its units stands there.
  let before = text;
  let local: number[] = [];
  for (let view = decodeEscapes(text); view; ) {
    views.push(view);
    if (views.length === MAX_LEVELS) break;
    const next = decodeEscapes(view.text);
    if (!next) break;
    const outer = view.at;
    const outerEnds = view.end ?? view.at;
    before = view.text;
    local = next.at;
    const how = `escapes decoded ${views.length + 1} times`;
    const at = next.at.map((i) => outer[i] as number);
    view = view.end || next.end ? { text: next.text, at, end: (next.end ?? next.at).map((i) => outerEnds[i] as number), how } : { text: next.text, at, how };
  }
  const last = views[views.length - 1];
  if (last && PERCENT_ESCAPE.test(text)) {
    if (views.length === 1) local = last.at;
    let spaced = '';
    for (let i = 0; i < last.text.length; i++) spaced += last.text[i] === '+' && before.charCodeAt(local[i] as number) === PLUS ? ' ' : last.text[i];
    if (spaced !== last.text) views.push({ ...last, text: spaced, how: `${last.how}, + read as a space` });
  }
  // Apart from the others: a tab read as one breaks what the escape as written leaves whole
  // (`postgres:\/\/admin:hunt\ter2@db`).
  const controls = CONTROL_ESCAPE.test(text) ? decodeEscapes(text, true) : undefined;
  if (controls && !views.some((v) => v.text === controls.text)) views.push(controls);
  return views;
}

/**
 * The character the percent-escapes at `text[i]` spell: one ASCII byte, or the 2-4 bytes of one
 * valid UTF-8 sequence (no overlong form, no surrogate); '' when they spell none.
 */
function percentChar(text: string, i: number): string {
  const lead = parseInt(text.slice(i + 1, i + 3), 16);
  if (lead < 0x80) return String.fromCharCode(lead);
  const n = utf8ByteLength(lead);
  if (n === 0) return '';
  const bytes = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const p = i + 3 * k;
    if (text.charCodeAt(p) !== PERCENT || !isHex(text, p + 1, 2)) return '';
    bytes[k] = parseInt(text.slice(p + 1, p + 3), 16);
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    return '';
  }
}

/**
 * The character an HTML character reference at `text[i]` stands for and the reference's length;
 * undefined when none starts there (or it names no character: a surrogate, past U+10FFFF, a name
 * not in {@link NAMED}). A numeric one may have leading zeros and may lack its semicolon, as
 * browsers read it (`&#00064;`, `&#64example`); a named one needs it.
 */
function referenceAt(text: string, i: number): [string, number] | undefined {
  if (text.charCodeAt(i + 1) === HASH) {
    const hex = text.charCodeAt(i + 2) === 0x78 || text.charCodeAt(i + 2) === 0x58;
    let end = i + (hex ? 3 : 2);
    while (end < text.length && end - i <= MAX_REFERENCE && (hex ? isHexCode(text.charCodeAt(end)) : isDigitCode(text.charCodeAt(end)))) end++;
    const digits = text.slice(i + (hex ? 3 : 2), end);
    if (digits.length === 0 || end - i > MAX_REFERENCE) return undefined;
    const code = parseInt(digits, hex ? 16 : 10);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
    return [String.fromCodePoint(code), end - i + (text.charCodeAt(end) === SEMICOLON ? 1 : 0)];
  }
  const end = text.indexOf(';', i + 2);
  if (end === -1 || end - i > MAX_NAMED) return undefined;
  // A map: `&valueOf;` names no character.
  const named = NAMED.get(text.slice(i + 1, end));
  return named === undefined ? undefined : [named, end - i + 1];
}

/**
 * True when `bytes[pos]` starts an HTML character reference the view decodes (`&#64;`, `&#x40;`,
 * `&commat;`).
 */
export function isReferenceAt(bytes: Buffer, pos: number): boolean {
  if (bytes[pos] !== AMPERSAND) return false;
  return referenceAt(bytes.toString('latin1', pos, Math.min(bytes.length, pos + MAX_REFERENCE + 1)), 0) !== undefined;
}

function isDigitCode(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The length of the UTF-8 sequence a lead byte starts: 1 for ASCII, 2-4, or 0 for no lead byte. */
function utf8ByteLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * The escapes of a line break and a tab written out (`ssn:\n078051120`, as a message encoded
 * twice or a string's repr carries them), read as the characters: written, the letter joins
 * the word that follows it, where no pattern sees a word boundary.
 */
const LETTER_CONTROLS: ReadonlyMap<string, string> = new Map([
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);

/** True when the backslash at `text[i]` is itself escaped: an odd run of backslashes stands before it (`C:\\new`). */
function isEscaped(text: string, i: number): boolean {
  let k = i;
  while (k > 0 && text.charCodeAt(k - 1) === 0x5c) k--;
  return (i - k) % 2 === 1;
}

const PERCENT = 0x25;
const PLUS = 0x2b;
const EQUALS = 0x3d;
const QUESTION = 0x3f;
const AMPERSAND = 0x26;
const SEMICOLON = 0x3b;
const HASH = 0x23;

function isHex(text: string, from: number, count: number): boolean {
  if (from + count > text.length) return false;
  for (let i = from; i < from + count; i++) if (!isHexCode(text.charCodeAt(i))) return false;
  return true;
}

export function isHexCode(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
