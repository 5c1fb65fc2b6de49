import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bad, ok } from '../../helpers/validators.js';
import { createHash } from 'node:crypto';
import { base32Prefix, base62Checksum, crc32 } from '../../../src/detect/validators/tokens.js';


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

// --- an independent base32 (RFC 4648) of a SHA-256, through one big integer --------------------
function sha256Base32(text: string): string {
  let n = BigInt(`0x${createHash('sha256').update(text).digest('hex')}`);
  let out = '';
  // 256 bits are 51 full characters and one more bit: left-align to 260 bits, as base32 pads.
  n <<= 4n;
  for (let i = 0; i < 52; i++, n >>= 5n) out = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[Number(n & 31n)] + out;
  return out;
}
const chars = (n: number) => fc.array(fc.constantFrom(...ALPHABET), { minLength: n, maxLength: n }).map((a) => a.join(''));
const fineGrained = fc.tuple(chars(22), chars(43), chars(8)).map(([id, secret, tail]) => {
  const body = `github_pat_${id}_${secret}`;
  return `${body}${sha256Base32(body).slice(0, 8)}${tail}`;
});

describe('github-fine-grained-checksum', () => {
  it('accepts a revoked token published as a scanner example, and tokens made by an independent encoder', () => {
    ok('github-fine-grained-checksum', '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');
    fc.assert(
      fc.property(fineGrained, (t) => {
        expect(base32Prefix(createHash('sha256').update(t.slice(0, 77)).digest(), 51)).toBe(sha256Base32(t.slice(0, 77)).slice(0, 51));
        ok('github-fine-grained-checksum', t);
      }),
    );
  });

  it('rejects a changed character before or in the checksum, but not after it', () => {
    fc.assert(
      fc.property(fineGrained, fc.nat(92 - 11), fc.constantFrom(...ALPHABET), (t, pos, ch) => {
        const at = 11 + pos;
        fc.pre(t[at] !== ch && t[at] !== '_');
        const changed = t.slice(0, at) + ch + t.slice(at + 1);
        if (at >= 85) ok('github-fine-grained-checksum', changed);
        else bad('github-fine-grained-checksum', changed, /checksum|needs/);
      }),
    );
  });

  it('rejects tokens that only look right, and other shapes', () => {
    bad('github-fine-grained-checksum', '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', /checksum|needs/);
    bad('github-fine-grained-checksum', 'github_pat_11AAYCBDQ0tjwxY3uiVv5v_lo8vfONwp06Vaq9ORB7pSxWM1UT5wSEuqxoxNv15mbAJTNMO62SdeYHLyz', /needs/);
    bad('github-fine-grained-checksum', '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', /needs/);
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

describe('basic-credentials', () => {
  it('accepts base64 of user:password, padded or not, and refuses what is not such text', () => {
    for (const creds of ['admin:Zq9pW2xK', ':token-only', 'jürgen:pässwort', 'a:b']) {
      const b64 = Buffer.from(creds, 'utf8').toString('base64');
      ok('basic-credentials', b64);
      ok('basic-credentials', b64.replace(/=+$/, ''));
    }
    bad('basic-credentials', Buffer.from('testuser').toString('base64'), 'decodes to text without a colon (user:password)');
    bad('basic-credentials', Buffer.from([0, 1, 2, 0x3a, 4]).toString('base64'), 'decodes to control characters');
    bad('basic-credentials', Buffer.from([0xff, 0xfe, 0x3a, 0x41]).toString('base64'), 'does not decode to UTF-8 text');
    bad('basic-credentials', 'authentication', 'does not decode to UTF-8 text');
    bad('basic-credentials', 'abc-def', 'not base64');
  });
});

// --- an independent base58 encoder (repeated division of the whole number) ----------------------
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function toBase58(bytes: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}
const withChecksum = (payload: Uint8Array) => {
  const sum = createHash('sha256').update(createHash('sha256').update(payload).digest()).digest();
  return toBase58(Buffer.concat([payload, sum.subarray(0, 4)]));
};

describe('base58check', () => {
  it('accepts the extended key of BIP 32 test vector 1 and a wallet-import-format key', () => {
    ok('base58check', 'xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi');
    ok('base58check', '5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ');
    bad('base58check', '5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTK');
    bad('base58check', '0OIl');
  });

  it('accepts any payload with its checksum (leading zero bytes too), and rejects it with a character changed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.nat(), (payload, at) => {
        const text = withChecksum(payload);
        ok('base58check', text);
        const i = at % text.length;
        const changed = text.slice(0, i) + B58[(B58.indexOf(text[i] as string) + 1) % 58] + text.slice(i + 1);
        bad('base58check', changed);
      }),
      { numRuns: 200 },
    );
  });
});
