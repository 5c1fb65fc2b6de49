import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { isIPv4, isIPv6 } from 'node:net';
import { VALIDATORS, shannonEntropy } from '../../../src/detect/validators.js';
import { ipRange } from '../../../src/detect/validators/ip.js';
import { LogveilError } from '../../../src/errors.js';
import { bad, check, ok, v } from '../../helpers/validators.js';

/** Replaces the digit at `i` with a different digit chosen by `k` (1..9). */
function mutateDigit(s: string, i: number, k: number): string {
  const d = s.charCodeAt(i) - 48;
  return s.slice(0, i) + String((d + k) % 10) + s.slice(i + 1);
}

const digitPositions = (s: string): number[] => [...s].flatMap((c, i) => (/[0-9]/.test(c) ? [i] : []));

// --- independent reference implementations used to build known-good values ------------------

function luhnComplete(payload: string): string {
  let sum = 0;
  // Digits of the payload, from the right; the check digit will be appended at position 0.
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return payload + String((10 - (sum % 10)) % 10);
}

function ibanNumeric(s: string): bigint {
  return BigInt([...s].map((c) => (/[0-9]/.test(c) ? c : String(c.charCodeAt(0) - 55))).join(''));
}

function ibanFrom(country: string, bban: string): string {
  const check = 98n - (ibanNumeric(bban + country + '00') % 97n);
  return country + check.toString().padStart(2, '0') + bban;
}

// Verhoeff tables, written out independently of the implementation.
const VD = [
  '0123456789', '1234067895', '2340178956', '3401289567', '4012395678',
  '5987604321', '6598710432', '7659821043', '8765932104', '9876543210',
].map((r) => [...r].map(Number));
// Position permutations: row k is the published base permutation applied k times.
const VP_BASE = [...'1576283094'].map(Number);
const VP: number[][] = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]];
for (let k = 1; k < 8; k++) VP.push(VP[k - 1]!.map((x) => VP_BASE[x]!));
const VINV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

function verhoeffDigit(payload: string): number {
  let c = 0;
  for (let i = 0; i < payload.length; i++) {
    const d = Number(payload[payload.length - 1 - i]);
    c = VD[c]![VP[(i + 1) % 8]![d]!]!;
  }
  return VINV[c]!;
}

function cpfFrom(nine: string): string {
  const ds = [...nine].map(Number);
  const dv = (n: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += ds[i]! * (n + 1 - i);
    const r = s % 11;
    return r < 2 ? 0 : 11 - r;
  };
  ds.push(dv(9));
  ds.push(dv(10));
  return ds.join('');
}

const b64u = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');
const jwt = (header: unknown, payload: unknown, sig = 'c2lnbmF0dXJl') =>
  `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}.${sig}`;

const digitString = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((a) => a.join(''));

// ---------------------------------------------------------------------------------------------

describe('VALIDATORS registry', () => {
  it('has exactly the documented names', () => {
    expect(Object.keys(VALIDATORS).sort()).toEqual(
      [
        'cpf', 'entropy', 'iban-mod97', 'ipv4', 'ipv6', 'jwt-base64', 'jwt-structure', 'luhn', 'us-ssn', 'verhoeff',
        'phone', 'github-checksum', 'github-fine-grained-checksum', 'date', 'us-itin', 'ca-sin', 'cnpj', 'aba-routing', 'uk-nino', 'nhs-mod11',
        'de-tax-id', 'es-dni', 'it-codice-fiscale', 'fr-nir', 'nl-bsn', 'pl-pesel', 'au-tfn', 'au-abn', 'au-acn',
        'au-medicare', 'in-pan', 'basic-credentials', 'base58check', 'jp-my-number',
        'se-personnummer', 'fi-hetu', 'ch-ahv', 'be-national-number', 'tr-tc-kimlik', 'za-id', 'il-id', 'sg-nric', 'kr-rrn',
        'cn-resident-id', 'cl-rut', 'mx-curp', 'mx-clabe', 'mrz-td3',
      ].sort(),
    );
  });

  it('does not resolve Object.prototype names', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(VALIDATORS[name]).toBeUndefined();
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(VALIDATORS)).toBe(true);
  });
});

