import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortNumbers } from '../../../src/util/sort-numbers.js';

describe('sortNumbers', () => {
  it('sorts in place, ascending, as the built-in sort does, short lists and long ones', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 60 }), (list) => {
        const copy = [...list];
        const out = sortNumbers(copy);
        expect(out).toBe(copy);
        expect(out).toEqual([...list].sort((a, b) => a - b));
      }),
    );
  });

  it('keeps an empty list and a list of one as they are', () => {
    expect(sortNumbers([])).toEqual([]);
    expect(sortNumbers([7])).toEqual([7]);
  });
});
