/**
 * National identifiers of European countries: UK National Insurance and NHS numbers, German tax id
 * (Steuer-IdNr), Spanish DNI/NIE, Italian codice fiscale, French NIR, Dutch BSN, Polish PESEL.
 */
import { allSame, decimalMod, digitsOf, fail, isCalendarDate, OK, simple, weightedSum } from './common.js';

// ---------------------------------------------------------------------------------------------
// UK National Insurance number (NINO)

/** Prefixes that are never issued (administrative or reserved). */
const NINO_BAD_PREFIXES: ReadonlySet<string> = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

export const ukNino = simple('uk-nino', (value) => {
  const compact = value.replace(/[ -]/g, '').toUpperCase();
  const m = /^([A-Z])([A-Z])([0-9]{6})([A-D])$/.exec(compact);
  if (!m) return fail('NINO format is AA 99 99 99 A (suffix A-D)');
  const first = m[1] ?? '';
  const second = m[2] ?? '';
  if ('DFIQUV'.includes(first)) return fail('NINO first letter is never issued (D, F, I, Q, U, V)');
  if ('DFIOQUV'.includes(second)) return fail('NINO second letter is never issued (D, F, I, O, Q, U, V)');
  if (NINO_BAD_PREFIXES.has(first + second)) return fail('NINO prefix is reserved or administrative');
  return OK;
});

// ---------------------------------------------------------------------------------------------
// UK NHS number: 10 digits, mod-11 check digit

