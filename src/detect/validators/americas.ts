/**
 * National identifiers of the Americas: US SSN and ITIN, Canadian SIN, Brazilian CNPJ, US ABA
 * routing numbers, Mexican CLABE account numbers.
 */
import { allSame, digitsOf, fail, luhnValid, OK, simple, weightedSum } from './common.js';

// ---------------------------------------------------------------------------------------------
// US SSN and ITIN share their shapes

const SSN_SHAPES = 'ddd-dd-dddd, ddd dd dddd, ddd.dd.dddd, ddd-dddddd, ddddd-dddd or ddddddddd';

/** Area, group and serial of an SSN-shaped value, or undefined for any other shape. */
export function ssnParts(value: string): [string, string, string] | undefined {
  const m =
    /^([0-9]{3})([- .]?)([0-9]{2})\2()([0-9]{4})$/.exec(value) ??
    /^([0-9]{3})(-)([0-9]{2})()([0-9]{4})$/.exec(value) ??
    /^([0-9]{3})()([0-9]{2})(-)([0-9]{4})$/.exec(value);
  return m ? [m[1] ?? '', m[3] ?? '', m[5] ?? ''] : undefined;
}

/** Numbers that were published in advertising or as samples (digits only). */
const ADVERTISED_SSNS: ReadonlySet<string> = new Set(['078051120', '219099999', '123456789']);

export const usSsn = simple('us-ssn', (value) => {
  const parts = ssnParts(value);
  if (!parts) return fail(`not an SSN format (${SSN_SHAPES})`);
  const [area, group, serial] = parts;
  if (area === '000') return fail('SSN area 000 is never issued');
  if (area === '666') return fail('SSN area 666 is never issued');
  if (area[0] === '9') return fail('SSN area 900-999 is never issued');
  if (group === '00') return fail('SSN group 00 is never issued');
  if (serial === '0000') return fail('SSN serial 0000 is never issued');
  const digits = area + group + serial;
  if (allSame(digits)) return fail('SSN has all digits the same');
  if (ADVERTISED_SSNS.has(digits)) return fail('SSN is a known advertised or sample number');
  return OK;
});

/** ITIN: area 9xx, group 50-65, 70-88, 90-92 or 94-99. */
export const usItin = simple('us-itin', (value) => {
  const parts = ssnParts(value);
  if (!parts) return fail(`not an ITIN format (${SSN_SHAPES})`);
  const [area, group, serial] = parts;
  if (area[0] !== '9') return fail('ITIN area must be 900-999');
  const g = Number(group);
  if (!((g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || g >= 94)) {
    return fail('ITIN group must be 50-65, 70-88, 90-92 or 94-99');
  }
  if (serial === '0000') return fail('ITIN serial 0000 is never issued');
  if (allSame(area + group + serial)) return fail('ITIN has all digits the same');
  return OK;
});

// ---------------------------------------------------------------------------------------------
// Canadian Social Insurance Number: 9 digits, Luhn

export const caSin = simple('ca-sin', (value) => {
  const m = /^([0-9]{3})([ -]?)([0-9]{3})\2([0-9]{3})$/.exec(value);
  if (!m) return fail('SIN needs 9 digits, optionally grouped 3-3-3 by spaces or dashes');
  const plain = `${m[1] ?? ''}${m[3] ?? ''}${m[4] ?? ''}`;
  if (plain[0] === '0' || plain[0] === '8') return fail('SIN cannot start with 0 or 8');
  if (allSame(plain)) return fail('SIN has all digits the same');
  return luhnValid(plain) ? OK : fail('SIN Luhn checksum fails');
});

// ---------------------------------------------------------------------------------------------
// Brazilian CNPJ: 14 digits, two mod-11 check digits

function cnpjDigit(d: readonly number[], weights: readonly number[]): number {
  const r = weightedSum(d, weights) % 11;
  return r < 2 ? 0 : 11 - r;
}

export const cnpj = simple('cnpj', (value) => {
  const m = /^([0-9]{2})\.([0-9]{3})\.([0-9]{3})\/([0-9]{4})-([0-9]{2})$/.exec(value);
  const plain = m ? m.slice(1).join('') : value;
  if (!/^[0-9]{14}$/.test(plain)) return fail('CNPJ needs 14 digits, plain or as dd.ddd.ddd/dddd-dd');
  if (allSame(plain)) return fail('CNPJ has all digits the same');
  const d = digitsOf(plain);
  const first = cnpjDigit(d, [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
  const second = cnpjDigit(d, [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
  return first === d[12] && second === d[13] ? OK : fail('CNPJ check digits fail');
});

// ---------------------------------------------------------------------------------------------
// US ABA routing transit number: 9 digits, weights 3-7-1

export const abaRouting = simple('aba-routing', (value) => {
  const plain = value.replace(/-/g, '');
  if (!/^[0-9]{9}$/.test(plain)) return fail('ABA routing number needs 9 digits');
  const prefix = Number(plain.slice(0, 2));
  // Federal Reserve routing symbols 00-12, thrift 21-32, electronic 61-72, traveler's checks 80.
  if (!(prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80)) {
    return fail('ABA routing number prefix is not 00-12, 21-32, 61-72 or 80');
  }
  if (allSame(plain)) return fail('ABA routing number has all digits the same');
  const sum = weightedSum(digitsOf(plain), [3, 7, 1, 3, 7, 1, 3, 7, 1]);
  return sum % 10 === 0 ? OK : fail('ABA routing checksum fails');
});

// ---------------------------------------------------------------------------------------------
// Mexican CLABE: 18 digits (bank, branch, account), the last a check digit, weights 3-7-1

export const mxClabe = simple('mx-clabe', (value) => {
  const plain = value.replace(/[ -]/g, '');
  if (!/^[0-9]{18}$/.test(plain)) return fail('CLABE needs 18 digits');
  if (allSame(plain)) return fail('CLABE has all digits the same');
  const d = digitsOf(plain);
  const check = (10 - (weightedSum(d.slice(0, 17), [3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7]) % 10)) % 10;
  return check === d[17] ? OK : fail('CLABE check digit fails (weights 3, 7, 1)');
});
