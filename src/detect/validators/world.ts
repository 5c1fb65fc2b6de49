/**
 * National identity numbers from around the world: Swedish personnummer, Finnish henkilötunnus
 * (HETU), Swiss AHV/AVS number, Belgian national number, Turkish T.C. Kimlik No, South African
 * ID number, Israeli Teudat Zehut, Singapore NRIC/FIN, South Korean resident registration number,
 * Chinese resident identity number, Chilean RUT/RUN, Mexican CURP.
 */
import { allSame, decimalMod, digitsOf, fail, isCalendarDate, luhnValid, OK, simple, weightedSum } from './common.js';

/** Today's date as `YYYYMMDD` (UTC), for comparing with a birth date written the same way. */
function todayYmd(): string {
  return new Date().toISOString().slice(0, 10).replace(/-/g, '');
}

/**
 * Swedish personnummer: `YYMMDD-NNNC`, `YYMMDD+NNNC` (the holder is 100 or older), `YYMMDDNNNC`,
 * or `YYYYMMDD[-]NNNC` (century 18-20). Month 01-12; day a day of that month, or that day + 60
 * (a coordination number). Luhn over the ten digits YYMMDDNNNC.
 */
export const sePersonnummer = simple('se-personnummer', (value) => {
  const m = /^(18|19|20)?([0-9]{2})([0-9]{2})([0-9]{2})([-+]?)([0-9]{4})$/.exec(value);
  if (!m) return fail('personnummer format is YYMMDD-NNNC, YYMMDD+NNNC or YYYYMMDD-NNNC');
  if (m[1] !== undefined && m[5] === '+') return fail('personnummer with a 4-digit year takes no + sign');
  const ten = `${m[2] ?? ''}${m[3] ?? ''}${m[4] ?? ''}${m[6] ?? ''}`;
  if (allSame(ten)) return fail('personnummer has all digits the same');
  let day = Number(m[4]);
  if (day > 60) day -= 60;
  // Without the century the year is 19YY or 20YY: 29 February needs one of them to be a leap year.
  const years = m[1] === undefined ? [1900, 2000].map((c) => c + Number(m[2])) : [Number(`${m[1]}${m[2] ?? ''}`)];
  if (!years.some((y) => isCalendarDate(y, Number(m[3]), day))) return fail('personnummer birth date is not a calendar date');
  return luhnValid(ten) ? OK : fail('personnummer Luhn check digit fails');
});

const HETU_CHECK = '0123456789ABCDEFHJKLMNPRSTUVWXY';

/**
 * Finnish henkilötunnus (HETU): `DDMMYY`, a century sign (`+` 1800s; `-` or `U`-`Y` 1900s;
 * `A`-`F` 2000s), a 3-digit individual number and a check character,
 * `0123456789ABCDEFHJKLMNPRSTUVWXY`[DDMMYYZZZ mod 31]. The date must be a calendar date.
 */
export const fiHetu = simple('fi-hetu', (value) => {
  const m = /^([0-9]{2})([0-9]{2})([0-9]{2})([-+A-FU-Y])([0-9]{3})([0-9A-Y])$/.exec(value.toUpperCase());
  if (!m) return fail('HETU format is DDMMYY, a century sign, 3 digits and a check character');
  const sign = m[4] ?? '';
  const century = sign === '+' ? 1800 : 'ABCDEF'.includes(sign) ? 2000 : 1900;
  if (!isCalendarDate(century + Number(m[3]), Number(m[2]), Number(m[1]))) {
    return fail('HETU birth date is not a calendar date');
  }
  const digits = `${m[1] ?? ''}${m[2] ?? ''}${m[3] ?? ''}${m[5] ?? ''}`;
  if (allSame(digits)) return fail('HETU has all digits the same');
  return HETU_CHECK[Number(digits) % 31] === m[6] ? OK : fail('HETU check character fails (mod 31)');
});