describe('checkParams', () => {
  const parameterless = [
    'luhn', 'iban-mod97', 'us-ssn', 'jwt-structure', 'ipv4', 'ipv6', 'verhoeff', 'cpf', 'github-checksum', 'date',
    'us-itin', 'ca-sin', 'cnpj', 'aba-routing', 'uk-nino', 'nhs-mod11', 'de-tax-id', 'es-dni', 'it-codice-fiscale',
    'fr-nir', 'nl-bsn', 'pl-pesel', 'au-tfn', 'au-abn', 'au-acn', 'au-medicare', 'in-pan', 'mx-clabe',
  ];

  it.each(parameterless)('%s accepts no params, and ignores the "name" key', (name) => {
    expect(v(name).checkParams({})).toEqual([]);
    expect(v(name).checkParams({ name })).toEqual([]);
  });

  it.each(parameterless)('%s reports every unknown param by name', (name) => {
    const problems = v(name).checkParams({ min: 3, foo: 'x' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain(name);
    expect(problems[0]).toContain('"min"');
    expect(problems[1]).toContain('"foo"');
  });

  it('entropy needs a numeric min between 0 and 8', () => {
    const e = v('entropy');
    const problem = 'entropy needs a numeric "min" between 0 and 8';
    expect(e.checkParams({ min: 3.5 })).toEqual([]);
    expect(e.checkParams({ name: 'entropy', min: 0 })).toEqual([]);
    expect(e.checkParams({ min: 8 })).toEqual([]);
    for (const min of [undefined, '3.5', -0.1, 8.01, Number.NaN, Number.POSITIVE_INFINITY, null, true, [3]]) {
      expect(e.checkParams(min === undefined ? {} : { min }), `min=${String(min)}`).toEqual([problem]);
    }
  });

  it('entropy reports unknown params too', () => {
    const problems = v('entropy').checkParams({ min: 3, max: 5 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('"max"');
    expect(v('entropy').checkParams({ max: 5 })).toHaveLength(2);
  });

  it('entropy.validate throws on params that fail checkParams', () => {
    expect(() => check('entropy', 'abcd', {})).toThrow(LogveilError);
    expect(() => check('entropy', 'abcd', { min: 'x' })).toThrow(/entropy needs a numeric "min"/);
    try {
      check('entropy', 'abcd', { min: 9 });
      expect.unreachable();
    } catch (err) {
      expect((err as LogveilError).code).toBe('VALIDATOR_PARAMS');
    }
  });
});

describe('shannonEntropy', () => {
  it('has exact values for simple strings', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('a')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('ab')).toBe(1);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(shannonEntropy('aabb')).toBe(1);
    expect(shannonEntropy('abcdefgh')).toBe(3);
    expect(shannonEntropy('aab')).toBeCloseTo(0.9182958340544896, 12);
    expect(shannonEntropy('abc')).toBeCloseTo(Math.log2(3), 12);
  });

  it('is exactly 0 for any run of one character', () => {
    for (let n = 1; n <= 300; n++) expect(shannonEntropy('a'.repeat(n)), `n=${n}`).toBe(0);
    ok('entropy', 'z'.repeat(11), { min: 0 });
    bad('entropy', 'z'.repeat(11), 'entropy 0.00 < 0.01', { min: 0.01 });
  });

  it('counts code points, not UTF-16 units', () => {
    expect(shannonEntropy('😀😀')).toBe(0);
    expect(shannonEntropy('😀a')).toBe(1);
  });

  it('is between 0 and log2(distinct characters), and invariant under reversal', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
        const h = shannonEntropy(s);
        const distinct = new Set(s).size;
        expect(h).toBeGreaterThanOrEqual(0);
        expect(h).toBeLessThanOrEqual(Math.log2(Math.max(1, distinct)) + 1e-9);
        expect(shannonEntropy([...s].reverse().join(''))).toBeCloseTo(h, 9);
      }),
    );
  });

  it('equals log2(k) for k distinct characters each repeated r times', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 5 }), (k, r) => {
        const s = Array.from({ length: k }, (_, i) => String.fromCharCode(0x21 + i).repeat(r)).join('');
        expect(shannonEntropy(s)).toBeCloseTo(Math.log2(k), 9);
      }),
    );
  });
});

describe('entropy validator', () => {
  it('passes when entropy >= min', () => {
    ok('entropy', 'abcd', { min: 2 });
    ok('entropy', 'abcd', { min: 1.99 });
    ok('entropy', 'aaaa', { min: 0 });
    ok('entropy', 'q8Zr2LmX0pVt7WnK', { min: 3.5 });
  });

  it('fails below min with a generic reason', () => {
    bad('entropy', 'abca', 'entropy 1.50 < 2.00', { min: 2 });
    bad('entropy', 'aaaa', 'entropy 0.00 < 0.50', { min: 0.5 });
    bad('entropy', 'passwordpassword', /^entropy \d\.\d\d < 3\.50$/, { min: 3.5 });
  });

  it('shows enough decimals to tell entropy and min apart', () => {
    const r = check('entropy', 'abc', { min: 1.585 }); // log2(3) = 1.58496...
    expect(r.ok).toBe(false);
    expect(r.reason).toBe('entropy 1.58496 < 1.58500');
  });
});

describe('luhn', () => {
  it('accepts known-good card numbers, with spaces or dashes', () => {
    for (const n of ['4111111111111111', '4242424242424242', '5555555555554444', '378282246310005', '6011111111111117']) {
      ok('luhn', n);
    }
    ok('luhn', '4111 1111 1111 1111');
    ok('luhn', '4111-1111-1111-1111');
    ok('luhn', '3782 822463 10005');
    ok('luhn', '4111.1111.1111.1111');
    ok('luhn', '89014103211118510720'); // a 20-digit ICCID
  });

  it('rejects wrong checksums, lengths and characters', () => {
    bad('luhn', '4111111111111112', 'Luhn checksum fails');
    bad('luhn', '79927398713', 'Luhn needs 12-20 digits, got 11'); // a valid Luhn number, too short
    bad('luhn', luhnComplete('12345678901234567890'), 'Luhn needs 12-20 digits, got 21');
    bad('luhn', '4111/1111/1111/1111', 'Luhn input has characters other than digits, spaces, dots and dashes');
    bad('luhn', '4111111111111111x', /characters other than digits/);
    bad('luhn', '４１１１１１１１１１１１１１１１', /characters other than digits/); // full-width digits
    bad('luhn', '', /12-20 digits/);
  });

  it('accepts every generated valid number of 12-20 digits', () => {
    fc.assert(fc.property(digitString(11, 19), (payload) => ok('luhn', luhnComplete(payload))));
  });

  it('rejects every single-digit change of a valid number', () => {
    fc.assert(
      fc.property(digitString(11, 18), fc.nat(), fc.integer({ min: 1, max: 9 }), (payload, pos, k) => {
        const valid = luhnComplete(payload);
        bad('luhn', mutateDigit(valid, pos % valid.length, k), 'Luhn checksum fails');
      }),
    );
  });
});

