import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pythonItems, pythonLiteral } from '../../../src/codecs/python-literal.js';
import type { JsonValue } from '../../../src/record.js';

/** `value` as Python's repr prints it: single quotes unless the string holds one and no double quote. */
function repr(value: JsonValue): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = [...value]
      .map((c) => {
        if (c === '\\' || c === quote) return `\\${c}`;
        if (c === '\n') return '\\n';
        if (c === '\r') return '\\r';
        if (c === '\t') return '\\t';
        const code = c.codePointAt(0) as number;
        if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
        return c;
      })
      .join('');
    return quote + body + quote;
  }
  if (Array.isArray(value)) return `[${value.map(repr).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${repr(k)}: ${repr(v)}`)
    .join(', ')}}`;
}

describe('pythonLiteral', () => {
  it('reads what repr prints back to the same value', () => {
    const json = fc.jsonValue({ maxDepth: 4, noUnicodeString: false }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);
    fc.assert(
      fc.property(json, (value) => {
        expect(pythonLiteral(repr(value))).toEqual(value);
      }),
    );
  });

  it('reads prefixes, tuples, triple quotes, escapes and a pprint over several lines', () => {
    expect(pythonLiteral("{u'kind': u'Secret', b'data': (b'cHc=', 1, -2.5e3), 'ok': True, 'n': None,}")).toEqual({ kind: 'Secret', data: ['cHc=', 1, -2500], ok: true, n: null });
    expect(pythonLiteral(`{'a': '''it's "x"''', 'b': r'C:\\new', 'c': '\\u00e9\\x41\\N', 'd': 1_000}`)).toEqual({ a: 'it\'s "x"', b: 'C:\\new', c: 'éA\\N', d: 1000 });
    expect(pythonLiteral("{'api_version': 'v1',\n 'data': {'password': 'aHVudGVy'},\n 'kind': 'Secret'}")).toEqual({ api_version: 'v1', data: { password: 'aHVudGVy' }, kind: 'Secret' });
  });

  it('reads what repr prints that is no literal as its text: calls, objects, inf, keys that are no string', () => {
    expect(pythonLiteral("{'t': datetime.datetime(2024, 5, 14, 10, 22, tzinfo=tzutc()), 'd': Decimal('1.5'), 'o': <Response [200]>, 'f': -inf, 'n': nan}")).toEqual({
      t: 'datetime.datetime(2024, 5, 14, 10, 22, tzinfo=tzutc())',
      d: "Decimal('1.5')",
      o: '<Response [200]>',
      f: '-inf',
      n: 'nan',
    });
    expect(pythonLiteral("{1: 'a', 2.5: 'b', None: 'c', (1, 'x'): 'd'}")).toEqual({ '1': 'a', '2.5': 'b', None: 'c', "(1, 'x')": 'd' });
  });

  it('reads nothing that is not a literal, and nothing nested too deep', () => {
    for (const text of ["{'a': f(1}", "{'a': <x}", "{'a' 1}", "{'a': 'x'", "{'a': 'x'} tail", "{1, 2}", "{'a': 'line\nbreak'}", "{'a': '\\U00110000'}", 'Secret', "{'a': 1.2.3}"]) {
      expect(pythonLiteral(text)).toBeUndefined();
    }
    expect(pythonLiteral('['.repeat(70) + ']'.repeat(70))).toBeUndefined();
    expect(pythonLiteral('['.repeat(10) + ']'.repeat(10))).toEqual(JSON.parse('['.repeat(10) + ']'.repeat(10)));
  });
});

describe('pythonItems', () => {
  it("gives each item of a tuple or a list with where it is written, a string's content inside its prefix and quotes", () => {
    const text = `x ('a\\'b', "c'd", b'e', u'''f''', 7, None, datetime.date(2024, 5, 1), <obj>) tail`;
    const read = pythonItems(text, 2);
    expect(read?.end).toBe(text.indexOf(' tail'));
    expect(read?.items.map((item) => [text.slice(item.start, item.end), item.value, item.string])).toEqual([
      ["a\\'b", "a'b", true],
      ["c'd", "c'd", true],
      ['e', 'e', true],
      ['f', 'f', true],
      ['7', 7, false],
      ['None', null, false],
      ['datetime.date(2024, 5, 1)', 'datetime.date(2024, 5, 1)', false],
      ['<obj>', '<obj>', false],
    ]);
    expect(pythonItems("[('a',), 'b']", 0)?.items.map((item) => item.string)).toEqual([false, true]);
    // An item it cannot read, as its text.
    expect(pythonItems("(f(tz=a.b), {1, 'x,y'}, 'c')", 0)?.items.map((item) => [item.value, item.string])).toEqual([
      ['f(tz=a.b)', false],
      ["{1, 'x,y'}", false],
      ['c', true],
    ]);
    expect(pythonItems('(1, 2', 0)).toBeUndefined();
    expect(pythonItems('{1: 2}', 0)).toBeUndefined();
  });
});
