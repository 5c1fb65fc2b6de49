import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bad, ok } from '../../helpers/validators.js';
import { base62Checksum, crc32 } from '../../../src/detect/validators/tokens.js';


// --- an independent CRC-32 (bit by bit, no table) and base62 encoder ---------------------------
function crcBitwise(s: string): number {
  let crc = 0xffffffff;
  for (const ch of Buffer.from(s, 'latin1')) {
    crc ^= ch;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function toBase62(n: number): string {
  let out = '';
  for (let x = BigInt(n); ; x /= 62n) {
    out = ALPHABET[Number(x % 62n)] + out;
    if (x < 62n) break;
  }
  return out.padStart(6, '0');
}
const body30 = fc.array(fc.constantFrom(...ALPHABET), { minLength: 30, maxLength: 30 }).map((a) => a.join(''));
const token = (prefix: string, body: string) => `${prefix}_${body}${toBase62(crcBitwise(body))}`;

describe('github-checksum', () => {
  it('accepts a token from GitHub token-scanning examples (classic format)', () => {
    // the same 36 characters are used by GitHub's own examples for ghp_, gho_, ghu_ and ghs_
    for (const p of ['ghp', 'gho', 'ghu', 'ghs']) ok('github-checksum', `${p}_iJxyu4JkSaVUS1EVBmaok0YAl56uLr3ipY7B`);
  });

  it('agrees with an independent CRC-32 and base62 encoding', () => {
    expect(crc32('123456789')).toBe(0xcbf43926); // the CRC-32 check value
    fc.assert(
      fc.property(body30, fc.constantFrom('ghp', 'gho', 'ghu', 'ghs'), (body, prefix) => {
        expect(crc32(body)).toBe(crcBitwise(body));
        expect(base62Checksum(crc32(body))).toBe(toBase62(crcBitwise(body)));
        ok('github-checksum', token(prefix, body));
      }),
    );
  });

  it('rejects a changed character in the body or the checksum', () => {
    fc.assert(
      fc.property(body30, fc.nat(35), fc.constantFrom(...ALPHABET), (body, pos, ch) => {
        const t = token('ghp', body);
        const at = 4 + pos;
        fc.pre(t[at] !== ch);
        bad('github-checksum', t.slice(0, at) + ch + t.slice(at + 1), /checksum/);
      }),
    );
  });

  it('rejects tokens that only look right, and other shapes', () => {
    bad('github-checksum', 'ghp_qh8Mf3nwL6wfFVFHjISTfy4Nzo4tPsrN13R6', /checksum/);
    bad('github-checksum', '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', /prefix/);
    bad('github-checksum', 'ghp_iJxyu4JkSaVUS1EVBmaok0YAl56uLr3ipY7', /prefix/);
    bad('github-checksum', 'github_pat_11AAAAAAA0', /prefix/);
  });

  it('pads short checksums with leading zeros', () => {
    expect(base62Checksum(0)).toBe('000000');
    expect(base62Checksum(61)).toBe('00000z');
    expect(base62Checksum(62)).toBe('000010');
    expect(base62Checksum(0xffffffff)).toBe('4gfFC3');
  });
});

describe('date', () => {
  it('accepts calendar dates in the supported notations', () => {
    for (const s of [
      '1984-06-11', '1984/6/11', '1984.06.11', '19840611', '2000-02-29',
      '11/06/1984', '06/11/1984', '31.12.1999', '11-06-84', '6/11/84', '29 02 2000',
      '11 June 1984', '11 Jun 1984', '11-Jun-1984', '3rd March 1962', 'June 11, 1984', 'Sept 3 1999', 'Mar. 3rd, 1962',
    ]) ok('date', s);
  });

  it('accepts a d/m/y that is only valid as m/d/y, and the other way round', () => {
    ok('date', '12/31/1999');
    ok('date', '31/12/1999');
  });

  it('rejects impossible days, months and years', () => {
    for (const s of ['1984-13-11', '1984-02-30', '1900-02-29', '31/02/1990', '13/13/1990', '1850-01-01', '2150-01-01', '32 June 1984', 'June 31, 1990']) {
      bad('date', s, /calendar date/);
    }
  });

  it('rejects other shapes and unknown month names', () => {
    bad('date', '1984-06/11', /date format/);
    bad('date', '11 Juin 1984', /English month/);
    bad('date', '11 Ju 1984', /date format/);
    bad('date', 'yesterday', /date format/);
    bad('date', '1984', /date format/);
  });
});