describe('iban-mod97', () => {
  const known = [
    'AD1200012030200359100100', 'AE070331234567890123456', 'AL47212110090000000235698741',
    'AT611904300234573201', 'BE68539007547034', 'BI4210000100010000332045181',
    'BR1800360305000010009795493C1', 'CH9300762011623852957', 'DE89370400440532013000',
    'DK5000400440116243', 'ES9121000418450200051332', 'FI2112345600000785',
    'FR1420041010050500013M02606', 'GB29NWBK60161331926819', 'GB82WEST12345698765432',
    'IE29AIBK93115212345678', 'IT60X0542811101000000123456', 'LC55HEMM000100010012001200023015',
    'MT84MALT011000012345MTLCAST001S', 'NL91ABNA0417164300', 'NO9386011117947',
    'PL61109010140000071219812874', 'PT50000201231234567890154', 'RU0204452560040702810412345678901',
    'SC18SSCB11010000000000001497USD', 'SE4550000000058398257466',
  ];

  it.each(known)('accepts %s', (iban) => ok('iban-mod97', iban));

  it('accepts spaces, dashes and lower case', () => {
    ok('iban-mod97', 'DE89 3704 0044 0532 0130 00');
    ok('iban-mod97', 'gb82 west 1234 5698 7654 32');
    ok('iban-mod97', 'DE89-3704-0044-0532-0130-00');
    ok('iban-mod97', 'al47-2121-1009-0000-0002-3569-8741');
  });

  it('rejects a wrong checksum', () => {
    bad('iban-mod97', 'DE89370400440532013001', 'IBAN mod-97 checksum fails');
    bad('iban-mod97', 'DE88370400440532013000', 'IBAN mod-97 checksum fails');
  });

  it('rejects a length that does not fit the country', () => {
    bad('iban-mod97', 'DE8937040044053201300', 'IBAN length 21 != 22 for DE');
    bad('iban-mod97', 'NO93860111179470', 'IBAN length 16 != 15 for NO');
    // A valid German IBAN relabelled as Austrian (length 20) fails on length.
    bad('iban-mod97', ibanFrom('AT', '370400440532013000'), 'IBAN length 22 != 20 for AT');
  });

  it('rejects unknown countries and malformed input', () => {
    bad('iban-mod97', ibanFrom('XX', '370400440532013000'), 'IBAN country code is not in the ISO 13616 registry');
    bad('iban-mod97', ibanFrom('US', '370400440532013000'), 'IBAN country code is not in the ISO 13616 registry');
    bad('iban-mod97', 'DE89_3704_0044_0532_0130_00', /alphanumeric/);
    bad('iban-mod97', 'DEX9370400440532013000', /two check digits/);
    bad('iban-mod97', '89370400440532013000', /country code/);
    bad('iban-mod97', 'DE89', /alphanumeric/);
    bad('iban-mod97', '', /country code/);
    // U+0131 (dotless i) upper-cases to "I"; it must not sneak through as a letter.
    const it60 = 'IT60X0542811101000000123456';
    bad('iban-mod97', '\u0131' + it60.slice(1), /alphanumeric/);
  });

  const lengths: Record<string, number> = {
    AD: 24, BE: 16, DE: 22, FR: 27, GB: 22, IT: 27, LC: 32, MT: 31, NL: 18, NO: 15, RU: 33, SA: 24, SE: 24, YE: 30,
  };
  const alnum = fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  const generated = fc
    .constantFrom(...Object.entries(lengths))
    .chain(([country, len]) =>
      fc.array(alnum, { minLength: len - 4, maxLength: len - 4 }).map((bban) => ibanFrom(country, bban.join(''))),
    );

  it('accepts generated IBANs with correct check digits', () => {
    fc.assert(fc.property(generated, (iban) => ok('iban-mod97', iban)));
  });

  it('rejects every single-digit change of a valid IBAN', () => {
    fc.assert(
      fc.property(generated, fc.nat(), fc.integer({ min: 1, max: 9 }), (iban, pick, k) => {
        const positions = digitPositions(iban);
        const pos = positions[pick % positions.length]!;
        bad('iban-mod97', mutateDigit(iban, pos, k), 'IBAN mod-97 checksum fails');
      }),
    );
  });

  it('rejects a valid IBAN with one extra or one missing character', () => {
    fc.assert(
      fc.property(generated, alnum, (iban, extra) => {
        bad('iban-mod97', iban + extra, /^IBAN length \d+ != \d+ for [A-Z]{2}$/);
        bad('iban-mod97', iban.slice(0, -1), /^IBAN length \d+ != \d+ for [A-Z]{2}$/);
      }),
    );
  });
});

