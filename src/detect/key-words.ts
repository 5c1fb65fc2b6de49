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
import { requiredLiterals, selectivePrefix } from './literals.js';
import { asciiFold } from './literal-automaton.js';
import { holdsText } from './literal-scan.js';
import { commonWordsHolding } from './rarity.js';
import { escapeRegex as escape, mayMatchBeforeSecret } from './re2-syntax.js';
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
 * `:secret:` of an ARN; `\baba`: not database's aba); the keyword is the same word in a key.
 */
function unguarded(prefix: string | undefined): string | undefined {
  return prefix?.replace(GUARD, '').replace(/(?<=\(\?i?:|\|)\\b|\\b(?=[|)])/g, '');
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

export function wordsPattern(word: string): string {
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
