/**
 * A set of RE2 patterns kept as several smaller RE2.Sets. One automaton over too many patterns
 * grows beyond RE2's DFA memory (8 MiB, fixed in the binding) on varied input and falls back to
 * slow matching; each set costs about the same per byte while it fits, so the sets are made as
 * large as fits. What fits is judged by the patterns' weight (see `analyze` in literals.ts), a
 * rough automaton size; the cap was measured on the benchmark's JSON, text and loghub corpora:
 * the structural patterns of the built-in library (weight ~6,200) thrash as one set (29 MB/s) and
 * run at 107-133 MB/s as two sets of ~3,100.
 */
import RE2 from 're2';
import { analyze } from './literals.js';

/** Largest total weight of one set. */
export const MAX_SET_WEIGHT = 3200;

export class SplitSet {
  readonly #sets: Array<ReturnType<typeof RE2.Set>>;
  readonly size: number;

  constructor(patterns: readonly string[], maxWeight = MAX_SET_WEIGHT) {
    this.#sets = [];
    let group: string[] = [];
    let weight = 0;
    for (const p of patterns) {
      const w = analyze(p).weight;
      if (group.length > 0 && weight + w > maxWeight) {
        this.#sets.push(new RE2.Set(group, 'u'));
        group = [];
        weight = 0;
      }
      group.push(p);
      weight += w;
    }
    if (group.length > 0) this.#sets.push(new RE2.Set(group, 'u'));
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
