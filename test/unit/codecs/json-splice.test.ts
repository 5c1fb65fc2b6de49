import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spliceJson } from '../../../src/codecs/json-splice.js';
import type { JsonValue } from '../../../src/record.js';

/** Replaces every string leaf for which `pick` says yes; returns a new value (input untouched). */
function redactLeaves(v: JsonValue, pick: (s: string) => boolean): JsonValue {
  if (typeof v === 'string') return pick(v) ? '[[X]]' : v;
  if (Array.isArray(v)) {
    const items = v.map((x) => redactLeaves(x, pick));
    return items.every((x, i) => x === v[i]) ? v : items;
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).map(([k, x]) => [k, redactLeaves(x, pick)] as const);
    return entries.every(([k, x]) => x === v[k]) ? v : Object.fromEntries(entries);
  }
  return v;
}

describe('spliceJson', () => {
  it('changes only the redacted values, keeping spacing, number spelling and big integers', () => {
    const text = '{ "id" : 12345678901234567890, "ratio": 1.50, "msg":"mail a@b.co",\t"tags":["x","a@b.co"] }';
    const before = JSON.parse(text) as JsonValue;
    const after = redactLeaves(before, (s) => s.includes('@'));
    expect(spliceJson(text, before, after)).toBe('{ "id" : 12345678901234567890, "ratio": 1.50, "msg":"[[X]]",\t"tags":["x","[[X]]"] }');
  });

  it('writes an object anew when it lost a member, and the whole record when a key repeats', () => {
    const text = '{"a": {"keep": 1,  "drop": "x"}, "b": 2}';
    const before = JSON.parse(text) as JsonValue;
    expect(spliceJson(text, before, { a: { keep: 1 }, b: 2 })).toBe('{"a": {"keep":1}, "b": 2}');
    const dup = '{"password":"first-secret","password":"second"}';
    const parsed = JSON.parse(dup) as JsonValue;
    expect(spliceJson(dup, parsed, { password: '[[SECRET]]' })).toBe('{"password":"[[SECRET]]"}');
  });

  it('always yields the redacted value, for any JSON text and any leaves redacted', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 1, 2, '\t'), fc.integer(), (value, indent, seed) => {
        const text = JSON.stringify(value, null, indent);
        const before = JSON.parse(text) as JsonValue;
        let n = seed;
        const after = redactLeaves(before, () => (n = (n * 1103515245 + 12345) & 0x7fffffff) % 3 === 0);
        const out = spliceJson(text, before, after);
        expect(JSON.parse(out)).toEqual(after);
        if (after === before) expect(out).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});
