/**
 * Structural checks of vendor tokens.
 *
 * `github-checksum`: GitHub's classic-format tokens (ghp_, gho_, ghu_, ghs_) carry 30 random base62
 * characters and then six characters that are the CRC-32 of those 30, written in base62
 * (alphabet 0-9A-Za-z, left-padded with 0). Checked against example tokens from GitHub's own
 * token-scanning tests; tokens generated only to look right (random 36 characters) fail it.
 *
 * `github-fine-grained-checksum`: a fine-grained personal access token (`github_pat_`, 22
 * characters, `_`, 59) carries after its first 77 characters eight that are the start of the
 * SHA-256 of those 77 in base32 (RFC 4648, A-Z2-7); the last eight are not checked. Checked on a
 * revoked token published as a scanner's example; random characters pass it once in 2^40.
 *
 * `base58check`: Bitcoin's base58 with a checksum, as its private keys are written (WIF, and the
 * extended keys of BIP 32: xprv, tprv): the decoded bytes end in the first four bytes of the
 * double SHA-256 of the bytes before them. Random characters of the alphabet pass once in 2^32.
 */
import { createHash } from 'node:crypto';
import { fail, OK, simple } from './common.js';

/** CRC-32 (IEEE 802.3, reflected, as zlib) table; node:zlib's crc32 needs Node 20.15 or later. */
const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of an ASCII string. */
export function crc32(s: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < s.length; i++) crc = (CRC_TABLE[(crc ^ s.charCodeAt(i)) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `n` (0 <= n < 2^32) in base62, left-padded with 0 to six characters. */
export function base62Checksum(n: number): string {
  let s = '';
  let rest = n;
  do {
    s = (BASE62[rest % 62] ?? '0') + s;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return s.padStart(6, '0');
}

export const githubChecksum = simple('github-checksum', (value) => {
  const m = /^gh[pous]_([A-Za-z0-9]{30})([A-Za-z0-9]{6})$/.exec(value);
  if (!m) return fail('GitHub token needs a gh?_ prefix and 36 base62 characters');
  const body = m[1] ?? '';
  return base62Checksum(crc32(body)) === m[2] ? OK : fail('GitHub token CRC-32 checksum fails');
});

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first `n` characters of `bytes` in base32 (RFC 4648 alphabet, no padding). */
export function base32Prefix(bytes: Uint8Array, n: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < n) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === n) break;
  }
  return out;
}

export const githubFineGrainedChecksum = simple('github-fine-grained-checksum', (value) => {
  const m = /^(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{43})([A-Z2-7]{8})[A-Za-z0-9]{8}$/.exec(value);
  if (!m) return fail('fine-grained GitHub token needs github_pat_, 22 characters, _ and 59 characters');
  const digest = createHash('sha256').update(m[1] ?? '').digest();
  return base32Prefix(digest, 8) === m[2] ? OK : fail('fine-grained GitHub token SHA-256 checksum fails');
});

/**
 * `basic-credentials`: the credentials of HTTP Basic authentication (RFC 7617), base64 of
 * `user:password`: the value decodes to printable UTF-8 text that holds a colon. A word after
 * `Basic` in prose decodes to bytes that are not such text.
 */
export const basicCredentials = simple('basic-credentials', (value) => {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.replace(/=+$/, '').length % 4 === 1) return fail('not base64');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'base64'));
  } catch {
    return fail('does not decode to UTF-8 text');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return fail('decodes to control characters');
  return text.includes(':') ? OK : fail('decodes to text without a colon (user:password)');
});

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** `value` decoded from base58 (Bitcoin's alphabet; each leading `1` a zero byte), or undefined for another character. */
export function base58Decode(value: string): Uint8Array | undefined {
  let n = 0n;
  for (const ch of value) {
    const digit = BASE58.indexOf(ch);
    if (digit < 0) return undefined;
    n = n * 58n + BigInt(digit);
  }
  const bytes: number[] = [];
  for (; n > 0n; n >>= 8n) bytes.push(Number(n & 0xffn));
  for (let i = 0; i < value.length && value[i] === '1'; i++) bytes.push(0);
  return Uint8Array.from(bytes.reverse());
}

export const base58check = simple('base58check', (value) => {
  const bytes = base58Decode(value);
  if (!bytes || bytes.length < 5) return fail('not base58 of a payload and its checksum');
  const payload = bytes.subarray(0, bytes.length - 4);
  const sum = createHash('sha256').update(createHash('sha256').update(payload).digest()).digest();
  return sum.subarray(0, 4).equals(bytes.subarray(bytes.length - 4)) ? OK : fail('base58check checksum fails');
});
