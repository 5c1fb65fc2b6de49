/**
 * A detector that writes its keywords into its regex, `(?i:ssn|social security)[^0-9\n]{0,30}?`
 * before the value, instead of its `keywords` field: the regex split into those keywords, the
 * window and the value's own part, so that explain can find the value where no keyword stands
 * near enough (a near miss the scan itself never sees, since the whole regex does not match).
 */

export interface KeywordPrefix {
  /** The keywords as written in the regex (case-insensitive). */
  keywords: string[];
  /** The most characters the regex allows between a keyword's end and the value. */
  window: number;
  /** The regex after the gap: the value with the context it reads around it (case-insensitive as the whole was). */
  value: string;
}

const GAP = /^\[\^[^\]]*\]\{0,(\d+)\}\??/;
/**
 * The gap written as optional, for keywords that may touch the value (`sin=245061239`):
 * `(?:[^0-9\n]{0,30}?[^\w-])?`, up to N characters and the one that must stand before the value.
 * A gap that may not run past another key's separator (`[^0-9\n=:]`, so that `is_mobile=true
 * session=4155552671` is no phone) may end in one, with up to three blanks or quotes after it
 * (`phone_number": "`); the window is the gap's.
 */
const OPTIONAL_GAP = /^\(\?:\[\^[^\]]*\]\{0,(\d+)\}\??(\(\?:\(\?:=>\|\[:=\]\)\[ \\t"']\{0,3\}\)\?)?(\[\^[^\]]*\])\)\?/;

/**
 * The keyword prefix of `regex`, when it starts (after an optional `(?i)`) with a group `(?i:a|b)`
 * of plain words and a bounded gap `[^...]{0,N}`, or an optional one (see OPTIONAL_GAP); undefined
 * for any other regex.
 */
export function keywordPrefix(regex: string): KeywordPrefix | undefined {
  const insensitive = regex.startsWith('(?i)');
  let rest = insensitive ? regex.slice(4) : regex;
  if (!rest.startsWith('(?i:')) return undefined;
  const close = groupEnd(rest, 0);
  if (close < 0) return undefined;
  const keywords = splitAlternatives(rest.slice(4, close));
  if (!keywords) return undefined;
  rest = rest.slice(close + 1);
  const optional = OPTIONAL_GAP.exec(rest);
  const gap = optional ?? GAP.exec(rest);
  if (!gap) return undefined;
  // The value as the optional gap leaves it when the keyword stands apart: after its separator.
  const value = optional ? `(?:^|${optional[3] as string})${rest.slice(gap[0].length)}` : rest.slice(gap[0].length);
  // A leading (?i) holds for the value too.
  return value.length === 0 ? undefined : { keywords, window: Number(gap[1]), value: insensitive ? `(?i)${value}` : value };
}

/** The index of the `)` closing the group opened at `open`, or -1. */
function groupEnd(s: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** The alternatives of a group body as plain text, or undefined when one is more than a word. */
function splitAlternatives(body: string): string[] | undefined {
  const out: string[] = [];
  let word = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '\\' && body[i + 1] === 'b' && (word === '' || i + 2 === body.length || body[i + 2] === '|')) {
      // A word boundary at a keyword's start or end (`\baba`: not database's aba) bounds it, as a
      // keyword list's own words are.
      i++;
    } else if (c === '\\') {
      const next = body[i + 1];
      // An escaped punctuation character stands for itself (`tel\.`); other escapes are classes.
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return undefined;
      word += next;
      i++;
    } else if (c === '|') {
      out.push(word);
      word = '';
    } else if ('()[]{}*+?.^$'.includes(c)) {
      return undefined;
    } else {
      word += c;
    }
  }
  out.push(word);
  return out.every((w) => w.length > 0) ? out : undefined;
}