describe('us-ssn', () => {
  it('accepts the six formats', () => {
    ok('us-ssn', '536-22-1234');
    ok('us-ssn', '536 22 1234');
    ok('us-ssn', '536221234');
    ok('us-ssn', '536.22.1234');
    ok('us-ssn', '536-221234');
    ok('us-ssn', '53622-1234');
    ok('us-ssn', '899-99-9998');
    ok('us-ssn', '001-01-0001');
  });

  it('rejects mixed separators and other shapes', () => {
    const reason = 'not an SSN format (ddd-dd-dddd, ddd dd dddd, ddd.dd.dddd, ddd-dddddd, ddddd-dddd or ddddddddd)';
    for (const s of ['536-22 1234', '536 22-1234', '536.22-1234', '536 221234', '5362-21234', '536-2212-34',
      '53622123', '5362212345', ' 536-22-1234', '536-22-1234\n', '５３６-22-1234', '']) {
      bad('us-ssn', s, reason);
    }
  });

  it('rejects areas that are never issued', () => {
    bad('us-ssn', '000-12-3456', 'SSN area 000 is never issued');
    bad('us-ssn', '666-12-3456', 'SSN area 666 is never issued');
    bad('us-ssn', '900-12-3456', 'SSN area 900-999 is never issued');
    bad('us-ssn', '987-65-4321', 'SSN area 900-999 is never issued');
    bad('us-ssn', '999 12 3456', 'SSN area 900-999 is never issued');
    ok('us-ssn', '665-12-3456');
    ok('us-ssn', '667-12-3456');
  });

  it('rejects group 00 and serial 0000', () => {
    bad('us-ssn', '536-00-1234', 'SSN group 00 is never issued');
    bad('us-ssn', '536-22-0000', 'SSN serial 0000 is never issued');
    bad('us-ssn', '536000001', 'SSN group 00 is never issued');
  });

  it('rejects advertised and sample numbers in any format', () => {
    const reason = 'SSN is a known advertised or sample number';
    for (const s of ['078-05-1120', '078 05 1120', '078051120', '219-09-9999', '123-45-6789', '123456789']) {
      bad('us-ssn', s, reason);
    }
    ok('us-ssn', '078-05-1121');
  });

  it('rejects all-same-digit numbers', () => {
    for (const d of '1234578') bad('us-ssn', `${d.repeat(3)}-${d.repeat(2)}-${d.repeat(4)}`, 'SSN has all digits the same');
    bad('us-ssn', '555555555', 'SSN has all digits the same');
  });

  it('accepts every issuable area/group/serial in every format', () => {
    const area = fc.integer({ min: 1, max: 899 }).filter((a) => a !== 666);
    const sep = fc.constantFrom('-', ' ', '.', '');
    fc.assert(
      fc.property(area, fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 9999 }), sep, (a, g, s, x) => {
        const digits = `${a}`.padStart(3, '0') + `${g}`.padStart(2, '0') + `${s}`.padStart(4, '0');
        fc.pre(!/^(\d)\1{8}$/.test(digits) && !['078051120', '219099999', '123456789'].includes(digits));
        ok('us-ssn', `${digits.slice(0, 3)}${x}${digits.slice(3, 5)}${x}${digits.slice(5)}`);
      }),
    );
  });
});

describe('jwt-base64', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const payload = part({ sub: 'u-1', iat: 1718000000 });

  it('accepts a JWT written in base64 once more, padded or not, URL-safe or not, with a line end', () => {
    const jwt = `${part({ alg: 'HS256', typ: 'JWT' })}.${payload}.c2lnbmF0dXJl`;
    ok('jwt-base64', b64(jwt));
    ok('jwt-base64', b64(jwt).replace(/=+$/, ''));
    ok('jwt-base64', Buffer.from(`${jwt}\n`).toString('base64url'));
  });

  it('takes a header that names any JOSE parameter or a replicated claim instead of alg; jwt-structure does not', () => {
    for (const header of [{ kid: 'k1' }, { apu: 'Tx9q' }, { aud: 'https://vault.example.com' }]) {
      const jwt = `${part(header)}.${payload}.c2ln`;
      ok('jwt-base64', b64(jwt));
      bad('jwt-structure', jwt, /alg/);
    }
    bad('jwt-base64', b64(`${part({ kty: 'RSA' })}.${payload}.c2ln`), /names no JOSE header parameter/);
  });

  it('takes a three-part token whose header names only "enc"; jwt-structure asks five parts of it', () => {
    const jwt = `${part({ enc: 'A256GCM' })}.${payload}.c2ln`;
    ok('jwt-base64', b64(jwt));
    bad('jwt-structure', `${part({ alg: 'dir', enc: 'A256GCM' })}.${payload}.c2ln`, /JWE needs 5 parts/);
    bad('jwt-base64', b64(`${part({ enc: 'A256GCM' })}.${payload}.c2!n`), /signature/);
  });

  it('rejects what is not base64 of a JWT', () => {
    bad('jwt-base64', b64('{"kind":"config","version":2}'), /decoded/);
    bad('jwt-base64', b64(`${part({ alg: 'HS256' })} is a header`), /decoded/);
    bad('jwt-base64', 'ZXlK!!!', /not base64/);
    bad('jwt-base64', Buffer.from([0x65, 0x79, 0x4a, 0xff, 0xfe]).toString('base64'), /UTF-8/);
  });
});

