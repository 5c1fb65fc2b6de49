import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { lineEnds, LineFilter, tooDeep, widenAnchors } from '../../../src/detect/line-filter.js';
import { markByte } from '../../../src/detect/line-marks.js';
import { Prefilter, type PrefilterEntry } from '../../../src/detect/prefilter.js';
import type { KeyRuleSpec } from '../../../src/detect/pack.js';
import { gateOf } from '../../../src/detect/rarity.js';
import { SplitSet } from '../../../src/detect/split-set.js';
import { CORPORA_DIR, hasCorpora } from '../../helpers/corpora.js';
import { builtinPolicy } from '../../helpers/engine.js';
import { CompiledPolicy } from '../../../src/detect/compile.js';
import { loadPolicy } from '../../../src/detect/load.js';
import { builtinPatternsDir } from '../../../src/config/config.js';
import { loadRoutingRules } from '../../../src/route/load.js';
import { CompiledRouting } from '../../../src/route/compile.js';
import { builtinRoutingDir } from '../../../src/route/builtin.js';

describe('Prefilter', () => {
  const entries = [
    { pattern: '\\bghp_[A-Za-z0-9]{36}\\b' }, // gated by ghp_
    { pattern: '\\d{3}-\\d{2}-\\d{4}' }, // structural: no literal
    { pattern: '(?i)password\\s*=\\s*\\S+' }, // gated, case-folded
    { pattern: '\\b\\d{9}\\b', keywords: ['ssn', 'no'] }, // structural (`no` gates nothing), keywords checked
    { pattern: '\\bpat[a-z]{3}\\b' }, // a three-letter literal is too common: structural
  ];
  const pf = new Prefilter(entries);

  it('splits entries into literal gates and a structural set', () => {
    expect(gateOf(entries[0] as { pattern: string })).toEqual([{ text: 'ghp_', nocase: false }]);
    expect(gateOf(entries[4] as { pattern: string })).toBeUndefined();
    expect(pf.stats).toEqual({ structural: 3, relaxed: 0, unbounded: 0, tails: 0, structuralSets: 1, literals: 2, gated: 2 });
  });

  it('names the candidates: structural ones that match, gated ones whose literal occurs', () => {
    expect(pf.candidates('token ghp_short and 123-45-6789')).toEqual([0, 1]);
    expect(pf.candidates('PASSWORD is unset')).toEqual([2]);
    expect(pf.candidates('nothing here')).toEqual([]);
    expect(pf.candidates(Buffer.from('id 123456789'))).toEqual([3]);
  });

  it('test() runs the gated patterns and checks keywords of structural ones', () => {
    expect(pf.test('token ghp_short')).toBe(false);
    expect(pf.test(`token ghp_${'a'.repeat(36)}`)).toBe(true);
    expect(pf.test('Password = hunter2')).toBe(true);
    expect(pf.test('id 123456789')).toBe(false);
    expect(pf.test('SSN: 123456789')).toBe(true);
    expect(pf.test(Buffer.from('path pattern'))).toBe(false);
    expect(pf.test(Buffer.from('got patxyz'))).toBe(true);
  });

  it('uses keywords as the gate when the pattern has no literal of its own', () => {
    expect(gateOf({ pattern: '\\b\\d{9}\\b', keywords: ['passport'] })).toEqual([{ text: 'passport', nocase: true }]);
    // Three characters gate only when case-sensitive and mixing letters and digits.
    expect(gateOf({ pattern: '\\b(?:AKIA|A3T[A-Z0-9])[A-Z2-7]{16}\\b' })).toEqual([{ text: 'A3T', nocase: false }, { text: 'AKIA', nocase: false }]);
    expect(gateOf({ pattern: '\\bpat[A-Za-z0-9]{14}\\.' })).toBeUndefined();
    expect(gateOf({ pattern: '(?i)\\bk8s[a-z]{9}' })).toBeUndefined();
    const k = new Prefilter([{ pattern: '\\b\\d{9}\\b', keywords: ['passport'] }]);
    expect(k.candidates('PASSPORT 123456789')).toEqual([0]);
    expect(k.candidates('id 123456789')).toEqual([]);
  });
});

