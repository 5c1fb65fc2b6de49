/**
 * Identifiers of Asia-Pacific countries: Australian TFN, ABN, ACN and Medicare numbers, Indian
 * PAN, Japanese Individual Number (My Number).
 */
import { allSame, digitsOf, fail, OK, simple, weightedSum } from './common.js';

/** The digits of `value` once single spaces or dashes between groups are removed. */
function compactDigits(value: string): string | undefined {
  if (!/^[0-9]+(?:[ -][0-9]+)*$/.test(value)) return undefined;
  return value.replace(/[ -]/g, '');
}

/** Australian Tax File Number: 9 digits (8 for old numbers), weighted sum mod 11. */
export const auTfn = simple('au-tfn', (value) => {
  const plain = compactDigits(value);
  if (plain === undefined || (plain.length !== 9 && plain.length !== 8)) return fail('TFN needs 8 or 9 digits');
  if (allSame(plain)) return fail('TFN has all digits the same');
  const weights = plain.length === 9 ? [1, 4, 3, 7, 5, 8, 6, 9, 10] : [10, 7, 8, 4, 6, 3, 5, 1];
  return weightedSum(digitsOf(plain), weights) % 11 === 0 ? OK : fail('TFN checksum fails');
});

/** Australian Business Number: 11 digits, first digit minus one, weighted sum mod 89. */
export const auAbn = simple('au-abn', (value) => {
  const plain = compactDigits(value);
  if (plain === undefined || plain.length !== 11) return fail('ABN needs 11 digits');
  if (plain[0] === '0') return fail('ABN cannot start with 0');
  const d = digitsOf(plain);
  d[0] = (d[0] ?? 0) - 1;
  return weightedSum(d, [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]) % 89 === 0 ? OK : fail('ABN checksum fails');
});

/** Australian Company Number: 9 digits, weights 8..1, complement mod 10. */
export const auAcn = simple('au-acn', (value) => {
  const plain = compactDigits(value);
  if (plain === undefined || plain.length !== 9) return fail('ACN needs 9 digits');
  const d = digitsOf(plain);
  const check = (10 - (weightedSum(d, [8, 7, 6, 5, 4, 3, 2, 1]) % 10)) % 10;
  if (allSame(plain)) return fail('ACN has all digits the same');
  return check === d[8] ? OK : fail('ACN check digit fails');
});

/** Australian Medicare card number: 10 digits (11 with the individual reference), first 2-6. */
export const auMedicare = simple('au-medicare', (value) => {
  const plain = compactDigits(value);
  if (plain === undefined || (plain.length !== 10 && plain.length !== 11)) return fail('Medicare number needs 10 or 11 digits');
  if (!/^[2-6]/.test(plain)) return fail('Medicare number must start with 2-6');
  const d = digitsOf(plain);
  return weightedSum(d, [1, 3, 7, 9, 1, 3, 7, 9]) % 10 === d[8] ? OK : fail('Medicare check digit fails');
});

/** Indian PAN: 5 letters (the 4th names the holder type), 4 digits, a letter. */
export const inPan = simple('in-pan', (value) => {
  const pan = value.toUpperCase();
  if (!/^[A-Z]{5}[0-9]{4}[A-Z]$/.test(pan)) return fail('PAN format is AAAAA9999A');
  if (!'ABCFGHJLPT'.includes(pan[3] ?? '')) return fail('PAN 4th character is not a holder class (A B C F G H J L P T)');
  if (pan.slice(5, 9) === '0000') return fail('PAN sequence 0000 is never issued');
  return OK;
});

/**
 * Japanese Individual Number (My Number): 12 digits, the last a check digit over the 11 before
 * it: each digit P_n (n = 1 for the one next to the check digit) weighs n + 1 up to n = 6 and
 * n - 5 after; a remainder of the weighted sum mod 11 below 2 gives 0, another r gives 11 - r.
 */
export const jpMyNumber = simple('jp-my-number', (value) => {
  const plain = compactDigits(value);
  if (plain === undefined || plain.length !== 12) return fail('My Number needs 12 digits');
  if (allSame(plain)) return fail('My Number has all digits the same');
  const d = digitsOf(plain);
  let sum = 0;
  for (let n = 1; n <= 11; n++) sum += (d[11 - n] ?? 0) * (n <= 6 ? n + 1 : n - 5);
  const r = sum % 11;
  return (r <= 1 ? 0 : 11 - r) === d[11] ? OK : fail('My Number check digit fails');
});
