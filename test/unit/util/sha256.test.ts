import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/util/sha256.js';

describe('sha256Hex', () => {
  it('hashes the UTF-8 of a text as a Hash object does', () => {
    for (const text of ['', 'abc', '{"event":{"a":"é"},"hash":"x"}', 'a\u{1F600}b', 'x'.repeat(100_000)]) {
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
