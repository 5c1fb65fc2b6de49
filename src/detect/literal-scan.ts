/**
 * The prefilter's literals (vendor prefixes such as `ghp_`, key words such as `password`) found in
 * one pass of an Aho-Corasick automaton over an input's characters, built whole when the policy
 * compiles. As one RE2.Set they were an automaton RE2 builds as input asks for it: over the
 * benchmark's JSON lines, the first 10 MB cost 137 M instructions per MB, MB 60-70 still 37 M (a
 * call per line costs 7,000 at the least). This one is a table lookup per character from the
 * first line on. The table holds states (about one per literal character) by character classes
 * (one per character the literals hold): 6,379 by 56, 1.4 MB, for the built-in packs. Too large
 * for the CPU's first caches, so each step waits on the lookup before it: a batch's lines go
 * through two at a time, whose steps do not wait on each other (the line prefilter alone 4-7 %
 * faster over the benchmark's JSON lines than one line at a time, bench/compare-builds.mjs
 * --stage prefilter, the two builds in either order).
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
import { escapeRegex } from './re2-syntax.js';
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
  /** Byte (or ASCII character code) -> character class; letters as their lower case. */
  readonly #classes = new Uint8Array(256);
  readonly #width: number;
  /** Next state by row offset (state * width) + class: see {@link LiteralScan.#scan}. */
  readonly #next: Int32Array;
  /** The words state s ends: #outWords[#outStart[s] .. #outStart[s + 1]). */
  readonly #outStart: Int32Array;
  readonly #outWords: Int32Array;
  readonly #words: Word[];
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
    this.#words = texts.map((t) => byText.get(t) as Word);
    // Character classes: one per character some word holds, 0 for the others.
    let classes = 1;
    for (const t of texts) {
      for (let k = 0; k < t.length; k++) {
        const c = t.charCodeAt(k);
        if (this.#classes[c] === 0) this.#classes[c] = classes++;
      }
    }
    for (let c = 0x41; c <= 0x5a; c++) this.#classes[c] = this.#classes[c + 0x20] as number;
    this.#width = classes;
    const built = build(texts, this.#classes, classes);
    this.#next = built.next;
    this.#outStart = built.outStart;
    this.#outWords = built.outWords;
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
   * Runs the automaton over `input` from byte `from` in state (row offset) `s`, writing the
   * entries found to the lane (each once); false when the input is not ASCII (then the lane means
   * nothing). A transition is the next state's row offset, bit-inverted where that state ends a word.
   */
  #run(input: Buffer, from: number, s: number, lane: Lane, scan: number): boolean {
    const next = this.#next;
    const classes = this.#classes;
    for (let i = from; i < input.length; i++) {
      const c = input[i] as number;
      if (c > 0x7f) return false;
      s = next[s + (classes[c] as number)] as number;
      if (s < 0) {
        s = ~s;
        this.#ends(s, input, i, lane, scan);
      }
    }
    return true;
  }

  /**
   * {@link LiteralScan.#run} over two inputs at once, into lanes `scanX` and `scanY` are the
   * scans of: bit 1 of the answer is set when `x` is ASCII, bit 2 when `y` is.
   */
  #runTwo(x: Buffer, y: Buffer, scanX: number, scanY: number): number {
    const next = this.#next;
    const classes = this.#classes;
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
      s = next[s + (classes[c] as number)] as number;
      t = next[t + (classes[d] as number)] as number;
      if ((s | t) < 0) {
        if (s < 0) {
          s = ~s;
          this.#ends(s, x, i, a, scanX);
        }
        if (t < 0) {
          t = ~t;
          this.#ends(t, y, i, b, scanY);
        }
      }
    }
    return (this.#run(x, i, s, a, scanX) ? 1 : 0) | (this.#run(y, i, t, b, scanY) ? 2 : 0);
  }

  /** Reports the words that the state at row offset `row` ends (at `end` of `input`). */
  #ends(row: number, input: Buffer, end: number, lane: Lane, scan: number): void {
    const state = row / this.#width;
    for (let k = this.#outStart[state] as number; k < (this.#outStart[state + 1] as number); k++) {
      this.#report(this.#words[this.#outWords[k] as number] as Word, input, end, lane, scan);
    }
  }

  /** Adds the entries of `word`, which ends at `end` of `input` and were not yet seen in this scan, to the lane. */
  #report(word: Word, input: Buffer, end: number, lane: Lane, scan: number): void {
    const seen = lane.seen;
    for (const e of word.nocase) {
      if (seen[e] !== scan) {
        seen[e] = scan;
        lane.scratch[lane.found++] = e;
      }
    }
    for (const { entry, text } of word.exact) {
      if (seen[entry] === scan || !holdsText(input, end + 1 - text.length, text, false)) continue;
      seen[entry] = scan;
      lane.scratch[lane.found++] = entry;
    }
    for (const { entry, holdsAt } of word.anchored) {
      if (seen[entry] === scan || !holdsAt(input, end + 1 - word.length)) continue;
      seen[entry] = scan;
      lane.scratch[lane.found++] = entry;
    }
  }

  #exact(input: Buffer): number[] {
    this.#exactSet ??= new RE2.Set(this.#patterns, 'u');
    return sortNumbers(this.#exactSet.match(input));
  }
}

