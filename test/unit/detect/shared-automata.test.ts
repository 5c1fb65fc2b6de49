import { describe, expect, it } from 'vitest';
import { buildAutomaton, type Automaton } from '../../../src/detect/literal-automaton.js';
import { automataBytes, automataFromBytes, automatonOf, seedAutomata, sharedAutomata, wordsDigest } from '../../../src/detect/shared-automata.js';

/** An automaton's tables as plain arrays, whatever memory holds them. */
function tables(a: Automaton): unknown {
  return { next: [...a.next], width: a.width, classOf: [...a.classOf], firstEnd: a.firstEnd, outStart: [...a.outStart], outWords: [...a.outWords] };
}

/** `bytes` in shared memory, as the spec cache reads its file. */
function sharedCopy(bytes: Buffer): SharedArrayBuffer {
  const memory = new SharedArrayBuffer(bytes.length);
  new Uint8Array(memory).set(bytes);
  return memory;
}

describe('shared literal automata', () => {
  const words = ['password', 'pass', 'ghp_', 'akia', `x${Date.now()}`];

  it('builds an automaton once for its words, in shared memory, with the tables buildAutomaton makes', () => {
    const a = automatonOf(words);
    expect(automatonOf([...words])).toBe(a);
    expect(a.next.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.outWords.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(tables(a)).toEqual(tables(buildAutomaton(words)));
    expect(sharedAutomata()).toContainEqual({ words: wordsDigest(words), automaton: a });
    // Other words, or the same in another order, are another automaton.
    expect(automatonOf([...words].reverse())).not.toBe(a);
  });

  it('takes an automaton another thread made for its words', () => {
    const mine = [`seeded${Date.now()}`, 'token'];
    const given = buildAutomaton(mine);
    seedAutomata([{ words: wordsDigest(mine), automaton: given }]);
    expect(automatonOf(mine)).toBe(given);
  });

  it('writes automata as bytes and reads them back as views of shared memory', () => {
    const small = buildAutomaton(['ab', 'b']);
    const large = buildAutomaton(['password', 'passphrase', 'ghp_', 'xoxb-', 'sk_live_']);
    const { entries, bytes } = automataBytes([
      { words: 'one', automaton: small },
      { words: 'two', automaton: large },
    ]);
    expect(entries.every((e) => e.tables.every(([start]) => start % 8 === 0))).toBe(true);
    const memory = sharedCopy(bytes);
    const back = automataFromBytes(entries, memory);
    expect(back.map((b) => b.words)).toEqual(['one', 'two']);
    expect(back.map((b) => tables(b.automaton))).toEqual([tables(small), tables(large)]);
    expect(back[1]?.automaton.next.buffer).toBe(memory);
  });

  it('leaves out an automaton whose tables the bytes do not hold', () => {
    const { entries, bytes } = automataBytes([{ words: 'one', automaton: buildAutomaton(['password', 'ghp_']) }]);
    expect(automataFromBytes(entries, sharedCopy(bytes.subarray(0, bytes.length - 8)))).toEqual([]);
    const shifted = entries.map((e) => ({ ...e, tables: e.tables.map(([s, n]): [number, number] => [s + 2, n]) }));
    expect(automataFromBytes(shifted, sharedCopy(Buffer.concat([bytes, Buffer.alloc(8)])))).toEqual([]);
    const odd = entries.map((e) => ({ ...e, tables: e.tables.map(([s, n], k): [number, number] => [s, k === 0 ? n - 1 : n]) }));
    expect(automataFromBytes(odd, sharedCopy(bytes))).toEqual([]);
  });
});
