/**
 * A detector's allowlist, compiled: exact values, regexes over the value, and the regexes that
 * allow a value by its match, its line or a stretch of text around it (see AllowTarget).
 */
import RE2 from 're2';
import { re2Input } from '../util/re2-input.js';
import type { RE2Set } from './compile.js';
import type { AllowEntry } from './pack.js';
import type { RegexMatch } from './regex-matches.js';

/**
 * Values known to be safe: exact values and regexes over the value; and the regexes that allow a
 * value by what stands around it: the detector's whole match, the line that holds the value, or a
 * stretch of the text that holds it (see AllowTarget).
 */
export class Allowlist {
  readonly #values: Map<string, string>;
  readonly #regexes: string[] = [];
  /** All regex entries over the value in one set: one call tells whether any entry allows a value. */
  readonly #set: RE2Set | undefined;
  readonly #aroundRegexes: Array<{ target: 'match' | 'line' | 'context'; re: RE2; name: string; source: string }> = [];
  /**
   * What the line and context entries found in the last text asked about (by entry: where its lines
   * break and whether each line asked about matches, or the spans of its matches): a text's
   * candidates are asked about one after another, and a text of 80,000 addresses must not be
   * searched 80,000 times.
   */
  #last: { text: string; found: Array<Lines | Array<[number, number]> | undefined> } | undefined;
  /**
   * The context entries in one set, by their index in the list above: a text is searched once for
   * all of them, and again only by those that match it (the IP detector has a dozen such entries,
   * each a search of the whole text, for any value that looks like an address).
   */
  readonly #context: { set: RE2Set; entries: number[] } | undefined;
  /** True when an entry reads a stretch of the text around a value (target `context`). */
  readonly readsContext: boolean;

  constructor(entries: readonly AllowEntry[], origin: string) {
    this.#values = new Map();
    const sources: string[] = [];
    for (const e of entries) {
      if ('value' in e) this.#values.set(e.value, `${origin} value entry`);
      else if (e.target === undefined || e.target === 'secret') {
        sources.push(e.regex);
        this.#regexes.push(`${origin} regex /${e.regex}/`);
      } else {
        this.#aroundRegexes.push({ target: e.target, re: new RE2(e.regex, e.target === 'context' ? 'gu' : 'u'), name: `${origin} ${e.target} regex /${e.regex}/`, source: e.regex });
      }
    }
    this.#set = sources.length > 0 ? new RE2.Set(sources, 'u') : undefined;
    const context = [...this.#aroundRegexes.keys()].filter((k) => this.#aroundRegexes[k]?.target === 'context');
    this.#context = context.length > 1 ? { set: new RE2.Set(context.map((k) => (this.#aroundRegexes[k] as { source: string }).source), 'u'), entries: context } : undefined;
    this.readsContext = context.length > 0;
  }

  /**
   * The entry that allows the value at `m` of `text` by what stands around it, or undefined. Asked
   * of each candidate (the answer depends on more than the value, so no verdict keeps it); a list
   * without such entries answers at once. `only`: the entries of that target alone.
   */
  around(text: string, m: RegexMatch, only?: 'context'): string | undefined {
    if (this.#aroundRegexes.length === 0) return undefined;
    if (this.#last?.text !== text) this.#last = { text, found: this.#found(text) };
    const { found } = this.#last;
    for (const [k, { target, re, name }] of this.#aroundRegexes.entries()) {
      if (only !== undefined && target !== only) continue;
      const at = found[k];
      if (target === 'match' ? re.test(text.slice(m.matchStart, m.matchEnd)) : Array.isArray(at) ? holds(at, m) : lineMatches(re, text, m, at as Lines)) return name;
    }
    return undefined;
  }

  /** What each line and context entry finds in `text` (see #last). */
  #found(text: string): Array<Lines | Array<[number, number]> | undefined> {
    const searched = this.#context ? new Set(this.#context.set.match(re2Input(text)).map((i) => this.#context?.entries[i])) : undefined;
    return this.#aroundRegexes.map(({ target, re }, k) => {
      if (target === 'line') return linesOf(text);
      if (target !== 'context') return undefined;
      return searched && !searched.has(k) ? [] : spansOf(re, text);
    });
  }

  /** The entry that allows `value`, or undefined. */
  match(value: string): string | undefined {
    const exact = this.#values.get(value);
    if (exact) return exact;
    if (!this.#set) return undefined;
    // Most values are allowed by none: a set's test is cheaper than its match.
    const input = re2Input(value);
    if (!this.#set.test(input)) return undefined;
    const hit = this.#set.match(input)[0];
    return hit === undefined ? undefined : this.#regexes[hit];
  }

  get size(): number {
    return this.#values.size + this.#regexes.length;
  }
}

/** The last index below `count` whose `startOf` (ascending) is at or before `at`, found by halving; -1 when none is. */
function lastAtOrBefore(count: number, startOf: (i: number) => number, at: number): number {
  let lo = 0;
  let hi = count - 1;
  let last = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (startOf(mid) <= at) {
      last = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return last;
}

/**
 * True when one of `spans` (in order, apart) holds the value of `m`: the last one to start at or
 * before it is the only one that can.
 */
function holds(spans: ReadonlyArray<[number, number]>, m: RegexMatch): boolean {
  const last = lastAtOrBefore(spans.length, (i) => (spans[i] as [number, number])[0], m.start);
  return last >= 0 && (spans[last] as [number, number])[1] >= m.end;
}

/** Where a text's lines break (the places of its line feeds), and each line's answer asked so far, by line. */
interface Lines {
  breaks: number[];
  seen: Map<number, boolean>;
}

function linesOf(text: string): Lines {
  const breaks: number[] = [];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) breaks.push(at);
  return { breaks, seen: new Map() };
}

/** True when `re` matches the line of `text` that holds the value of `m` (a field's string may hold many). */
function lineMatches(re: RE2, text: string, m: RegexMatch, lines: Lines): boolean {
  const { breaks, seen } = lines;
  // The value's line runs from the break before it to the break after it (a value over a break
  // takes both lines; only a one-line answer is kept).
  const line = lastAtOrBefore(breaks.length, (i) => breaks[i] as number, m.start - 1) + 1;
  const next = lastAtOrBefore(breaks.length, (i) => breaks[i] as number, m.end - 1) + 1;
  let answer = next === line ? seen.get(line) : undefined;
  if (answer === undefined) {
    const start = line === 0 ? 0 : (breaks[line - 1] as number) + 1;
    answer = re.test(text.slice(start, next < breaks.length ? (breaks[next] as number) : text.length));
    if (next === line) seen.set(line, answer);
  }
  return answer;
}

/** Where the matches of `re` (global) lie in `text`. */
function spansOf(re: RE2, text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  re.lastIndex = 0;
  for (let r = re.exec(text); r !== null; r = re.lastIndex < text.length ? re.exec(text) : null) {
    spans.push([r.index, r.index + r[0].length]);
    if (r[0].length === 0) re.lastIndex = r.index + 1;
  }
  return spans;
}
