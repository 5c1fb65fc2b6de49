import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalMembers } from '../../../src/util/canonical.js';

/** What canonical JSON is, written the plain way: JSON.stringify of every key and scalar, members sorted. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v: unknown) => (v === undefined ? 'null' : reference(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const members = Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`);
  return `{${members.join(',')}}`;
}

/** Strings of every kind: printable ASCII, quotes, backslashes, control characters, lone surrogates, astral characters. */
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', '"', '\\', '\u007f', '\u2028', '\ud800', 'a\u0000b', 'é', '😀', '__proto__', '10', '-1'));
const scalar = fc.oneof(text, fc.double(), fc.integer(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 1.5e-7), fc.boolean(), fc.constant(null), fc.constant(undefined));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value')), fc.dictionary(text, tie('value'))),
}));

describe('canonicalJson', () => {
  it('writes what JSON.stringify of sorted members writes, for any value', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 3000 },
    );
  });

  it('sorts keys by UTF-16 code units, leaves out undefined members and writes what JSON cannot hold as null', () => {
    expect(canonicalJson({ b: 1, a: [undefined, NaN], B: undefined, é: -0, '\ud83d\ude00': 'x', z: Infinity })).toBe('{"a":[null,null],"b":1,"z":null,"é":0,"😀":"x"}');
    expect(canonicalMembers({ type: 'findings', ts: 't', b: { y: '"', x: '\n' } })).toEqual(['"b":{"x":"\\n","y":"\\""}', '"ts":"t"', '"type":"findings"']);
    expect(canonicalJson('a\u2028b\ud800')).toBe(JSON.stringify('a\u2028b\ud800'));
  });

  it('writes a long list, joined a few hundred items at a time, as the plain way does', () => {
    // Lengths around the runs joined at once (256), undefined and nested lists among the items.
    fc.assert(
      fc.property(fc.integer({ min: 250, max: 800 }), fc.array(value, { minLength: 1, maxLength: 8 }), (n, pool) => {
        const list = Array.from({ length: n }, (_, i) => pool[i % pool.length]);
        expect(canonicalJson(list)).toBe(reference(list));
        expect(canonicalJson({ findings: list, type: 'findings' })).toBe(reference({ findings: list, type: 'findings' }));
      }),
      { numRuns: 60 },
    );
    const findings = Array.from({ length: 84_000 }, (_, i) => ({ detectorId: 'email', start: i * 12, end: i * 12 + 10 }));
    expect(JSON.parse(canonicalJson({ findings }))).toEqual({ findings });
  });
});
