import { describe, expect, it } from 'vitest';
import { base64JsonIn, encodedJson, mayHoldBase64Json } from '../../../src/act/base64-json.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('base64JsonIn', () => {
  it('finds base64 of a JSON object or array in a text, in either alphabet, with or without padding', () => {
    const object = b64('{"password":"hunter2"}');
    const text = `payload=${object} next ${Buffer.from('[{"a":"b?>"}]').toString('base64url')}`;
    const found = base64JsonIn(text);
    expect(found.map((f) => f.json)).toEqual(['{"password":"hunter2"}', '[{"a":"b?>"}]']);
    expect(text.slice(found[0]?.start, found[0]?.end)).toBe(object);
    expect(found.map((f) => [f.url, f.unpadded])).toEqual([
      [false, false],
      [true, true],
    ]);
    // Unpadded where its length needs padding, with neither alphabet's own characters: base64url,
    // written back so (a URL's query has no room for + or /).
    const state = Buffer.from('{"u":"a","returnTo":"/home?tab=1&x=b"}').toString('base64url');
    const [inQuery] = base64JsonIn(`GET /cb?code=x&state=${state} 302`);
    expect(inQuery?.url).toBe(true);
    if (inQuery) expect(encodedJson('{"u":"a","returnTo":"/home?tab=1&x=b","t":"[[X:tk1.y]]"}', inQuery)).not.toMatch(/[+/=]/);
    // Its slashes escaped, as JSON in a text line writes them, and written back so.
    const slashed = b64('{"u":"\u00e9?","password":"Sm7xQ2mLw9"}').replaceAll('/', '\\/');
    expect(slashed).toContain('\\/');
    const [escaped] = base64JsonIn(`{"data":"${slashed}"}`);
    expect(escaped?.json).toBe('{"u":"\u00e9?","password":"Sm7xQ2mLw9"}');
    if (escaped) expect(encodedJson(escaped.json, escaped)).toBe(slashed);
    // A pretty-printed object, opening with a line break.
    expect(base64JsonIn(b64('{\n  "k": 1\n}')).map((f) => f.json)).toEqual(['{\n  "k": 1\n}']);
  });

  it('leaves a JWT, a longer base64 run, and base64 that spells no JSON', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl';
    expect(base64JsonIn(`Authorization: Bearer ${jwt}`)).toEqual([]);
    expect(base64JsonIn(`x${b64('{"password":"hunter2"}')}`)).toEqual([]);
    expect(base64JsonIn(b64('{"truncated": "no close'))).toEqual([]);
    expect(base64JsonIn(`eyJ${'A'.repeat(20)}`)).toEqual([]);
    expect(mayHoldBase64Json('frameworks')).toBe(false);
  });
});

describe('encodedJson', () => {
  it('writes the JSON again in the alphabet and padding it was read in', () => {
    const json = '{"k":"[[PASSWORD:tk1.xy]]?>"}';
    for (const written of [Buffer.from(json).toString('base64'), Buffer.from(json).toString('base64url'), Buffer.from(json).toString('base64').replace(/=+$/, '')]) {
      const [found] = base64JsonIn(written);
      expect(found).toBeDefined();
      if (found) expect(encodedJson(json, found)).toBe(written);
    }
  });
});
