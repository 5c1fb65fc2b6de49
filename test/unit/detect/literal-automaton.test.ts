import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAutomaton, type Automaton } from '../../../src/detect/literal-automaton.js';

/** The words `input` holds, as the automaton finds them: [index of the last character, word], sorted. */
function ends(a: Automaton, input: string): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  let s = 0;
  for (let i = 0; i < input.length; i++) {
    s = a.next[s * a.width + (a.classOf[input.charCodeAt(i)] as number)] as number;
    if (s < a.firstEnd) continue;
    const at = s - a.firstEnd;
    for (let k = a.outStart[at] as number; k < (a.outStart[at + 1] as number); k++) found.push([i, a.outWords[k] as number]);
  }
  return found.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

/** The same, found by looking for every word at every place (letters without case). */
function naive(words: readonly string[], input: string): Array<[number, number]> {
  const lower = input.toLowerCase();
  const found: Array<[number, number]> = [];
  words.forEach((w, wi) => {
    const word = w.toLowerCase();
    for (let at = lower.indexOf(word); at >= 0; at = lower.indexOf(word, at + 1)) found.push([at + w.length - 1, wi]);
  });
  return found.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

/** Every printable ASCII character but the upper case letters (words are folded to lower case). */
const PRINTABLE = Array.from({ length: 0x5f }, (_, k) => String.fromCharCode(0x20 + k)).filter((c) => !/[A-Z]/.test(c));

const sets = (alphabet: readonly string[]) => {
  const word = fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 7 }).map((l) => l.join(''));
  const text = fc.array(fc.constantFrom(...alphabet, ...alphabet.map((c) => c.toUpperCase()), 'z', '\n', '\t'), { maxLength: 40 }).map((l) => l.join(''));
  return fc.tuple(fc.uniqueArray(word, { minLength: 1, maxLength: 30 }), fc.array(text, { minLength: 1, maxLength: 5 }));
};

describe('buildAutomaton', () => {
  it('finds every word where it ends, in either case', () => {
    fc.assert(
      fc.property(sets(['a', 'b', 'c', 'd', '_', '"', '1']), ([words, inputs]) => {
        const a = buildAutomaton(words);
        for (const input of inputs) expect(ends(a, input), JSON.stringify(input)).toEqual(naive(words, input));
      }),
      { numRuns: 1500 },
    );
  });

  it('holds a row of one entry per class, and numbers the states that end a word last', () => {
    const a = buildAutomaton(['password', 'pass', 'ghp_']);
    // p a s w o r d g h _, and 0 for the characters no word holds.
    expect(a.width).toBe(11);
    expect(a.classOf['P'.charCodeAt(0)]).toBe(a.classOf['p'.charCodeAt(0)]);
    expect(a.classOf['x'.charCodeAt(0)]).toBe(0);
    // The root, p a s s w o r d, g h _: 13 states; `pass`, `password` and `ghp_` end at the last three.
    expect(a.next).toBeInstanceOf(Uint16Array);
    expect(a.next.length).toBe(13 * 11);
    expect(a.firstEnd).toBe(10);
    expect(ends(a, 'x PASSWORD=1 ghp_')).toEqual([
      [5, 1],
      [9, 0],
      [16, 2],
    ]);
    fc.assert(
      fc.property(sets(PRINTABLE), ([words, inputs]) => {
        const b = buildAutomaton(words);
        for (const input of inputs) expect(ends(b, input), JSON.stringify(input)).toEqual(naive(words, input));
      }),
      { numRuns: 300 },
    );
  });

  it('reads a word written in upper case as in lower case', () => {
    const words = ['Pass', 'AKIA', 'ghp_'];
    expect(ends(buildAutomaton(words), 'x pass akia GHP_')).toEqual(naive(words, 'x pass akia GHP_'));
    expect(ends(buildAutomaton(words), 'x pass akia GHP_')).toEqual([
      [5, 0],
      [10, 1],
      [15, 2],
    ]);
  });

  it('takes 16 bits an entry up to 65,536 states, and 32 past them', () => {
    const edge = buildAutomaton(['a'.repeat(65535)]);
    expect(edge.next).toBeInstanceOf(Uint16Array);
    expect(ends(edge, 'a'.repeat(65536))).toEqual([
      [65534, 0],
      [65535, 0],
    ]);
    expect(buildAutomaton(['a'.repeat(65536)]).next).toBeInstanceOf(Uint32Array);

    let seed = 7;
    const random = (): number => (seed = (seed * 48271) % 0x7fffffff);
    const words = Array.from({ length: 12000 }, () => Array.from({ length: 8 }, () => PRINTABLE[random() % PRINTABLE.length]).join(''));
    const a = buildAutomaton(words);
    expect(a.next).toBeInstanceOf(Uint32Array);
    expect(a.next.length / a.width).toBeGreaterThan(65536);
    const input = [words[5], words[4000], 'xx', (words[11999] as string).toUpperCase(), (words[17] as string).slice(0, 5)].join(' ');
    expect(ends(a, input)).toEqual(naive(words, input));
  });
});
