import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { indexOfFolded, InKeyTests, inKeyPattern, KeyWords, keyWordInKey, keyWordNet, keyWordsOf, literalInKey, wordsOf } from '../../../src/detect/key-words.js';
import { asciiFold } from '../../../src/detect/literal-automaton.js';
import { escapeRegex } from '../../../src/detect/re2-syntax.js';
import { Prefilter } from '../../../src/detect/prefilter.js';
import { builtinPolicy } from '../../helpers/engine.js';

describe('keyWordsOf', () => {
  it('takes the leading keywords of keyword-led patterns and the window keywords that are words', () => {
    const words = keyWordsOf([
      { regex: '(?i:routing|aba|rtn|transit number)[^0-9\\n]{0,30}?(?:^|[^\\w-])(?P<secret>\\d{9})\\b', keywords: [] },
      { regex: '\\b\\d{3} \\d{3} \\d{4}\\b', keywords: ['mobil', 'tel:', 'host=', 'fon:', 'api'] },
      // Neither a vendor prefix nor a scheme list is a keyword-led prefix.
      { regex: '\\bghp_[A-Za-z0-9]{36}\\b', keywords: [] },
      { regex: '(?i)\\b(?:https?|ftp)://[^:@/\\s]+:(?P<secret>[^@/\\s]+)@[^\\s]+', keywords: [] },
    ]);
    // `tel` and `api` are too short for a window keyword; `host=` never stands in a key.
    expect(words).toEqual(['aba', 'mobil', 'routing', 'rtn', 'transit number']);
  });

  it('reads a leading keyword written with its quotes or separator as the key that holds it', () => {
    const words = keyWordsOf([{ regex: '(?i:sin:|"sin"|tin=|ss#|nas |ni:|social insurance)(?:[^0-9\\n]{0,30}?[^\\w-])?(?P<secret>\\d{9})\\b', keywords: [] }]);
    // `ss` and `ni` are too short for a key word.
    expect(words).toEqual(['nas', 'sin', 'social insurance', 'tin']);
  });

  it('reads a keyword behind a guard (`(?:^|[^:])secret`, not the `:secret:` of an ARN) as the word itself', () => {
    const words = keyWordsOf([{ regex: '(?i)(?:token|(?:^|[^:])secret|api[_-]?key)[ \\t]*[:=][ \\t]*(?P<secret>\\w{16,})', keywords: [] }]);
    expect(words).toEqual(['api-key', 'api_key', 'apikey', 'secret', 'token']);
  });

  it('takes no leading keyword that cannot reach a secret read under its key (`key: value`)', () => {
    const words = keyWordsOf([
      // A URL scheme: nothing before the secret matches the space after `key:` (the boundary after it may).
      { regex: '(?i:https?)://[\\w.-]+(?::\\d+)?(?:/[\\w.-]+)*/hooks/(?P<secret>[a-z0-9]{26})(?:[^A-Za-z0-9/]|$)', keywords: [] },
      // A gap a space passes, inside a group with the secret.
      { regex: '(?i:vault)(?:[^0-9\\n]{0,30}?[^\\w-](?P<secret>\\d{9}))\\b', keywords: [] },
      // No secret group: the whole pattern is looked at.
      { regex: '(?i:pesel)[0-9]{11}(?: [0-9]{11})*', keywords: [] },
      { regex: '(?i:nhs)[0-9]{11}(?:[0-9]{11})*', keywords: [] },
    ]);
    expect(words).toEqual(['pesel', 'vault']);
  });

  it('leaves OpenTelemetry `http.*` attribute keys to the fast path with the built-in packs', () => {
    const policy = builtinPolicy();
    const line = Buffer.from('{"kind":"span","name":"GET /orders","attributes":{"http.status_code":200,"http.method":"GET","http.route":"/orders"}}');
    expect(policy.lineFilter?.prefilter.hitsMany([line])[0]).toBeUndefined();
  });

  it('makes no context key of the keys structured logs and traces are full of, with the built-in packs', () => {
    // Each holds a word some detector once gated by or started with (`http` of a webhook URL,
    // `source` of `nuget sources add`, `config` of `npm config set`, `key` and `enable` of a router's `key 7` and `enable secret`):
    // a line with one went down the structured path, and its values were read with the key.
    const policy = builtinPolicy();
    for (const key of ['http.status_code', 'http.method', 'resource', 'eventSource', 'source', 'configuration', 'key', 's3_key', 'admin_user', 'upload_id', 'enabled', 'isEnabled']) {
      expect(policy.isContextKey(key), key).toBe(false);
    }
    for (const key of ['ssn', 'rtn', 'password', 'card']) expect(policy.isContextKey(key), key).toBe(true);
  });

  it('knows the keywords of the built-in packs that no literal makes a context key', () => {
    const words = keyWordsOf(builtinPolicy().spec.packs.flatMap((p) => p.detectors));
    for (const w of ['rtn', 'aba', 'routing', 'cpf', 'nhs', 'pesel', 'pan', 'tfn', 'abn', 'acn', 'mobil', 'notion', 'keystore', 'sin', 'tin']) expect(words).toContain(w);
  });
});

