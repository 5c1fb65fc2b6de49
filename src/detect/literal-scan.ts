/**
 * The prefilter's literals (vendor prefixes such as `ghp_`, key words such as `password`) found in
 * one pass of an Aho-Corasick automaton over an input's characters, built whole when the policy
 * compiles. As one RE2.Set they were an automaton RE2 builds as input asks for it: over the
 * benchmark's JSON lines, the first 10 MB cost 137 M instructions per MB, MB 60-70 still 37 M (a
 * call per line costs 7,000 at the least). This one is two table lookups per character (the
 * character's class, the next state) from the first line on (see literal-automaton.ts). The
 * table is too large for the CPU's first caches, so a step may wait on the lookup before it: a
 * batch's lines go through two at a time, whose steps do not wait on each other (the line
 * prefilter alone 4-7 % faster over the benchmark's JSON lines than one line at a time,
 * bench/compare-builds.mjs --stage prefilter, the two builds in either order; four at a time
 * gained nothing more).
 *
 * It answers for ASCII input. RE2's `(?i)` matches the Kelvin sign for `k` and the long s for `s`,
 * and an input that is not ASCII may hold such characters or invalid UTF-8: the same patterns
 * as an RE2.Set answer for it (made on first use). A literal holding a character that folds to
 * no ASCII one (`tél`) cannot occur in ASCII input, and only that set looks for it.
 *
 * Entries that are other patterns (the key-word nets of key-words.ts) name a literal each of their
 * matches holds without case, and a test of whether one holds with it at a given place: the
 * automaton finds the literal, the test confirms.
 */
import RE2 from 're2';
import type { Literal } from './literals.js';
import { asciiFold, isAsciiText } from './literal-automaton.js';
import { automatonOf } from './shared-automata.js';
import { re2Input } from '../util/re2-input.js';
import { sortNumbers } from '../util/sort-numbers.js';

type RE2Set = ReturnType<typeof RE2.Set>;

export interface LiteralEntry {
  /** What the entry matches, as an RE2 pattern. */
  pattern: string;
  /** The literal the pattern is: the automaton alone answers for it. */
  literal?: Literal;
  /**
   * For another pattern: a literal each of its matches holds without case, and whether the pattern
   * matches (ASCII) `input` with the literal at `start`. Every place the literal occurs is tested.
   */
  anchor?: { text: string; holdsAt: (input: Buffer, start: number) => boolean };
}

/** Whether `input` holds what an entry looks for with its word starting at `start`. */
type PlaceTest = (input: Buffer, start: number) => boolean;

/** How the automaton reports one of its words: the entries it stands for. */
interface Word {
  /** Its length (in characters). */
  length: number;
  /** Entries the word is, matched without case. */
  nocase: number[];
  /** Entries the word is with case: the input's characters are compared. */
  exact: Array<{ entry: number; text: string }>;
  /** Entries the word anchors (see {@link LiteralEntry.anchor}). */
  anchored: Array<{ entry: number; holdsAt: (input: Buffer, start: number) => boolean }>;
}

/** Where one scan reports: each entry's last scan (dedupes without clearing), and the entries found, the first `found` of `scratch`. */
interface Lane {
  readonly seen: Int32Array;
  readonly scratch: Int32Array;
  found: number;
}

function newLane(entries: number): Lane {
  return { seen: new Int32Array(entries), scratch: new Int32Array(entries), found: 0 };
}

export class LiteralScan {
  readonly size: number;
  readonly #patterns: readonly string[];
  /** The automaton (see literal-automaton.ts): next state by state * #width + class of an ASCII byte. */
  readonly #next: Uint16Array | Uint32Array;
  readonly #width: number;
  readonly #classOf: Uint8Array;
  /** The states from here on end a word. */
  readonly #firstEnd: number;
  /**
   * What such a state s reports, slots #outStart[s - #firstEnd] .. #outStart[s - #firstEnd + 1] - 1:
   * each an entry, the length of the word it ends, and a test of the place that word starts at
   * (none: the word is the entry).
   */
  readonly #outStart: Int32Array;
  readonly #outEntry: Int32Array;
  readonly #outLength: Int32Array;
  readonly #outTest: Array<PlaceTest | undefined>;
  /** Every entry's pattern as one set, for input that is not ASCII (made on first use). */
  #exactSet: RE2Set | undefined;
  /** What a scan found, for two scans run at once (see {@link LiteralScan.matchEach}). */
  readonly #lanes: [Lane, Lane];
  #scanId = 0;

