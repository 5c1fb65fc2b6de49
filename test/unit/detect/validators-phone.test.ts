import { describe, expect, it } from 'vitest';
import { VALIDATORS, type ValidatorSpec } from '../../../src/detect/validators.js';
import { LogveilError } from '../../../src/errors.js';

const phone = VALIDATORS['phone'] as ValidatorSpec;

const ok = (value: string, params: Record<string, unknown> = {}): void => {
  expect(phone.validate(value, params), `phone should accept ${JSON.stringify(value)}`).toEqual({ ok: true });
};
const bad = (value: string, params: Record<string, unknown> = {}, reason?: RegExp): void => {
  const r = phone.validate(value, params);
  expect(r.ok, `phone should reject ${JSON.stringify(value)}`).toBe(false);
  expect(typeof r.reason).toBe('string');
  if (reason) expect(r.reason).toMatch(reason);
  if (value.length > 3) expect(r.reason).not.toContain(value);
};

describe('phone: parameters', () => {
  it('accepts no parameters, one country or a list of countries', () => {
    expect(phone.checkParams({})).toEqual([]);
    expect(phone.checkParams({ name: 'phone', defaultCountry: 'US' })).toEqual([]);
    expect(phone.checkParams({ defaultCountry: ['US', 'GB', 'DE'] })).toEqual([]);
    expect(phone.checkParams({ international: true })).toEqual([]);
    expect(phone.checkParams({ defaultCountry: 'DE', minDigits: 8 })).toEqual([]);
  });

  it('rejects unknown or malformed countries and unknown parameters', () => {
    for (const defaultCountry of ['XX', 'us', 'USA', '', [], ['US', 'ZZ'], 42, null]) {
      expect(phone.checkParams({ defaultCountry }), JSON.stringify(defaultCountry)).toHaveLength(1);
    }
    expect(phone.checkParams({ international: 'yes' })).toHaveLength(1);
    expect(phone.checkParams({ possibleWhenGrouped: 1 })).toHaveLength(1);
    for (const minDigits of [0, 18, 7.5, '8', null]) {
      expect(phone.checkParams({ minDigits }), JSON.stringify(minDigits)).toHaveLength(1);
    }
    const unknown = phone.checkParams({ region: 'US' });
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toContain('"region"');
  });

  it('throws on parameters that fail checkParams', () => {
    expect(() => phone.validate('+1 312 555 0178', { defaultCountry: 'XX' })).toThrow(LogveilError);
    expect(() => phone.validate('+1 312 555 0178', { international: 1 })).toThrow(LogveilError);
    expect(() => phone.validate('+1 312 555 0178', { minDigits: 'x' })).toThrow(LogveilError);
  });

  it('answers with one parameters object used again and again as with a fresh copy each time', () => {
    const params = { defaultCountry: ['GB', 'DE', 'US'], minDigits: 8, possibleWhenGrouped: true };
    const values = ['(312) 555-0178', '020 7946 0958', '030 901820', '+1-944-435-4352', '12345', '0049 30 901820', '555-0178'];
    for (const round of [1, 2]) {
      for (const value of values) {
        expect(phone.validate(value, params), `${value}, round ${round}`).toEqual(phone.validate(value, { ...params }));
      }
    }
    // Each object is read for itself: a country list with one country less answers for its own.
    expect(phone.validate('020 7946 0958', { ...params, defaultCountry: ['US'] }).ok).toBe(false);
    expect(phone.validate('020 7946 0958', params).ok).toBe(true);
    const broken = { defaultCountry: 'XX' };
    expect(() => phone.validate('+1 312 555 0178', broken)).toThrow(LogveilError);
    expect(() => phone.validate('+1 312 555 0178', broken)).toThrow(LogveilError);
  });
});

describe('phone: international numbers', () => {
  it.each([
    '+1 312 555 0178',
    '+13125550178',
    '+1-312-555-0178',
    '+1.212.555.0187',
    '+44 20 7946 0958',
    '+44 (20) 7946 0958',
    '+44 (0)20 7946 0958',
    '+49 89 1234 5678',
    '+33 1 99 00 12 34',
    '+55 11 98456 5666',
    '+91 4155 550132',
    '+1 212-555-0187 ext. 42',
    '+1 212-555-0187x204',
    '(+44) 20 7946 0958',
    '(+44) 7911 123456',
  ])('accepts %s without a default country', (value) => ok(value));

  it('rejects numbers no numbering plan has', () => {
    bad('+1 200 555 0100', {}, /international/); // area code 200 is not assigned
    bad('+1 123 456 7890');
    bad('+33 00 00 00 00');
    bad('+49 1234');
    bad('(+1) 200 555 0100');
    bad('(+1) 200 300 4000', { possibleWhenGrouped: true });
    ok('+1 944 300 4000', { possibleWhenGrouped: true });
    bad('(44) 20 7946 0958');
  });
});