describe('Prefilter with a keyword-led pattern', () => {
  // A cap below the pattern's weight: it is held by its keyword prefix.
  // `aba` gates nothing (a common trigram, of `database`): the pattern is structural.
  const pf = new Prefilter([{ pattern: '(?i:aba|routing number)[^0-9\\n]{0,30}?\\b\\d{9}\\b' }], { maxStructuralWeight: 40 });
  it('holds its keywords in the set and confirms a hit with the whole pattern', () => {
    expect(pf.stats).toMatchObject({ structural: 1, relaxed: 1 });
    expect(new Prefilter([{ pattern: '(?i:aba|routing number)[^0-9\\n]{0,30}?\\b\\d{9}\\b' }]).stats.relaxed).toBe(0);
    expect(pf.candidates('the aba field')).toEqual([0]);
    expect(pf.test('the aba field')).toBe(false);
    expect(pf.matching('the aba field')).toEqual([]);
    expect(pf.test('ABA: 123456789')).toBe(true);
    expect(pf.matching(Buffer.from('ABA: 123456789'))).toEqual([0]);
  });

  it('is held by what follows its gap, or with the gap unbounded, and answers as the whole pattern does', () => {
    const entries = [
      { pattern: '(?i:aba|routing number)[^0-9\\n]{0,30}?\\b\\d{9}\\b' }, // held by its tail, nine digits
      { pattern: 'a[^\\]x]{0,12}b' }, // a tail of one character: held with the gap unbounded
      { pattern: 'id[^0-9]{0,5}\\d{4}' }, // a short gap stays as it is
      { pattern: '\\[^a]{0,30}z' }, // an escaped bracket is no class
      { pattern: '(?i)pan[^0-9]{0,20}(?P<secret>\\d{8}[A-Z])\\b' }, // the tail keeps the flags: `12345678z`
      { pattern: '(?:^|[^\\w~.-])(?P<secret>[\\w~.]{3}\\dQ~[\\w~.-]{31,34})(?:[^\\w~.-]|$)' }, // held from `Q~` on
    ];
    const whole = new Prefilter(entries);
    expect(whole.stats).toMatchObject({ structural: 6, relaxed: 0, unbounded: 1, tails: 3 });
    const direct = (input: string): number[] => entries.flatMap((e, i) => (new RE2(e.pattern, 'u').test(input) ? [i] : []));
    const inputs = [
      'ABA: 123456789',
      `the aba field${' '.repeat(40)}123456789`, // further than the gap: the unbounded form passes it, the whole pattern does not
      'aba 12 then 123456789',
      'routing number\n123456789',
      `a${'y'.repeat(12)}b`,
      `a${'y'.repeat(13)}b`,
      'a]b',
      'id 1234',
      `id${' '.repeat(6)}1234`,
      '[^aaa{0,30}z',
      '[' + 'q'.repeat(30) + 'z',
      '123456789', // the tail alone
      'PAN 12345678z',
      `pan${' '.repeat(21)}12345678Z`,
      '12345678z',
      `sec abc8Q~${'x'.repeat(31)} end`,
      `sec c8Q~${'x'.repeat(31)} end`, // the rest from Q~ alone
      `sec abc8Q~${'x'.repeat(35)}`,
      '',
    ];
    for (const input of inputs) {
      expect(whole.matching(input), JSON.stringify(input)).toEqual(direct(input));
      expect(whole.hitsMany([Buffer.from(input)])[0] ?? [], JSON.stringify(input)).toEqual(direct(input));
      expect(whole.test(input), JSON.stringify(input)).toBe(direct(input).length > 0);
    }
    // A key the wider form matches in is one the structured path reads values with (its
    // candidates name the entry): a line with such a key is marked, though the pattern fails.
    const key = `ABA${' '.repeat(40)}123456789`;
    const context = new Prefilter(entries, { contextEntries: 1 });
    expect(context.candidates(key)).toEqual([0]);
    expect(context.hits(Buffer.from(`{"${key}":1}`))).toEqual([]);
    expect(context.hits(Buffer.from(`{"k":"${key}"}`))).toBeUndefined();
    expect(whole.hits(Buffer.from(`{"${key}":1}`))).toBeUndefined();
    // A named group appears twice in the form that looks in keys: it is read without its name.
    const named = new Prefilter(entries, { contextEntries: 6 });
    expect(named.hits(Buffer.from(`{"k":"pan${' '.repeat(21)}12345678Z"}`))).toBeUndefined();
    expect(named.hits(Buffer.from(`{"pan${' '.repeat(21)}12345678Z":1}`))).toEqual([]);
    expect(named.hits(Buffer.from('{"k":"span 12345678Z"}'))).toEqual([4]);
  });
});