export const nhsMod11 = simple('nhs-mod11', (value) => {
  const m = /^([0-9]{3})([ -]?)([0-9]{3})\2([0-9]{4})$/.exec(value);
  if (!m) return fail('NHS number needs 10 digits, optionally grouped 3-3-4 by spaces or dashes');
  const plain = `${m[1] ?? ''}${m[3] ?? ''}${m[4] ?? ''}`;
  if (allSame(plain)) return fail('NHS number has all digits the same');
  const d = digitsOf(plain);
  const check = 11 - (weightedSum(d, [10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11);
  if (check === 10) return fail('NHS number has no valid check digit (remainder 1)');
  return (check === 11 ? 0 : check) === d[9] ? OK : fail('NHS mod-11 check digit fails');
});

// ---------------------------------------------------------------------------------------------
// German tax identification number (Steuerliche Identifikationsnummer)

/** ISO 7064 MOD 11,10 check digit over `digits`. */
function iso7064Mod1110(digits: readonly number[]): number {
  let product = 10;
  for (const d of digits) {
    let sum = (d + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = 11 - product;
  return check === 10 ? 0 : check;
}

export const deTaxId = simple('de-tax-id', (value) => {
  const plain = value.replace(/[ /]/g, '');
  if (!/^[0-9]{11}$/.test(plain)) return fail('Steuer-IdNr needs 11 digits');
  if (plain[0] === '0') return fail('Steuer-IdNr cannot start with 0');
  const d = digitsOf(plain);
  // In the first ten digits exactly one digit occurs twice or three times (three not in a row);
  // every other digit occurs at most once.
  const counts = new Array<number>(10).fill(0);
  for (const x of d.slice(0, 10)) counts[x] = (counts[x] ?? 0) + 1;
  const repeated = counts.filter((c) => c > 1);
  if (repeated.length !== 1 || (repeated[0] ?? 0) > 3) {
    return fail('Steuer-IdNr needs exactly one digit repeated (two or three times) in its first ten');
  }
  if (/(\d)\1\1/.test(plain.slice(0, 10))) return fail('Steuer-IdNr has one digit three times in a row');
  return iso7064Mod1110(d.slice(0, 10)) === d[10] ? OK : fail('Steuer-IdNr ISO 7064 check digit fails');
});

// ---------------------------------------------------------------------------------------------
// Spanish DNI / NIF and NIE: mod-23 control letter

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

export const esDni = simple('es-dni', (value) => {
  const compact = value.replace(/[ .-]/g, '').toUpperCase();
  const m = /^([XYZ]?)([0-9]{7,8})([A-Z])$/.exec(compact);
  if (!m) return fail('DNI format is 99999999A; NIE format is X9999999A (X, Y or Z first)');
  const lead = m[1] ?? '';
  const digits = m[2] ?? '';
  if (lead !== '' && digits.length !== 7) return fail('NIE needs exactly 7 digits after X, Y or Z');
  const number = Number(`${lead === '' ? '' : String('XYZ'.indexOf(lead))}${digits}`);
  return DNI_LETTERS[number % 23] === m[3] ? OK : fail('DNI/NIE control letter does not match (mod 23)');
});

// ---------------------------------------------------------------------------------------------
// Italian codice fiscale

/** Values of characters in odd (1st, 3rd, ...) positions, for 0-9 and A-Z alike. */
const CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
const CF_MONTHS = 'ABCDEHLMPRST';
/** Letters that replace digits in homocode variants (L=0 ... V=9), and where they may appear. */
const CF_OMOCODE = 'LMNPQRSTUV';
const CF_DIGIT_POSITIONS = [6, 7, 9, 10, 12, 13, 14];

function cfIndex(ch: string): number {
  const c = ch.charCodeAt(0);
  return c <= 57 ? c - 48 : c - 65;
}

export const itCodiceFiscale = simple('it-codice-fiscale', (value) => {
  const cf = value.toUpperCase();
  if (!/^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/.test(cf)) {
    return fail('CF format is AAAAAA99A99A999A (16 characters)');
  }
  // Undo homocode substitutions to read the date.
  const plain = [...cf];
  for (const p of CF_DIGIT_POSITIONS) {
    const i = CF_OMOCODE.indexOf(plain[p] ?? '');
    if (i >= 0) plain[p] = String(i);
  }
  const month = CF_MONTHS.indexOf(plain[8] ?? '') + 1;
  if (month === 0) return fail('CF month code is not one of A B C D E H L M P R S T');
  let day = Number(`${plain[9] ?? ''}${plain[10] ?? ''}`);
  if (day > 40) day -= 40;
  if (!isCalendarDate(2000, month, day)) return fail('CF birth day is not a day of its month');
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const idx = cfIndex(cf[i] ?? '0');
    sum += i % 2 === 0 ? (CF_ODD[idx] ?? 0) : idx;
  }
  return String.fromCharCode(65 + (sum % 26)) === cf[15] ? OK : fail('CF check character fails');
});

// ---------------------------------------------------------------------------------------------
// French NIR (numéro de sécurité sociale): 13 characters and a mod-97 key

export const frNir = simple('fr-nir', (value) => {
  const compact = value.replace(/[ .-]/g, '').toUpperCase();
  const m = /^([1234780])([0-9]{2})([0-9]{2})(2A|2B|[0-9]{2})([0-9]{6})([0-9]{2})$/.exec(compact);
  if (!m) return fail('NIR needs 13 characters (sex, year, month, place, order) and a 2-digit key');
  if (m[1] === '0') return fail('NIR sex digit 0 is never issued');
  const month = Number(m[3]);
  if (!((month >= 1 && month <= 12) || month === 20 || (month >= 30 && month <= 42) || month >= 50)) {
    return fail('NIR month is not 01-12 or a code for an unknown month');
  }
  const dept = m[4] === '2A' ? '19' : m[4] === '2B' ? '18' : (m[4] ?? '');
  const body = `${m[1] ?? ''}${m[2] ?? ''}${m[3] ?? ''}${dept}${m[5] ?? ''}`;
  return 97 - decimalMod(body, 97) === Number(m[6]) ? OK : fail('NIR mod-97 key fails');
});

// ---------------------------------------------------------------------------------------------
// Dutch BSN (burgerservicenummer): the 11-proef

export const nlBsn = simple('nl-bsn', (value) => {
  const plain = value.replace(/[ .-]/g, '');
  if (!/^[0-9]{8,9}$/.test(plain)) return fail('BSN needs 9 digits (or 8 with the leading zero left out)');
  const padded = plain.padStart(9, '0');
  if (allSame(padded)) return fail('BSN has all digits the same');
  const d = digitsOf(padded);
  const sum = weightedSum(d, [9, 8, 7, 6, 5, 4, 3, 2, -1]);
  return sum % 11 === 0 ? OK : fail('BSN 11-proef fails');
});

// ---------------------------------------------------------------------------------------------
// Polish PESEL: birth date with a century offset in the month, weights 1-3-7-9

/** The full year and month of a PESEL's encoded month, or undefined. */
function peselDate(yy: number, mm: number): [number, number] | undefined {
  const centuries: Array<[number, number]> = [[80, 1800], [0, 1900], [20, 2000], [40, 2100], [60, 2200]];
  for (const [offset, century] of centuries) {
    if (mm > offset && mm <= offset + 12) return [century + yy, mm - offset];
  }
  return undefined;
}

export const plPesel = simple('pl-pesel', (value) => {
  if (!/^[0-9]{11}$/.test(value)) return fail('PESEL needs 11 digits');
  if (allSame(value)) return fail('PESEL has all digits the same');
  const d = digitsOf(value);
  const date = peselDate(Number(value.slice(0, 2)), Number(value.slice(2, 4)));
  if (!date || !isCalendarDate(date[0], date[1], Number(value.slice(4, 6)))) {
    return fail('PESEL birth date is not a calendar date');
  }
  const check = (10 - (weightedSum(d, [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10)) % 10;
  return check === d[10] ? OK : fail('PESEL check digit fails');
});
