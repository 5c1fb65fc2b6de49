/**
 * A small parser of RE2 / Go regexp syntax: enough structure to number capture groups the way RE2
 * does (escaped parentheses, parentheses inside character classes, `(?:`, flag groups and named
 * groups), to rename one of them, and to generate a string the expression matches.
 *
 * It parses only expressions RE2 has already compiled, so it is lenient where RE2 is strict. Single
 * characters that are not plain literals (classes, `.`, `\d`, `\pL`, ...) keep their source text:
 * what they match is asked of RE2 itself rather than reimplemented here.
 */
import RE2 from 're2';

/** Inline flags in force at a node (`(?i)`, `(?s)`, ...). */
export interface RegexFlags {
  i: boolean;
  s: boolean;
  m: boolean;
}

export type RegexNode =
  /** Literal text, and the flags that apply to it (`i`: compared without case). */
  | { type: 'literal'; text: string; flags: RegexFlags }
  /** One character out of a set: its source (`[a-z]`, `\d`, `.`) and the flags that apply to it. */
  | { type: 'set'; source: string; flags: RegexFlags }
  | { type: 'assert'; source: string }
  | { type: 'group'; capture?: number; child: RegexNode }
  /** A sequence; `ends[k]` is the source offset just past item k. */
  | { type: 'concat'; items: RegexNode[]; ends: number[] }
  | { type: 'alt'; items: RegexNode[] }
  | { type: 'repeat'; child: RegexNode; min: number; max: number };

/** A capture group's position in the source: `open` is the opener (`(` or `(?P<name>`). */
export interface CaptureGroup {
  index: number;
  name?: string;
  openStart: number;
  openEnd: number;
}

export interface ParsedRegex {
  root: RegexNode;
  groups: CaptureGroup[];
}

const REPEAT = /^\{(\d+)(,(\d*))?\}/;
const ESCAPED_LITERALS: Readonly<Record<string, string>> = { a: '\x07', f: '\f', t: '\t', n: '\n', r: '\r', v: '\v' };
const CLASS_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W', 'p', 'P', 'C']);
const ASSERT_ESCAPES = new Set(['b', 'B', 'A', 'z']);

