import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { SplitSet } from '../../../src/detect/split-set.js';
import { re2Input } from '../../../src/util/re2-input.js';

describe('re2Input', () => {
  // Strings the binding turns into UTF-8 itself: ASCII, Latin-1, an astral character, lone surrogates (JSON.parse makes them from `\ud800`).
  const texts = ['abc', 'café', 'x\u{1F600}y', 'a\ud800b', '\udc00', '', 'ſ'];
  const patterns = ['\\x{FFFD}', '^.{3}$', 'é', '(?i)s', 'a\\Cb', '\\x{1F600}', '^$'];

  it('gives RE2 the bytes the binding would make of the string', () => {
    const set = new RE2.Set(patterns, 'u');
    for (const text of texts) {
      expect(Buffer.isBuffer(re2Input(text))).toBe(true);
      expect(set.match(re2Input(text)), JSON.stringify(text)).toEqual(set.match(text));
    }
    const bytes = Buffer.from('as is');
    expect(re2Input(bytes)).toBe(bytes);
  });

  it('leaves a split set the answers of one set over the string', () => {
    const one = new RE2.Set(patterns, 'u');
    const split = new SplitSet(patterns, { test: 1, match: 1 });
    for (const text of texts) {
      expect(split.match(text), JSON.stringify(text)).toEqual([...one.match(text)].sort((a, b) => a - b));
      expect(split.test(text)).toBe(one.test(text));
    }
  });
});