describe('Prefilter with context entries', () => {
  it('marks a line whose JSON key holds the literal or the keyword prefix of a detector, which the structured path reads values with', () => {
    const entries = [{ pattern: '(?i:aba|routing number)[^0-9\\n]{0,30}?\\b\\d{9}\\b' }, { pattern: 'ghp_[A-Za-z0-9]{36}' }];
    // The ABA pattern is held by its keyword prefix (the cap): the prefix alone makes `abas` a
    // context key (see CompiledPolicy.isContextKey); `ghp_` is a literal gate.
    const pf = new Prefilter(entries, { maxStructuralWeight: 40, contextEntries: 2 });
    expect(pf.stats).toMatchObject({ relaxed: 1 });
    for (const line of ['{"abas":[1,"x"]}', '{"My_ABA" :{"a":1}}', '{"ghp_tokens":[]}']) {
      expect(pf.candidates(JSON.stringify(Object.keys(JSON.parse(line) as object)[0])), line).not.toEqual([]);
      expect(pf.test(Buffer.from(line)), line).toBe(true);
      expect(pf.hits(Buffer.from(line)), line).toEqual([]);
      expect(pf.hitsMany([Buffer.from(line)]), line).toEqual([[]]);
    }
    for (const line of ['{"msg":"aba"}', '["aba"]', '{"a":"ghp_"}']) expect(pf.hits(Buffer.from(line)), line).toBeUndefined();
    // A literal's place is read without a regex on an ASCII line, with its regex on any other
    // line and on a string: the same answers.
    for (const [line, inKey] of [
      ['{"GHP_Tokens":[]}', false],
      ['{"ghp_tokens" : []}', true],
      ['{"name":"ghp_x","value":1}', true],
      ['{"Nom":"ghp_x","value":1}', false],
      ['{"msg":"ghp_ tokens","a":1}', false],
    ] as const) {
      for (const text of [line, line.replace('{', '{"é":0,')]) {
        expect(pf.hits(Buffer.from(text)), text).toEqual(inKey ? [] : undefined);
        expect(pf.hits(text), text).toEqual(inKey ? [] : undefined);
      }
    }
    // Entries past `contextEntries` (key rules, routing) make no context key.
    const none = new Prefilter(entries, { maxStructuralWeight: 40, contextEntries: 0 });
    for (const line of ['{"abas":[1,"x"]}', '{"ghp_tokens":[]}']) expect(none.hits(Buffer.from(line)), line).toBeUndefined();
  });
});

