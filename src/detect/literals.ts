/**
 * Required literals of an RE2 pattern: a small set of strings such that every match of the
 * pattern contains at least one of them. A line that holds none of them cannot match, so the
 * prefilter can look for a few hundred short literals (one small automaton) instead of running
 * every detector's full pattern over every line.
 *
 * The analysis parses RE2 syntax and keeps, for each part of the pattern, either its whole (small,
 * finite) language or a set of strings one of which every match contains. It gives up (no
 * literals) wherever it is unsure, so its answer is never wrong, only sometimes missing.
 */

import { BoundedMap } from '../util/bounded-map.js';
import { classChars } from './class-chars.js';
import { parseRegex, type RegexNode } from './re2-syntax.js';

/** A required literal; `nocase` ones are lower case and must be compared without case. */
export interface Literal {
  text: string;
  nocase: boolean;
}

/**
 * Internally a literal is one string: a flag character ('s' exact, 'i' without case, then lower
 * case) followed by its text. Sets of them are plain arrays.
 */
type Lit = string;

interface Info {
  /** Every string the part can match, when that language is small and finite. */
  exact: Lit[] | null;
  /** Strings one of which every match contains; null when nothing is known. */
  required: Lit[] | null;
  /** Size of the part's automaton, roughly: characters and classes, counted repetitions unrolled. */
  weight?: number;
}

/** Largest finite language or required set carried through the analysis. */
const MAX_SET = 64;
/** Classes up to this many characters count as a choice of literals. */
const MAX_CLASS = 8;
/** Required strings are cut to this length: a prefix of a required string is required too. */
const MAX_LITERAL = 24;

const EMPTY_LIT: Lit = 's';
const ANY: Info = { exact: null, required: null };
const EMPTY: Info = { exact: [EMPTY_LIT], required: null };

/**
 * The pattern's required literals, or undefined when none are known or some are shorter than
 * `minLength` UTF-8 bytes (such a pattern needs a regex prefilter). Syntax that cannot be read
 * yields undefined, never an error.
 */
export function requiredLiterals(source: string, minLength = 3): Literal[] | undefined {
  return analyze(source, minLength).literals;
}

/**
 * The required literals (as {@link requiredLiterals}) and the pattern's weight: roughly the size of
 * its automaton (each character or class counts one, counted repetitions are unrolled to their
 * upper bound). Sets of patterns are kept to a total weight that RE2's DFA memory holds.
 */
export function analyze(source: string, minLength = 3): Analysis {
  const key = `a${minLength}\0${source}`;
  const known = analyses.get(key) as Analysis | undefined;
  if (known) return known;
  const found = analyzeNow(source, minLength);
  analyses.set(key, found);
  return found;
}

/** What {@link analyze} tells of a pattern. Shared between callers: never modified. */
export interface Analysis {
  literals: Literal[] | undefined;
  weight: number;
}

/**
 * The answers of {@link analyze} and {@link selectivePrefix} so far, by pattern. The analysis is
 * pure, and a worker thread compiling the policy the main thread compiled asks the same questions:
 * the main thread hands its answers over ({@link sharedAnalyses}, {@link seedAnalyses}), and the
 * worker neither spends ~0.1 s on them nor has the analysis optimized by V8 (~0.4 s of background
 * compilation, taken from the other threads on a busy machine).
 */
const analyses = new BoundedMap<string, Analysis | { prefix: string | undefined }>(8192);

/** The analyses made so far, to give a worker thread ({@link seedAnalyses}). */
export function sharedAnalyses(): Array<[string, Analysis | { prefix: string | undefined }]> {
  return [...analyses.entries()];
}

/** Takes the analyses another thread made ({@link sharedAnalyses}). */
export function seedAnalyses(entries: ReadonlyArray<[string, Analysis | { prefix: string | undefined }]>): void {
  for (const [key, value] of entries) analyses.set(key, value);
}

function analyzeNow(source: string, minLength: number): Analysis {
  const root = parse(source);
  if (!root) return { literals: undefined, weight: source.length };
  const info = infoOf(root);
  const best = bestOf(info);
  const weight = info.weight ?? source.length;
  if (!best || best.some((l) => len(l) < minLength)) return { literals: undefined, weight };
  return { literals: best.map((l) => ({ text: l.slice(1), nocase: l[0] === 'i' })), weight };
}

/**
 * A shorter pattern every match of `source` contains a match of: its leading items, up to the first
 * point where they alone require a literal of `minLength` UTF-8 bytes or more (a keyword list, a
 * vendor prefix).
 * Undefined when there is no such point, or when cutting there would save less than `minSaved`
 * weight. A set of such prefixes is much smaller than one of the whole patterns; a line it passes
 * is then checked with the whole pattern.
 */
