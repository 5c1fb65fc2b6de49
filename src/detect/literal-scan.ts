/**
 * The prefilter's literals (vendor prefixes such as `ghp_`, key words such as `password`) found in
 * one pass of an Aho-Corasick automaton over an input's characters, built whole when the policy
 * compiles. As one RE2.Set they were an automaton RE2 builds as input asks for it: over the
 * benchmark's JSON lines, the first 10 MB cost 137 M instructions per MB, MB 60-70 still 37 M (a
 * call per line costs 7,000 at the least). This one is a table lookup per character from the
 * first line on. The table holds states (about one per literal character) by ASCII byte, 16 bits
 * each: 6,379 states, 1.6 MB, for the built-in packs. Too large for the CPU's first caches, so a
 * step may wait on the lookup before it: a batch's lines go through two at a time, whose steps
 * do not wait on each other (the line prefilter alone 4-7 % faster over the benchmark's JSON lines
 * than one line at a time, bench/compare-builds.mjs --stage prefilter, the two builds in either
 * order; four at a time gained nothing more).
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
  /** Next state by state << 7 | ASCII byte: see {@link LiteralScan.#run}. */
  readonly #next: Int16Array | Int32Array;
  /**
   * What state s reports, slots #outStart[s] .. #outStart[s + 1] - 1: each an entry, the length of
   * the word it ends, and a test of the place that word starts at (none: the word is the entry).
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
    // Character classes: one per character some word holds, 0 for the others; letters as their
    // lower case. The automaton is built over them, its table then indexed by byte.
    const classOf = new Uint8Array(128);
    let classes = 1;
    for (const t of texts) {
      for (let k = 0; k < t.length; k++) {
        const c = t.charCodeAt(k);
        if (classOf[c] === 0) classOf[c] = classes++;
      }
    }
    for (let c = 0x41; c <= 0x5a; c++) classOf[c] = classOf[c + 0x20] as number;
    const built = build(texts, classOf, classes);
    this.#next = built.next;
    // Each state's words, as the entries they report.
    this.#outStart = new Int32Array(built.outStart.length);
    const entry: number[] = [];
    const length: number[] = [];
    this.#outTest = [];
    for (let state = 0; state + 1 < built.outStart.length; state++) {
      for (let k = built.outStart[state] as number; k < (built.outStart[state + 1] as number); k++) {
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
      this.#outStart[state + 1] = entry.length;
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
   * lane (each once); false when the input is not ASCII (then the lane means nothing). A
   * transition is the next state, bit-inverted where that state ends a word.
   */
  #run(input: Buffer, from: number, s: number, lane: Lane, scan: number): boolean {
    const next = this.#next;
    for (let i = from; i < input.length; i++) {
      const c = input[i] as number;
      if (c > 0x7f) return false;
      s = next[(s << 7) | c] as number;
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
      s = next[(s << 7) | c] as number;
      t = next[(t << 7) | d] as number;
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

  /** Adds the entries `state` reports (at `end` of `input`) and this scan has not seen, to the lane. */
  #ends(state: number, input: Buffer, end: number, lane: Lane, scan: number): void {
    const seen = lane.seen;
    for (let k = this.#outStart[state] as number; k < (this.#outStart[state + 1] as number); k++) {
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
 * The automaton of `words` (ASCII, lower case where matched without case), built over the
 * character classes `classOf` gives (`width` of them): a goto table made whole (failure links
 * followed at build time), and for each state the words it ends (its own and those of its failure
 * chain), by word index. The table returned is indexed by state << 7 | ASCII byte, of 16 bits where
 * the states fit: a step is one lookup (looking up the byte's class first cost 10 % of the scan),
 * and the states are numbered breadth first, so the shallow ones most steps visit lie together.
 *
 * The table is built in place: states are numbered as the breadth-first walk reaches them, and a
 * state's row copies its failure state's row (shallower, so written already) where it has no
 * child. The trie's edges are a map. Built through a child table per state and a goto table by
 * classes, as it was, the built-in packs' 6,087 words (27,111 states) took some 30 MB beside the
 * 7 MB table, once in each worker, and the process kept most of it.
 */
function build(words: readonly string[], classOf: Uint8Array, width: number): { next: Int16Array | Int32Array; outStart: Int32Array; outWords: Int32Array } {
  // The trie: edges by state * width + class, and the words each state ends.
  const edges = new Map<number, number>();
  const ends: number[][] = [[]];
  words.forEach((w, wi) => {
    let s = 0;
    for (let k = 0; k < w.length; k++) {
      const key = s * width + (classOf[w.charCodeAt(k)] as number);
      let t = edges.get(key);
      if (t === undefined) {
        t = ends.length;
        ends.push([]);
        edges.set(key, t);
      }
      s = t;
    }
    (ends[s] as number[]).push(wi);
  });
  const states = ends.length;
  // A byte of each class: every byte of a class steps alike.
  const byteOf = new Int32Array(width).fill(-1);
  for (let c = 0x7f; c >= 0; c--) byteOf[classOf[c] as number] = c;
  const next = states <= 0x7fff ? new Int16Array(states << 7) : new Int32Array(states << 7);
  // By number (the order the walk reaches states in): the trie state, the failure state, the words ended.
  const trieOf = new Int32Array(states);
  const fail = new Int32Array(states);
  const out = new Array<number[]>(states);
  out[0] = ends[0] as number[];
  const step = new Int32Array(width);
  let reached = 1;
  for (let q = 0; q < reached; q++) {
    const s = trieOf[q] as number;
    const f = fail[q] as number;
    for (let cls = 1; cls < width; cls++) {
      const t = edges.get(s * width + cls);
      if (t === undefined) {
        step[cls] = -1;
        continue;
      }
      const id = reached++;
      trieOf[id] = t;
      const back = q === 0 ? 0 : (next[(f << 7) | (byteOf[cls] as number)] as number);
      const tf = back < 0 ? ~back : back;
      fail[id] = tf;
      const own = ends[t] as number[];
      const inherited = out[tf] as number[];
      out[id] = own.length === 0 ? inherited : inherited.length === 0 ? own : [...own, ...inherited];
      step[cls] = (out[id] as number[]).length > 0 ? ~id : id;
    }
    for (let c = 0; c < 0x80; c++) {
      const cls = classOf[c] as number;
      const child = cls === 0 ? -1 : (step[cls] as number);
      next[(q << 7) | c] = child !== -1 ? child : q === 0 ? 0 : (next[(f << 7) | c] as number);
    }
  }
  const outStart = new Int32Array(states + 1);
  const outWords: number[] = [];
  for (let q = 0; q < states; q++) {
    outWords.push(...(out[q] as number[]));
    outStart[q + 1] = outWords.length;
  }
  return { next, outStart, outWords: Int32Array.from(outWords) };
}
