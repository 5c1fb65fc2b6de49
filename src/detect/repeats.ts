/**
 * Where values stand alone in a text: a value a detector or key rule redacted is redacted again
 * where it repeats (further on in the same string, in the record's other fields), outside the
 * tokens logveil wrote. "Alone" is not inside a longer run of letters, digits and underscores.
 */
import type { TokenRef } from '../crypto/token.js';
import { hasEscapes } from './escapes.js';
import { hasReadings, readings } from './readings.js';

/** Values shorter than this are not looked for again. */
export const MIN_REPEATED_VALUE = 6;

/**
 * Past this many values times characters, counting each value's occurrences in a record's text
 * (to skip the search for repeats) costs more than the search itself.
 */
export const SEARCH_BUDGET = 1 << 22;

/** Up to this many values are always searched for one by one. */
const FEW_VALUES = 8;

export interface Occurrence {
  at: number;
  value: string;
}

/** Values to look for, made once for many texts: each distinct value, and the values of each length. */
export class ValueSet {
  readonly values: readonly string[];
  #byLength: Map<number, Set<string>> | undefined;

  /** Keeps the values of {@link MIN_REPEATED_VALUE} characters or more. */
  constructor(values: Iterable<string>) {
    const out: string[] = [];
    for (const v of values) if (v.length >= MIN_REPEATED_VALUE) out.push(v);
    this.values = out.length <= FEW_VALUES ? out.filter((v, i) => out.indexOf(v) === i) : [...new Set(out)];
  }

  /** The values of each length (made on first use: few values are searched for one by one). */
  get byLength(): ReadonlyMap<number, ReadonlySet<string>> {
    if (!this.#byLength) {
      this.#byLength = new Map();
      for (const v of this.values) {
        const set = this.#byLength.get(v.length) ?? new Set<string>();
        set.add(v);
        this.#byLength.set(v.length, set);
      }
    }
    return this.#byLength;
  }
}

/**
 * Every place one of `values` occurs in `text` on its own and outside `tokens` (in text order, not
 * overlapping each other; or a function that finds them), ordered by place, the longest value
 * first. Each value is searched for on its own while that costs less than walking the text once
 * and looking each place up among the values of each length (a record of 60,000 addresses): the
 * cost never grows with the values times the text. `how` forces one way (for tests).
 */
export function standalone(
  text: string,
  values: Iterable<string> | ValueSet,
  tokens: readonly TokenRef[] | (() => readonly TokenRef[]),
  how?: 'search' | 'walk',
): Occurrence[] {
  const set = values instanceof ValueSet ? values : new ValueSet(values);
  const out: Occurrence[] = [];
  if (set.values.length === 0) return out;
  // Tokens are found (and checked, see ownTokens) only once a value is.
  let known = typeof tokens === 'function' ? undefined : tokens;
  const keep = (at: number, value: string): void => {
    const end = at + value.length;
    if (standsAlone(text, at, end) && !insideToken((known ??= (tokens as () => readonly TokenRef[])()), at, end)) out.push({ at, value });
  };
  // A native search costs about its text plus a call; a look-up, a slice and a set probe.
  const few = set.values.length <= FEW_VALUES;
  const search = how === 'search' || (how === undefined && (few || set.values.length * (text.length + 32) <= text.length * set.byLength.size * 16));
  if (search) {
    for (const value of set.values) for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) keep(at, value);
  } else {
    for (let at = 0; at < text.length; at++) {
      // A value starting inside a run of word characters does not stand alone there.
      if (isWord(text, at) && isWord(text, at - 1)) continue;
      for (const [length, values] of set.byLength) {
        if (at + length > text.length) continue;
        const v = text.slice(at, at + length);
        if (values.has(v)) keep(at, v);
      }
    }
  }
  return out.sort((a, b) => a.at - b.at || b.value.length - a.value.length);
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

function isWord(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (Number.isNaN(c)) return false;
  if (c < 0x80) return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
  return WORD_CHAR.test(text[i] as string);
}

/** True when `text[start, end)` is not part of a longer run of letters, digits and underscores. */
function standsAlone(text: string, start: number, end: number): boolean {
  return !(isWord(text, start) && isWord(text, start - 1)) && !(isWord(text, end - 1) && isWord(text, end));
}

/** True when [start, end) overlaps one of `tokens` (in text order). */
function insideToken(tokens: readonly TokenRef[], start: number, end: number): boolean {
  let lo = 0;
  let hi = tokens.length;
  // The first token that ends after `start`.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((tokens[mid] as TokenRef).end <= start) lo = mid + 1;
    else hi = mid;
  }
  const t = tokens[lo];
  return t !== undefined && t.start < end;
}

/** A repeat found by {@link repeatsIn}: the span of `text` that spells `value`. */
export interface Repeat {
  start: number;
  end: number;
  value: string;
}

/**
 * Where one of `values` stands alone in `text`, as written or in one of its other readings (escapes
 * decoded: `/resume?s=Zx9%2FkQ2...` spells `Zx9/kQ2...`; numbers as their plain digits), each
 * mapped onto the span of `text` that spells it; ordered by start, the longest first. Spans inside
 * `tokens` do not count.
 */
export function repeatsIn(text: string, values: ValueSet, tokens: () => readonly TokenRef[]): Repeat[] {
  let known: readonly TokenRef[] | undefined;
  const ownTokens = (): readonly TokenRef[] => (known ??= tokens());
  const out: Repeat[] = standalone(text, values, ownTokens).map(({ at, value }) => ({ start: at, end: at + value.length, value }));
  if (hasReadings(text)) {
    for (const view of readings(text)) {
      const ends = view.end ?? view.at;
      for (const { at, value } of standalone(view.text, values, [])) {
        const start = view.at[at] as number;
        const end = ends[at + value.length] as number;
        if (!insideToken(ownTokens(), start, end)) out.push({ start, end, value });
      }
    }
  }
  return out.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** `value` as its readings with escapes decoded spell it, when it has escapes (`Pw%21secret3` is also `Pw!secret3`). */
export function decodedForms(value: string): string[] {
  return hasEscapes(value) ? readings(value).map((v) => v.text) : [];
}