describe('KeyWords', () => {
  const kw = new KeyWords(['rtn', 'pan', 'transit number', 'tél', 'keystore', '2fa code']);

  it('finds a key word as whole words: at separators and where a lower-case letter meets an upper-case one', () => {
    expect(wordsOf('bankRtn_no2')).toEqual(['bank', 'rtn', 'no2']);
    expect(wordsOf('ABARoutingNumber')).toEqual(['aba', 'routing', 'number']);
    expect(kw.holds('RTNValue')).toBe(true);
    expect(kw.holds('XRTNValue')).toBe(false);
    for (const key of ['rtn', 'RTN', 'bank_rtn', 'bankRtn', 'Rtn', 'rtn-number', 'my.pan', 'cardPan', 'transitNumber', 'TRANSIT_NUMBER', 'transit number', 'Tél', 'client tél', 'PANNumber'])
      expect(kw.holds(key), key).toBe(true);
  });

  it('does not find one inside a word', () => {
    for (const key of ['span_id', 'uuid', 'rtn1', 'panel', 'transit', 'number', 'pantry', 'MYPAN', 'spanRtnx']) expect(kw.holds(key), key).toBe(false);
  });

  it("the line prefilter's net catches every key that holds one (generated keys)", () => {
    // The Kelvin sign lowers to `k`: `a\u212Aeystore` holds `keystore`.
    const piece = fc.constantFrom('rtn', 'RTN', 'Rtn', 'pan', 'Pan', 'PAN', 'transit', 'Transit', 'TRANSIT', 'Number', 'number', 'tél', 'TÉL', 's', 'x', 'X', 'Id', 'ID', 'V', '_', '-', '.', ' ', '1', 'é', 'a', 'keystore', '\u212Aeystore', 'Keystore', '2fa', '2FA', 'Code', 'code');
    const nets = ['rtn', 'pan', 'transit number', 'tél', 'keystore', '2fa code'].map((w) => new RE2(keyWordInKey(w), 'u'));
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), (pieces) => {
        const key = pieces.join('');
        const line = Buffer.from(`{"a":1,"${key}" :[1,"x"]}`);
        if (kw.holds(key)) expect(nets.some((n) => n.test(line)), key).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("the net's set pattern matches where its in-key pattern does", () => {
    for (const w of ['rtn', 'transit number']) {
      const set = new RE2(keyWordNet(w), 'u');
      const inKey = new RE2(keyWordInKey(w), 'u');
      for (const line of ['{"rtn":1}', '{"bankRtn" : 1}', '{"transit_number":1}', '{"TransitNumber":[]}', '{"msg":"rtn"}', '{"span":1}']) {
        if (inKey.test(line)) expect(set.test(line), `${w} ${line}`).toBe(true);
      }
    }
  });
});

describe('Prefilter with key words', () => {
  it('marks a line where a key word lies in a JSON key, as a whole word, and nowhere else', () => {
    // A pattern without a literal that gates (`aba` is a common trigram): only the key word marks keys.
    const pf = new Prefilter([{ pattern: '(?i:aba)[^0-9\\n]{0,30}?\\b\\d{9}\\b' }], { contextEntries: 1, keyWords: ['rtn'] });
    for (const line of ['{"rtn":[1,"011000028"]}', '{"bankRtn" : {"n":1}}', '{"a":{"RTN":1}}']) expect(pf.hits(Buffer.from(line)), line).toEqual([]);
    for (const line of ['{"msg":"rtn [1] x"}', '{"rtnx":[1]}', '{"irtn":1}', '{"crtNumber":1}', '{"method":"rtn","n":[1]}']) expect(pf.hits(Buffer.from(line)), line).toBeUndefined();
    // The name of a name-value object counts as a key.
    for (const line of ['{"name":"bank_rtn","value":[1]}', "{'Key': 'RTN', 'Value': 1}"]) expect(pf.hits(Buffer.from(line)), line).toEqual([]);
    // Past the context entries a key word makes nothing.
    expect(new Prefilter([{ pattern: '(?i:rtn)\\d{9}' }], { keyWords: [] }).hits(Buffer.from('{"rtn":[1]}'))).toBeUndefined();
  });
});

describe('inKeyPattern', () => {
  it('finds a pattern in a JSON key or a name member, a named group of it read without its name', () => {
    const re = new RE2(inKeyPattern(String.raw`(?i:aba)[^0-9\n]*?(?P<secret>\d{9})\b`), 'u');
    expect(re.test('{"aba 123456789": 1}')).toBe(true);
    expect(re.test('{"name":"aba 123456789","value":1}')).toBe(true);
    expect(re.test('{"k":"aba 123456789"}')).toBe(false);
  });
});

describe('indexOfFolded', () => {
  it('finds what the input in lower case finds, from any place', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'B', '_', '"', ':', '1'), maxLength: 40 }), fc.string({ unit: fc.constantFrom('a', 'b', '_', '1'), minLength: 1, maxLength: 4 }), fc.nat(45), (line, text, from) => {
        const input = Buffer.from(line, 'latin1');
        expect(indexOfFolded(input, text, from)).toBe(line.toLowerCase().indexOf(text, from));
      }),
    );
  });
});

