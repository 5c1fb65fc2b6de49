/**
 * Words that make a JSON key tell a detector something though no literal of the prefilter holds
 * them: the keywords a keyword-led pattern starts with (`(?i:routing|aba|rtn|...)` of the ABA
 * routing number) and a detector's window keywords (`mobil` of the German phone numbers). Under
 * such a key a value is read as `key: value` (`{"rtn":"011000028"}` reads `rtn: 011000028`).
 *
 * Many of these words are short (`rtn`, `pan`, `cpf`) and lie inside common keys (`span_id`), so
 * a key holds one only as a whole word: keys split into words at every character that is not a
 * letter or digit, where a lower-case letter meets an upper-case one, and before the last capital
 * of a run of them that a lower-case letter follows (`bankRtn` is `bank rtn`, `NHSNumber` is
 * `nhs number`, `aba_routing` is `aba routing`); a keyword of several words (`transit number`)
 * must be as many words in a row. The raw-line prefilter looks for the same words with {@link keyWordNet}, a wider
 * net: every key holding one is in what it catches.
 */
import RE2 from 're2';
import { requiredLiterals, selectivePrefix, type Literal } from './literals.js';
import { asciiFold } from './literal-automaton.js';
import { holdsText } from './literal-scan.js';
import { commonWordsHolding } from './rarity.js';
import { escapeRegex as escape, mayMatchBeforeSecret, withoutCaptures } from './re2-syntax.js';
import type { DetectorSpec } from './pack.js';

