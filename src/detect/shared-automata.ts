/**
 * The literal automata a thread built or was given, by their words. An automaton is a pure
 * function of its words, and the built-in library's (42,906 states) took about 100 ms of each
 * worker's start, with some 20 MB of short-lived allocations that a worker's small young
 * generation copied across many scavenges. So the build records the default policy's automaton in
 * the spec cache (see spec-cache.ts), the main thread takes it from there, and hands every
 * automaton it holds to its workers (see executor.ts). The tables live in shared memory: posted to
 * a worker, they are shared, not copied, and all threads read one copy.
 */
import { createHash } from 'node:crypto';
import { BoundedMap } from '../util/bounded-map.js';
import { buildAutomaton, type Automaton } from './literal-automaton.js';

/** An automaton and the digest of its words (see {@link wordsDigest}), as threads pass it. */
export interface SharedAutomaton {
  words: string;
  automaton: Automaton;
}

/**
 * Where a {@link SharedAutomaton}'s tables lie in the spec cache's file of automata (see
 * {@link automataBytes}): byte offset and length of `next`, `classOf`, `outStart`, `outWords`.
 */
export interface AutomatonEntry {
  words: string;
  width: number;
  firstEnd: number;
  /** Whether `next` holds 32-bit entries (more than 65,536 states). */
  wide: boolean;
  tables: Array<[number, number]>;
}

/** A few policies' automata at most: a long-lived process that compiles policy after policy keeps the last ones. */
const known = new BoundedMap<string, Automaton>(4);

/** What identifies an automaton: a digest of its words, in order. */
export function wordsDigest(words: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(words)).digest('base64url');
}

/** The automaton of `words` (see buildAutomaton): one this thread holds, else built and kept. */
export function automatonOf(words: readonly string[]): Automaton {
  const key = wordsDigest(words);
  const held = known.get(key);
  if (held) return held;
  const built = shared(buildAutomaton(words));
  known.set(key, built);
  return built;
}

/** The automata this thread holds, to give a worker ({@link seedAutomata}). */
export function sharedAutomata(): SharedAutomaton[] {
  return [...known.entries()].map(([words, automaton]) => ({ words, automaton }));
}

/** Takes automata another thread or the spec cache made. */
export function seedAutomata(list: readonly SharedAutomaton[]): void {
  for (const { words, automaton } of list) known.set(words, automaton);
}

/**
 * The automata's tables one after the other (each at a multiple of 8 bytes, in this machine's
 * byte order), and where each lies, for the spec cache: a file of bytes read straight into shared
 * memory, where JSON took the main thread about 0.2 s to parse and decode, and memory besides.
 */
export function automataBytes(list: readonly SharedAutomaton[]): { entries: AutomatonEntry[]; bytes: Buffer } {
  const parts: Buffer[] = [];
  let at = 0;
  const place = (t: ArrayBufferView): [number, number] => {
    const start = at;
    parts.push(Buffer.from(t.buffer, t.byteOffset, t.byteLength));
    at += t.byteLength;
    const pad = (8 - (at % 8)) % 8;
    if (pad > 0) parts.push(Buffer.alloc(pad));
    at += pad;
    return [start, t.byteLength];
  };
  const entries = list.map(({ words, automaton: a }) => ({
    words,
    width: a.width,
    firstEnd: a.firstEnd,
    wide: a.next instanceof Uint32Array,
    tables: [place(a.next), place(a.classOf), place(a.outStart), place(a.outWords)],
  }));
  return { entries, bytes: Buffer.concat(parts) };
}

/** The automata {@link automataBytes} wrote, as views of `memory` (the file's bytes); those whose tables do not fit it are left out. */
export function automataFromBytes(entries: readonly AutomatonEntry[], memory: SharedArrayBuffer): SharedAutomaton[] {
  return entries.flatMap((e) => {
    const fits = e.tables.length === 4 && e.tables.every(([start, length]) => Number.isInteger(start) && Number.isInteger(length) && start >= 0 && start % 8 === 0 && start + length <= memory.byteLength);
    if (!fits) return [];
    const [next, classOf, outStart, outWords] = e.tables as Array<[number, number]> as [[number, number], [number, number], [number, number], [number, number]];
    const width = e.wide ? 4 : 2;
    if (next[1] % width !== 0 || outStart[1] % 4 !== 0 || outWords[1] % 4 !== 0) return [];
    return [
      {
        words: e.words,
        automaton: {
          next: e.wide ? new Uint32Array(memory, next[0], next[1] / 4) : new Uint16Array(memory, next[0], next[1] / 2),
          width: e.width,
          classOf: new Uint8Array(memory, classOf[0], classOf[1]),
          firstEnd: e.firstEnd,
          outStart: new Int32Array(memory, outStart[0], outStart[1] / 4),
          outWords: new Int32Array(memory, outWords[0], outWords[1] / 4),
        },
      },
    ];
  });
}

/** `a` with its tables copied into shared memory. */
function shared(a: Automaton): Automaton {
  const copy = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(t: T, make: (m: SharedArrayBuffer) => T): T => {
    const out = make(new SharedArrayBuffer(t.byteLength));
    out.set(t as never);
    return out;
  };
  return {
    next: a.next instanceof Uint32Array ? copy(a.next, (m) => new Uint32Array(m)) : copy(a.next, (m) => new Uint16Array(m)),
    width: a.width,
    classOf: copy(a.classOf, (m) => new Uint8Array(m)),
    firstEnd: a.firstEnd,
    outStart: copy(a.outStart, (m) => new Int32Array(m)),
    outWords: copy(a.outWords, (m) => new Int32Array(m)),
  };
}