export function selectivePrefix(source: string, minLength = 3, minSaved = 20): string | undefined {
  const key = `p${minLength},${minSaved}\0${source}`;
  const known = analyses.get(key) as { prefix: string | undefined } | undefined;
  if (known) return known.prefix;
  const prefix = selectivePrefixNow(source, minLength, minSaved);
  analyses.set(key, { prefix });
  return prefix;
}

function selectivePrefixNow(source: string, minLength: number, minSaved: number): string | undefined {
  const root = parse(source);
  if (root?.type !== 'concat') return undefined;
  const items = root.items.map(infoOf);
  const total = sum(items);
  for (let k = 1; k <= items.length; k++) {
    const head = concat(items.slice(0, k));
    const best = bestOf(head);
    if (best && best.every((l) => len(l) >= minLength)) {
      if (total - (head.weight ?? 0) < minSaved) return undefined;
      return source.slice(0, root.ends[k - 1]);
    }
  }
  return undefined;
}

function parse(source: string): RegexNode | undefined {
  try {
    return parseRegex(source).root;
  } catch {
    return undefined;
  }
}

/** A literal's length in UTF-8 bytes, as RE2 reads the input: `電話` is as rare as a six-letter word. */
const len = (l: Lit): number => Buffer.byteLength(l) - 1;
const lower = (l: Lit): Lit => (l[0] === 'i' ? l : `i${foldCase(l.slice(1))}`);

/**
 * `text` in lower case as RE2's `(?i)` matches it: each character lowered on its own, and kept as
 * written where lowering makes it more than one (`İ` lowers to `i` and a combining dot, which
 * `(?i)İ` does not match).
 */
export function foldCase(text: string): string {
  let out = '';
  for (const c of text) {
    const l = c.toLowerCase();
    out += l.length === c.length ? l : c;
  }
  return out;
}

/** `text` without a surrogate half at either end (a cut through a character RE2 reads whole). */
function wholeChars(text: string): string {
  let from = 0;
  let to = text.length;
  if (to > 0 && /[\uD800-\uDBFF]/.test(text[to - 1] as string)) to--;
  if (to > 0 && /[\uDC00-\uDFFF]/.test(text[0] as string)) from++;
  return text.slice(from, Math.max(from, to));
}

function join(a: Lit, b: Lit): Lit {
  if (len(a) === 0) return b;
  if (len(b) === 0) return a;
  if (a[0] === 's' && b[0] === 's') return a + b.slice(1);
  return lower(a) + lower(b).slice(1);
}

/** True when every string containing `s` contains `k` too. */
function implies(s: Lit, k: Lit): boolean {
  if (k[0] === 's') return s[0] === 's' && s.slice(1).includes(k.slice(1));
  return lower(s).slice(1).includes(k.slice(1));
}

/** Drops every literal that implies another one of the set: holding the weaker one is enough. */
function minimal(set: readonly Lit[]): Lit[] {
  const sorted = [...new Set(set)].sort((a, b) => a.length - b.length);
  const kept: Lit[] = [];
  for (const s of sorted) if (!kept.some((k) => implies(s, k))) kept.push(s);
  return kept;
}

/** A set's worth: the length of its shortest string (0: useless), less a little for its size. */
function score(set: readonly Lit[]): number {
  if (set.length === 0) return 0;
  let min = Infinity;
  for (const s of set) min = Math.min(min, len(s));
  return min === 0 ? 0 : min * 1000 - set.length;
}

function pick(sets: readonly (Lit[] | null)[]): Lit[] | null {
  let best: Lit[] | null = null;
  for (const s of sets) if (s && score(s) > 0 && (!best || score(s) > score(best))) best = s;
  return best;
}

/** The most selective set known for `info`: its language, or its required strings. */
function bestOf(info: Info): Lit[] | null {
  return pick([info.exact ? minimal(info.exact) : null, info.required]);
}

function cross(a: readonly Lit[], b: readonly Lit[]): Lit[] | null {
  if (a.length * b.length > MAX_SET) return null;
  const out = new Set<Lit>();
  for (const x of a) for (const y of b) out.add(join(x, y));
  return [...out];
}

/** Shortens required strings (a required string's prefix is required too). */
function trim(set: Lit[] | null): Lit[] | null {
  return set ? minimal(set.map((s) => s[0] + wholeChars(s.slice(1, MAX_LITERAL + 1)))) : null;
}

function concat(parts: readonly Info[]): Info {
  let run: Lit[] = [EMPTY_LIT];
  let allExact = true;
  const candidates: (Lit[] | null)[] = [];
  for (const p of parts) {
    if (p.exact) {
      const joined = cross(run, p.exact);
      if (joined) run = joined;
      else {
        allExact = false;
        candidates.push(minimal(run));
        run = p.exact;
      }
    } else {
      allExact = false;
      candidates.push(minimal(run), p.required);
      run = [EMPTY_LIT];
    }
  }
  candidates.push(minimal(run));
  return { exact: allExact ? run : null, required: trim(pick(candidates)), weight: sum(parts) };
}

