import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../../src/act/actions.js';
import { compactJson, indexJson, indexPath, memberPath, spliceJson } from '../../../src/codecs/json-splice.js';
import { builtinPatternsDir } from '../../../src/config/config.js';
import { CompiledPolicy } from '../../../src/detect/compile.js';
import { loadPolicy } from '../../../src/detect/load.js';
import { processBatch } from '../../../src/pipeline/batch.js';
import type { JsonValue } from '../../../src/record.js';
import { LIMITS } from '../../helpers/engine.js';
import { localKeys } from '../../helpers/keys.js';

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

/** `v` with the keys `pick` chooses renamed (each to a name of its own), as the redaction renames them: in place. */
function renameKeys(v: JsonValue, pick: () => boolean, n = { next: 0 }): JsonValue {
  if (Array.isArray(v)) {
    const items = v.map((x) => renameKeys(x, pick, n));
    return items.every((x, i) => x === v[i]) ? v : items;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, JsonValue> = {};
    let changed = false;
    for (const k of Object.keys(v)) {
      const name = pick() ? `[[K${n.next++}]]` : k;
      const x = renameKeys(v[k] as JsonValue, pick, n);
      changed ||= name !== k || x !== v[k];
      out[name] = x;
    }
    return changed ? out : v;
  }
  return v;
}

/** `v` without the object members `pick` chooses, as a dropped field leaves it: the others in their order. */
function dropMembers(v: JsonValue, pick: () => boolean): JsonValue {
  if (Array.isArray(v)) {
    const items = v.map((x) => dropMembers(x, pick));
    return items.every((x, i) => x === v[i]) ? v : items;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, JsonValue> = {};
    let changed = false;
    for (const k of Object.keys(v)) {
      if (pick()) {
        changed = true;
        continue;
      }
      const x = dropMembers(v[k] as JsonValue, pick);
      changed ||= x !== v[k];
      out[k] = x;
    }
    return changed ? out : v;
  }
  return v;
}

/**
 * For random JSON texts (spaced four ways) and `redact` of their values, which asks `pick` (yes
 * one time in `oneIn`) where to act: the splice gives the redacted value, and an unchanged value's
 * text as it was.
 */
function expectSplicedAlways(redact: (before: JsonValue, pick: () => boolean) => JsonValue, oneIn: number): void {
  fc.assert(
    fc.property(fc.jsonValue(), fc.constantFrom(0, 1, 2, '\t'), fc.integer(), (value, indent, seed) => {
      const text = JSON.stringify(value, null, indent);
      const before = JSON.parse(text) as JsonValue;
      let n = seed;
      const after = redact(before, () => (n = (n * 1103515245 + 12345) & 0x7fffffff) % oneIn === 0);
      const out = spliceJson(text, before, after);
      expect(JSON.parse(out)).toEqual(after);
      if (after === before) expect(out).toBe(text);
    }),
    { numRuns: 500 },
  );
}