describe('jwt-structure', () => {
  const jwtIo =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

  it('accepts a signed JWT', () => {
    ok('jwt-structure', jwtIo);
    ok('jwt-structure', jwt({ alg: 'RS256', kid: 'k1' }, { sub: 'u', exp: 1 }));
    ok('jwt-structure', jwt({ alg: 'ES256' }, {}));
  });

  it('accepts a JWS without its signature: header.payload, or an empty third part', () => {
    // an unsecured JWT (alg none), or the signing input / a cut token of a signed one: the claims
    // are there either way
    ok('jwt-structure', jwt({ alg: 'none' }, { sub: 'u' }, ''));
    ok('jwt-structure', jwt({ alg: 'HS256' }, { sub: 'u' }, ''));
    const [h, p] = jwtIo.split('.');
    ok('jwt-structure', `${h}.${p}`);
    bad('jwt-structure', `${h}.${b64u('not json')}`, 'JWT payload is not a base64url JSON object');
    bad('jwt-structure', `${b64u('{"typ":"JWT"}')}.${p}`, 'JWT header has no string "alg"');
  });

  it('rejects a wrong number of parts', () => {
    const reason = 'JWT needs 2 or 3 parts (JWS) or 5 parts (JWE)';
    const [h, p, s] = jwtIo.split('.');
    bad('jwt-structure', `${h}.${p}.${s}.x`, reason);
    bad('jwt-structure', `${h}.${p}.${s}.x.y.z`, reason);
    bad('jwt-structure', h!, reason);
  });

  it('rejects a header that is not a base64url JSON object with a string alg', () => {
    const p = b64u('{"sub":"u"}');
    const notObject = 'JWT header is not a base64url JSON object';
    bad('jwt-structure', `.${p}.sig`, notObject);
    bad('jwt-structure', `${b64u('[1,2]')}.${p}.sig`, notObject);
    bad('jwt-structure', `${b64u('"alg"')}.${p}.sig`, notObject);
    bad('jwt-structure', `${b64u('null')}.${p}.sig`, notObject);
    bad('jwt-structure', `${b64u('{"alg":"HS256"')}.${p}.sig`, notObject);
    bad('jwt-structure', `${b64u(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))}.${p}.sig`, notObject); // not UTF-8
    // Standard base64 characters or padding are not base64url.
    const plusHeader = Buffer.from('{"alg":"HS256","x":">>>"}').toString('base64');
    expect(plusHeader).toMatch(/[+/=]/);
    bad('jwt-structure', `${plusHeader}.${p}.sig`, notObject);
    bad('jwt-structure', `${b64u('{"alg":"HS256"}')}=.${p}.sig`, notObject);
    bad('jwt-structure', `${b64u('{"alg":"HS256"}')}a.${p}.sig`, notObject); // length % 4 == 1

    const noAlg = 'JWT header has no string "alg"';
    bad('jwt-structure', jwt({ typ: 'JWT' }, { sub: 'u' }), noAlg);
    bad('jwt-structure', jwt({ alg: 256 }, { sub: 'u' }), noAlg);
    bad('jwt-structure', jwt({ alg: '' }, { sub: 'u' }), noAlg);
  });

  it('rejects a payload that is empty or not a base64url JSON object', () => {
    const h = b64u('{"alg":"HS256"}');
    bad('jwt-structure', `${h}..sig`, 'JWT payload is empty');
    bad('jwt-structure', `${h}.${b64u('hello')}.sig`, 'JWT payload is not a base64url JSON object');
    bad('jwt-structure', `${h}.${b64u('[1]')}.sig`, 'JWT payload is not a base64url JSON object');
    bad('jwt-structure', `${h}.${b64u('42')}.sig`, 'JWT payload is not a base64url JSON object');
    bad('jwt-structure', `${h}.pay+load.sig`, 'JWT payload is not a base64url JSON object');
  });

  it('rejects a signature that is not base64url', () => {
    bad('jwt-structure', jwt({ alg: 'HS256' }, { sub: 'u' }, 'ab+/'), 'JWT signature is not base64url');
    bad('jwt-structure', jwt({ alg: 'HS256' }, { sub: 'u' }, 'abcde'), 'JWT signature is not base64url');
  });

  it('accepts a JWE with 5 parts whose header has alg and enc', () => {
    const h = b64u(JSON.stringify({ alg: 'RSA-OAEP', enc: 'A256GCM' }));
    ok('jwt-structure', `${h}.${b64u('key-bytes')}.${b64u('iv-bytes-12b')}.${b64u('ciphertext')}.${b64u('tag-bytes-16')}`);
    const dir = b64u(JSON.stringify({ alg: 'dir', enc: 'A128GCM' }));
    ok('jwt-structure', `${dir}..${b64u('iv')}.${b64u('ciphertext')}.${b64u('tag')}`); // empty key for dir
  });

  it('rejects malformed JWEs', () => {
    const noEnc = b64u(JSON.stringify({ alg: 'RSA-OAEP' }));
    const h = b64u(JSON.stringify({ alg: 'RSA-OAEP', enc: 'A256GCM' }));
    bad('jwt-structure', `${noEnc}.ab.cd.ef.gh`, 'JWE header has no string "enc"');
    bad('jwt-structure', `${h}.ab.cd..ef`, 'JWE ciphertext is empty');
    bad('jwt-structure', `${h}.a.cd.ef.gh`, 'JWE part is not base64url'); // length % 4 == 1
    bad('jwt-structure', `${h}.a+b.iv.ct.tag`, 'JWE part is not base64url');
    bad('jwt-structure', `${h}.${b64u('{"sub":"u"}')}.sig`, 'JWT header names "enc" but a JWE needs 5 parts');
  });

  it('accepts generated JWS tokens', () => {
    const json = fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.boolean()));
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), json, json, fc.uint8Array({ minLength: 1, maxLength: 64 }), (alg, extra, payload, sig) => {
        fc.pre(!('enc' in extra));
        ok('jwt-structure', jwt({ ...extra, alg }, payload, b64u(sig)));
      }),
    );
  });
});