describe('Prefilter.hitsMany', () => {
  const same = (pf: Prefilter, inputs: string[]): void => {
    const buffers = inputs.map((t) => Buffer.from(t));
    expect(pf.hitsMany(buffers)).toEqual(buffers.map((b) => pf.hits(b)));
  };

  it('answers as hits() does for each input: gated, structural with keywords, relaxed, several sets', () => {
    const relaxed = new Prefilter(
      [
        { pattern: '(?i:aba|routing number)[^0-9\\n]{0,30}?\\b\\d{9}\\b' },
        { pattern: '\\bghp_[A-Za-z0-9]{36}\\b' },
        { pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b', keywords: ['tax'] },
        { pattern: '\\d{3}-\\d{2}-\\d{4}' },
        { pattern: '(?i)password\\s*=\\s*\\S+' },
      ],
      { maxStructuralWeight: 40 },
    );
    expect(relaxed.stats.relaxed).toBe(1);
    same(relaxed, ['the aba field', 'ABA: 123456789', `ghp_${'a'.repeat(36)} 123-45-6789`, 'tax 123-45-6789', 'password = x', '', 'nothing']);
  });

  it.skipIf(!hasCorpora)('answers as hits() does for the built-in library on real log lines', () => {
    const pf = builtinPolicy().lineFilter?.prefilter as Prefilter;
    const dir = join(CORPORA_DIR, 'logs');
    const lines = readdirSync(dir)
      .filter((n) => n.endsWith('.log.gz'))
      .flatMap((f) => gunzipSync(readFileSync(join(dir, f))).toString('utf8').split('\n').slice(0, 300));
    lines.push('card 4111 1111 1111 1111', 'mail bob@example.com from 10.1.2.3', 'Password=hunter22 ssn 078-05-1120');
    const hits = lines.filter((l) => pf.hits(Buffer.from(l)) !== undefined).length;
    // Both kinds of answer occur, so the comparison says something.
    expect(hits).toBeGreaterThan(50);
    expect(hits).toBeLessThan(lines.length);
    same(pf, lines);
  });
});

describe('LineFilter.markHits on lines read as text', () => {
  // An SSN pattern anchored to the whole value: widened, it matches a field of a JSON line, and
  // also the middle of a text line, which the structured path scans whole with the pattern itself.
  const detectors = [
    { regex: '^\\d{3}-\\d{2}-\\d{4}$', keywords: [] },
    { regex: '\\bghp_[A-Za-z0-9]{36}\\b', keywords: [] },
  ];
  const filter = LineFilter.build(detectors, [], 64, [{ pattern: 'status=401' }]) as LineFilter;
  const token = `ghp_${'a1'.repeat(18)}`;
  const lines = [
    'id 078-05-1120 ok',
    '{"ssn":"078-05-1120"}',
    '[note: id 078-05-1120 ok]',
    '078-05-1120',
    `id 078-05-1120 ${token}`,
    'id 078-05-1120 status=401',
    'nothing here',
  ];
  const mark = (format?: 'auto' | 'text' | 'jsonl'): { hit: number[]; found: Map<number, number[]> } => {
    const data = Buffer.from(lines.join('\n'));
    const ends = lineEnds(data);
    const hit = new Uint8Array(ends.length);
    const found = new Map<number, number[]>();
    filter.markHits(data, ends, hit, found, format);
    return { hit: [...hit], found };
  };

  it('keeps a widened hit only where the detector\'s own pattern matches the line', () => {
    const { hit, found } = mark('auto');
    expect(hit).toEqual([0, 1, 1, 1, 1, 1, 0]);
    // The JSON line and the line that may be JSON keep the widened hit; the text line loses it. A
    // text line that another detector or the extra pattern marks keeps every hit it had.
    expect([...found]).toEqual([
      [1, [0]],
      [2, [0]],
      [3, [0]],
      [4, [0, 1]],
      // The extra pattern, after the detectors and the patterns of numbers whose writing hides
      // their digits and of encoded commands.
      [5, [0, filter.extraStart]],
    ]);
  });

  it('reads every line as text in text mode, none in jsonl mode, and keeps every hit without a format', () => {
    expect(mark('text').hit).toEqual([0, 0, 0, 1, 1, 1, 0]);
    expect(mark('jsonl').hit).toEqual([1, 1, 1, 1, 1, 1, 0]);
    expect(mark().hit).toEqual([1, 1, 1, 1, 1, 1, 0]);
  });
});

describe('LineFilter with key rules', () => {
  const rule = (keys: string[], where?: Record<string, string[]>): KeyRuleSpec => ({ keys, mode: 'redact', label: 'SECRET', category: 'credential', severity: 'high', ...(where ? { where } : {}), source: { file: 'keys.yaml', line: 1 } });

  it('gates a name-value object by the key it names and a condition by its values, not by the member names most lines hold', () => {
    const filter = LineFilter.build([], [rule(['pw', '*_pw']), rule(['value'], { name: ['session', 'sid'] })]) as LineFilter;
    const literals = filter.prefilter.literals;
    expect(literals).toEqual(expect.arrayContaining(['(?i)"pw"', '(?i)_pw"', '"sid"', '"session"']));
    // (A client whose arguments a rule reads is named whole: valkey-cli holds no member name; nor does SQLAlchemy's `[no key 0.0001s]`.)
    expect(literals.filter((l) => /name|key|field/i.test(l.replace(/valkey\\-cli/i, '').replace(/no key/, '')))).toEqual([]);
    const hits = (line: string): boolean => filter.test(Buffer.from(line));
    expect(hits('{"params":[{"name":"db_pw","value":"x"}]}')).toBe(true);
    expect(hits('{"cookies":[{"name":"sid","value":"x"}]}')).toBe(true);
    expect(hits('{"cookies":[{"name":"theme","value":"dark"}]}')).toBe(false);
  });

  it('keeps the member names as the gate where the key gives no literal strong enough', () => {
    const filter = LineFilter.build([], [rule(['x*'])]) as LineFilter;
    expect(filter.prefilter.literals).toContain('"name"');
    expect(filter.test(Buffer.from('{"name":"xyz","value":"1"}'))).toBe(true);
  });
});

describe('Prefilter.locate', () => {
  it('reports byte ranges of successive matches, without the submatches', () => {
    const pf = new Prefilter([{ pattern: '(?P<secret>\\d{3})-x' }]);
    const found: number[] = [];
    pf.locate(0, Buffer.from('é 123-x 456-x 78-x'), found);
    expect(found).toEqual([3, 8, 9, 14]);
  });
});

describe('SplitSet', () => {
  it('splits by weight and keeps indices', () => {
    const patterns = ['a{10}', 'b{10}', 'c{10}', 'x'];
    const split = new SplitSet(patterns, { test: 20, match: 10 });
    expect(split.sets).toBe(2);
    expect(split.match(`${'c'.repeat(10)} x ${'a'.repeat(10)}`)).toEqual([0, 2, 3]);
    expect(split.test('b'.repeat(10))).toBe(true);
    expect(split.test('bbb')).toBe(false);
    const inputs = ['b'.repeat(10), 'bbb', `${'c'.repeat(10)} x`, 'a'.repeat(10)].map((t) => Buffer.from(t));
    const hit = new Uint8Array(inputs.length);
    split.testMany(inputs, hit);
    expect([...hit]).toEqual([1, 0, 1, 1]);
    expect(split.matchMany(inputs, hit)).toEqual([[1], undefined, [2, 3], [0]]);
  });

  it('answers test() as its patterns do when patterns sharing a leading group are merged', () => {
    const lead = '(?:^|[^\\w-])';
    // Merged: captures of one name, a flag that must not reach the next rest, a rest of one pattern.
    const patterns = [
      `${lead}(?P<secret>4\\d{3}(?:\\d{4}|[ -]\\d{4}))\\b`,
      `${lead}(?P<secret>5[1-5]\\d{2}[ -]\\d{4})\\b`,
      `${lead}(?i)(?P<secret>ab\\d{2})`,
      `${lead}(?P<secret>AB[0-9]x)`,
      '(?:^|[^\\w.])(?P<secret>\\d{3}-\\d{2})\\b',
      '(?:^|x)y|z\\d',
      '\\bq(?:\\d)',
    ];
    const split = new SplitSet(patterns);
    const regexes = patterns.map((p) => new RE2(p, 'u'));
    const piece = fc.constantFrom('4', '5', '1', '2', '0', '9', ' ', '-', '.', 'a', 'A', 'b', 'B', 'x', 'X', 'y', 'z', 'q', '_', '"');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), (pieces) => {
        const input = pieces.join('');
        expect(split.test(Buffer.from(input)), input).toBe(regexes.some((r) => r.test(input)));
      }),
      { numRuns: 3000 },
    );
    // The flag of one rest stays there: `AB1X` is not `AB[0-9]x`.
    expect(split.test('AB1X')).toBe(false);
    expect(split.test('aB12')).toBe(true);
  });
});

