import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { keyWordInKey } from '../../../src/detect/in-key.js';
import { KeyWords, keyWordNet, keyWordsOf, wordsOf } from '../../../src/detect/key-words.js';
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