function sum(parts: readonly Info[]): number {
  let w = 0;
  for (const p of parts) w += p.weight ?? 1;
  return w;
}

function weighed(info: Info, weight: number): Info {
  return { ...info, weight };
}

function alternate(alts: readonly Info[]): Info {
  return weighed(alternateSets(alts), sum(alts));
}

function alternateSets(alts: readonly Info[]): Info {
  if (alts.every((a) => a.exact)) {
    const all = [...new Set(alts.flatMap((a) => a.exact as Lit[]))];
    if (all.length <= MAX_SET) return { exact: all, required: null };
  }
  const sets: Lit[][] = [];
  for (const a of alts) {
    const b = bestOf(a);
    if (!b) return ANY;
    sets.push(b);
  }
  return narrowed(sets);
}

/**
 * The union of the alternatives' sets; when it holds too many strings, alternatives are narrowed,
 * each to what its strings share at the start or the end: first those whose shared part is a
 * strong literal of four bytes or more (`date[ _-]?of[ _-]?birth` to `birth`), then, while it is
 * still too many, the others with the most strings first. Narrowing all alike cut `n[ée]e? le`
 * (four strings) to ` le`, which starts many words.
 */
function narrowed(sets: Lit[][]): Info {
  const narrow = sets.map((s) => (s.length > 1 ? shared(s) : s));
  const strong = (i: number): boolean => (narrow[i] as Lit[]).every((l) => len(l) >= 4);
  const order = sets.map((_, i) => i).filter((i) => (sets[i] as Lit[]).length > 1);
  order.sort((a, b) => Number(strong(b)) - Number(strong(a)) || (sets[b] as Lit[]).length - (sets[a] as Lit[]).length);
  let set = minimal(sets.flat());
  const many = set.length > MAX_SET;
  for (const i of order) {
    if (!many || (set.length <= MAX_SET && !strong(i))) break;
    sets[i] = narrow[i] as Lit[];
    set = minimal(sets.flat());
  }
  return set.length <= MAX_SET && score(set) > 0 ? { exact: null, required: trim(set) } : ANY;
}

/** The longer of the strings' common prefix and common suffix (each string contains both). */
function shared(set: readonly Lit[]): Lit[] {
  const nocase = set.some((s) => s[0] === 'i');
  const texts = set.map((s) => (nocase ? lower(s) : s).slice(1));
  const first = texts[0] as string;
  let pre = first.length;
  let suf = first.length;
  for (const t of texts) {
    let i = 0;
    while (i < pre && i < t.length && t[i] === first[i]) i++;
    pre = i;
    let j = 0;
    while (j < suf && j < t.length && t[t.length - 1 - j] === first[first.length - 1 - j]) j++;
    suf = j;
  }
  return [(nocase ? 'i' : 's') + wholeChars(pre >= suf ? first.slice(0, pre) : first.slice(first.length - suf))];
}

function repeat(p: Info, min: number, max: number): Info {
  return weighed(repeatSets(p, min, max), (p.weight ?? 1) * Math.max(1, Number.isFinite(max) ? max : min + 1));
}

function repeatSets(p: Info, min: number, max: number): Info {
  if (min === 0) return max === 1 && p.exact && p.exact.length < MAX_SET ? { exact: [...new Set([...p.exact, EMPTY_LIT])], required: null } : ANY;
  if (p.exact && min === max && min <= 4) {
    let run: Lit[] | null = [EMPTY_LIT];
    for (let i = 0; i < min && run; i++) run = cross(run, p.exact);
    if (run) return { exact: run, required: null };
  }
  return { exact: null, required: bestOf(p) };
}

/** What is known about the strings a parsed node matches. */
function infoOf(node: RegexNode): Info {
  switch (node.type) {
    case 'literal':
      return { exact: [node.flags.i ? `i${foldCase(node.text)}` : `s${node.text}`], required: null };
    case 'set':
      return classInfo(node.source, node.flags.i);
    case 'assert':
      return EMPTY;
    case 'group':
      return infoOf(node.child);
    case 'concat':
      return concat(node.items.map(infoOf));
    case 'alt':
      return alternate(node.items.map(infoOf));
    case 'repeat':
      return repeat(infoOf(node.child), node.min, node.max);
  }
}

/**
 * A character class (`[a-c_]`, `.`, `\\d`) as a choice of literals when it is small enough to list,
 * otherwise nothing known.
 */
function classInfo(source: string, nocase: boolean): Info {
  const chars = classChars(source, MAX_CLASS);
  if (!chars) return ANY;
  const lits = new Set([...chars].map((c) => (nocase ? `i${foldCase(c)}` : `s${c}`)));
  return lits.size === 0 || lits.size > MAX_CLASS ? ANY : { exact: [...lits], required: null };
}
