/**
 * The readings of a raw JSON line that hold a backslash, for the line prefilter (see
 * escapedReadings in pipeline/prepare.ts): the line as its strings read once parsed, and as a
 * text reads with its escapes decoded. Each stands for what detection reads of the line, or is
 * undefined where an escape hides what no reading spells.
 */
import { isHexCode } from './escapes.js';
import { NAMES } from './in-key.js';

/**
 * A raw JSON line with its `\n`, `\r`, `\t`, `\"`, `\/` and `\uXXXX` escapes (the line breaks and
 * tabs of a stack trace or a multi-line message, the quotes of JSON logged inside a message, the
 * `\u0026` and `\u003c` Go's encoder writes for `&` and `<`, the accented letters of an ASCII-only
 * encoder) written as the characters they stand for, in UTF-8, as its strings read once parsed;
 * the line itself when it holds no backslash. Each string's content as read stands in it whole,
 * so a pattern that matches a string matches this line. A `\\` is read as the backslash it
 * leaves in the string (`C:\\Users`); before a control escape's letter (`C:\\temp`) key rules
 * inside text read that backslash as an escape once more (see embedded.ts), and with
 * `controlsTwice` this reading does too (`C:<tab>emp`), which the caller tests as well. Undefined
 * when the line holds another escape: a backslash left in the string before a quote, an
 * apostrophe, a slash, a backslash or a `u` (or a `\u005c`) is read as an escape once more by
 * detection (`{\"token\":...}` inside a string), which no reading spells. Undefined too for a
 * surrogate's `\u` outside a pair, which stands for no character. (A `\u` escape may also finish a
 * percent-escape or a character reference, `%\u00340`: the caller checks the reading for those.)
 * Only the structured path reads such a line as its strings hold it. Undefined too when such an
 * escape stands in a key, or in the name of a name-value object
 * (`{"name":"social\tsecurity","value":...}`): detection reads a key also as its words
 * (`social security: ...`, see scanText), which no reading of the line spells.
 */
export function controlEscapesDecoded(line: Buffer, controlsTwice = false): Buffer | undefined {
  let at = line.indexOf(BACKSLASH);
  if (at === -1) return line;
  if (escapedKeyOrName(line)) return undefined;
  const out = Buffer.allocUnsafe(line.length);
  let n = 0;
  let from = 0;
  for (; at !== -1; at = line.indexOf(BACKSLASH, from)) {
    const c = line[at + 1];
    n += line.copy(out, n, from, at);
    if (c === 0x75) {
      const char = plainUnicodeEscapeAt(line, at);
      if (char === undefined) return undefined;
      n += out.write(char, n, 'utf8');
      from = at + 6 * char.length;
      continue;
    }
    if (c === BACKSLASH) {
      const next = line[at + 2] ?? QUOTE;
      if (REREAD.has(next)) return undefined;
      const control = controlsTwice ? CONTROLS.get(next) : undefined;
      out[n++] = control ?? BACKSLASH;
      from = at + (control === undefined ? 2 : 3);
      continue;
    }
    const decoded = c === 0x6e || c === 0x72 || c === 0x74 ? CONTROLS.get(c) : c === QUOTE || c === SLASH ? c : undefined;
    if (decoded === undefined) return undefined;
    out[n++] = decoded;
    from = at + 2;
  }
  n += line.copy(out, n, from);
  return out.subarray(0, n);
}

/**
 * `line` with its `\"`, `\/` and `\uXXXX` escapes written as the characters (in UTF-8), its other
 * backslashes as they are; undefined when it holds none of those escapes. For a line that
 * {@link controlEscapesDecoded} reads (a `\u` escape it refuses is left as written here) but that
 * does not parse, and so is read as text (see readsAsText): detection reads a text with those
 * escapes decoded and its `\n` and `\t` as written (see decodeEscapes), which neither the line
 * nor its fully decoded reading spells (`postgres:\/\/admin:hunt\ter2@db`).
 */
