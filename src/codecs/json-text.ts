/**
 * Reading JSON text without parsing it: where a string or a container that opens somewhere ends,
 * and where a string's characters stand. JSON's strings, and single-quoted ones (a Python dict
 * written in a text, see act/embedded.ts).
 */

const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const BACKSLASH = 0x5c;

/**
 * Just past the object or array that opens at `open`, found without recursion, or undefined when it
 * does not close. Strings are skipped, in double quotes or in single ones: JSON, or a Python dict
 * written in a text (see act/embedded.ts); JSON has no single quote outside its strings.
 */
export function containerEnd(text: string, open: number): number | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE || c === APOSTROPHE) i = stringEnd(text, i) - 1;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return i + 1;
  }
  return undefined;
}

/** Just past the closing quote of the string whose opening quote (either kind) is at `open`. */
export function stringEnd(text: string, open: number): number {
  const quote = text[open] as string;
  for (let q = text.indexOf(quote, open + 1); q !== -1; q = text.indexOf(quote, q + 1)) {
    let b = q - 1;
    while (text.charCodeAt(b) === BACKSLASH) b--;
    // An even number of backslashes before it: the quote is not escaped.
    if ((q - 1 - b) % 2 === 0) return q + 1;
  }
  return text.length;
}

/**
 * Where each UTF-16 unit of the JSON string opened at `open` in `text` stands in `text`, for the
 * first `length` units its value reads (`at[length]`: where the next one is written): an escape
 * stands for one unit, six characters for `\uXXXX` and two for the others.
 */
export function escapedOffsets(text: string, open: number, length: number): Int32Array {
  const at = new Int32Array(length + 1);
  for (let k = 0, p = open + 1; k <= length; k++) {
    at[k] = p;
    p += text.charCodeAt(p) !== BACKSLASH ? 1 : text[p + 1] === 'u' ? 6 : 2;
  }
  return at;
}