/** Swiss AHV/AVS number: 13 digits starting 756, plain or `756.dddd.dddd.dd`; EAN-13 check digit. */
export const chAhv = simple('ch-ahv', (value) => {
  const m = /^756(\.?)([0-9]{4})\1([0-9]{4})\1([0-9]{2})$/.exec(value);
  if (!m) return fail('AHV number format is 756.dddd.dddd.dd or 13 digits starting 756');
  const d = digitsOf(`756${m[2] ?? ''}${m[3] ?? ''}${m[4] ?? ''}`);
  const check = (10 - (weightedSum(d, [1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3]) % 10)) % 10;
  return check === d[12] ? OK : fail('AHV EAN-13 check digit fails');
});

/**
 * Belgian national number (Rijksregisternummer / numéro de registre national): 11 digits
 * `YY.MM.DD-XXX.CC`, plain or grouped by spaces. Month 00-12 (00: date unknown), or + 20 / + 40
 * for a BIS number; day 00-31. CC = 97 - (YYMMDDXXX mod 97), or for births from 2000 on
 * 97 - (2YYMMDDXXX mod 97); either is accepted.
 */
export const beNationalNumber = simple('be-national-number', (value) => {
  if (!/^[0-9]{2}[. ]?[0-9]{2}[. ]?[0-9]{2}[-. ]?[0-9]{3}[. ]?[0-9]{2}$/.test(value)) {
    return fail('Belgian national number format is YY.MM.DD-XXX.CC (11 digits)');
  }
  const plain = value.replace(/[-. ]/g, '');
  if (allSame(plain)) return fail('Belgian national number has all digits the same');
  const month = Number(plain.slice(2, 4)) % 20;
  if (Number(plain.slice(2, 4)) >= 60 || month > 12 || Number(plain.slice(4, 6)) > 31) {
    return fail('Belgian national number birth month or day is out of range');
  }
  const body = plain.slice(0, 9);
  const cc = Number(plain.slice(9));
  return cc === 97 - decimalMod(body, 97) || cc === 97 - decimalMod(`2${body}`, 97)
    ? OK
    : fail('Belgian national number mod-97 check fails');
});

/**
 * Turkish T.C. Kimlik No: 11 digits, the first not 0; d10 = ((d1+d3+d5+d7+d9)*7 -
 * (d2+d4+d6+d8)) mod 10 and d11 = (d1+...+d10) mod 10.
 */
export const trTcKimlik = simple('tr-tc-kimlik', (value) => {
  if (!/^[1-9][0-9]{10}$/.test(value)) return fail('T.C. Kimlik No needs 11 digits, the first not 0');
  if (allSame(value)) return fail('T.C. Kimlik No has all digits the same');
  const d = digitsOf(value);
  const odd = weightedSum(d, [1, 0, 1, 0, 1, 0, 1, 0, 1]);
  const even = weightedSum(d, [0, 1, 0, 1, 0, 1, 0, 1]);
  const d10 = (((odd * 7 - even) % 10) + 10) % 10;
  if (d10 !== d[9]) return fail('T.C. Kimlik No 10th digit check fails');
  return weightedSum(d, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]) % 10 === d[10] ? OK : fail('T.C. Kimlik No 11th digit check fails');
});

/**
 * South African ID number: 13 digits YYMMDD SSSS C A Z; YYMMDD a calendar date, C (citizenship)
 * 0 or 1, Luhn over all 13 digits.
 */
export const zaId = simple('za-id', (value) => {
  if (!/^[0-9]{13}$/.test(value)) return fail('SA ID number needs 13 digits');
  if (allSame(value)) return fail('SA ID number has all digits the same');
  if (!isCalendarDate(2000 + Number(value.slice(0, 2)), Number(value.slice(2, 4)), Number(value.slice(4, 6)))) {
    return fail('SA ID number birth date is not a calendar date');
  }
  if (value[10] !== '0' && value[10] !== '1') return fail('SA ID number citizenship digit is not 0 or 1');
  return luhnValid(value) ? OK : fail('SA ID number Luhn check digit fails');
});

/**
 * Israeli Teudat Zehut: up to 9 digits, left-padded with zeros to 9; weights 1,2,1,2,... from
 * the left, a product over 9 has its digits summed, and the total is 0 mod 10.
 */