describe('phone: national numbers', () => {
  it('needs a default country', () => {
    bad('020 7946 0958', {}, /no country code/);
    ok('020 7946 0958', { defaultCountry: 'GB' });
  });

  it('validates against the given country', () => {
    ok('(312) 555-0178', { defaultCountry: 'US' });
    ok('416-555-0199', { defaultCountry: 'US' }); // NANP: a Canadian area code is valid too
    ok('07911 123456', { defaultCountry: 'GB' });
    ok('030 12345678', { defaultCountry: 'DE' });
    ok('06 12 34 56 78', { defaultCountry: 'FR' });
    ok('090-1234-5678', { defaultCountry: 'JP' });
    bad('123-456-7890', { defaultCountry: 'US' }, /US/);
    bad('07700 900123', { defaultCountry: 'GB' }); // Ofcom drama range
    bad('0000 1234567', { defaultCountry: 'DE' });
  });

  it('passes when any country of a list accepts the number', () => {
    const list = { defaultCountry: ['US', 'GB', 'CN'] };
    ok('13812345678', list);
    ok('07911 123456', list);
    ok('3125550178', list);
    bad('13812345678', { defaultCountry: ['US', 'GB'] }, /US, GB/);
  });

  it('reads an international call prefix as +', () => {
    ok('001-212-555-0187x204', { defaultCountry: 'US' });
    ok('0044 20 7946 0958', { defaultCountry: 'US' });
    ok('00 49 89 1234 5678');
    ok('011 44 20 7946 0958', { defaultCountry: 'US' });
    bad('0044 1234');
  });

  it('reads a number without + as country code and number when international is set', () => {
    ok('91-415-555-0132', { international: true });
    ok('44-20-7946-0958', { international: true });
    bad('99-999-999-9999', { international: true }, /international/);
  });

  it('rejects numbers with fewer than minDigits digits, an extension not counted', () => {
    // DE accepts short national numbers: without context they are just numbers
    ok('089 1234', { defaultCountry: 'DE' });
    bad('089 1234', { defaultCountry: 'DE', minDigits: 8 }, /fewer than 8 digits/);
    ok('030 1234 5678', { defaultCountry: 'DE', minDigits: 8 });
    bad('030 123 x4567', { defaultCountry: 'DE', minDigits: 8 }, /fewer than 8 digits/);
    ok('(030) 1234-567 ext. 12', { defaultCountry: 'DE', minDigits: 8 });
  });

  it('with possibleWhenGrouped, needs only a possible length for a + or 00-prefixed number in three or more groups', () => {
    const grouped = { possibleWhenGrouped: true };
    // +1 944 is not an assigned NANP area code: invalid, but the right length
    bad('+1-944-435-4352', {}, /not a valid international/);
    ok('+1-944-435-4352', grouped);
    ok('+1-944-435-4352x04732', grouped);
    ok('+1 (944) 435 4352', grouped);
    ok('001-944-435-4352', { defaultCountry: 'US', possibleWhenGrouped: true });
    // compact or in two groups, it must still be valid
    bad('+19444354352', grouped, /not a valid international/);
    bad('+1 9444354352', grouped, /not a valid international/);
    // the wrong length for the country code
    bad('+44 20 7946 095812', grouped, /not a possible international phone number/);
    bad('+1 944 435 435', grouped, /not a valid/);
    bad('+44 20 79', grouped);
    // fewer than ten digits, no NANP area code or exchange, an IPv4 address after a +
    bad('+49 123 456', grouped, /not a valid international/);
    bad('+49-12-34', grouped);
    bad('+1 123 456 7890', grouped);
    bad('+1 000 000 0000', grouped);
    bad('+1 212 055 0100', grouped);
    bad('+10.120.130.140', grouped);
    bad('001-123-456-7890', { defaultCountry: 'US', possibleWhenGrouped: true });
    // a national number gets no such leniency
    bad('944-435-4352', { defaultCountry: 'US', possibleWhenGrouped: true }, /not a valid phone number for US/);
  });

  it('rejects empty, digitless and overlong values', () => {
    bad('', { defaultCountry: 'US' });
    bad('call me', { defaultCountry: 'US' }, /no digits/);
    bad('+1 312 555 0178 '.repeat(4), { defaultCountry: 'US' }, /too long/);
  });
});
