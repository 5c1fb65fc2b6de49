/**
 * A string with its escapes decoded. URL percent-encoding (`email=alice%40example.com`, common in
 * access-log query strings) and `\uXXXX` escapes (`a\u0040b.com` in a line that is not valid JSON)
 * hide a value from every detector that reads the string as written. Detection also runs on the
 * decoded view, and each finding there is mapped back onto the escapes that spell it, so what is
 * redacted is the value as written.
 *
 * Percent-escapes of ASCII bytes (`%00`-`%7F`) are decoded one to one; those of other bytes (a
 * multi-byte UTF-8 character) are left as written: every built-in detector reads ASCII around its
 * value, and a one-to-one map keeps the offsets exact. In percent-encoded text a `+` may stand
 * for a space (form encoding), and is also read so. A value encoded again (`%2540`: a URL
 * carried in another URL's query string, as `redirect_uri=` or `next=` do) is decoded again, up
 * to {@link MAX_LEVELS} times, each level a view of its own (see {@link decodedViews}).
 */

/** An escape the view decodes. */
const ESCAPE = /%[0-7][0-9A-Fa-f]|\\u[0-9A-Fa-f]{4}/;
const PERCENT_ESCAPE = /%[0-7][0-9A-Fa-f]/;

export interface DecodedView {
  text: string;
  /** For each UTF-16 unit of `text`, the offset in the original where it starts; then the original's length. */
  at: number[];
  /** How the original was read to give this view, for explain (`escapes decoded 2 times`). */
  how: string;
}

/** True when `text` holds an escape the view decodes. */
export function hasEscapes(text: string): boolean {
  return ESCAPE.test(text);
}

/** True when the bytes of a raw line hold a percent-escape the view decodes (JSON's `\u` needs a backslash, which raw lines are checked for anyway). */
export function hasPercentEscape(bytes: Buffer): boolean {
  for (let pos = bytes.indexOf(PERCENT); pos !== -1; pos = bytes.indexOf(PERCENT, pos + 1)) if (isPercentEscapeAt(bytes, pos)) return true;
  return false;
}

/** True when `bytes[pos]` starts a percent-escape the view decodes: `%`, then 0-7, then a hex digit. */
export function isPercentEscapeAt(bytes: Buffer, pos: number): boolean {
  return bytes[pos] === PERCENT && (bytes[pos + 1] ?? 0) >= 0x30 && (bytes[pos + 1] ?? 0) <= 0x37 && isHexCode(bytes[pos + 2] ?? 0);
}

/** The decoded view of `text`, or undefined when it holds no escape. */
export function decodeEscapes(text: string): DecodedView | undefined {
  if (!ESCAPE.test(text)) return undefined;
  let out = '';
  const at: number[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && isHex(text, i + 1, 2) && text.charCodeAt(i + 1) <= 0x37) {
      out += String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16));
      at.push(i);
      i += 3;
    } else if (c === 0x5c && text.charCodeAt(i + 1) === 0x75 && isHex(text, i + 2, 4)) {
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      at.push(i);
      i += 6;
    } else {
      out += text[i];
      at.push(i);
      i += 1;
    }
  }
  at.push(text.length);
  return { text: out, at, how: 'escapes decoded' };
}

/** How many times a string is decoded at most: a URL in a URL in a URL. */
export const MAX_LEVELS = 3;

/**
 * The views of `text` decoded once, twice, ... while escapes remain (at most {@link MAX_LEVELS}),
 * each mapped onto `text` itself; empty when it holds no escape. Percent-encoded text also gets
 * the last of them with each `+` read as a space, as form encoding writes one
 * (`tel=%2B44+20+7946+0958`); the others keep the `+`, which an address such as `alice+tag@` needs.
 * A `+` is read so when the text decoded last wrote it as such (encoded once more, a form's space
 * is `%2B` in the original; a `+` that the last decoding made is a plus).
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
    before = view.text;
    local = next.at;
    view = { text: next.text, at: next.at.map((i) => outer[i] as number), how: `escapes decoded ${views.length + 1} times` };
  }
  const last = views[views.length - 1];
  if (last && PERCENT_ESCAPE.test(text)) {
    if (views.length === 1) local = last.at;
    let spaced = '';
    for (let i = 0; i < last.text.length; i++) spaced += last.text[i] === '+' && before.charCodeAt(local[i] as number) === PLUS ? ' ' : last.text[i];
    if (spaced !== last.text) views.push({ text: spaced, at: last.at, how: `${last.how}, + read as a space` });
  }
  return views;
}

const PERCENT = 0x25;
const PLUS = 0x2b;

function isHex(text: string, from: number, count: number): boolean {
  if (from + count > text.length) return false;
  for (let i = from; i < from + count; i++) if (!isHexCode(text.charCodeAt(i))) return false;
  return true;
}

function isHexCode(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