export const ilId = simple('il-id', (value) => {
  if (!/^[0-9]{1,9}$/.test(value)) return fail('Teudat Zehut needs up to 9 digits');
  const padded = value.padStart(9, '0');
  if (allSame(padded)) return fail('Teudat Zehut has all digits the same');
  let sum = 0;
  digitsOf(padded).forEach((d, i) => {
    const p = d * (i % 2 === 0 ? 1 : 2);
    sum += p > 9 ? p - 9 : p;
  });
  return sum % 10 === 0 ? OK : fail('Teudat Zehut check digit fails');
});

/**
 * Singapore NRIC/FIN: `[STFG]` + 7 digits + a check letter. The digits weigh 2,7,6,5,4,3,2, plus
 * 4 for T or G; r = sum mod 11 picks `JZIHGFEDCBA`[r] for S/T, `XWUTRQPNMLK`[r] for F/G.
 */
export const sgNric = simple('sg-nric', (value) => {
  const m = /^([STFG])([0-9]{7})([A-Z])$/.exec(value.toUpperCase());
  if (!m) return fail('NRIC/FIN format is a letter S, T, F or G, 7 digits and a letter');
  const first = m[1] ?? '';
  const sum = weightedSum(digitsOf(m[2] ?? ''), [2, 7, 6, 5, 4, 3, 2]) + (first === 'T' || first === 'G' ? 4 : 0);
  const letters = first === 'S' || first === 'T' ? 'JZIHGFEDCBA' : 'XWUTRQPNMLK';
  return letters[sum % 11] === m[3] ? OK : fail('NRIC/FIN check letter fails');
});

/**
 * South Korean resident registration number: `YYMMDD-GNNNNNN` or 13 digits; G in 1-8 (1, 2, 5, 6:
 * born in the 1900s; 3, 4, 7, 8: in the 2000s), YYMMDD a calendar date in that century. Numbers
 * issued since October 2020 end in random digits, so there is no checksum to check.
 */
export const krRrn = simple('kr-rrn', (value) => {
  const m = /^([0-9]{2})([0-9]{2})([0-9]{2})-?([0-9])([0-9]{6})$/.exec(value);
  if (!m) return fail('resident registration number format is YYMMDD-GNNNNNN');
  if (allSame(value.replace('-', ''))) return fail('resident registration number has all digits the same');
  const g = Number(m[4]);
  if (g < 1 || g > 8) return fail('resident registration number 7th digit is not 1-8');
  const century = [1, 2, 5, 6].includes(g) ? 1900 : 2000;
  return isCalendarDate(century + Number(m[1]), Number(m[2]), Number(m[3]))
    ? OK
    : fail('resident registration number birth date is not a calendar date');
});

/**
 * Chinese resident identity number: 18 characters: a 6-digit region code (first digit 1-8),
 * YYYYMMDD (a date from 1900-01-01 to today), 3 digits and a check character,
 * `10X98765432`[sum mod 11] with weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2. `x` is accepted.
 */
export const cnResidentId = simple('cn-resident-id', (value) => {
  const m = /^[1-8][0-9]{5}(([0-9]{4})([0-9]{2})([0-9]{2}))[0-9]{3}([0-9X])$/.exec(value.toUpperCase());
  if (!m) return fail('resident identity number needs 17 digits (the first 1-8) and a digit or X');
  const ymd = m[1] ?? '';
  if (!isCalendarDate(Number(m[2]), Number(m[3]), Number(m[4])) || ymd < '19000101' || ymd > todayYmd()) {
    return fail('resident identity number birth date is not a date from 1900 to today');
  }
  const sum = weightedSum(digitsOf(value.slice(0, 17)), [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]);
  return '10X98765432'[sum % 11] === m[5] ? OK : fail('resident identity number check character fails');
});

/**
 * Chilean RUT/RUN: a body of 7-8 digits (optionally with thousands dots, `12.345.678`), an
 * optional dash and a check character: weights 2..7 cycling from the rightmost body digit;
 * r = 11 - (sum mod 11) gives `0` for 11, `K` for 10, else the digit.
 */
