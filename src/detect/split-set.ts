/**
 * A set of RE2 patterns kept as several smaller RE2.Sets. RE2 builds a set's automaton lazily in a
 * fixed memory budget (8 MiB in this binding); over varied input, a set whose automaton outgrows it
 * keeps flushing its cache and crawls. What fits is judged by the patterns' weight (see `analyze`
 * in literals.ts), a rough automaton size, with caps measured on the benchmark's 200 MB JSON-lines
 * corpus when the built-in structural patterns with the routing rules' ones weighed ~5,800 (~3,000
 * now that those with a rare three-byte literal are gated by it):
 *
 * - `test` (is there any match): as one set 91 MB/s, as two of <= 3,000 116 MB/s, four 74 MB/s;
 *   the library grown to 3,042 (57 patterns), one set against two of <= 3,000 (the second of one
 *   pattern): 1.06-1.10x, both orders of `bench/compare-builds.mjs --stage prefilter --fresh`;
 * - `match` (which patterns match), asked only of lines `test` passed, keeps far more states (every
 *   pattern's progress, not the first match's): 54.5 us per line as one set, 15.3 as two, 8.8 as
 *   five of <= 1,500, 8.9 as eight.
 *
 * So the two questions are answered by separate sets, grouped differently: one automaton serving
 * both keeps two kinds of states in one budget (measured: `test` fell from 230 to 40 MB/s).
 */
import RE2 from 're2';
import { analyze } from './literals.js';
import { splitLeadingGroup, withoutCaptures } from './re2-syntax.js';
import { re2Input } from '../util/re2-input.js';

type RE2Set = ReturnType<typeof RE2.Set>;

/** Largest total weight of one set that answers `test`. */
export const TEST_SET_WEIGHT = 3200;
/** Largest total weight of one set that answers `match`. */
export const MATCH_SET_WEIGHT = 1500;

/** Splits `patterns` into runs whose weights add up to at most `cap` (a heavier pattern alone). */
function groups(patterns: readonly string[], weights: readonly number[], cap: number): string[][] {
  const out: string[][] = [];
  let group: string[] = [];
  let total = 0;
  patterns.forEach((p, i) => {
    const w = weights[i] as number;
    if (group.length > 0 && total + w > cap) {
      out.push(group);
      group = [];
      total = 0;
    }
    group.push(p);
    total += w;
  });
  if (group.length > 0) out.push(group);
  return out;
}

/**
 * One set that answers `test` for `patterns`: those that start with the same group (the boundary
 * a detector's match needs before it, `(?:(?:^|["\[:,\s])|[^\w-])` of the card numbers) are one
 * pattern, that group then an alternation of their rests, which says the same. Each pattern of a
 * set keeps its own copy of what it shares in every state of the set's automaton; merged, the
 * group is followed once. (Counted with callgrind, the built-in library's structural patterns
 * over the first 10 MB of the seeded JSON lines, a fresh set: 1,248 M instructions as 49
 * patterns, 904 M as 33; the next 10 MB 499 against 404 M.) The rests lose their captures (a
 * name may appear once in a pattern) and keep their flags to themselves in a group each.
 */
function testSet(patterns: readonly string[]): RE2Set {
  const byLead = new Map<string, string[]>();
  const merged: string[] = [];
  for (const p of patterns) {
    const split = splitLeadingGroup(p);
    const rest = split ? withoutCaptures(split.rest) : undefined;
    if (!split || rest === undefined) merged.push(p);
    else byLead.set(split.lead, [...(byLead.get(split.lead) ?? []), rest]);
  }
  for (const [lead, rests] of byLead) merged.push(rests.length === 1 ? lead + (rests[0] as string) : `${lead}(?:${rests.map((r) => `(?:${r})`).join('|')})`);
  try {
    return new RE2.Set(merged, 'u');
  } catch {
    // Merged beyond what RE2 compiles: as they are.
    return new RE2.Set(patterns, 'u');
  }
}

export class SplitSet {
  readonly size: number;
  readonly #testers: RE2Set[];
  readonly #matchGroups: string[][];
  #matchers: RE2Set[] | undefined;

  constructor(patterns: readonly string[], caps: { test?: number; match?: number } = {}) {
    const weights = patterns.map((p) => analyze(p).weight);
    this.#testers = groups(patterns, weights, caps.test ?? TEST_SET_WEIGHT).map(testSet);
    this.#matchGroups = groups(patterns, weights, caps.match ?? MATCH_SET_WEIGHT);
    this.size = patterns.length;
  }

  /** How many RE2.Sets answer `test`. */
  get sets(): number {
    return this.#testers.length;
  }

  /** Indices (into the original pattern list) of every pattern that matches. */
  match(text: string | Buffer): number[] {
    this.#matchers ??= this.#matchGroups.map((g) => new RE2.Set(g, 'u'));
    const input = re2Input(text);
    const out: number[] = [];
    let offset = 0;
    for (const set of this.#matchers) {
      for (const i of set.match(input)) out.push(i + offset);
      offset += set.size;
    }
    return out;
  }

  test(text: string | Buffer): boolean {
    const input = re2Input(text);
    for (const set of this.#testers) if (set.test(input)) return true;
    return false;
  }

  /**
   * Sets `hit[i]` for every input that some pattern matches: each set runs over all the inputs
   * before the next one starts, so one automaton stays in the CPU caches at a time (measured on
   * the benchmark corpus: 2.45 against 3.08 us per line for both sets and the literals, then an
   * RE2 set of their own).
   */
  testMany(inputs: readonly Buffer[], hit: Uint8Array): void {
    for (const set of this.#testers) {
      for (let i = 0; i < inputs.length; i++) if (!hit[i] && set.test(inputs[i] as Buffer)) hit[i] = 1;
    }
  }

  /** {@link SplitSet.match} of each input whose `selected[i]` is set, set by set (undefined for the others). */
  matchMany(inputs: readonly Buffer[], selected: Uint8Array): Array<number[] | undefined> {
    this.#matchers ??= this.#matchGroups.map((g) => new RE2.Set(g, 'u'));
    const out = new Array<number[] | undefined>(inputs.length);
    for (let i = 0; i < inputs.length; i++) if (selected[i]) out[i] = [];
    let offset = 0;
    for (const set of this.#matchers) {
      for (let i = 0; i < inputs.length; i++) {
        const list = out[i];
        if (list) for (const m of set.match(inputs[i] as Buffer)) list.push(m + offset);
      }
      offset += set.size;
    }
    return out;
  }
}