/** Parses an RE2 expression (one that RE2 accepts). */
export function parseRegex(source: string): ParsedRegex {
  const groups: CaptureGroup[] = [];
  let pos = 0;

  const parseAlt = (flags: RegexFlags): RegexNode => {
    const items = [parseConcat(flags)];
    while (source[pos] === '|') {
      pos++;
      items.push(parseConcat(flags));
    }
    return items.length === 1 ? (items[0] as RegexNode) : { type: 'alt', items };
  };

  const parseConcat = (flags: RegexFlags): RegexNode => {
    const items: RegexNode[] = [];
    const ends: number[] = [];
    while (pos < source.length && source[pos] !== '|' && source[pos] !== ')') {
      const atom = parseAtom(flags);
      if (atom) {
        items.push(parseRepeats(atom));
        ends.push(pos);
      }
    }
    return items.length === 1 ? (items[0] as RegexNode) : { type: 'concat', items, ends };
  };

  const parseRepeats = (atom: RegexNode): RegexNode => {
    let node = atom;
    for (;;) {
      const c = source[pos];
      let min: number;
      let max: number;
      if (c === '*') [min, max, pos] = [0, Infinity, pos + 1];
      else if (c === '+') [min, max, pos] = [1, Infinity, pos + 1];
      else if (c === '?') [min, max, pos] = [0, 1, pos + 1];
      else {
        const m = c === '{' ? REPEAT.exec(source.slice(pos)) : null;
        if (!m) return node;
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        pos += m[0].length;
      }
      if (source[pos] === '?') pos++; // non-greedy: same language
      node = { type: 'repeat', child: node, min, max };
    }
  };

  /** One atom, or undefined for a flag setting `(?i)` (which changes `flags` in place). */
  const parseAtom = (flags: RegexFlags): RegexNode | undefined => {
    const start = pos;
    const c = source[pos] as string;
    if (c === '(') return parseGroup(flags);
    if (c === '[') {
      pos = classEnd(source, pos);
      return { type: 'set', source: source.slice(start, pos), flags: { ...flags } };
    }
    if (c === '.') {
      pos++;
      return { type: 'set', source: '.', flags: { ...flags } };
    }
    if (c === '^' || c === '$') {
      pos++;
      return { type: 'assert', source: c };
    }
    if (c === '\\') return parseEscape(flags);
    // A code point, not a UTF-16 unit: astral characters stay whole.
    const ch = String.fromCodePoint(source.codePointAt(pos) as number);
    pos += ch.length;
    return { type: 'literal', text: ch, flags: { ...flags } };
  };

  const parseEscape = (flags: RegexFlags): RegexNode => {
    const start = pos;
    const e = source[pos + 1] ?? '';
    if (e === 'Q') {
      const end = source.indexOf('\\E', pos + 2);
      const text = source.slice(pos + 2, end === -1 ? source.length : end);
      pos = end === -1 ? source.length : end + 2;
      return { type: 'literal', text, flags: { ...flags } };
    }
    pos = escapeEnd(source, pos);
    const raw = source.slice(start, pos);
    if (ASSERT_ESCAPES.has(e)) return { type: 'assert', source: raw };
    if (CLASS_ESCAPES.has(e)) return { type: 'set', source: raw, flags: { ...flags } };
    return { type: 'literal', text: escapedChar(raw), flags: { ...flags } };
  };

  const parseGroup = (outer: RegexFlags): RegexNode | undefined => {
    const openStart = pos;
    let flags = outer;
    let capture: number | undefined;
    let name: string | undefined;
    const named = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(source.slice(pos));
    const flagged = /^\(\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(source.slice(pos));
    if (named) {
      name = named[1];
      pos += named[0].length;
      capture = groups.length + 1;
    } else if (flagged) {
      pos += flagged[0].length;
      const set = flagged[1] ?? '';
      const clear = flagged[2] ?? '';
      const apply = (f: RegexFlags): RegexFlags => ({
        i: clear.includes('i') ? false : set.includes('i') || f.i,
        s: clear.includes('s') ? false : set.includes('s') || f.s,
        m: clear.includes('m') ? false : set.includes('m') || f.m,
      });
      if (flagged[3] === ')') {
        // (?i) changes the flags of the rest of the enclosing group.
        Object.assign(outer, apply(outer));
        return undefined;
      }
      flags = apply(outer);
    } else {
      pos++;
      capture = groups.length + 1;
    }
    if (capture !== undefined) {
      groups.push({ index: capture, openStart, openEnd: pos, ...(name !== undefined ? { name } : {}) });
    }
    const child = parseAlt({ ...flags });
    pos++; // ')'
    return capture !== undefined ? { type: 'group', capture, child } : { type: 'group', child };
  };

  const root = parseAlt({ i: false, s: false, m: false });
  return { root, groups };
}

/** Index just past the character class that opens at `start`. */
function classEnd(source: string, start: number): number {
  let pos = start + 1;
  if (source[pos] === '^') pos++;
  if (source[pos] === ']') pos++; // a leading ']' is a literal
  while (pos < source.length && source[pos] !== ']') {
    if (source.startsWith('[:', pos)) {
      const end = source.indexOf(':]', pos + 2);
      pos = end === -1 ? pos + 1 : end + 2;
    } else if (source[pos] === '\\') {
      pos = escapeEnd(source, pos);
    } else {
      pos++;
    }
  }
  return pos + 1;
}

/** Index just past the escape sequence that starts (with its backslash) at `start`. */
function escapeEnd(source: string, start: number): number {
  const e = source[start + 1] ?? '';
  let pos = start + 2;
  if ((e === 'p' || e === 'P' || e === 'x') && source[pos] === '{') {
    const end = source.indexOf('}', pos);
    return end === -1 ? source.length : end + 1;
  }
  if (e === 'p' || e === 'P') return pos + 1;
  if (e === 'x') return pos + 2;
  if (e >= '0' && e <= '7') {
    while (pos < start + 4 && /[0-7]/.test(source[pos] ?? '')) pos++;
    return pos;
  }
  // An escaped non-ASCII character is one code point.
  return start + 1 + String.fromCodePoint(source.codePointAt(start + 1) ?? 0).length;
}

/** The character an escape such as `\x60`, `\x{263a}`, `\101`, `\n` or `\.` stands for. */
function escapedChar(raw: string): string {
  const e = raw[1] ?? '';
  if (e === 'x') return String.fromCodePoint(parseInt(raw.slice(2).replace(/[{}]/g, ''), 16));
  if (e >= '0' && e <= '7') return String.fromCodePoint(parseInt(raw.slice(1), 8));
  return ESCAPED_LITERALS[e] ?? raw.slice(1);
}

/** The fewest characters a node can match. */
export function minLength(node: RegexNode): number {
  switch (node.type) {
    case 'literal':
      return node.text.length;
    case 'set':
      return 1;
    case 'assert':
      return 0;
    case 'group':
      return minLength(node.child);
    case 'concat':
      return node.items.reduce((n, item) => n + minLength(item), 0);
    case 'alt':
      return Math.min(...node.items.map(minLength));
    case 'repeat':
      return node.min === 0 ? 0 : node.min * minLength(node.child);
  }
}

/** The group node of capture `index`, if any. */
export function findCapture(node: RegexNode, index: number): RegexNode | undefined {
  if (node.type === 'group' && node.capture === index) return node;
  const children = node.type === 'group' || node.type === 'repeat' ? [node.child] : node.type === 'concat' || node.type === 'alt' ? node.items : [];
  for (const child of children) {
    const found = findCapture(child, index);
    if (found) return found;
  }
  return undefined;
}

/**
 * True when capture `index` lies inside a repeat that can match more than once (`(x{4}-){3}`,
 * `(\w)+`): RE2 reports the text of its last repetition only, not all that the repeat matched.
 */
export function captureRepeats(node: RegexNode, index: number, repeated = false): boolean {
  if (node.type === 'group' && node.capture === index) return repeated;
  switch (node.type) {
    case 'group':
      return captureRepeats(node.child, index, repeated);
    case 'repeat':
      return captureRepeats(node.child, index, repeated || node.max > 1);
    case 'concat':
    case 'alt':
      return node.items.some((item) => captureRepeats(item, index, repeated));
    default:
      return false;
  }
}

/** True when capture `index` takes part in every match (no alternation or optional repeat above it). */
export function captureAlwaysTakesPart(node: RegexNode, index: number): boolean {
  if (node.type === 'group' && node.capture === index) return true;
  switch (node.type) {
    case 'group':
      return captureAlwaysTakesPart(node.child, index);
    case 'repeat':
      return node.min > 0 && captureAlwaysTakesPart(node.child, index);
    case 'concat':
      return node.items.some((item) => captureAlwaysTakesPart(item, index));
    case 'alt':
      return node.items.every((item) => captureAlwaysTakesPart(item, index));
    default:
      return false;
  }
}

/**
 * Renames capture `index` (when given) to `name` (as `(?P<name>`). Any other group already called
 * `name` becomes non-capturing, so the name stays unique and means only the group asked for.
 */
export function nameCapture(source: string, parsed: ParsedRegex, index: number | undefined, name: string): string {
  const edits = parsed.groups
    .filter((g) => g.index === index || g.name === name)
    .map((g) => ({ g, opener: g.index === index ? `(?P<${name}>` : '(?:' }))
    .sort((a, b) => b.g.openStart - a.g.openStart);
  let out = source;
  for (const { g, opener } of edits) out = out.slice(0, g.openStart) + opener + out.slice(g.openEnd);
  return out;
}

/**
 * The same expression with every capture group made non-capturing: a search that needs only where
 * the whole match is runs several times faster without submatches. Undefined when it cannot parse.
 */
export function withoutCaptures(source: string): string | undefined {
  let parsed: ParsedRegex;
  try {
    parsed = parseRegex(source);
  } catch {
    return undefined;
  }
  let out = source;
  for (const g of [...parsed.groups].sort((a, b) => b.openStart - a.openStart)) out = out.slice(0, g.openStart) + '(?:' + out.slice(g.openEnd);
  return out;
}

/**
 * The expression as its leading non-capturing group (`(?:^|[^\w-])`) and the rest, when it is one
 * concatenation that starts with such a group (no flags before it, no quantifier after it, no `|`
 * outside it): what `lead + rest` matches is what it matches. Undefined otherwise.
 */
export function splitLeadingGroup(source: string): { lead: string; rest: string } | undefined {
  if (!source.startsWith('(?:')) return undefined;
  const root = topConcat(source);
  if (!root) return undefined;
  const first = root.items[0] as RegexNode;
  if (first.type !== 'group' || first.capture !== undefined) return undefined;
  const end = root.ends[0] as number;
  return end < source.length ? { lead: source.slice(0, end), rest: source.slice(end) } : undefined;
}

/** The expression's top level when it is one concatenation; undefined when it is not, or cannot be read. */
export function topConcat(source: string): Extract<RegexNode, { type: 'concat' }> | undefined {
  try {
    const { root } = parseRegex(source);
    return root.type === 'concat' ? root : undefined;
  } catch {
    return undefined;
  }
}

/** The expression parsed, with its `secret` group (undefined without one); undefined when it cannot be read. */
export function parseWithSecret(source: string): { parsed: ParsedRegex; secret: CaptureGroup | undefined } | undefined {
  try {
    const parsed = parseRegex(source);
    return { parsed, secret: parsed.groups.find((g) => g.name === 'secret') };
  } catch {
    return undefined;
  }
}

/**
 * True when what the expression requires before its `secret` group (the whole expression, without
 * one) may match the character `c`: the top-level items that start before the group, the one
 * holding it among them. A set's answer is RE2's. True where the expression cannot be read.
 */
export function mayMatchBeforeSecret(source: string, c: string): boolean {
  const read = parseWithSecret(source);
  if (!read) return true;
  const { parsed, secret } = read;
  const root = parsed.root;
  const before = secret === undefined || root.type !== 'concat' ? [root] : root.items.filter((_, k) => (k === 0 ? 0 : (root.ends[k - 1] as number)) < secret.openStart);
  const matches = (n: RegexNode): boolean => {
    switch (n.type) {
      case 'literal':
        return n.text.includes(c);
      case 'set':
        return new RE2(n.source, 'u').test(c);
      case 'assert':
        return false;
      case 'group':
      case 'repeat':
        return matches(n.child);
      case 'concat':
      case 'alt':
        return n.items.some(matches);
    }
  };
  return before.some(matches);
}

/** `text` as an RE2 pattern that matches it literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