  constructor(entries: readonly LiteralEntry[]) {
    this.size = entries.length;
    this.#patterns = entries.map((e) => e.pattern);
    this.#lanes = [newLane(entries.length), newLane(entries.length)];
    const byText = new Map<string, Word>();
    const word = (text: string): Word => {
      let w = byText.get(text);
      if (!w) {
        w = { length: text.length, nocase: [], exact: [], anchored: [] };
        byText.set(text, w);
      }
      return w;
    };
    entries.forEach((e, i) => {
      if (e.literal) {
        const { text, nocase } = e.literal;
        // The automaton reads letters without case; a literal with case is compared after.
        const folded = nocase || isAsciiText(text) ? asciiFold(text, true) : undefined;
        if (folded === undefined) return;
        if (folded.length === 0) throw new Error(`literal scan: entry ${i} is empty`);
        if (nocase) word(folded).nocase.push(i);
        else word(folded).exact.push({ entry: i, text });
      } else if (e.anchor) {
        const folded = asciiFold(e.anchor.text, true);
        if (folded === undefined) return;
        if (folded.length === 0) throw new Error(`literal scan: entry ${i} has an empty anchor`);
        word(folded).anchored.push({ entry: i, holdsAt: e.anchor.holdsAt });
      } else throw new Error(`literal scan: entry ${i} has neither a literal nor an anchor`);
    });
    const texts = [...byText.keys()];
    const built = automatonOf(texts);
    this.#next = built.next;
    this.#width = built.width;
    this.#classOf = built.classOf;
    this.#firstEnd = built.firstEnd;
    // The words of each state that ends some, as the entries they report.
    this.#outStart = new Int32Array(built.outStart.length);
    const entry: number[] = [];
    const length: number[] = [];
    this.#outTest = [];
    for (let at = 0; at + 1 < built.outStart.length; at++) {
      for (let k = built.outStart[at] as number; k < (built.outStart[at + 1] as number); k++) {
        const w = byText.get(texts[built.outWords[k] as number] as string) as Word;
        const slot = (e: number, test: PlaceTest | undefined): void => {
          entry.push(e);
          length.push(w.length);
          this.#outTest.push(test);
        };
        for (const e of w.nocase) slot(e, undefined);
        for (const { entry: e, text } of w.exact) slot(e, (input, at) => holdsText(input, at, text, false));
        for (const { entry: e, holdsAt } of w.anchored) slot(e, holdsAt);
      }
      this.#outStart[at + 1] = entry.length;
    }
    this.#outEntry = Int32Array.from(entry);
    this.#outLength = Int32Array.from(length);
  }

  /** The entries that match `input`, in ascending order. */
  match(input: string | Buffer): number[] {
    const lane = this.#lanes[0];
    const bytes = re2Input(input);
    const ascii = this.#run(bytes, 0, 0, lane, this.#newScan(lane));
    return this.#answer(bytes, ascii, lane) ?? [];
  }

  /**
   * {@link LiteralScan.match} of each input, undefined where none matches. Two inputs go through
   * the automaton at once: a step waits on the table lookup before it (the table is larger than
   * the CPU's first caches), and two inputs' steps do not wait on each other.
   */
  matchEach(inputs: readonly Buffer[]): Array<number[] | undefined> {
    const out = new Array<number[] | undefined>(inputs.length);
    const [a, b] = this.#lanes;
    let i = 0;
    for (; i + 1 < inputs.length; i += 2) {
      const x = inputs[i] as Buffer;
      const y = inputs[i + 1] as Buffer;
      const ascii = this.#runTwo(x, y, this.#newScan(a), this.#newScan(b));
      out[i] = this.#answer(x, (ascii & 1) !== 0, a);
      out[i + 1] = this.#answer(y, (ascii & 2) !== 0, b);
    }
    if (i < inputs.length) {
      const x = inputs[i] as Buffer;
      out[i] = this.#answer(x, this.#run(x, 0, 0, a, this.#newScan(a)), a);
    }
    return out;
  }

