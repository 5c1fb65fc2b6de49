import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { keyWordAnchor, keyWordNet, keyWordsOf } from '../../../src/detect/key-words.js';
import { asciiFold } from '../../../src/detect/literal-automaton.js';
import { LiteralScan, type LiteralEntry } from '../../../src/detect/literal-scan.js';
import { escapeRegex } from '../../../src/detect/re2-syntax.js';
import { builtinPolicy } from '../../helpers/engine.js';

/** A literal as the prefilter makes it an entry: its RE2 pattern is what the scan must answer like. */
const literal = (text: string, nocase: boolean): LiteralEntry => ({ pattern: (nocase ? '(?i)' : '') + escapeRegex(text), literal: { text, nocase } });
const net = (word: string): LiteralEntry => ({ pattern: keyWordNet(word), anchor: keyWordAnchor(word) });

/** What one RE2.Set of the entries' patterns answers: the reference. */
function reference(entries: readonly LiteralEntry[]): (input: string | Buffer) => number[] {
  const set = new RE2.Set(
    entries.map((e) => e.pattern),
    'u',
  );
  return (input) => set.match(input).sort((a, b) => a - b);
}

const ENTRIES: LiteralEntry[] = [
  literal('password', true),
  literal('"password"', true),
  literal('pass', true),
  literal('assword', false),
  literal('AKIA', false),
  literal('ghp_', false),
  literal('tel ', true),
  literal('token', true),
  literal('ok', true),
  literal('key', true),
  literal('ssn', true),
  literal('tél', true),
  literal('Straße', false),
  net('rtn'),
  net('id-nr'),
  net('transit number'),
  net('2fa code'),
  net('bank_rtn'),
  net('keystore'),
  net('pan'),
  // The long s is an s to `(?i)`: as the head of a word (matched anywhere) and inside one.
  net('ſms code'),
  net('x paſs'),
  // A word ASCII input cannot hold.
  net('numéro'),
  // Nets the scan finds by a later word (`key`, `no`, `pkcs`: see keyWordAnchor).
  net('co api key'),
  net('ss no'),
  net('pkcs 12'),
];

/** Inputs made of the entries' pieces in any case, separators and letters, sometimes with characters past ASCII. */
const pieces = ['password', 'PASS', 'Assword', 'akia', 'AKIA', 'ghp_', 'GHP_', 'tel', ' ', 'Token', 'oK', 'key', 'KEY', 'ssn', 'S', 'rtn', 'Rtn', 'RTN', 'bank', 'Bank', 'id', 'ID', 'Id', 'nr', 'NR', '-', '_', '"', ':', 'transit', 'Number', 'number', '2fa', '2FA', 'code', 'store', 'Keystore', 'pan', 'Pan', 'span', 'sms', 'SMS', 'Sms', 'pass', 'numero', 'x', 'a', 'Z', '9', 'tél', 'TÉL', 'Straße', '\u212Aey', 'pa\u017Fsword', '\u017F\u017Fn', '\n', '\t', 'co', 'Co', 'CO', 'api', 'Api', 'no', 'No', 'ss', 'SS', 'pkcs', 'PKCS', '12', '.', ' . '];
const inputs = fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((p) => p.join(''));