/** A keyword-led prefix: one case-insensitive group of alternatives, nothing else. */
const KEYWORD_GROUP = /^(?:\(\?i\)\(\?i?:|\(\?i:)[^()\\^$]*\)$/;
/** A keyword's guard: the start of the input or a character of a negated class before it. */
const GUARD = /\(\?:\^\|\[\^[^\]\\]+\]\)/g;
/** What a key word can be: letters and digits, words apart by a space or `_ # -`. */
const WORDS = /^[\p{L}\p{N}]+(?:[ _#-][\p{L}\p{N}]+)*$/u;
/** Keyword-led prefixes' words need this many characters, window keywords more (`api` is in paths everywhere). */
const MIN_PREFIX_WORD = 3;
const MIN_WINDOW_WORD = 4;

/**
 * The key words of `detectors`, lower case, each once: of a keyword-led pattern that can reach a
 * value read under its key (see reachesValue), its leading keywords (without their quotes and
 * separators, see bareWord); of every detector, its window
 * keywords that are words (one ending in a colon counts without it: the key reads `tel: ...`;
 * `host=` never stands in a key) and that no literal the pattern requires holds or is part of
 * (`akia` of a pattern that needs `AKIA` is in the value).
 */
export function keyWordsOf(detectors: readonly Pick<DetectorSpec, 'regex' | 'keywords'>[]): string[] {
  const out = new Set<string>();
  const add = (word: string, min: number): void => {
    const w = word.toLowerCase();
    if ([...w].length >= min && WORDS.test(w)) out.add(w);
  };
  for (const d of detectors) {
    const led = selectivePrefix(d.regex);
    const prefix = unguarded(led);
    if (prefix && KEYWORD_GROUP.test(prefix) && reachesValue(d.regex.slice((led as string).length))) {
      for (const l of requiredLiterals(prefix, 1) ?? []) if (l.nocase) add(bareWord(l.text), MIN_PREFIX_WORD);
    }
    const own = (requiredLiterals(d.regex) ?? []).map((l) => l.text.toLowerCase());
    for (const k of d.keywords ?? []) {
      const word = (k.endsWith(':') ? k.slice(0, -1) : k).toLowerCase();
      if (!own.some((l) => l.includes(word) || word.includes(l))) add(word, MIN_WINDOW_WORD);
    }
  }
  return [...out].sort();
}

/**
 * False when what a keyword-led pattern requires after its keywords (`rest`), up to its secret,
 * can match no space: a secret read under its key (`key: value`) is then never reached from a
 * keyword in the key (`(?i:https?)://...` of a webhook URL, whose `http` stands in many keys,
 * `http.status_code`); a match wholly inside the key finds no secret in the value. True where
 * `rest` cannot be read.
 */
function reachesValue(rest: string): boolean {
  return mayMatchBeforeSecret(rest, ' ');
}

/**
 * `prefix` without the guards some of its keywords have before them (`(?:^|[^:])secret`: not the
 * `:secret:` of an ARN); the keyword is the same word in a key.
 */
function unguarded(prefix: string | undefined): string | undefined {
  return prefix?.replace(GUARD, '');
}

/**
 * A leading keyword as a key holds it: without the quotes and the separator it is written with in
 * text (`"sin"`, `sin:`, `tin=`, `ss#`, `tel.` are the keys `sin`, `tin`, `ss`, `tel`).
 */
function bareWord(keyword: string): string {
  return keyword.replace(/^["']|[\s"':=#.]+$/g, '');
}

/** The words of a key or a keyword, lower case (see the module comment). */
export function wordsOf(text: string): string[] {
  return text
    .replace(/(\p{Ll})(?=\p{Lu})/gu, '$1 ')
    .replace(/(\p{Lu})(?=\p{Lu}\p{Ll})/gu, '$1 ')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

/** Tells whether a key holds one of the key words (as whole words, see the module comment). */
export class KeyWords {
  readonly #words: string[][];

  constructor(words: readonly string[]) {
    this.#words = words.map(wordsOf).filter((w) => w.length > 0);
  }

  get size(): number {
    return this.#words.length;
  }

  holds(key: string): boolean {
    if (this.#words.length === 0) return false;
    const words = wordsOf(key);
    return this.#words.some((kw) => {
      for (let i = 0; i + kw.length <= words.length; i++) {
        if (kw.every((w, j) => words[i + j] === w)) return true;
      }
      return false;
    });
  }
}

/**
 * The members that name a name-value object's value (see namedValue in members.ts): `key` and
 * `name` of env lists, tags and OTLP attributes, `ParameterKey` of CloudFormation parameters (as
 * CloudTrail writes CreateStack), `OptionName` of Elastic Beanstalk option settings, `field` of
 * Spring's validation errors, `displayName` of the properties an Entra ID (Azure AD) audit event
 * says it modified (`{"displayName":"StreetAddress","oldValue":...,"newValue":...}`).
 */
export const NAMES: readonly string[] = ['key', 'name', 'Key', 'Name', 'parameterKey', 'ParameterKey', 'optionName', 'OptionName', 'field', 'displayName'];

/** The name member of a name-value object in a raw line (see namedValue in members.ts), up to its string's opening quote. */
export const NAME_MEMBER = `["'](?:${NAMES.join('|')})["'][ \\t\\r]*:[ \\t\\r]*`;

/**
 * A pattern matching where `pattern` lies in a JSON key: it, the rest of the string, its closing
 * quote and a colon; or in the name of a name-value object (`{"name":"ssn","value":...}`, see
 * namedValue in members.ts). The pattern appears twice, so its groups lose their names.
 */
export function inKeyPattern(pattern: string): string {
  const p = withoutCaptures(pattern) ?? pattern;
  return `(?:${p})[^"\\n]*"[ \\t\\r]*:|${NAME_MEMBER}["'][^"'\\n]*(?:${p})`;
}

/**
 * Tests of where something lies in a JSON key of a raw line, by index: a pattern (made by
 * {@link inKeyPattern} or {@link keyWordInKey}), compiled on first use; one made of a literal is
 * answered on ASCII input without it (see {@link literalInKey}).
 */
export class InKeyTests {
  readonly #patterns: Array<string | RE2 | undefined> = [];
  readonly #literals: Array<{ text: string | undefined; nocase: boolean } | undefined> = [];

  /** Test `i` is `pattern`. */
  pattern(i: number, pattern: string): void {
    this.#patterns[i] = pattern;
  }

  /** Test `i` is {@link inKeyPattern} of `source`, a prefilter literal's pattern: `literal`, when it is one. */
  literal(i: number, source: string, literal: Literal | undefined): void {
    this.#patterns[i] = inKeyPattern(source);
    if (literal && literal.text.length > 0) this.#literals[i] = { text: asciiFold(literal.text, literal.nocase), nocase: literal.nocase };
  }

  /**
   * Whether one of the tests `list` names holds in `input` (see {@link InKeyTests.holds}). An
   * ASCII line is put in lower case once for the literals matched without case: V8 lowers a
   * 300-byte line in about 0.2 us and then finds a literal in it natively, where a byte-by-byte
   * search without case costs about 0.6 us per literal.
   */
  holdsAny(list: readonly number[] | undefined, input: string | Buffer, ascii: boolean): boolean {
    if (!list) return false;
    let lower: string | undefined;
    for (const i of list) {
      const literal = this.#literals[i];
      if (literal?.nocase && ascii && literal.text !== undefined) lower ??= (input as Buffer).toString('latin1').toLowerCase();
      if (this.holds(i, input, ascii, lower)) return true;
    }
    return false;
  }

  /**
   * Whether test `i` holds in `input` (false where there is none). `ascii`: `input` is a Buffer of
   * ASCII bytes (see {@link literalInKey}), `lower` the same in lower case where the caller has it.
   */
  holds(i: number, input: string | Buffer, ascii: boolean, lower?: string): boolean {
    const literal = this.#literals[i];
    if (literal && ascii) return literalInKey(input as Buffer, literal.text, literal.nocase, lower);
    let re = this.#patterns[i];
    if (re === undefined) return false;
    if (typeof re === 'string') this.#patterns[i] = re = new RE2(re, 'u');
    return re.test(input);
  }
}

const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const NL = 0x0a;
const COLON = 0x3a;

/**
 * {@link inKeyPattern} of a literal, answered for ASCII input without a regex (the same answers,
 * which the tests compare). `text`: the literal as ASCII input holds it, lower case where
 * `nocase` (see asciiFold); undefined when no ASCII input can hold it. Every place the literal
 * occurs is tried: the rest of the string, its closing quote and a colon after it, or a string
 * it lies in opening right after a name member before it.
 */
export function literalInKey(input: Buffer, text: string | undefined, nocase: boolean, lower?: string): boolean {
  if (text === undefined || text.length === 0) return false;
  // Without case, the places are looked up in the input in lower case when the caller has it
  // (InKeyTests.holdsAny lowers a line once for all its literals), else byte by byte.
  const where = nocase ? lower : input;
  for (let at = where ? where.indexOf(text) : indexOfFolded(input, text, 0); at !== -1; at = where ? where.indexOf(text, at + 1) : indexOfFolded(input, text, at + 1)) {
    if (closesKey(input, at + text.length) || opensNamed(input, at)) return true;
  }
  return false;
}

/** The first place from `from` where ASCII `input` holds `text` (ASCII, lower case) without case, or -1. */
export function indexOfFolded(input: Buffer, text: string, from: number): number {
  const first = text.charCodeAt(0);
  const other = first >= 0x61 && first <= 0x7a ? first - 0x20 : first;
  for (let at = from, last = input.length - text.length; at <= last; at++) {
    const c = input[at] as number;
    if ((c === first || c === other) && holdsText(input, at, text, true)) return at;
  }
  return -1;
}

/** `[^"\n]*"[ \t\r]*:` from `from`. */
function closesKey(input: Buffer, from: number): boolean {
  let j = from;
  while (j < input.length && input[j] !== QUOTE) {
    if (input[j] === NL) return false;
    j += 1;
  }
  if (j >= input.length) return false;
  j = skipSpace(input, j + 1, 1);
  return input[j] === COLON;
}

/** {@link NAME_MEMBER}`["'][^"'\n]*` ending at `end`: read backwards from it. */
function opensNamed(input: Buffer, end: number): boolean {
  let j = end - 1;
  while (j >= 0 && input[j] !== QUOTE && input[j] !== APOSTROPHE) {
    if (input[j] === NL) return false;
    j -= 1;
  }
  if (j < 0) return false;
  j = skipSpace(input, j - 1, -1);
  if (input[j] !== COLON) return false;
  j = skipSpace(input, j - 1, -1);
  if (!isQuote(input[j])) return false;
  for (const word of NAMES) {
    const at = j - word.length;
    if (at >= 1 && isQuote(input[at - 1]) && holdsText(input, at, word, false)) return true;
  }
  return false;
}


/** From `j`, in `step`'s direction, past spaces, tabs and carriage returns. */
function skipSpace(input: Buffer, j: number, step: 1 | -1): number {
  let k = j;
  while (k >= 0 && k < input.length && (input[k] === 0x20 || input[k] === 0x09 || input[k] === 0x0d)) k += step;
  return k;
}

function isQuote(c: number | undefined): boolean {
  return c === QUOTE || c === APOSTROPHE;
}

/**
 * An RE2 pattern matching wherever `word` may stand as whole words in a key of a raw line (it
 * matches more): its first word after a character that is no ASCII letter or digit, or
 * capitalized after a lower-case one or before one after a capital (a word starting with another
 * letter: anywhere); its words apart by anything but ASCII letters and digits, or nothing; its
 * last word before anything but an ASCII lower-case letter or digit. (ASCII classes keep a set of
 * many such patterns small; other characters count as separators, which only widens the net.)
 */
export function keyWordNet(word: string): string {
  return `${wordsPattern(word)}(?:[^a-z0-9]|$)`;
}

/**
 * As {@link keyWordNet}, where the word lies in a JSON key (the rest of the key, its closing quote
 * and a colon follow) or in the name of a name-value object (`{"name":"bank_rtn","value":...}`).
 */
export function keyWordInKey(word: string): string {
  const words = wordsPattern(word);
  return `${words}(?:[^a-z0-9"\\n][^"\\n]*)?"[ \\t\\r]*:|${NAME_MEMBER}(?:["'][^"'\\n]*)?${words}`;
}

/**
 * {@link keyWordNet} as the literal scan runs it (see literal-scan.ts): one of its words, which
 * each of its matches holds without case, and whether it matches an ASCII input with that word at
 * `start`, tested without a regex (the same conditions). The word is the one fewest common log
 * words hold (see rarity.ts; a word of digits counts as held by all), the last of those: the
 * scan tests the net wherever its word occurs, and `id` of `id nr` stood twice on every line of
 * the benchmark's JSON lines (`user_id`), `nr` on one in a thousand.
 */
export function keyWordAnchor(word: string): { text: string; holdsAt: (input: Buffer, start: number) => boolean } {
  const words = wordsOf(word);
  // Compared without case as `(?i)` reads them in ASCII input (the long s is an s); a word
  // that ASCII input cannot hold (`numéro`) makes a net that never matches it.
  const folded = words.map((w) => asciiFold(w, true));
  if (folded.some((w) => w === undefined)) return { text: folded[0] ?? words[0] ?? '', holdsAt: () => false };
  const all = folded as string[];
  // Digits stand on most lines (times, ids, counts).
  const held = all.map((w) => (/^\d+$/.test(w) ? Infinity : commonWordsHolding(w)));
  const k = held.reduce((best, n, i) => (n <= (held[best] as number) ? i : best), 0);
  return { text: all[k] as string, holdsAt: (input, start) => netAt(words, all, k, input, start) };
}

/**
 * Whether the net of `words` (`folded` as compared) matches `input` with word `k` at `start`: the
 * words after it, each after separators or none, and no lower-case letter or digit after the last;
 * the words before it, back to the first, which starts as wordsPattern has it.
 */
function netAt(words: readonly string[], folded: readonly string[], k: number, input: Buffer, start: number): boolean {
  let i = start + (folded[k] as string).length;
  for (let j = k + 1; j < folded.length; j++) {
    const w = folded[j] as string;
    while (isSeparator(byteAt(input, i))) i++;
    if (!holdsText(input, i, w, true)) return false;
    i += w.length;
  }
  const after = byteAt(input, i);
  if (after !== -1 && (isLower(after) || isDigit(after))) return false;
  // Words hold no separator: the separators before a word are all those that stand there.
  let s = start;
  for (let j = k - 1; j >= 0; j--) {
    const w = folded[j] as string;
    while (isSeparator(byteAt(input, s - 1))) s--;
    s -= w.length;
    if (!holdsText(input, s, w, true)) return false;
  }
  const first = words[0] as string;
  const before = byteAt(input, s - 1);
  const head = first.charCodeAt(0);
  if (isLower(head)) {
    // After a separator; capitalized after a lower-case letter; capitalized, with its second letter as written, after a capital.
    const capital = byteAt(input, s) === head - 0x20;
    const second = first.charCodeAt(1);
    return isSeparator(before) || (isLower(before) && capital) || (isUpper(before) && capital && isLower(second) && byteAt(input, s + 1) === second);
  }
  // A word led by a digit after a separator; one led by another letter (`ſ`, the long s) anywhere.
  return !isDigit(head) || isSeparator(before);
}

/**
 * The byte at `i`, -1 before or after the input. A function of its own: a closure over the input,
 * made per call of netAt, was 5.6 % of the bytes the batch function allocated (sampled).
 */
const byteAt = (input: Buffer, i: number): number => input[i] ?? -1;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
/** A character that is no ASCII letter or digit (not the -1 that stands for before or after the input). */
const isSeparator = (c: number): boolean => c !== -1 && !isLower(c) && !isUpper(c) && !isDigit(c);

function wordsPattern(word: string): string {
  const words = wordsOf(word);
  const first = words[0] ?? '';
  const head = first[0] ?? '';
  // After a separator; capitalized after a lower-case letter (`bankRtn`), or after a capital with
  // a lower-case letter next (`ABARouting`); a word starting with another letter, anywhere.
  const second = first[1] ?? '';
  const afterCapital = /^[a-z]$/.test(second) ? `|[A-Z]${capitals(head)}${second}(?i:${escape(first.slice(2))})` : '';
  const start = /^[a-z]$/.test(head)
    ? `(?:[^A-Za-z0-9](?i:${escape(first)})|[a-z]${capitals(head)}(?i:${escape(first.slice(1))})${afterCapital})`
    : /^[0-9]$/.test(head)
      ? `[^A-Za-z0-9](?i:${escape(first)})`
      : `(?i:${escape(first)})`;
  return start + words.slice(1).map((w) => `[^A-Za-z0-9]*(?i:${escape(w)})`).join('');
}

/**
 * The upper-case letters that lower to `head` (an ASCII letter), as a class: its capital, and the
 * Kelvin sign for `k` (`\u212Aey` lowers to `key`).
 */
function capitals(head: string): string {
  return head === 'k' ? '[K\\x{212A}]' : head.toUpperCase();
}
