import { describe, expect, it } from 'vitest';
import { BoundedMap, BoundedSet } from '../../../src/util/bounded-map.js';

describe('BoundedMap', () => {
  it('answers what it was told until it is full, then starts over', () => {
    const m = new BoundedMap<string, number>(3);
    m.set('a', 1);
    m.set('b', 2);
    m.set('a', 3);
    expect([m.get('a'), m.get('b'), m.get('c')]).toEqual([3, 2, undefined]);
    m.set('c', 4);
    // Full: the next new entry clears the rest.
    m.set('d', 5);
    expect([m.get('a'), m.get('b'), m.get('c'), m.get('d')]).toEqual([undefined, undefined, undefined, 5]);
  });
});

describe('BoundedSet', () => {
  it('holds what was added until it is full, then starts over', () => {
    const s = new BoundedSet<string>(2);
    s.add('a');
    s.add('b');
    expect([s.has('a'), s.has('b'), s.has('c')]).toEqual([true, true, false]);
    s.add('c');
    expect([s.has('a'), s.has('b'), s.has('c')]).toEqual([false, false, true]);
  });
});
