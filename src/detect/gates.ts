/**
 * The prefilter's gated entries: each literal of the literal scan names the entries it gates,
 * which run only on an input that holds it: alone, or, where one literal gates several, as one
 * RE2.Set of them (one scan of the input instead of one each). Measured by instructions executed
 * (callgrind) for the line prefilter over 20 MB of the JSON-lines corpus after 20 MB of warm-up:
 * 2.70 G with these sets, 3.10 G with a regex per entry (both with the literals as an RE2 set,
 * before literal-scan.ts). (Sets per distinct group of a line's entries measured slower: a line's
 * literals combine in many ways, and each combination's automaton took memory of its own.)
 */
import RE2 from 're2';
import type { EntryRegexes } from './entry-regexes.js';
import { unboundedGaps } from './wider-forms.js';

type RE2Set = ReturnType<typeof RE2.Set>;

/**
 * The gaps a set holds unbounded: those of more than this many characters. Shorter ones, such as
 * a keyword's window before its value (`(?i:phone|tel:)[^0-9\n=:]{0,30}?`), cost little to build,
 * and unbounded they cost every line the set runs on: the set's automaton then keeps a state from
 * each such keyword (`iPhone` in user agents) to the end of the gap, 13 % more instructions for the
 * line prefilter with every gap unbounded.
 */
const LONG_GAP = 100;

export class Gates {
  /** For each literal (in the literal scan's order), the entries it gates. */
  readonly #gates: readonly (readonly number[])[];
  /** For each literal gating two entries or more, their patterns as one set (made on first use; null: they cannot be one). */
  readonly #sets: Array<RE2Set | null | undefined> = [];
  /**
   * For each entry a set holds, whether the set holds a wider form of its pattern (see
   * {@link Gates.#set}): a match of the set is then checked with the pattern itself.
   */
  readonly #wider: Array<boolean | undefined> = [];
  readonly #regexes: EntryRegexes;
  /** One past the highest entry a literal gates: the size of a {@link Tried}. */
  readonly #entries: number;

  constructor(gates: readonly (readonly number[])[], regexes: EntryRegexes) {
    this.#gates = gates;
    this.#regexes = regexes;
    this.#entries = gates.reduce((n, g) => g.reduce((m, i) => Math.max(m, i + 1), n), 0);
  }

  /** How many literals. */
  get size(): number {
    return this.#gates.length;
  }

  /** The entries literal `l` gates. */
  entries(l: number): readonly number[] {
    return this.#gates[l] as readonly number[];
  }