describe('InKeyTests', () => {
  it('answers for a list as its tests one by one, the line lowered once for the literals without case', () => {
    const tests = new InKeyTests();
    tests.literal(0, '(?i)account', { text: 'account', nocase: true });
    tests.literal(1, 'Token', { text: 'Token', nocase: false });
    tests.literal(2, '(?i)auth', { text: 'auth', nocase: true });
    tests.pattern(3, keyWordInKey('rtn'));
    const lines = ['{"Account_ID":"a-1"}', '{"service":"accounts","Token":"x"}', '{"x":"token","AUTH":{"y":1}}', '{"bankRtn":1,"account":"x"}', '{"a":"auth account Token rtn"}'];
    const lists = [[0], [1], [0, 1], [1, 2], [0, 2, 3], [3], [2, 1, 0], []];
    for (const line of lines) {
      const input = Buffer.from(line);
      for (const list of lists) expect(tests.holdsAny(list, input, true), `${line} ${JSON.stringify(list)}`).toBe(list.some((i) => tests.holds(i, input, true)));
    }
    expect(tests.holdsAny([1, 2], Buffer.from('{"x":"token","AUTH":{"y":1}}'), true)).toBe(true);
    expect(tests.holdsAny([0, 1, 2, 3], Buffer.from('{"a":"auth account Token rtn"}'), true)).toBe(false);
  });
});

describe('literalInKey', () => {
  const regexAnswer = (literal: string, nocase: boolean, line: string): boolean => new RE2(inKeyPattern(`${nocase ? '(?i)' : ''}${escapeRegex(literal)}`), 'u').test(Buffer.from(line, 'latin1'));
  const answer = (literal: string, nocase: boolean, line: string): boolean => {
    const input = Buffer.from(line, 'latin1');
    const found = literalInKey(input, asciiFold(literal, nocase), nocase);
    // The same with the line in lower case given, as the prefilter gives it.
    expect(literalInKey(input, asciiFold(literal, nocase), nocase, input.toString('latin1').toLowerCase())).toBe(found);
    return found;
  };

  it('finds a literal in a JSON key or in a name member, not in a value', () => {
    expect(answer('account', true, '{"Account_ID":"a-1"}')).toBe(true);
    expect(answer('account', true, '{"a":{"name" : \'bank account\',"value":1}}')).toBe(true);
    expect(answer('account', true, '{"service":"accounts","ok":true}')).toBe(false);
    expect(answer('account', true, '{"NAME":"account","value":1}')).toBe(false);
    expect(answer('account', true, '{"Name":"account","value":1}')).toBe(true);
    expect(answer('Account', false, '{"account_id":"a-1"}')).toBe(false);
    expect(answer('tél', true, '{"tel":1}')).toBe(false);
    // Places of a literal that overlap: the second one closes the key.
    expect(answer('a"a', false, 'a"a"a":')).toBe(true);
  });

  it('answers as its regex does on ASCII lines (generated lines and literals)', () => {
    const literals = ['account', 'auth', 'password', '"password"', "pass'", 'a"a', 'x\'y"', 'ssn', 'key', 'name', 'Name', 'tel:', 'a', 'ſsn', '\u212Aey'];
    const line = (literal: string): fc.Arbitrary<string> => {
      const spelled = [literal, literal.toUpperCase(), literal.toLowerCase(), literal[0]?.toUpperCase() + literal.slice(1)];
      const piece = fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('"', "'", ':', ' ', '\t', '\r', '\n', '{', ',', '":"', '": "', '"name"', '"Name"', "'key'", '"Key"', '"NAME"', '"nAme"', 'key', 'name', '_id', 'x') },
        { weight: 3, arbitrary: fc.constantFrom(...spelled) },
        // A name member, or what nearly is one.
        {
          weight: 2,
          arbitrary: fc
            .tuple(fc.constantFrom('"', "'", ''), fc.constantFrom('key', 'name', 'Key', 'Name', 'KEY', 'nAme', 'keys'), fc.constantFrom('"', "'"), fc.constantFrom('', ' ', '\t\r', '\n'), fc.constantFrom(':', '=', ''), fc.constantFrom('', ' ', '\t'), fc.constantFrom('"', "'", ''))
            .map((parts) => parts.join('')),
        },
        { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 3 }) },
      );
      return fc.array(piece, { maxLength: 16 }).map((pieces) => pieces.join(''));
    };
    const cases = fc.constantFrom(...literals).chain((literal) => fc.tuple(fc.constant(literal), fc.boolean(), line(literal)));
    let found = 0;
    fc.assert(
      fc.property(cases, ([literal, nocase, text]) => {
        const expected = regexAnswer(literal, nocase, text);
        if (expected) found += 1;
        expect(answer(literal, nocase, text)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
    // The lines reach both answers, often.
    expect(found).toBeGreaterThan(150);
    expect(found).toBeLessThan(4500);
  });
});
