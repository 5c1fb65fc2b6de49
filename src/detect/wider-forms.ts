/**
 * Wider forms of an RE2 pattern: patterns that match wherever it does, each of its matches holding
 * one of theirs, and that an automaton holding many patterns follows more cheaply. The line
 * prefilter holds a structural pattern so (see Prefilter.#widen) and checks a line such a form
 * passes with the whole pattern.
 */
import { minLength, parseRegex, topConcat, type RegexFlags, type RegexNode } from './re2-syntax.js';

/** A negated character class repeated from zero up to 8 or more times (lazily or not): a gap. */
const BOUNDED_GAP = /(\[\^(?:\\.|[^\]\\])*\])\{0,([89]|[1-9]\d+)\}(\??)/g;

/**
 * `source` with each gap (a negated class repeated up to 8 or more times, `[^0-9\n]{0,30}?`) left
 * unbounded (`[^0-9\n]*?`): a pattern that matches wherever `source` does, and whose automaton
 * counts nothing. `longerThan`: only the gaps whose bound is more than that. A pattern holding a
 * POSIX class or a `\Q...\E` run is given back as it is.
 */
export function unboundedGaps(source: string, longerThan = 0): string {
  // Read as text, a POSIX class (`[^[:alpha:]{0,9}]`) or a quoted run (`\Q[^a]{0,9}\E`) would pass
  // for a gap and be rewritten into a pattern that matches less: such a pattern is left as it is.
  if (/\[:\^?[a-z]+:\]|\\Q/.test(source)) return source;
  return source.replace(BOUNDED_GAP, (m: string, cls: string, bound: string, lazy: string, at: number) =>
    escapedAt(source, at) || Number(bound) <= longerThan ? m : `${cls}*${lazy}`,
  );
}

/** True when the character at `at` of a pattern is escaped (an odd run of backslashes before it). */
function escapedAt(pattern: string, at: number): boolean {
  let n = 0;
  while (at - n - 1 >= 0 && pattern[at - n - 1] === '\\') n++;
  return n % 2 === 1;
}

/**
 * What follows the first gap (see {@link unboundedGaps}) of a pattern that is one concatenation
 * with something before the gap (`(?i:aba|routing)[^0-9\n]{0,30}?\b\d{9}\b` gives `\b\d{9}\b`),
 * its own gaps unbounded and the flags in force at the gap before it: a pattern that matches
 * wherever `source` does, its match lying within. Undefined when there is no such gap, or when the
 * tail can match fewer than `min` characters (it would match far more often than the pattern).
 */
export function gapTail(source: string, min = 8): string | undefined {
  const root = topConcat(source);
  if (!root) return undefined;
  const k = root.items.findIndex((item, at) => at > 0 && isGap(item));
  if (k === -1 || k === root.items.length - 1) return undefined;
  const gap = root.items[k] as Extract<RegexNode, { type: 'repeat' }>;
  return rest(unboundedGaps(source.slice(root.ends[k] as number)), (gap.child as Extract<RegexNode, { type: 'set' }>).flags, min);
}

/**
 * The pattern from its first run of two literal characters or more (`Q~` of
 * `[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}`), at its top level or inside a group there, when
 * what stands before the run takes a character: the rest of the pattern, with the flags in force at
 * the run. It matches wherever `source` does, within its match. Undefined when there is no such
 * run, or when what follows can match fewer than `min` characters.
 */
export function literalSuffix(source: string, min = 8): string | undefined {
  const root = topConcat(source);
  if (!root) return undefined;
  for (let k = 0; k < root.items.length; k++) {
    const item = root.items[k] as RegexNode;
    let run: RegexNode;
    let after: string;
    if (startsRun(root.items, k)) {
      // A pattern that starts with its run has nothing before it to leave out.
      if (k === 0) return undefined;
      run = item;
      after = source.slice(root.ends[k - 1]);
    } else if (item.type === 'group' && item.child.type === 'concat') {
      // A group that sets its own flags (`(?-i:...)`) would give them to what follows it too.
      if (/^\(\?[imsU-]+:/.test(source.slice(k === 0 ? 0 : root.ends[k - 1]))) continue;
      const inner = item.child;
      const j = inner.items.findIndex((_, at) => startsRun(inner.items, at));
      if (j === -1) continue;
      if (j === 0) return undefined;
      // The rest of the group without its closing parenthesis, then what follows the group.
      const close = (root.ends[k] as number) - 1;
      if (source[close] !== ')') return undefined;
      run = inner.items[j] as RegexNode;
      after = source.slice(inner.ends[j - 1], close) + source.slice(close + 1);
    } else continue;
    // What stands before the run must take a character, or nothing is left out.
    return rest(after, (run as Extract<RegexNode, { type: 'literal' }>).flags, min, minLength(root));
  }
  return undefined;
}

/**
 * `source`, a part of a pattern, as a pattern of its own under the flags in force where it stood;
 * undefined when it can match fewer than `min` characters, or `below` or more.
 */
function rest(source: string, flags: RegexFlags, min: number, below = Infinity): string | undefined {
  const set = `${flags.i ? 'i' : ''}${flags.s ? 's' : ''}${flags.m ? 'm' : ''}`;
  const pattern = (set ? `(?${set})` : '') + source;
  try {
    const length = minLength(parseRegex(pattern).root);
    return length >= min && length < below ? pattern : undefined;
  } catch {
    return undefined;
  }
}

/** True when `items[at]` starts two literal characters or more. */
function startsRun(items: readonly RegexNode[], at: number): boolean {
  const item = items[at] as RegexNode;
  return item.type === 'literal' && (item.text.length >= 2 || items[at + 1]?.type === 'literal');
}

/** A negated class repeated from zero up to 8 or more times, as {@link BOUNDED_GAP} finds one. */
function isGap(node: RegexNode): boolean {
  return node.type === 'repeat' && node.min === 0 && node.max >= 8 && node.max !== Infinity && node.child.type === 'set' && node.child.source.startsWith('[^');
}