export function textEscapesDecoded(line: Buffer): Buffer | undefined {
  const out = Buffer.allocUnsafe(line.length);
  let n = 0;
  let from = 0;
  for (let at = line.indexOf(BACKSLASH); at !== -1 && at + 1 < line.length; at = line.indexOf(BACKSLASH, Math.max(from, at + 2))) {
    const c = line[at + 1];
    const char = c === 0x75 ? plainUnicodeEscapeAt(line, at) : undefined;
    if (char === undefined && c !== QUOTE && c !== SLASH) continue;
    n += line.copy(out, n, from, at);
    if (char === undefined) out[n++] = c as number;
    else n += out.write(char, n, 'utf8');
    from = at + (char === undefined ? 2 : 6 * char.length);
  }
  if (from === 0) return undefined;
  n += line.copy(out, n, from);
  return out.subarray(0, n);
}

/**
 * The character the `\uXXXX` escape at `line[at]` stands for, or the two escapes of a surrogate
 * pair there (`\ud83d\ude00`, as ASCII-only encoders write an emoji), each a UTF-16 unit of it;
 * undefined when there is none, or when it stands for a backslash or a surrogate alone.
 */
function plainUnicodeEscapeAt(line: Buffer, at: number): string | undefined {
  const code = unicodeEscapeAt(line, at);
  if (code === undefined || code === BACKSLASH || (code >= 0xdc00 && code <= 0xdfff)) return undefined;
  if (code < 0xd800 || code > 0xdbff) return String.fromCharCode(code);
  const low = line[at + 6] === BACKSLASH ? unicodeEscapeAt(line, at + 6) : undefined;
  return low !== undefined && low >= 0xdc00 && low <= 0xdfff ? String.fromCharCode(code, low) : undefined;
}

/** The code unit of a `\uXXXX` escape at `line[at]`, if one starts there. */
function unicodeEscapeAt(line: Buffer, at: number): number | undefined {
  return line[at + 1] === 0x75 && isHexAt(line, at + 2, 4) ? parseInt(line.toString('latin1', at + 2, at + 6), 16) : undefined;
}

function isHexAt(bytes: Buffer, from: number, count: number): boolean {
  if (from + count > bytes.length) return false;
  for (let i = from; i < from + count; i++) if (!isHexCode(bytes[i] as number)) return false;
  return true;
}

/**
 * True when a string of a JSON line that holds a backslash is a key (a colon follows it) or the
 * value of a name member (`key`, `name`, ..., see NAMES in key-words.ts and namedValue in members.ts). Read as JSON
 * would, without checking that the line is JSON: a line that does not parse is read as text as
 * written, which the raw line's own reading covers.
 */
function escapedKeyOrName(line: Buffer): boolean {
  let nameMember = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] !== QUOTE) continue;
    // A string from i to its closing quote.
    const open = i;
    let escaped = false;
    for (i += 1; i < line.length && line[i] !== QUOTE; i++) {
      if (line[i] === BACKSLASH) {
        escaped = true;
        i += 1;
      }
    }
    let next = i + 1;
    while (next < line.length && isJsonSpaceCode(line[next] as number)) next++;
    const isKey = line[next] === COLON;
    if (escaped && (isKey || nameMember)) return true;
    nameMember = isKey && NAME_KEYS.has(line.toString('latin1', open + 1, i));
    i = next - 1;
  }
  return false;
}

/**
 * What, after a backslash left in a string, detection reads as an escape beyond the control
 * letters: JSON's `"`, `\`, `/` and `u`, a byte's `\x` (see escapes.ts), and the `'` of a
 * single-quoted value inside a text (see unquoted in embedded.ts).
 */
const REREAD: ReadonlySet<number> = new Set([...`"\\/ux'`].map((c) => c.charCodeAt(0)));
/** JSON's control-character escapes, by the letter after the backslash. */
const CONTROLS: ReadonlyMap<number, number> = new Map([...'bfnrt'].map((c, i) => [c.charCodeAt(0), [0x08, 0x0c, 0x0a, 0x0d, 0x09][i] as number]));

/** The members that name a name-value object's value (namedValue in members.ts). */
const NAME_KEYS = new Set(NAMES);

function isJsonSpaceCode(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const SLASH = 0x2f;
const COLON = 0x3a;