describe('ipv4', () => {
  it('accepts dotted quads', () => {
    for (const s of ['0.0.0.0', '255.255.255.255', '192.168.1.1', '10.0.0.1', '8.8.8.8', '100.64.250.199']) ok('ipv4', s);
  });

  it('rejects out-of-range octets, leading zeros and other shapes', () => {
    const reason = 'IPv4 needs four decimal octets 0-255 without leading zeros';
    for (const s of ['256.1.1.1', '1.2.3.300', '01.2.3.4', '1.2.3.04', '00.0.0.0', '1.2.3', '1.2.3.4.5', '1..2.3',
      ' 1.2.3.4', '1.2.3.4 ', '+1.2.3.4', '1.2.3.-4', '0x1.2.3.4', '1.2.3.4.', '١.٢.٣.٤', '']) {
      bad('ipv4', s, reason);
    }
  });

  it("accepts four octets joined by dashes, as a host name holds them, and keeps their range", () => {
    ok('ipv4', '10-1-2-3');
    ok('ipv4', '203-0-113-9');
    for (const s of ['10-1-2', '10-1-2-3-4', '256-1-2-3', '01-2-3-4', '10-1.2-3']) expect(check('ipv4', s).ok).toBe(false);
    const v4 = VALIDATORS['ipv4'] as NonNullable<(typeof VALIDATORS)['ipv4']>;
    expect(v4.validate('10-1-2-3', { keep: ['private'] }).ok).toBe(false);
  });

  it('accepts all four octets 0-255, the first not 0 (0.0.0.0/8 holds no host)', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(fc.property(fc.integer({ min: 1, max: 255 }), octet, octet, octet, (a, b, c, d) => ok('ipv4', `${a}.${b}.${c}.${d}`)));
    expect(check('ipv4', '0.0.0.6').ok).toBe(false);
    expect(check('ipv4', '0.0.0.0').ok).toBe(true);
  });

  it('agrees with node:net isIPv4 on dotted digit strings', () => {
    const part = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), (parts) => {
        const s = parts.join('.');
        expect(check('ipv4', s).ok).toBe(isIPv4(s) && !(s.startsWith('0.') && s !== '0.0.0.0'));
      }),
    );
  });
});

describe('ipv6', () => {
  it('accepts valid addresses', () => {
    for (const s of [
      '::', '::1', '1::', '2001:db8::1', '2001:0db8:0000:0000:0000:ff00:0042:8329', 'ABCD:EF01:2345:6789:abcd:ef01:2345:6789',
      '1::2:3:4:5:6:7', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', 'fe80::1%eth0', 'fe80::1%25', 'fe80::a:b%en0.1',
      '::ffff:192.0.2.1', '::192.0.2.1', '1:2:3:4:5:6:1.2.3.4', '1::1.2.3.4', '64:ff9b::0.0.0.0',
    ]) {
      ok('ipv6', s);
    }
  });

  it('rejects invalid addresses with a specific reason', () => {
    bad('ipv6', '1::2::3', 'IPv6 has more than one "::"');
    bad('ipv6', ':::', 'IPv6 has more than one "::"');
    bad('ipv6', '1:2:3:4:5:6:7', 'IPv6 needs 8 groups without "::"');
    bad('ipv6', '1:2:3:4:5:6:7:8:9', 'IPv6 needs 8 groups without "::"');
    bad('ipv6', '1:2:3:4:5:6:7:8::', 'IPv6 has too many groups for "::"');
    bad('ipv6', '::1:2:3:4:5:6:7:8', 'IPv6 has too many groups for "::"');
    bad('ipv6', '1:2:3:4:5:6:7::1.2.3.4', 'IPv6 has too many groups for "::"');
    bad('ipv6', '12345::', 'IPv6 group is not 1-4 hex digits');
    bad('ipv6', 'g::1', 'IPv6 group is not 1-4 hex digits');
    bad('ipv6', ':1::', 'IPv6 group is not 1-4 hex digits');
    bad('ipv6', '1:2:3:4:5:6:7:', 'IPv6 group is not 1-4 hex digits');
    bad('ipv6', '1:2:3:4:5:6:7:1.2.3.4', 'IPv6 needs 8 groups without "::"');
    bad('ipv6', '::ffff:01.2.3.4', 'IPv6 embedded IPv4 is invalid');
    bad('ipv6', '::1.2.3', 'IPv6 embedded IPv4 is invalid');
    bad('ipv6', '::1.2.3.4:5', 'IPv6 embedded IPv4 is invalid');
    bad('ipv6', '1.2.3.4', 'IPv6 needs hex groups before an embedded IPv4');
    bad('ipv6', 'fe80::1%', 'IPv6 zone id is empty or has invalid characters');
    bad('ipv6', 'fe80::1%eth 0', 'IPv6 zone id is empty or has invalid characters');
    bad('ipv6', '', 'IPv6 needs 8 groups without "::"');
    bad('ipv6', '%eth0', 'IPv6 needs 8 groups without "::"');
  });

  const hextet = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 1, maxLength: 4 });

  it('accepts 8 full groups and every "::" compression of them', () => {
    fc.assert(
      fc.property(fc.array(hextet, { minLength: 8, maxLength: 8 }), fc.nat(8), fc.nat(8), (groups, i, j) => {
        ok('ipv6', groups.join(':'));
        const [from, to] = i <= j ? [i, j] : [j, i];
        fc.pre(to - from >= 1);
        ok('ipv6', `${groups.slice(0, from).join(':')}::${groups.slice(to).join(':')}`);
      }),
    );
  });

  it('agrees with node:net isIPv6 on colon-joined candidates', () => {
    const piece = fc.oneof(hextet, fc.constant(''), fc.constant('12345'), fc.constant('1.2.3.4'), fc.constant('zz'));
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 10 }), (pieces) => {
        const s = pieces.join(':');
        expect(check('ipv6', s).ok, s).toBe(isIPv6(s));
      }),
      { numRuns: 500 },
    );
  });
});

