/**
 * The Aho-Corasick automaton of the literal scan (literal-scan.ts): a goto table made whole
 * (failure links followed at build time), one row per state, indexed by the class of an input
 * byte (one class per character some word holds, 0 for the others; a letter's cases one class):
 * a step is two lookups, the byte's class and the next state.
 *
 * By byte, a row was 128 entries; by class it is as many as there are classes: 65 for the
 * built-in packs and routing rules (6,558 words, 30,663 states), whose table took 7.8 MB in every
 * worker and takes 4.0 MB (the packs alone: 6,422 words, 28,683 states, 64 classes, 3.7 MB).
 * The scan is no slower for the class lookup (the table is not in the CPU's first caches either
 * way): over the benchmark's JSON lines, two lines at a time as the scan goes, 32-34 ms per 20 MB
 * against 31-33 by byte. Rows for the shallow states only, the
 * deep ones held as their children and failure state, took 0.5-2 MB but cost 20-50 % more time:
 * a step out of a deep state is a branch the CPU cannot foresee.
 */
import RE2 from 're2';
import { escapeRegex } from './re2-syntax.js';

/**
 * An automaton over ASCII input. A step from state s on byte c is `next[s * width + classOf[c]]`.
 * The states that end a word are the last ones, from `firstEnd` on: a step tells whether it ended
 * a word by a comparison, which leaves a table entry the whole 16 bits for a state's number.
 */
export interface Automaton {
  readonly next: Uint16Array | Uint32Array;
  readonly width: number;
  /** Each ASCII byte's class: 0 for a byte no word holds; a letter as its lower case. */
  readonly classOf: Uint8Array;
  readonly firstEnd: number;
  /**
   * The words state s (from firstEnd on) ends, its own and its failure chain's, by index:
   * `outWords[outStart[s - firstEnd] .. outStart[s - firstEnd + 1] - 1]`.
   */
  readonly outStart: Int32Array;
  readonly outWords: Int32Array;
}

/**
 * The automaton of `words` (ASCII, not empty; letters match either case). States are
 * numbered as a breadth-first walk reaches them, those that end no word from the first up, those
 * that end one from the last down: the shallow ones, which most steps visit, lie together. A row
 * is built in place: it copies its failure state's row (a shallower state, so built already) and
 * writes its children over it.
 *
 * Built through a child table per state and a goto table by class, as it once was, the built-in
 * packs' words took some 30 MB beside the table, once in each worker, and the process kept most
 * of it. The trie keeps each state's children as a short list of (class, state) pairs here, one
 * empty list shared by the states without any: a map of edges and a list per state made the
 * built-in packs' automaton (42,906 states) take about 145 ms of each worker's start, 100 now.
 */
