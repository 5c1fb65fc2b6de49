/**
 * A set of RE2 patterns kept as several smaller RE2.Sets. One automaton over too many patterns
 * grows beyond RE2's DFA memory (8 MiB, fixed in the binding) on varied input and falls back to
 * slow matching; each set costs about the same per byte while it fits, so the sets are made as
 * large as fits. What fits is judged by the patterns' weight (see `analyze` in literals.ts), a
 * rough automaton size; the cap was measured on the benchmark's JSON, text and loghub corpora.
 * The built-in library's structural patterns at weight ~5,800 run as one set at 247 / 204 / 238 MB/s
 * (JSON / text / loghub), as two at 165 / 115 / 133 MB/s; an earlier version of them at ~6,200
 * thrashed as one set (29 MB/s). Over the cap, the Prefilter first holds the heaviest patterns by
 * their keyword prefixes, then splits.
 */
import RE2 from 're2';
import { analyze } from './literals.js';

/** Largest total weight of one set. */
export const MAX_SET_WEIGHT = 6000;

type RE2Set = ReturnType<typeof RE2.Set>;

/**
 * One RE2.Set for `test` and another for `match`: the two ask RE2 for different searches (first
 * match, every match), and one automaton serving both keeps two kinds of states in one memory
 * budget. Measured on the built-in structural patterns: `test` at 230-240 MB/s alone, 38-46 MB/s
 * when the same set also answers `match` for the lines it passes.
 */
export class DualSet {
  readonly #patterns: readonly string[];
  readonly #tester: RE2Set;
  #matcher: RE2Set | undefined;

  constructor(patterns: readonly string[]) {
    this.#patterns = patterns;
    this.#tester = new RE2.Set(patterns, 'u');
  }

  get size(): number {
    return this.#patterns.length;
  }

  test(input: string | Buffer): boolean {
    return this.#tester.test(input);
  }

  match(input: string | Buffer): number[] {
    this.#matcher ??= new RE2.Set(this.#patterns, 'u');
    return this.#matcher.match(input);
  }
}

export class SplitSet {
  readonly #sets: DualSet[];
  readonly size: number;

  constructor(patterns: readonly string[], maxWeight = MAX_SET_WEIGHT) {
    this.#sets = [];
    let group: string[] = [];
    let weight = 0;
    for (const p of patterns) {
      const w = analyze(p).weight;
      if (group.length > 0 && weight + w > maxWeight) {
        this.#sets.push(new DualSet(group));
        group = [];
        weight = 0;
      }
      group.push(p);
      weight += w;
    }
    if (group.length > 0) this.#sets.push(new DualSet(group));
    this.size = patterns.length;
  }

  /** How many RE2.Sets the patterns were split into. */
  get sets(): number {
    return this.#sets.length;
  }

  /** Indices (into the original pattern list) of every pattern that matches. */
  match(input: string | Buffer): number[] {
    const out: number[] = [];
    let offset = 0;
    for (const set of this.#sets) {
      for (const i of set.match(input)) out.push(i + offset);
      offset += set.size;
    }
    return out;
  }

  test(input: string | Buffer): boolean {
    for (const set of this.#sets) if (set.test(input)) return true;
    return false;
  }
}