describe('verhoeff (Aadhaar)', () => {
  it('test reference matches published Verhoeff vectors', () => {
    expect(verhoeffDigit('236')).toBe(3);
    expect(verhoeffDigit('12345')).toBe(1);
    expect(verhoeffDigit('123456789012')).toBe(0);
  });

  const aadhaar = fc
    .tuple(fc.integer({ min: 2, max: 9 }), digitString(10, 10))
    .map(([first, rest]) => `${first}${rest}`)
    .map((p) => p + String(verhoeffDigit(p)));

  it('accepts valid numbers plain, spaced, dashed and with colons', () => {
    ok('verhoeff', '234123412346');
    ok('verhoeff', '2341 2341 2346');
    ok('verhoeff', '2341-2341-2346');
    ok('verhoeff', '2341:2341:2346');
    fc.assert(fc.property(aadhaar, (n) => {
      ok('verhoeff', n);
      ok('verhoeff', `${n.slice(0, 4)} ${n.slice(4, 8)} ${n.slice(8)}`);
    }));
  });

  it('rejects a wrong checksum', () => {
    bad('verhoeff', '234123412345', 'Verhoeff checksum fails');
    bad('verhoeff', '2341 2341 2347', 'Verhoeff checksum fails');
    // One separator throughout.
    bad('verhoeff', '2341:2341-2346', 'Aadhaar needs 12 digits, optionally grouped 4-4-4 by spaces, dashes or colons');
  });

  it('rejects numbers starting with 0 or 1 even with a valid checksum', () => {
    for (const p of ['12345678901', '02345678901']) {
      bad('verhoeff', p + String(verhoeffDigit(p)), 'Aadhaar cannot start with 0 or 1');
    }
  });

  it('rejects other shapes', () => {
    const reason = 'Aadhaar needs 12 digits, optionally grouped 4-4-4 by spaces, dashes or colons';
    for (const s of ['23412341234', '2341234123466', '2341 2341-2346', '234 12341 2346', '2341.2341.2346', 'abcdabcdabcd', '']) {
      bad('verhoeff', s, reason);
    }
  });

  it('rejects every single-digit change and every adjacent transposition', () => {
    fc.assert(
      fc.property(aadhaar, fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 9 }), (n, pos, k) => {
        bad('verhoeff', mutateDigit(n, pos, k), 'Verhoeff checksum fails');
        const swapped = n.slice(0, pos - 1) + n[pos]! + n[pos - 1]! + n.slice(pos + 1);
        fc.pre(swapped !== n && swapped[0] !== '0' && swapped[0] !== '1');
        bad('verhoeff', swapped, 'Verhoeff checksum fails');
      }),
    );
  });
});

describe('cpf', () => {
  it('accepts known-good numbers, plain and punctuated', () => {
    ok('cpf', '52998224725');
    ok('cpf', '529.982.247-25');
    ok('cpf', '111.444.777-35');
    expect(cpfFrom('529982247')).toBe('52998224725');
  });

  it('rejects wrong check digits', () => {
    bad('cpf', '52998224726', 'CPF check digits fail');
    bad('cpf', '52998224715', 'CPF check digits fail');
    bad('cpf', '529.982.247-52', 'CPF check digits fail');
  });

  it('rejects all-same-digit numbers even though their check digits work', () => {
    for (const d of '0123456789') {
      expect(cpfFrom(d.repeat(9))).toBe(d.repeat(11));
      bad('cpf', d.repeat(11), 'CPF has all digits the same');
    }
  });

  it('rejects other shapes', () => {
    const reason = 'CPF needs 11 digits, plain or as ddd.ddd.ddd-dd';
    for (const s of ['5299822472', '529982247250', '529.982.24725', '529982247-25', '529-982-247-25', '529 982 247 25', '']) {
      bad('cpf', s, reason);
    }
  });

  it('accepts generated numbers and rejects any change of a check digit', () => {
    fc.assert(
      fc.property(digitString(9, 9), fc.integer({ min: 9, max: 10 }), fc.integer({ min: 1, max: 9 }), (nine, pos, k) => {
        const n = cpfFrom(nine);
        fc.pre(!/^(\d)\1{10}$/.test(n));
        ok('cpf', n);
        ok('cpf', `${n.slice(0, 3)}.${n.slice(3, 6)}.${n.slice(6, 9)}-${n.slice(9)}`);
        bad('cpf', mutateDigit(n, pos, k), 'CPF check digits fail');
      }),
    );
  });
});

