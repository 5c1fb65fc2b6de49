import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Chunks } from '../../../src/util/utf8-chunks.js';

describe('Utf8Chunks', () => {
  it('gives each string the bytes Buffer.from gives it, and keeps the earlier ones as they were', () => {
    // Lone surrogates and four-byte characters included; long strings cross the 64 KiB chunks.
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '\ud800', '\udfff'), maxLength: 200 }),
      fc.nat({ max: 70_000 }).map((n) => 'x'.repeat(n)),
    );
    fc.assert(
      fc.property(fc.array(text, { maxLength: 30 }), (texts) => {
        const chunks = new Utf8Chunks();
        const written = texts.map((t) => chunks.bytes(t));
        texts.forEach((t, i) => expect(Buffer.compare(written[i] as Buffer, Buffer.from(t))).toBe(0));
      }),
      { numRuns: 200 },
    );
  });

  it('starts a new chunk for a string whose bytes would not fit the rest of one', () => {
    const chunks = new Utf8Chunks();
    for (let left = 0; left <= 12; left++) {
      const fill = chunks.bytes('x'.repeat(64 * 1024 - left));
      const euros = chunks.bytes('€€€€');
      expect(euros.toString()).toBe('€€€€');
      expect(fill.toString()).toBe('x'.repeat(64 * 1024 - left));
    }
  });

  it('gives an empty string no bytes', () => {
    expect(new Utf8Chunks().bytes('').length).toBe(0);
  });
});