describe('spliceJson', () => {
  it('changes only the redacted values, keeping spacing, number spelling and big integers', () => {
    const text = '{ "id" : 12345678901234567890, "ratio": 1.50, "msg":"mail a@b.co",\t"tags":["x","a@b.co"] }';
    const before = JSON.parse(text) as JsonValue;
    const after = redactLeaves(before, (s) => s.includes('@'));
    expect(spliceJson(text, before, after)).toBe('{ "id" : 12345678901234567890, "ratio": 1.50, "msg":"[[X]]",\t"tags":["x","[[X]]"] }');
  });

  it('cuts out the members an object lost, with their commas, keeping the rest as written; writes the whole record anew when a key repeats', () => {
    const text = '{"a": {"keep": 1.50,  "drop": "x"}, "b": 12345678901234567890}';
    const before = JSON.parse(text) as JsonValue;
    expect(spliceJson(text, before, { a: { keep: 1.5 }, b: 12345678901234567000 })).toBe('{"a": {"keep": 1.50}, "b": 12345678901234567890}');
    const members = '{"1":2.0, "password":"p", "user" : "u", "10":1e2, "token":"t"}';
    const all = JSON.parse(members) as Record<string, JsonValue>;
    const cut = (keys: string[]) => spliceJson(members, all, Object.fromEntries(Object.entries(all).filter(([k]) => !keys.includes(k))));
    expect(cut(['password'])).toBe('{"1":2.0, "user" : "u", "10":1e2, "token":"t"}');
    expect(cut(['password', 'token'])).toBe('{"1":2.0, "user" : "u", "10":1e2}');
    // "1" and "10" come first in the parsed object, not in the text.
    expect(cut(['1', '10', 'token'])).toBe('{"password":"p", "user" : "u"}');
    expect(cut(Object.keys(all))).toBe('{}');
    const pretty = '{\n  "user": "u",\n  "password": "p",\n  "n": 1.0\n}';
    expect(spliceJson(pretty, JSON.parse(pretty) as JsonValue, { user: 'u', n: 1 })).toBe('{\n  "user": "u",\n  "n": 1.0\n}');
    const dup = '{"password":"first-secret","password":"second"}';
    const parsed = JSON.parse(dup) as JsonValue;
    expect(spliceJson(dup, parsed, { password: '[[SECRET]]' })).toBe('{"password":"[[SECRET]]"}');
  });

  it('renames a redacted key in place, keeping the object\'s other members as written', () => {
    const text = '{"z":"alice@example.com", "10":"a","b":12345678901234567890,"alice@example.com":1.50, "n":{"bob@x.io":[1.0]}}';
    const before = JSON.parse(text) as Record<string, JsonValue>;
    // As the redaction writes an object: its members in the order it read them, a renamed key in its place.
    const after: Record<string, JsonValue> = {};
    for (const k of Object.keys(before)) after[k === 'alice@example.com' ? '[[EMAIL]]' : k] = k === 'z' ? '[[EMAIL]]' : k === 'n' ? { '[[EMAIL:2]]': [1] } : (before[k] as JsonValue);
    expect(spliceJson(text, before, after)).toBe('{"z":"[[EMAIL]]", "10":"a","b":12345678901234567890,"[[EMAIL]]":1.50, "n":{"[[EMAIL:2]]":[1.0]}}');
    // An escaped key is found as it reads.
    const escaped = '{"a\\u0040b.co":2.50,"k":1}';
    expect(spliceJson(escaped, JSON.parse(escaped) as JsonValue, { '[[EMAIL]]': 2.5, k: 1 })).toBe('{"[[EMAIL]]":2.50,"k":1}');
  });

  it('always yields the redacted value, for any JSON text and any keys renamed', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2), fc.integer(), (value, indent, seed) => {
        const text = JSON.stringify(value, null, indent);
        const before = JSON.parse(text) as JsonValue;
        let n = seed;
        const after = renameKeys(before, () => (n = (n * 1103515245 + 12345) & 0x7fffffff) % 3 === 0);
        const out = spliceJson(text, before, after);
        expect(JSON.parse(out)).toEqual(after);
        if (after === before) expect(out).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('always yields the redacted value, for any JSON text, any members dropped and any leaves redacted', () => {
    expectSplicedAlways((before, pick) => redactLeaves(dropMembers(before, pick), pick), 4);
  });

  it('always yields the redacted value, for any JSON text and any leaves redacted', () => {
    expectSplicedAlways((before, pick) => redactLeaves(before, pick), 3);
  });

  it('finds a key an object repeats, also when an escape spells it, and names where', () => {
    expect(indexJson('{"a":{"b":1},"c":[{"d":1}]}').repeated).toBeUndefined();
    const nested = indexJson('{"a":[0,{"msg":"x","m\\u0073g":"y"}]}');
    expect(nested.spans).toBeUndefined();
    expect(indexPath(nested.repeated as string)).toBe('$.a[1].msg');
    expect(indexPath(indexJson('{"odd key":1,"odd key":2}').repeated as string)).toBe('$["odd key"]');
  });

  it('gives no spans when the paths would hold far more than the text, and still finds a repeated key', () => {
    const key = 'k'.repeat(20_000);
    const text = JSON.stringify({ [key]: Array.from({ length: 2_000 }, () => 1) });
    expect(indexJson(text).spans).toBeUndefined();
    expect(indexJson(JSON.stringify({ [key.slice(0, 100)]: [1, 2, 3] })).spans?.size).toBe(5);
    const before = JSON.parse(text) as Record<string, number[]>;
    const after = { [key]: before[key]?.map((n, i) => (i === 7 ? 2 : n)) as number[] };
    expect(JSON.parse(spliceJson(text, before, after))).toEqual(after);
    expect(indexPath(indexJson(`{"a":${text},"a":1}`).repeated as string)).toBe('$.a');
  });

  it('gives every value its own path, whatever characters its keys hold', () => {
    // Written plainly, member "a" item 0 and member "a<SOH>0" would share a path.
    const text = '{"a":["secret"],"a\\u00010":"x","b\\u0000\\u0002c":1}';
    const before = JSON.parse(text) as JsonValue;
    const after = { a: ['[[X]]'], 'a\u00010': 'x', 'b\u0000\u0002c': 1 };
    const spans = indexJson(text).spans;
    expect(spans?.size).toBe(5);
    expect([...(spans?.keys() ?? [])].map(indexPath)).toEqual(['$.a[0]', '$.a', '$["a\\u00010"]', '$["b\\u0000\\u0002c"]', '$']);
    expect(spliceJson(text, before, after)).toBe('{"a":["[[X]]"],"a\\u00010":"x","b\\u0000\\u0002c":1}');
  });

  it('spans a value nested as deep as the limit whole, without looking inside', () => {
    const text = '{"a":[[[1]],2],"b":{"c":{}}}';
    const spans = indexJson(text, 2).spans as Map<string, { start: number; end: number }>;
    const byPath = new Map([...spans].map(([path, span]) => [indexPath(path), text.slice(span.start, span.end)]));
    expect([...byPath.keys()].sort()).toEqual(['$', '$.a', '$.a[0]', '$.a[1]', '$.b', '$.b.c']);
    expect(byPath.get('$.a[0]')).toBe('[[1]]');
    expect(byPath.get('$.b.c')).toBe('{}');
    // Deeper than any stack, without recursing into it; a string's brackets do not count.
    const deep = `{"s":"]]}","d":${'['.repeat(100_000)}${']'.repeat(100_000)},"e":1}`;
    const deepSpans = indexJson(deep, 64).spans as Map<string, { start: number; end: number }>;
    // $, $.s, $.e and $.d down to the 64th level, which is spanned whole.
    expect(deepSpans.size).toBe(3 + 64);
    const d = deepSpans.get(memberPath('', 'd'));
    expect(d && deep.slice(d.start, d.end)).toBe(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(deepSpans.get(memberPath('', 'e'))).toEqual({ start: deep.length - 2, end: deep.length - 1 });
  });

  it('compacts JSON as written, for any JSON text (property)', () => {
    expect(compactJson('{ "a" : [1, 2.50],\n "a": "x  y\\" \ud800" }')).toBe('{"a":[1,2.50],"a":"x  y\\" \\ud800"}');
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        const compact = compactJson(text);
        expect(compact).not.toMatch(/\n/);
        expect(JSON.parse(compact)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });
});

describe('a record whose fields a policy drops', () => {
  it('keeps the rest of the line as written: number spellings, big integers, spacing', async () => {
    const { keys } = await localKeys();
    const tokenKey = await keys.current();
    const policy = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
    const line = '{"id":12345678901234567890, "amount":1.50,"user":"alice@example.com","password":"hunter2-Secret","ok":true}';
    const r = processBatch(
      { seq: 0, file: 'app.log', firstLine: 1, firstOffset: 0, data: Buffer.from(`${line}\n`) },
      { policy, actions: new ActionPolicy({ byCategory: { pii: { type: 'drop-field' }, secret: { type: 'drop-field' } } }), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey },
    );
    // The password's key rule masks it, by its own action.
    expect(Buffer.from(r.output).toString('utf8')).toBe('{"id":12345678901234567890, "amount":1.50,"password":"[[PASSWORD]]","ok":true}\n');
  });
});