  /**
   * What a scan of `input` found, undefined where nothing: the lane's entries (sorted) when the
   * input was ASCII, else the set's answer. Only an input that holds some literal gets a list of
   * its own (most hold none).
   */
  #answer(input: Buffer, ascii: boolean, lane: Lane): number[] | undefined {
    if (!ascii) {
      const exact = this.#exact(input);
      return exact.length > 0 ? exact : undefined;
    }
    const n = lane.found;
    if (n === 0) return undefined;
    const out = new Array<number>(n);
    for (let k = 0; k < n; k++) out[k] = lane.scratch[k] as number;
    return n > 1 ? sortNumbers(out) : out;
  }

  /** A new scan's id, its lane emptied. */
  #newScan(lane: Lane): number {
    if (this.#scanId === 0x7fffffff) {
      for (const l of this.#lanes) l.seen.fill(0);
      this.#scanId = 0;
    }
    lane.found = 0;
    return ++this.#scanId;
  }

  /**
   * Runs the automaton over `input` from byte `from` in state `s`, writing the entries found to the
   * lane (each once); false when the input is not ASCII (then the lane means nothing).
   */
  #run(input: Buffer, from: number, s: number, lane: Lane, scan: number): boolean {
    const next = this.#next;
    const width = this.#width;
    const classOf = this.#classOf;
    const firstEnd = this.#firstEnd;
    for (let i = from; i < input.length; i++) {
      const c = input[i] as number;
      if (c > 0x7f) return false;
      s = next[s * width + (classOf[c] as number)] as number;
      if (s >= firstEnd) this.#ends(s, input, i, lane, scan);
    }
    return true;
  }

  /**
   * {@link LiteralScan.#run} over two inputs at once, into lanes `scanX` and `scanY` are the
   * scans of: bit 1 of the answer is set when `x` is ASCII, bit 2 when `y` is.
   */
  #runTwo(x: Buffer, y: Buffer, scanX: number, scanY: number): number {
    const next = this.#next;
    const width = this.#width;
    const classOf = this.#classOf;
    const firstEnd = this.#firstEnd;
    const [a, b] = this.#lanes;
    const n = Math.min(x.length, y.length);
    let s = 0;
    let t = 0;
    let i = 0;
    for (; i < n; i++) {
      const c = x[i] as number;
      const d = y[i] as number;
      // A byte past ASCII: each goes on alone from here, and says which.
      if ((c | d) > 0x7f) break;
      s = next[s * width + (classOf[c] as number)] as number;
      t = next[t * width + (classOf[d] as number)] as number;
      if (s >= firstEnd || t >= firstEnd) {
        if (s >= firstEnd) this.#ends(s, x, i, a, scanX);
        if (t >= firstEnd) this.#ends(t, y, i, b, scanY);
      }
    }
    return (this.#run(x, i, s, a, scanX) ? 1 : 0) | (this.#run(y, i, t, b, scanY) ? 2 : 0);
  }

  /** Adds the entries `state` reports (at `end` of `input`) and this scan has not seen, to the lane. */
  #ends(state: number, input: Buffer, end: number, lane: Lane, scan: number): void {
    const seen = lane.seen;
    const at = state - this.#firstEnd;
    for (let k = this.#outStart[at] as number; k < (this.#outStart[at + 1] as number); k++) {
      const e = this.#outEntry[k] as number;
      if (seen[e] === scan) continue;
      const test = this.#outTest[k];
      if (test !== undefined && !test(input, end + 1 - (this.#outLength[k] as number))) continue;
      seen[e] = scan;
      lane.scratch[lane.found++] = e;
    }
  }

  #exact(input: Buffer): number[] {
    this.#exactSet ??= new RE2.Set(this.#patterns, 'u');
    return sortNumbers(this.#exactSet.match(input));
  }
}

/** True when `input` holds `text` (ASCII, lower case where `nocase`) at `at`, without case where `nocase`. */
export function holdsText(input: Buffer, at: number, text: string, nocase: boolean): boolean {
  if (at < 0 || at + text.length > input.length) return false;
  for (let k = 0; k < text.length; k++) {
    let c = input[at + k] as number;
    if (nocase && c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== text.charCodeAt(k)) return false;
  }
  return true;
}
