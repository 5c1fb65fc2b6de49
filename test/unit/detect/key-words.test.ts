import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { inKeyPattern, KeyWords, keyWordInKey, keyWordNet, keyWordsOf, wordsOf } from '../../../src/detect/key-words.js';
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

  it('knows the keywords of the built-in packs that no literal makes a context key', () => {
    const words = keyWordsOf(builtinPolicy().spec.packs.flatMap((p) => p.detectors));
    for (const w of ['rtn', 'aba', 'routing', 'cpf', 'nhs', 'nie', 'nif', 'dni', 'pan', 'tfn', 'abn', 'acn', 'mobil', 'notion', 'keystore']) expect(words).toContain(w);
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