export function buildAutomaton(words: readonly string[]): Automaton {
  const classOf = new Uint8Array(128);
  let width = 1;
  for (const w of words) {
    if (w.length === 0) throw new Error('literal automaton: a word is empty');
    for (let k = 0; k < w.length; k++) {
      const c = lower(w.charCodeAt(k));
      if (c > 0x7f) throw new Error(`literal automaton: word ${JSON.stringify(w)} is not ASCII`);
      if (classOf[c] === 0) classOf[c] = width++;
    }
  }
  for (let c = 0x41; c <= 0x5a; c++) classOf[c] = classOf[c + 0x20] as number;
  // The trie: each state's children (class, state) in the order they were made, and the words each
  // state ends.
  // Most states have no child and end no word: they share one empty list (a list each made the
  // garbage collector a third of the build).
  const children: number[][] = [NONE];
  const ends: number[][] = [NONE];
  words.forEach((w, wi) => {
    let s = 0;
    for (let k = 0; k < w.length; k++) {
      const cls = classOf[lower(w.charCodeAt(k))] as number;
      let t = childOf(children[s] as number[], cls);
      if (t === undefined) {
        t = ends.length;
        ends.push(NONE);
        children.push(NONE);
        if (children[s] === NONE) children[s] = [cls, t];
        else (children[s] as number[]).push(cls, t);
      }
      s = t;
    }
    if (ends[s] === NONE) ends[s] = [wi];
    else (ends[s] as number[]).push(wi);
  });
  const states = ends.length;
  const next = states <= 0x10000 ? new Uint16Array(states * width) : new Uint32Array(states * width);
  // By number: the trie state, the failure state, the words ended; and the numbers in walk order.
  const trieOf = new Int32Array(states);
  const fail = new Int32Array(states);
  const out = new Array<number[]>(states);
  out[0] = [];
  const order = new Int32Array(states);
  let reached = 1;
  let low = 1;
  let high = states;
  for (let k = 0; k < reached; k++) {
    const q = order[k] as number;
    const s = trieOf[q] as number;
    const f = fail[q] as number;
    const row = q * width;
    // The failure state's row, then the children over it. Class 0 (a character no word holds)
    // leads back to the root from every state; the root's row is all root but its children.
    if (q !== 0) next.copyWithin(row, f * width, f * width + width);
    const kids = sortedChildren(children[s] as number[]);
    for (let c = 0; c < kids.length; c += 2) {
      const cls = kids[c] as number;
      const t = kids[c + 1] as number;
      const back = q === 0 ? 0 : (next[row + cls] as number);
      const own = ends[t] as number[];
      const inherited = out[back] as number[];
      const words = own.length === 0 ? inherited : inherited.length === 0 ? own : [...own, ...inherited];
      const id = words.length > 0 ? --high : low++;
      order[reached++] = id;
      trieOf[id] = t;
      fail[id] = back;
      out[id] = words;
      next[row + cls] = id;
    }
  }
  const outStart = new Int32Array(states - high + 1);
  const outWords: number[] = [];
  for (let q = high; q < states; q++) {
    outWords.push(...(out[q] as number[]));
    outStart[q - high + 1] = outWords.length;
  }
  return { next, width, classOf, firstEnd: high, outStart, outWords: Int32Array.from(outWords) };
}

/** The empty list states share (see buildAutomaton); never written to. */
const NONE: number[] = [];

/** The child of a state on a class, from its (class, state) pairs. */
function childOf(pairs: readonly number[], cls: number): number | undefined {
  for (let c = 0; c < pairs.length; c += 2) if (pairs[c] === cls) return pairs[c + 1];
  return undefined;
}

/** A state's children as (class, state) pairs, by class. */
function sortedChildren(pairs: number[]): number[] {
  if (pairs.length <= 2) return pairs;
  const order = Array.from({ length: pairs.length / 2 }, (_, k) => k).sort((a, b) => (pairs[2 * a] as number) - (pairs[2 * b] as number));
  return order.flatMap((k) => [pairs[2 * k] as number, pairs[2 * k + 1] as number]);
}

/** An ASCII upper case letter's lower case; any other code as it is. */
function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/**
 * `text` as ASCII input can hold it: lower case where `nocase`; a character `(?i)` matches an ASCII
 * letter with (the Kelvin sign, the long s) as that letter. Undefined when no ASCII input can
 * hold it (a character that folds to no ASCII one, as `é`).
 */
export function asciiFold(text: string, nocase: boolean): string | undefined {
  // Most literals are ASCII already: one string, not one per character.
  if (isAsciiText(text)) return nocase ? text.toLowerCase() : text;
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

/** True when every character of `text` is ASCII. */
export function isAsciiText(text: string): boolean {
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) > 0x7f) return false;
  return true;
}

const asciiCases = new Map<string, string | undefined>();

/** The ASCII letter (lower case) that RE2's `(?i)` matches `ch` with, if any (asked once a character). */
function asciiCaseOf(ch: string): string | undefined {
  if (asciiCases.has(ch)) return asciiCases.get(ch);
  const re = new RE2(`(?i)${escapeRegex(ch)}`, 'u');
  let found: string | undefined;
  for (let c = 0x61; c <= 0x7a && found === undefined; c++) if (re.test(String.fromCharCode(c))) found = String.fromCharCode(c);
  asciiCases.set(ch, found);
  return found;
}