/** True when every character of `text` is ASCII. */
export function isAsciiText(text: string): boolean {
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) > 0x7f) return false;
  return true;
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

/**
 * `text` as ASCII input can hold it: lower case where `nocase`; a character `(?i)` matches an ASCII
 * letter with (the Kelvin sign, the long s) as that letter. Undefined when no ASCII input can
 * hold it (a character that folds to no ASCII one, as `é`).
 */
export function asciiFold(text: string, nocase: boolean): string | undefined {
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (c <= 0x7f) out += nocase ? ch.toLowerCase() : ch;
    else {
      const ascii = nocase ? asciiCaseOf(ch) : undefined;
      if (ascii === undefined) return undefined;
      out += ascii;
    }
  }
  return out;
}

/** The ASCII letter (lower case) that RE2's `(?i)` matches `ch` with, if any. */
function asciiCaseOf(ch: string): string | undefined {
  const re = new RE2(`(?i)${escapeRegex(ch)}`, 'u');
  for (let c = 0x61; c <= 0x7a; c++) if (re.test(String.fromCharCode(c))) return String.fromCharCode(c);
  return undefined;
}

/**
 * The automaton of `words` (ASCII, lower case where matched without case): a goto table made
 * whole (failure links followed at build time), and for each state the words it ends (its own
 * and those of its failure chain), by word index.
 */
function build(words: readonly string[], classes: Uint8Array, width: number): { next: Int32Array; outStart: Int32Array; outWords: Int32Array } {
  // The trie, as child tables by state.
  const children: Int32Array[] = [new Int32Array(width).fill(-1)];
  const ends: number[][] = [[]];
  words.forEach((w, wi) => {
    let s = 0;
    for (let k = 0; k < w.length; k++) {
      const cls = classes[w.charCodeAt(k)] as number;
      let t = (children[s] as Int32Array)[cls] as number;
      if (t === -1) {
        t = children.length;
        children.push(new Int32Array(width).fill(-1));
        ends.push([]);
        (children[s] as Int32Array)[cls] = t;
      }
      s = t;
    }
    (ends[s] as number[]).push(wi);
  });
  const states = children.length;
  const next = new Int32Array(states * width);
  const fail = new Int32Array(states);
  const out: number[][] = ends.map((e) => [...e]);
  // Breadth first: a state's failure state is shallower, so complete when the state is reached.
  const queue: number[] = [];
  for (let c = 0; c < width; c++) {
    const t = (children[0] as Int32Array)[c] as number;
    next[c] = t === -1 ? 0 : t;
    if (t !== -1) queue.push(t);
  }
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q] as number;
    const f = fail[s] as number;
    (out[s] as number[]).push(...(out[f] as number[]));
    for (let c = 0; c < width; c++) {
      const t = (children[s] as Int32Array)[c] as number;
      if (t === -1) next[s * width + c] = next[f * width + c] as number;
      else {
        next[s * width + c] = t;
        fail[t] = next[f * width + c] as number;
        queue.push(t);
      }
    }
  }
  const outStart = new Int32Array(states + 1);
  for (let s = 0; s < states; s++) outStart[s + 1] = (outStart[s] as number) + (out[s] as number[]).length;
  const outWords = new Int32Array(outStart[states] as number);
  for (let s = 0; s < states; s++) outWords.set(out[s] as number[], outStart[s] as number);
  // Each transition as the next state's row offset, bit-inverted where that state ends a word.
  for (let k = 0; k < next.length; k++) {
    const t = next[k] as number;
    next[k] = (out[t] as number[]).length > 0 ? ~(t * width) : t * width;
  }
  return { next, outStart, outWords };
}