describe('markByte', () => {
  const marked = (lines: string[], needle: number | string): number[] => {
    const data = Buffer.from(lines.join('\n'));
    const ends = lineEnds(data);
    const hit = new Uint8Array(ends.length);
    markByte(data, ends, needle, hit);
    return [...hit.keys()].filter((i) => hit[i]);
  };

  it('marks the lines holding a byte', () => {
    expect(marked(['a\\b', 'plain', '\\', 'x'], 0x5c)).toEqual([0, 2]);
  });

  it('marks the lines holding a long string whole, wherever it stands, and no line holding only its end', () => {
    const lines = ['"bytesValue"', 'x "bytesValue":"QQ==" "bytesValue"', '{"v":"Value"}', 'ytesValue" at the start', '{"a":1,"bytesValue"', 'Value" and "bytesValue" late', 'no'];
    expect(marked(lines, '"bytesValue"')).toEqual([0, 1, 4, 5]);
    // Short strings are looked for as they are.
    expect(marked(lines, 'Value"')).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('finds what a plain search finds, on any lines', () => {
    const line = fc.stringMatching(/^[ab"V_ue-]{0,24}$/);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), fc.constantFrom('"bV_e"', 'ab"V_u', 'a', '"', 'aV_b"ba', 'b"V_ue-ab'), (lines, needle) => {
        expect(marked(lines, needle)).toEqual(lines.flatMap((l, i) => (l.includes(needle) ? [i] : [])));
      }),
    );
  });
});

describe('tooDeep', () => {
  const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  it('counts nesting as a JSON parser does', () => {
    expect(tooDeep(Buffer.from(nest(3)), 3)).toBe(false);
    expect(tooDeep(Buffer.from(nest(4)), 3)).toBe(true);
    expect(tooDeep(Buffer.from('{"a":[1],"b":[2],"c":{"d":[3]}}'), 3)).toBe(false);
    expect(tooDeep(Buffer.from('{"a":"[[[[[[","b":1}'), 3)).toBe(false);
    expect(tooDeep(Buffer.from('{"a":"\\"[[[[","b":[[[[1]]]]}'), 3)).toBe(true);
  });
});

describe('Prefilter with patterns gated by a weak literal', () => {
  const entries = [
    { pattern: '(?i:ssn|ss#)[^0-9\\n]{0,30}?\\b\\d{9}\\b' }, // weak: three-byte literals
    { pattern: '\\d{3}-\\d{2}-\\d{4}' }, // no literal
    { pattern: '\\bpat[a-z]{3}\\b' }, // `pat` is common in log text: never gates
    { pattern: '\\b\\d{8}\\b', keywords: ['dob'] }, // weak by its keyword
  ];
  const inputs = ['ssn: 123456789', 'SS# 123456789', 'ssn unknown', 'id 123456789', '123-45-6789', 'got patxyz', 'dob 19800101', '19800101', ''];
  const direct = (input: string): number[] => entries.flatMap((e, i) => (new RE2(e.pattern, 'u').test(input) && (!e.keywords || /dob/i.test(input)) ? [i] : []));

  it('gates them by their literals, leaving the structural set the patterns without any', () => {
    const pf = new Prefilter(entries);
    expect(pf.stats).toEqual({ structural: 2, relaxed: 0, unbounded: 0, tails: 0, structuralSets: 1, literals: 3, gated: 2 });
    expect(pf.structuralPatterns).toEqual([entries[1]?.pattern, entries[2]?.pattern]);
    const small = new Prefilter(entries, { setWeight: 10 });
    // What is left no longer fits one set of that weight: it is split.
    expect(small.stats).toEqual({ structural: 2, relaxed: 0, unbounded: 0, tails: 0, structuralSets: 2, literals: 3, gated: 2 });
    for (const p of [small, pf]) {
      for (const input of inputs) expect(p.matching(input), input).toEqual(direct(input));
      expect(p.hitsMany(inputs.map((t) => Buffer.from(t)))).toEqual(inputs.map((t) => p.hits(Buffer.from(t))));
    }
  });

  it('gates the built-in library and its routing rules so that the rest fits one set', () => {
    const routing = new CompiledRouting(loadRoutingRules([builtinRoutingDir()]));
    const policy = new CompiledPolicy(loadPolicy([builtinPatternsDir()]), { maxDepth: 64, extraLinePatterns: routing.linePatterns });
    const prefilter = policy.lineFilter?.prefilter;
    expect(prefilter?.stats.structuralSets).toBe(1);
    // The patterns without a literal that gates stay: numbers, addresses, e-mail.
    expect(prefilter?.stats.structural).toBeGreaterThan(30);
    // Gated by a weak literal: `eyJ` of a JWT, `pwd` of a password assignment.
    const structural = prefilter?.structuralPatterns ?? [];
    expect(structural.some((p) => p.includes('eyJ'))).toBe(false);
    expect(structural.some((p) => p.includes('passphrase'))).toBe(false);
    expect(builtinPolicy().lineFilter?.prefilter.stats.structuralSets).toBe(1);
  });

  it('checks the keywords of an entry it gates by a weak literal, as it does in the structural set', () => {
    const withKeywords = [
      { pattern: '(?i:ssn|ss#)[^0-9\\n]{0,30}?\\b\\d{9}\\b', keywords: ['tax'] },
      { pattern: '\\d{3}-\\d{2}-\\d{4}' },
    ];
    for (const pf of [new Prefilter(withKeywords), new Prefilter(withKeywords, { setWeight: 10 })]) {
      expect(pf.matching('ssn 123456789')).toEqual([]);
      expect(pf.matching('tax ssn 123456789')).toEqual([0]);
      expect(pf.test('ssn 123456789')).toBe(false);
    }
    expect(new Prefilter(withKeywords).stats.gated).toBe(1);
  });

  it('moves a shared pattern only when every entry holding it has a weak literal', () => {
    const shared = [
      { pattern: '(?i:ssn)[^0-9\\n]{0,30}?\\b\\d{9}\\b' },
      { pattern: '(?i:ssn)[^0-9\\n]{0,30}?\\b\\d{9}\\b', keywords: ['pat'] }, // its own literal gates it weakly
      { pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b', keywords: ['id'] }, // `id` gates nothing
      { pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b', keywords: ['ssn'] },
    ];
    const pf = new Prefilter(shared);
    expect(pf.stats).toMatchObject({ structural: 1, gated: 2 });
    expect(pf.matching('ssn 123456789 pat')).toEqual([0, 1]);
    expect(pf.matching('ssn 123-45-6789 id')).toEqual([2, 3]);
  });
});

describe('Prefilter with entries sharing a literal', () => {
  // Several entries gated by one literal: the answer is each entry's own. (The first is gated by
  // another literal: a literal's entries are not the first indices.)
  const entries: Array<{ pattern: string; keywords?: string[] }> = [
    { pattern: '\\bghp_[A-Za-z0-9]{6}\\b' },
    { pattern: '(?i)phone[^0-9]{0,5}\\+\\d{6,}' },
    { pattern: '(?i)phone[^0-9]{0,5}\\d{3}-\\d{4}' },
    { pattern: '(?i)phone[^0-9]{0,5}\\(\\d{3}\\)' },
    { pattern: '(?i)(?:phone|mobile) ext\\.? \\d+' },
    { pattern: '(?i)(?:phone|mobile)\\D{0,3}\\d{9}', keywords: ['home'] },
    // `mobile` gates one entry `phone` does not: on a line holding both, it runs alone.
    { pattern: '(?i)mobile\\W{0,2}\\d{4}x' },
  ];
  const pf = new Prefilter(entries);
  it('names exactly the entries whose pattern matches (and keywords occur), as one set per literal finds them', () => {
    const inputs = [
      'phone +123456',
      'Phone: 555-1234 and phone (555)',
      'phone ext 12',
      'mobile ext. 4 phone +1234567',
      'home phone 123456789',
      'mobile 123456789',
      'home mobile 123456789 phone ext 1',
      'phone',
      'nothing',
      'ghp_abcdef phone ext 2',
      'phone ext 1 mobile 1234x',
      'phone +1234567 mobile 1234',
      'mobile 1234x',
    ];
    for (const input of inputs) {
      const want = entries.flatMap((e, i) => (new RE2(e.pattern, 'u').test(input) && (!e.keywords || /home/i.test(input)) ? [i] : []));
      expect(pf.matching(input), input).toEqual(want);
      expect(pf.test(input), input).toBe(want.length > 0);
      expect(pf.hitsMany([Buffer.from(input)]), input).toEqual([want.length > 0 ? want : undefined]);
    }
    // All at once, each literal's entries run over the lines that hold it: the same answers.
    expect(pf.hitsMany(inputs.map((i) => Buffer.from(i)))).toEqual(inputs.map((i) => pf.hits(Buffer.from(i))));
  });
});

describe('Prefilter with a gated entry whose gap is long', () => {
  it('names it only where the gap holds: the set holds the gap unbounded, and its match is checked', () => {
    const entries = [
      { pattern: '(?i)password[^\\n;]{0,150}?\\s-p\\s*\\S+' },
      { pattern: '(?i)password\\s*=\\s*\\S+' },
    ];
    const pf = new Prefilter(entries);
    expect(pf.stats.gated).toBe(2);
    const near = `password for ${'x'.repeat(100)} -p hunter2`;
    const far = `password for ${'x'.repeat(200)} -p hunter2`;
    expect(pf.matching(near)).toEqual([0]);
    expect(pf.matching(far)).toEqual([]);
    expect(pf.matching(`${far} password=x`)).toEqual([1]);
    expect(pf.hitsMany([Buffer.from(far), Buffer.from(near), Buffer.from(`password=x ${near}`)])).toEqual([undefined, [0], [0, 1]]);
  });
});

describe('Prefilter with entries sharing a literal that RE2 cannot hold as one set', () => {
  it('runs each of them alone', () => {
    // Each compiles alone, both are gated by the keyword `phone`, and together they exceed RE2's
    // program budget ("RE2.Set could not be compiled").
    const entries = [
      { pattern: '\\p{L}{400}1', keywords: ['phone'] },
      { pattern: '\\p{L}{400}2', keywords: ['phone'] },
    ];
    expect(() => new RE2.Set(entries.map((e) => e.pattern), 'u')).toThrow();
    const pf = new Prefilter(entries);
    expect(pf.stats.gated).toBe(2);
    const letters = 'é'.repeat(400);
    expect(pf.matching(`phone ${letters}1`)).toEqual([0]);
    expect(pf.matching(`phone ${letters}2 ${letters}1`)).toEqual([0, 1]);
    expect(pf.test(`phone ${letters}3`)).toBe(false);
    expect(pf.hitsMany([Buffer.from(`phone ${letters}2`), Buffer.from(`${letters}2`)])).toEqual([[1], undefined]);
  });
});

describe('Prefilter with an entry whose keywords repeat', () => {
  it('names the entry once', () => {
    const pf = new Prefilter([{ pattern: '\\b\\d{9}\\b', keywords: ['passport', 'PASSPORT', 'Passport'] }]);
    expect(pf.matching('passport 123456789')).toEqual([0]);
    expect(pf.hitsMany([Buffer.from('passport 123456789')])).toEqual([[0]]);
  });
});

describe('Prefilter with literals RE2 and JavaScript read differently', () => {
  it('gates by a case-folded literal that RE2 folds the same way (`İ` stays `İ`)', () => {
    const pf = new Prefilter([{ pattern: '(?i)İdent\\d{9}' }, { pattern: '\\b\\d{9}\\b', keywords: ['İNO'] }]);
    expect(pf.test('İDENT123456789')).toBe(true);
    expect(pf.matching('İno 123456789')).toEqual([1]);
  });

  it('never ends a literal inside a character written as two UTF-16 units', () => {
    const long = new Prefilter([{ pattern: 'abcdefghijklmnopqrstuvw😀xyz\\d+' }]);
    expect(long.test('abcdefghijklmnopqrstuvw😀xyz1')).toBe(true);
    const many = Array.from({ length: 33 }, (_, i) => `k${String(i).padStart(2, '0')}[😀😁]`).join('|');
    const pf = new Prefilter([{ pattern: `(?:${many})\\d` }]);
    expect(pf.test('k07😁5')).toBe(true);
    expect(pf.test('k31😀0')).toBe(true);
  });
});

describe('Prefilter over the built-in library and routing rules', () => {
  it.skipIf(!hasCorpora)('names exactly the entries whose pattern matches a line (and one of whose keywords it holds)', () => {
    const routing = new CompiledRouting(loadRoutingRules([builtinRoutingDir()]));
    const detectors = loadPolicy([builtinPatternsDir()]).packs.flatMap((p) => p.detectors);
    const entries: PrefilterEntry[] = [
      ...detectors.map((d) => ({ pattern: widenAnchors(d.regex), source: d.regex, keywords: d.keywords })),
      ...routing.linePatterns,
    ];
    const pf = new Prefilter(entries);
    // Some entries gated by weak literals, so that both kinds of gate are compared.
    expect(pf.stats.structuralSets).toBe(1);
    const direct = entries.map((e) => ({
      re: new RE2(e.pattern, 'u'),
      kw: e.keywords && e.keywords.length > 0 ? new RE2(`(?i)(?:${e.keywords.map((k) => k.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|')})`, 'u') : undefined,
    }));
    const dir = join(CORPORA_DIR, 'logs');
    const lines = readdirSync(dir)
      .filter((n) => n.endsWith('.log.gz'))
      .flatMap((f) => gunzipSync(readFileSync(join(dir, f))).toString('utf8').split('\n').slice(0, 40));
    lines.push(
      'SSN: 078-05-1120 dob 1980-01-01, dl# D1234567',
      'card 4111 1111 1111 1111 tel: +44 20 7946 0958 mail bob@example.com',
      '{"status":401,"user":"alice","Authorization":"Basic dXNlcjpwYXNz"}',
      'fax 030 1234567 sms 0151 2345678 phone (555) 123-4567',
      'export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY sk-proj-abc',
      // A gated pattern's match without its keywords (`mailgun`, `sentry`), then with them.
      'token key-85d1bad0ed84385abb4d33e311351d13 sent to https://6be27a4e69f5c759e81e87dc46607ede@o123456.ingest.example.io/450',
      'mailgun key-85d1bad0ed84385abb4d33e311351d13 sentry https://6be27a4e69f5c759e81e87dc46607ede@o123456.ingest.example.io/450',
    );
    let named = 0;
    for (const line of lines) {
      const want = direct.flatMap((d, i) => (d.re.test(line) && (d.kw?.test(line) ?? true) ? [i] : []));
      expect(pf.matching(Buffer.from(line)), line).toEqual(want);
      named += want.length;
    }
    expect(named).toBeGreaterThan(20);
  });
});
