/**
 * A `.netrc` entry written over several lines, read a line at a time for named-values.ts, which
 * follows an entry's lines and takes their values by the key rules of their keywords. An entry
 * opens with a line `machine HOST` (HOST a dotted name or `localhost`) or `default`, either with
 * keyword pairs after it; each following line that holds only pairs of `login`, `password` or
 * `account` and a value, each keyword once in the entry, belongs to it; any other line ends it. A
 * value that is a word of prose about a login (`password expired`, `login failed`, see
 * {@link PROSE_VALUES}) makes its line none of an entry's. The entry's own first line gives only
 * its keywords: its values are left to the netrc-password detector, which reads the whole entry
 * written on one line.
 */

/** A value a line of netrc keyword pairs gives: its keyword, where it is written (UTF-16 offsets of the line), and the word. */
export interface NetrcValue {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly value: string;
  readonly written: string;
  readonly quoting: 'word';
}

/** `machine HOST` or `default`, then what follows (keyword pairs, in group 1). */
const NETRC_OPEN = /^[ \t]*(?:machine[ \t]+(?:(?:[\w-]+\.)+[\w-]+|localhost)|default)([ \t].*)?$/;
/** The keywords a netrc entry's lines give after its first, one bit each. */
const NETRC_KEYWORDS: ReadonlyMap<string, number> = new Map([
  ['login', 1],
  ['password', 2],
  ['account', 4],
]);
/**
 * Words that end a sentence of prose about a login or a password (`password expired`, `login
 * failed`): a pair whose value is one of them is no netrc pair, and its line no entry's line.
 */
const PROSE_VALUES: ReadonlySet<string> = new Set(
  'expired changed rotated reset required updated incorrect invalid missing wrong accepted denied failed succeeded successful ok set unset saved removed none null empty is was must not for manager policy prompt protected disabled enabled locked unlocked'.split(' '),
);
/** A word of a line: a keyword or its value. */
const WORD = /\S+/g;

/** The keywords a netrc entry's first line gives (0 for none), if `text` opens one. */
export function netrcOpening(text: string): number | undefined {
  const m = NETRC_OPEN.exec(text);
  if (!m) return undefined;
  const rest = m[1];
  if (rest === undefined || rest.trim() === '') return 0;
  return netrcPairs(rest)?.seen;
}

/** The keywords and values of a line of netrc keyword pairs, each keyword once, no value a word of prose (see {@link PROSE_VALUES}); undefined for any other line. */
export function netrcPairs(text: string): { seen: number; values: NetrcValue[] } | undefined {
  const words = [...text.matchAll(WORD)];
  if (words.length === 0 || words.length % 2 !== 0) return undefined;
  let seen = 0;
  const values: NetrcValue[] = [];
  for (let k = 0; k < words.length; k += 2) {
    const keyword = (words[k] as RegExpMatchArray)[0];
    const bit = NETRC_KEYWORDS.get(keyword);
    if (bit === undefined || (seen & bit) !== 0) return undefined;
    seen |= bit;
    const word = words[k + 1] as RegExpMatchArray;
    if (PROSE_VALUES.has(word[0])) return undefined;
    const start = word.index as number;
    values.push({ key: keyword, start, end: start + word[0].length, value: word[0], written: word[0], quoting: 'word' });
  }
  return { seen, values };
}