  /**
   * The gated entries that match `input` (and hold one of their keywords, when they have some), of
   * those the matched literals (by index, ascending) gate, appended to `out`. `first`: stop at one.
   */
  matching(input: string | Buffer, literals: readonly number[], first: boolean, out: number[] | undefined): number[] | undefined {
    // One literal (most inputs) gates each entry once: nothing to skip.
    const tried = literals.length > 1 ? new Tried(this.#entries) : undefined;
    for (const l of literals) {
      out = this.#run(input, l, tried, first, out);
      if (first && out) return out;
    }
    return out;
  }

  /**
   * {@link Gates.matching} of many inputs (`literals[i]` matched input i), appended to `found[i]`,
   * the same answers: each literal's entries run over every input that holds it before the next
   * literal's do. A literal's automaton then stays in the CPU's caches across its calls, where an
   * input at a time went through several; a common word (`account` on one line in six of the
   * benchmark's JSON lines) runs its entries on many lines of a batch. (Measured on the line
   * prefilter alone, `bench/compare-builds.mjs --stage prefilter`: 1-7 % faster, for 2.5 % more
   * instructions executed.)
   */
  matchingMany(inputs: readonly Buffer[], literals: ReadonlyArray<readonly number[] | undefined>, found: Array<number[] | undefined>): void {
    const inputsOf = new Array<number[] | undefined>(this.#gates.length);
    for (let i = 0; i < inputs.length; i++) {
      const held = literals[i];
      if (held) for (const l of held) (inputsOf[l] ??= []).push(i);
    }
    // Each input sees its literals in ascending order, as matching() takes them.
    const tried = new Array<Tried | undefined>(inputs.length);
    for (let l = 0; l < inputsOf.length; l++) {
      const holding = inputsOf[l];
      if (holding === undefined) continue;
      for (const i of holding) {
        const seen = (literals[i] as readonly number[]).length > 1 ? (tried[i] ??= new Tried(this.#entries)) : undefined;
        found[i] = this.#run(inputs[i] as Buffer, l, seen, false, found[i]);
      }
    }
  }

  /**
   * The entries of literal `l` that match `input`, appended to `out`; `tried`: the entries another
   * of the input's literals ran already, skipped (and those this one runs are added).
   */
  #run(input: string | Buffer, l: number, tried: Tried | undefined, first: boolean, out: number[] | undefined): number[] | undefined {
    const gated = this.#gates[l] as readonly number[];
    // Skip what another literal's set tried; one entry left (`iPhone ... Mobile/`) runs alone.
    const left = tried ? gated.reduce((n, i) => (tried.has(i) ? n : n + 1), 0) : gated.length;
    if (left === 0) return out;
    const set = left > 1 ? this.#set(l) : undefined;
    const matched = set ? set.match(input) : gated;
    for (let k = 0; k < matched.length; k++) {
      const i = set ? (gated[matched[k] as number] as number) : (matched[k] as number);
      if (tried?.has(i)) continue;
      tried?.add(i);
      if (((set && !this.#wider[i]) || this.#regexes.verifier(i).test(input)) && this.#regexes.keywordsHold(i, input)) {
        (out ??= []).push(i);
        if (first) return out;
      }
    }
    if (set && tried) for (const i of gated) tried.add(i);
    return out;
  }

  /**
   * The entries literal `l` gates as one set; undefined when they cannot be one (patterns that
   * compile alone may exceed RE2's program budget together): then each runs alone.
   *
   * A pattern with long gaps (`[^<>]{0,500}`, `[^\n|;&]{0,200}?`) is held with them unbounded: RE2
   * unrolls a counted repetition, and the few patterns that have such gaps took about half the time
   * of building the built-in library's sets (each is gated by many literals: `password-xml-element`
   * by 27, `cli-password-flag` by 23, at about 4 ms a set). A set is built on the first line that
   * holds its literal, so that time was a worker's, in its first few megabytes: by instructions
   * executed (bench/instructions.mjs), the line prefilter's first 4 MB of the JSON-lines corpus
   * took 11 % fewer, and the next 4 MB 3 % fewer.
   */
  #set(l: number): RE2Set | undefined {
    let set = this.#sets[l];
    if (set === undefined) {
      try {
        set = new RE2.Set((this.#gates[l] as readonly number[]).map((i) => this.#setForm(i)), 'u');
      } catch {
        set = null;
      }
      this.#sets[l] = set;
    }
    return set ?? undefined;
  }

  /** Entry `i`'s pattern as a set holds it: its gaps unbounded, which its matches are then checked for. */
  #setForm(i: number): string {
    const pattern = this.#regexes.pattern(i);
    const wider = unboundedGaps(pattern, LONG_GAP);
    this.#wider[i] = wider !== pattern;
    return wider;
  }
}

/**
 * The entries already tried on one input, a bit each: an input that holds several literals keeps
 * one across them (a Set of the tens of entries a common word gates took more of a worker's young
 * generation than anything else the line prefilter allocates).
 */
class Tried {
  readonly #bits: Uint32Array;

  constructor(entries: number) {
    this.#bits = new Uint32Array((entries + 31) >>> 5);
  }

  has(i: number): boolean {
    return ((this.#bits[i >>> 5] as number) & (1 << (i & 31))) !== 0;
  }

  add(i: number): void {
    this.#bits[i >>> 5] = (this.#bits[i >>> 5] as number) | (1 << (i & 31));
  }
}
