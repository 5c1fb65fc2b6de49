/**
 * Each prefilter entry's own regexes, made on first use: its pattern to confirm a hit (a literal
 * gated it, or its set held a wider form), the same without captures to locate its matches, and its
 * keywords as one case-insensitive regex.
 */
import RE2 from 're2';
import { escapeRegex, withoutCaptures } from './re2-syntax.js';

export class EntryRegexes {
  readonly #patterns: readonly string[];
  readonly #verifiers: Array<RE2 | undefined>;
  readonly #locators: Array<RE2 | undefined>;
  /** Keywords of the entries that have some: a match counts only with one of them in the input. */
  readonly #keywords = new Map<number, RE2>();

  constructor(entries: ReadonlyArray<{ pattern: string; keywords?: readonly string[] }>) {
    this.#patterns = entries.map((e) => e.pattern);
    this.#verifiers = new Array<RE2 | undefined>(entries.length);
    this.#locators = new Array<RE2 | undefined>(entries.length);
    entries.forEach((e, i) => {
      if (e.keywords && e.keywords.length > 0) this.#keywords.set(i, new RE2(`(?i)(?:${e.keywords.map(escapeRegex).join('|')})`, 'u'));
    });
  }

  pattern(i: number): string {
    return this.#patterns[i] as string;
  }

  /** Entry `i`'s pattern, to test an input with. */
  verifier(i: number): RE2 {
    let re = this.#verifiers[i];
    if (!re) {
      re = new RE2(this.#patterns[i] as string, 'u');
      this.#verifiers[i] = re;
    }
    return re;
  }

  /** True when entry `i` has no keywords, or `input` holds one of them. */
  keywordsHold(i: number, input: string | Buffer): boolean {
    return this.#keywords.get(i)?.test(input) ?? true;
  }

  /**
   * The byte ranges of successive matches of entry `i` in `input` (leftmost first, not
   * overlapping), appended to `out` as start, end pairs. Every place the pattern matches overlaps
   * one of the ranges.
   */
  locate(i: number, input: Buffer, out: number[]): void {
    let re = this.#locators[i];
    if (!re) {
      const pattern = this.#patterns[i] as string;
      re = new RE2(withoutCaptures(pattern) ?? pattern, 'gu');
      this.#locators[i] = re;
    }
    re.lastIndex = 0;
    for (let m = re.exec(input); m !== null; m = re.exec(input)) {
      const start = m.index;
      const end = start + (m[0] as unknown as Buffer).length;
      out.push(start, end);
      if (end === start) re.lastIndex = start + 1;
    }
  }
}