describe('LiteralScan', () => {
  const scan = new LiteralScan(ENTRIES);
  const exact = reference(ENTRIES);
  /** Whether the scan, and the RE2.Set of the patterns alike, find the net of `word` in each line. */
  const expectNet = (word: string, cases: ReadonlyArray<readonly [string, boolean]>): void => {
    const id = ENTRIES.findIndex((e) => e.pattern === keyWordNet(word));
    for (const [line, hit] of cases) {
      expect(scan.match(line).includes(id), line).toBe(hit);
      expect(exact(line).includes(id), line).toBe(hit);
    }
  };

  it('finds what one RE2.Set of the same patterns finds, in strings and in bytes', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const want = exact(input);
        expect(scan.match(input), JSON.stringify(input)).toEqual(want);
        expect(scan.match(Buffer.from(input)), JSON.stringify(input)).toEqual(want);
      }),
      { numRuns: 3000 },
    );
  });

  it('answers each input of a batch as alone, two at a time, whatever their lengths and bytes', () => {
    const some = (x: number[]): number[] | undefined => (x.length > 0 ? x : undefined);
    fc.assert(
      fc.property(fc.array(inputs, { maxLength: 9 }), (batch) => {
        const bytes = batch.map((b) => Buffer.from(b));
        expect(scan.matchEach(bytes), JSON.stringify(batch)).toEqual(batch.map((b) => some(exact(b))));
      }),
      { numRuns: 2000 },
    );
    // A word in the second input while the first is past ASCII, and the other way round; a word
    // ending where the shorter input ends, or past it.
    const cases = [
      ['pa\u017F\u017Fword tél', 'x ghp_ token'],
      ['ghp_ token', 'Straße password'],
      ['ok', 'xx key'],
      ['keystore', 'ke'],
      ['', 'password'],
    ];
    for (const pair of cases) expect(scan.matchEach(pair.map((p) => Buffer.from(p))), JSON.stringify(pair)).toEqual(pair.map((p) => some(exact(p))));
  });

  it('finds overlapping literals, each once, and compares a literal with case as written', () => {
    const at = (s: string): string[] => scan.match(s).map((i) => ENTRIES[i]?.pattern as string);
    expect(at('{"password":"x","password":"y"}')).toEqual(['(?i)password', '(?i)"password"', '(?i)pass', 'assword']);
    expect(at('PASSWORD')).toEqual(['(?i)password', '(?i)pass']);
    expect(at('akia AKIa')).toEqual([]);
    expect(at('xAKIAx ghp_')).toEqual(['AKIA', 'ghp_']);
  });

  it('answers input past ASCII with RE2 itself: the Kelvin sign is a k, the long s an s', () => {
    expect(scan.match('\u212Aey').map((i) => ENTRIES[i]?.pattern)).toContain('(?i)key');
    expect(scan.match(Buffer.from('pa\u017F\u017Fword')).map((i) => ENTRIES[i]?.pattern)).toContain('(?i)password');
    expect(scan.match('Tél ').map((i) => ENTRIES[i]?.pattern)).toEqual(['(?i)tél']);
    expect(scan.match(' sms code').map((i) => ENTRIES[i]?.pattern)).toContain(keyWordNet('ſms code'));
    // Invalid UTF-8 is not ASCII either.
    expect(scan.match(Buffer.from([0x70, 0x61, 0x73, 0x73, 0xff]))).toEqual(exact(Buffer.from([0x70, 0x61, 0x73, 0x73, 0xff])));
  });

  it('runs each key-word net as its regex would, at every place its word occurs', () => {
    expectNet('id-nr', [
      ['{"user_id":1,"id_nr":2}', true],
      ['{"idnr":1}', true],
      ['{"IdNr":1}', true],
      ['{"userIdNr":1}', true],
      ['{"USERIdNr":1}', true],
      ['{"rapid_nr":1}', false],
      ['{"id_nrs":1}', false],
      ['{"id_nrS":1}', true],
      ['id-nr', false],
    ]);
  });

  it('finds a net by its word fewest common log words hold, and tests the words on both sides', () => {
    expect(keyWordAnchor('id nr').text).toBe('nr');
    expect(keyWordAnchor('co api key').text).toBe('key');
    expect(keyWordAnchor('pkcs 12').text).toBe('pkcs');
    expect(keyWordAnchor('tax id').text).toBe('tax');
    expectNet('co api key', [
      ['{"co_api_key":1}', true],
      ['{"CoApiKey":1}', true],
      ['{"x.co..api-key":1}', true],
      ['{"coapikey":1}', true],
      ['{"co api keys":1}', false],
      ['{"taco_api_key":1}', false],
      ['{"tacoApiKey":1}', false],
      ['{"TACoApiKey":1}', true],
      ['{"TACO_API_KEY":1}', false],
      ['{"co_apx_key":1}', false],
      ['{"co_api_monkey":1}', false],
      ['co api key', false],
    ]);
  });

  it('matches every key word of the built-in packs as its net does', () => {
    const words = keyWordsOf(builtinPolicy().spec.packs.flatMap((p) => p.detectors));
    const entries = words.map(net);
    const own = new LiteralScan(entries);
    const want = reference(entries);
    const variants = (w: string): string[] => [w, w.toUpperCase(), w.replace(/(^|[ _#-])(\p{L})/gu, (_m, s: string, c: string) => s + c.toUpperCase()).replace(/[ _#-]/g, '')];
    const keys = fc.tuple(fc.constantFrom(...words.flatMap(variants)), fc.constantFrom('', 'x', 'X', 'my_', 'my', 'MY', '9'), fc.constantFrom('', 's', 'S', '_no', 'Value', '1', '"'));
    fc.assert(
      fc.property(keys, ([w, before, after]) => {
        const line = `{"${before}${w}${after}":[1]}`;
        expect(own.match(line), line).toEqual(want(line));
      }),
      { numRuns: 2000 },
    );
  });

  it('folds a literal to what ASCII input can hold, or to nothing', () => {
    expect(asciiFold('Password', true)).toBe('password');
    expect(asciiFold('AKIA', false)).toBe('AKIA');
    expect(asciiFold('\u212Aey', true)).toBe('key');
    expect(asciiFold('tél', true)).toBeUndefined();
  });
});