describe('reasons never contain the checked value', () => {
  const b64 = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), maxLength: 40 });
  const shaped: Record<string, fc.Arbitrary<string>> = {
    luhn: digitString(4, 22),
    'iban-mod97': fc.tuple(fc.constantFrom('DE', 'GB', 'FR', 'XX', 'NO'), digitString(2, 30)).map(([c, d]) => c + d),
    'us-ssn': fc.tuple(digitString(3, 3), fc.constantFrom('-', ' ', ''), digitString(2, 2), digitString(4, 4)).map(
      ([a, x, g, s]) => `${a}${x}${g}${x}${s}`,
    ),
    entropy: fc.string({ minLength: 4, maxLength: 40 }),
    'jwt-structure': fc.array(b64, { minLength: 1, maxLength: 6 }).map((p) => p.join('.')),
    ipv4: fc.array(digitString(1, 3), { minLength: 3, maxLength: 5 }).map((p) => p.join('.')),
    ipv6: fc.array(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 5 }), { minLength: 2, maxLength: 10 }).map((p) => p.join(':')),
    verhoeff: fc.tuple(fc.integer({ min: 0, max: 9 }), digitString(11, 11)).map(([a, b]) => `${a}${b}`),
    cpf: digitString(11, 11),
  };
  const params: Record<string, Record<string, unknown>> = { entropy: { min: 7.5 } };

  it.each(Object.keys(VALIDATORS))('%s', (name) => {
    const arb = fc.oneof(fc.string({ minLength: 4, maxLength: 60 }), shaped[name] ?? fc.string());
    let rejected = 0;
    fc.assert(
      fc.property(arb, (value) => {
        const r = check(name, value, params[name] ?? {});
        if (r.ok) {
          expect(r.reason).toBeUndefined();
          return;
        }
        rejected++;
        expect(r.reason).toBeTruthy();
        // Shorter strings can be words of the reason itself (`IBAN`, ` for `).
        if (value.length >= 8) expect(r.reason).not.toContain(value);
      }),
      { numRuns: 300 },
    );
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('ipv4 / ipv6 keep ranges', () => {
  const v4 = VALIDATORS['ipv4'] as NonNullable<(typeof VALIDATORS)['ipv4']>;
  const v6 = VALIDATORS['ipv6'] as NonNullable<(typeof VALIDATORS)['ipv6']>;
  it('redacts every address without keep', () => {
    for (const a of ['10.1.2.3', '127.0.0.1', '192.168.1.1', '8.8.8.8']) expect(v4.validate(a, {}).ok).toBe(true);
    expect(v6.validate('::1', {}).ok).toBe(true);
  });
  it('keeps the ranges named', () => {
    const keep = { keep: ['private', 'loopback'] };
    expect(v4.validate('10.1.2.3', keep)).toEqual({ ok: false, reason: 'private address kept by the "keep" parameter' });
    expect(v4.validate('172.20.0.1', keep).ok).toBe(false);
    expect(v4.validate('172.32.0.1', keep).ok).toBe(true);
    expect(v4.validate('127.0.0.1', keep).ok).toBe(false);
    expect(v4.validate('8.8.8.8', keep).ok).toBe(true);
    expect(v4.validate('169.254.1.1', { keep: ['link-local'] }).ok).toBe(false);
    expect(v6.validate('fd12:3456::1', keep).ok).toBe(false);
    expect(v6.validate('::1', keep).ok).toBe(false);
    expect(v6.validate('::ffff:192.168.0.1', keep).ok).toBe(false);
    expect(v6.validate('fe80::1%eth0', { keep: ['link-local'] }).ok).toBe(false);
    expect(v6.validate('2606:4700::1111', keep).ok).toBe(true);
  });
  it('reports bad keep lists', () => {
    expect(v4.checkParams({ keep: ['private'] })).toEqual([]);
    expect(v4.checkParams({ keep: ['intranet'] })).toEqual(['ipv4 "keep" must be a list of: private, loopback, link-local, multicast, documentation']);
    expect(v6.checkParams({ keep: 'private', other: 1 })).toHaveLength(2);
  });
  it('names the range of an address, public for the rest, nothing for a value neither validator accepts', () => {
    expect(['10.128.0.0', '100.64.1.1', '127.0.0.1', '169.254.9.9', '239.1.1.1', '203.0.113.7', '8.8.8.8'].map(ipRange)).toEqual([
      'private',
      'private',
      'loopback',
      'link-local',
      'multicast',
      'documentation',
      'public',
    ]);
    expect(['fe80::1%en0', 'fd00::1', '::1', '2001:db8::1', '2606:4700::1111', '::ffff:10.0.0.1'].map(ipRange)).toEqual([
      'link-local',
      'private',
      'loopback',
      'documentation',
      'public',
      'private',
    ]);
    expect(['0.0.0.6', '1.2.3', '256.1.1.1', 'fe80::1::2', 'host'].map(ipRange)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