export const clRut = simple('cl-rut', (value) => {
  const m = /^([0-9]{1,2}\.[0-9]{3}\.[0-9]{3}|[0-9]{7,8})-?([0-9Kk])$/.exec(value);
  if (!m) return fail('RUT format is 12.345.678-5: 7 or 8 digits and a check character 0-9 or K');
  const body = (m[1] ?? '').replace(/\./g, '');
  if (allSame(body)) return fail('RUT body has all digits the same');
  const sum = weightedSum(digitsOf(body).reverse(), [2, 3, 4, 5, 6, 7, 2, 3]);
  const r = 11 - (sum % 11);
  const check = r === 11 ? '0' : r === 10 ? 'K' : String(r);
  return check === (m[2] ?? '').toUpperCase() ? OK : fail('RUT check character fails');
});

const CURP_VALUES = '0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ';

/**
 * Mexican CURP: 18 characters `[A-Z]{4}` YYMMDD `[HMX]` `[A-Z]{5}` `[0-9A-Z]` and a check digit;
 * YYMMDD a calendar date (in the 1900s when the 17th character is a digit, else the 2000s);
 * check = (10 - sum(value(c_i) * (18 - i), i = 0..16) mod 10) mod 10, with value(c) the index of
 * c in `0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ`.
 */
export const mxCurp = simple('mx-curp', (value) => {
  const curp = value.toUpperCase();
  if (!/^[A-Z]{4}[0-9]{6}[HMX][A-Z]{5}[0-9A-Z][0-9]$/.test(curp)) {
    return fail('CURP format is AAAA999999HAAAAA99 (18 characters)');
  }
  const century = /[0-9]/.test(curp[16] ?? '') ? 1900 : 2000;
  if (!isCalendarDate(century + Number(curp.slice(4, 6)), Number(curp.slice(6, 8)), Number(curp.slice(8, 10)))) {
    return fail('CURP birth date is not a calendar date');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CURP_VALUES.indexOf(curp[i] ?? '0') * (18 - i);
  return (10 - (sum % 10)) % 10 === Number(curp[17]) ? OK : fail('CURP check digit fails');
});

// ---------------------------------------------------------------------------------------------
// ICAO 9303 machine-readable zone of a passport (TD3), its second line: the document number, the
// holder's nationality, date of birth and sex, the expiry date and an optional personal number,
// each number with its check digit, then a composite check digit over all of them.

/** An MRZ character's value: digits their own, A-Z 10-35, the filler `<` 0. */
function mrzValue(c: string): number {
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'A' && c <= 'Z') return c.charCodeAt(0) - 55;
  return 0;
}

/** ICAO's check digit: the values weighted 7, 3, 1 in turn, summed, mod 10. */
function mrzCheck(field: string): number {
  let sum = 0;
  for (let i = 0; i < field.length; i++) sum += mrzValue(field[i] as string) * ([7, 3, 1][i % 3] as number);
  return sum % 10;
}

/**
 * The second line of a passport's MRZ (TD3, 44 characters): the check digits of the document
 * number, the date of birth, the expiry date and the personal number (a `<` for an empty one),
 * and the composite one; both dates calendar dates as YYMMDD.
 */
export const mrzTd3 = simple('mrz-td3', (value) => {
  if (!/^[A-Z0-9<]{9}[0-9][A-Z<]{3}[0-9]{7}[MFX<][0-9]{7}[A-Z0-9<]{14}[0-9<][0-9]$/.test(value)) return fail('MRZ line needs 44 characters in the TD3 layout');
  const check = (from: number, to: number, at: number): boolean => {
    const digit = value[at] as string;
    const field = value.slice(from, to);
    return digit === '<' ? /^<+$/.test(field) : mrzCheck(field) === Number(digit);
  };
  const date = (from: number): boolean => {
    const mm = Number(value.slice(from + 2, from + 4));
    const dd = Number(value.slice(from + 4, from + 6));
    return [1900, 2000].some((c) => isCalendarDate(c + Number(value.slice(from, from + 2)), mm, dd));
  };
  if (!check(0, 9, 9)) return fail('MRZ document number check digit fails');
  if (!date(13) || !check(13, 19, 19)) return fail('MRZ date of birth or its check digit fails');
  if (!date(21) || !check(21, 27, 27)) return fail('MRZ expiry date or its check digit fails');
  if (!check(28, 42, 42)) return fail('MRZ personal number check digit fails');
  const composite = value.slice(0, 10) + value.slice(13, 20) + value.slice(21, 43);
  return mrzCheck(composite) === Number(value[43]) ? OK : fail('MRZ composite check digit fails');
});
