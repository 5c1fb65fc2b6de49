import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { ASK, holdsValueMember, indexOfFolded, InKeyTests, inKeyPattern, keyWordInKey, literalInKey } from '../../../src/detect/in-key.js';
import { asciiFold } from '../../../src/detect/literal-automaton.js';
import { escapeRegex } from '../../../src/detect/re2-syntax.js';

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
    tests.word(3, 'rtn');
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
    // A name's string holds the other quote: it ends only at its own (`"user's ssn"`, `'ssn "primary"'`).
    expect(answer('ssn', true, '{"value":"536221234","name":"user\'s ssn"}')).toBe(true);
    expect(answer('secret_access', true, '{"name":"\'aws_secret_access_key","value":"x"}')).toBe(true);
    expect(answer('primary', true, "{'name': 'ssn \"primary\"', 'value': 1}")).toBe(true);
    expect(answer('ssn', true, '{"name":"user" , "x":"\'s ssn","value":1}')).toBe(false);
    expect(regexAnswer('ssn', true, '{"value":"536221234","name":"user\'s ssn"}')).toBe(true);
    // Places of a literal that overlap: the second one closes the key.
    expect(answer('a"a', false, 'a"a"a":')).toBe(true);
    // The name an OTLP kvlist's entries give: a name member's AnyValue, its key first.
    const kvlist = (name: string) => `{"kvlistValue":{"values":[{"key":"name","value":{"stringValue":"${name}"}},{"key":"value","value":{"stringValue":"x"}}]}}`;
    expect(answer('secret_access', true, kvlist('AWS_SECRET_ACCESS_KEY'))).toBe(true);
    expect(answer('secret_access', true, kvlist('AWS_SECRET_ACCESS_KEY').replace('"name"', '"host"'))).toBe(false);
    expect(answer('secret_access', true, '{"key":"name", "value": { "string_value" : "aws_secret_access_key"}}')).toBe(true);
    expect(answer('secret_access', true, '{"key":"name","value":{"intValue":"1","stringValue":"aws_secret_access_key"}}')).toBe(false);
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
        // An OTLP kvlist entry's name, or what nearly is one (a part or two amiss), up to its AnyValue's string.
        {
          weight: 2,
          arbitrary: fc
            .tuple(
              ...[
                ['"key"', "'key'", '"Key"', 'key"'],
                [':', ': '],
                ['"name"', '"Name"', '"field"', "'name'", '"names"'],
                [',', ' , '],
                ['"value"', '"Value"', 'value"'],
                [':'],
                ['{', ' { ', '['],
                ['"stringValue"', '"string_value"', '"bytesValue"', '"Value"', '"x_Value"', 'stringValue"'],
                [':', ' :\t'],
                ['"', "'", ''],
              ].map(([usual, ...others]) => fc.oneof({ weight: 12, arbitrary: fc.constant(usual as string) }, { weight: 1, arbitrary: fc.constantFrom(...others, '') })),
            )
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

describe('names of name-value objects', () => {
  it('count only on a line that holds a value member beside some name', () => {
    expect(holdsValueMember(Buffer.from('{"name":"DB_PASSWORD","value":"x"}'))).toBe(true);
    expect(holdsValueMember("{'field': 'password', 'old': 'a', 'new': 'b'}")).toBe(true);
    expect(holdsValueMember(Buffer.from('{"name":"grpc inventory.Reserve","values":[1],"x":"value"}'))).toBe(false);
    const tests = new InKeyTests();
    tests.literal(0, '(?i)\\.res', { text: '.res', nocase: true });
    tests.word(1, 'rtn');
    const span = Buffer.from('{"kind":"span","name":"grpc inventory.Reserve","duration_ms":25}');
    const attribute = Buffer.from('{"attributes":[{"key":"x.Reserve","value":{"intValue":1}}]}');
    const word = Buffer.from('{"name":"bank rtn","n":1}');
    expect(tests.holdsAny([0], span, true)).toBe(false);
    expect(tests.holdsAny([0], attribute, true)).toBe(true);
    expect(tests.holdsAny([1], word, true)).toBe(false);
    expect(tests.holdsAny([1], Buffer.from('{"name":"bank rtn","value":1}'), true)).toBe(true);
    // In a key, a name or not.
    expect(tests.holdsAny([0], Buffer.from('{"x.reserve":1}'), true)).toBe(true);
    expect(literalInKey(span, '.res', true, undefined, false)).toBe(false);
    expect(literalInKey(span, '.res', true)).toBe(true);
    // Asked of the line: a name counts beside a value member only.
    expect(literalInKey(span, '.res', true, undefined, ASK)).toBe(false);
    expect(literalInKey(attribute, '.res', true, undefined, ASK)).toBe(true);
    expect(tests.holds(0, span, true, undefined, ASK)).toBe(false);
    expect(tests.holds(0, span, false, undefined, ASK)).toBe(false);
    expect(tests.holds(0, attribute, false, undefined, ASK)).toBe(true);
    for (const named of [true, false]) {
      const re = new RE2(keyWordInKey('rtn', named), 'u');
      expect(re.test('{"name":"bank rtn","value":1}')).toBe(named);
      expect(re.test('{"bank_rtn":1}')).toBe(true);
    }
  });
});

