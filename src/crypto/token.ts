/**
 * The token codec. A token is ASCII and fits in JSON strings and URLs without escaping:
 *
 *   `[[EMAIL]]`                          mask
 *   `[[EMAIL:tk1.<kid>.<payload>]]`      reversible: AES-256-GCM under data key <kid>
 *   `[[EMAIL:h1.<mac>]]`                 keyed hash: joinable, not reversible
 *
 * Values are encoded as WTF-8 (UTF-8 that also carries lone surrogates), so every JS string,
 * even one cut in the middle of a surrogate pair, decrypts to exactly itself and hashes apart
 * from its neighbours.
 */
import { randomBytes } from 'node:crypto';
import { TokenError } from '../errors.js';
import type { DataKey, HashKey } from './keys/cache.js';
import { isKidShape } from './keys/registry.js';

/** `deterministic`: equal values give equal tokens within a key epoch (joinable). `randomized`: never. */
export type TokenMode = 'deterministic' | 'randomized';

const LABEL_PATTERN = /^[A-Z][A-Z0-9_]*$/;
const B64URL_PATTERN = /^[A-Za-z0-9_-]+$/;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HASH_BYTES = 16;

/**
 * A token as it appears in output, for JS `RegExp` and RE2 alike (no lookaround); use it with the
 * global flag. Groups: 1 label, 2 body, 3 tk1 kid, 4 tk1 payload, 5 h1 mac. Kid, payload and mac
 * are matched loosely so that a damaged token is still found (and reported by detokenize).
 */
export const TOKEN_REGEX_SOURCE =
  '\\[\\[([A-Z][A-Z0-9_]*)(?::(tk1\\.([A-Za-z0-9_-]+)\\.([A-Za-z0-9_-]+)|h1\\.([A-Za-z0-9_-]+)))?\\]\\]';

/** Where a token sits in a text and what it is. */
export interface TokenRef {
  /** UTF-16 offsets of the whole `[[...]]`. */
  start: number;
  end: number;
  label: string;
  kind: 'mask' | 'tk1' | 'h1';
  /** tk1 only. */
  kid?: string;
  /** `tk1.<kid>.<payload>` or `h1.<mac>`; absent for a mask. */
  body?: string;
}

/**
 * Encrypts `value` under `key` as `tk1.<kid>.<payload>`, payload = base64url(nonce(12) ‖ ciphertext
 * ‖ tag(16)). Deterministic mode takes the nonce from HMAC(nonce key, label ‖ 0x00 ‖ value);
 * randomized mode draws it at random. The AAD `tk1|<label>|<kid>` binds version, label and kid, so
 * a token cannot be relabelled. Counts one use of the key, also when a repeated deterministic
 * value is answered from the key's memo.
 *
 * @throws TokenError `TOKEN_LABEL_INVALID`; KeyError `KEY_RETIRED`.
 */
export function encryptToken(key: DataKey, label: string, value: string, mode: TokenMode): string {
  assertLabel(label);
  const deterministic = mode === 'deterministic';
  if (!deterministic && mode !== 'randomized') throw new TokenError('TOKEN_MODE_INVALID', 'token mode must be deterministic or randomized');
  const make = (): string => {
    const plaintext = encodeWtf8(value);
    try {
      const nonce = deterministic ? key.deriveNonce(label, plaintext) : randomBytes(NONCE_BYTES);
      return `tk1.${key.kid}.${key.seal(aadFor(label, key.kid), nonce, plaintext).toString('base64url')}`;
    } finally {
      plaintext.fill(0);
    }
  };
  return deterministic ? key.memoized(label, value, make) : make();
}

/**
 * Decrypts a `tk1.<kid>.<payload>` body made under `key` for `label`.
 *
 * @throws TokenError `TOKEN_INVALID` for a malformed body or label, `TOKEN_AUTH_FAILED` when
 *   authentication fails (any changed byte, another label, another kid); KeyError `KEY_RETIRED`.
 */
export function decryptToken(key: DataKey, label: string, body: string): string {
  if (!LABEL_PATTERN.test(label)) throw new TokenError('TOKEN_INVALID', 'token label must match [A-Z][A-Z0-9_]*');
  const parts = body.split('.');
  const [version, kid, encoded] = parts;
  if (parts.length !== 3 || version !== 'tk1' || kid === undefined || encoded === undefined) {
    throw new TokenError('TOKEN_INVALID', 'token body must be tk1.<kid>.<payload>');
  }
  if (!B64URL_PATTERN.test(kid) || !B64URL_PATTERN.test(encoded)) {
    throw new TokenError('TOKEN_INVALID', 'token kid and payload must be base64url');
  }
  const payload = canonicalBase64url(encoded);
  if (!payload) throw new TokenError('TOKEN_INVALID', 'token payload is not canonical base64url');
  if (payload.length < NONCE_BYTES + TAG_BYTES) throw new TokenError('TOKEN_INVALID', 'token payload is too short');
  if (kid !== key.kid) throw new TokenError('TOKEN_AUTH_FAILED', `token kid ${kid} is not key ${key.kid}`);
  const plaintext = key.open(aadFor(label, kid), payload);
  try {
    return decodeWtf8(plaintext);
  } finally {
    plaintext.fill(0);
  }
}

/**
 * `h1.<mac>`, mac = base64url of the first 16 bytes of HMAC-SHA256(hash key, label ‖ 0x00 ‖ value).
 *
 * @throws TokenError `TOKEN_LABEL_INVALID`; KeyError `KEY_RETIRED`.
 */
export function hashToken(key: HashKey, label: string, value: string): string {
  assertLabel(label);
  const data = Buffer.concat([Buffer.from(label, 'latin1'), Buffer.of(0), encodeWtf8(value)]);
  try {
    return `h1.${key.mac(data).subarray(0, HASH_BYTES).toString('base64url')}`;
  } finally {
    data.fill(0);
  }
}

/**
 * True when a token body has the shape of one logveil writes: `tk1.<kid>.<payload>` with a kid as
 * {@link isKidShape} has it and a payload of at least a nonce and a tag in canonical base64url, or
 * `h1.<mac>` with a mac of 16 bytes.
 * Says nothing of whether it authenticates (that needs its key).
 */
export function isTokenBody(body: string): boolean {
  const parts = body.split('.');
  const bytes = B64URL_PATTERN.test(parts[parts.length - 1] as string) ? canonicalBase64url(parts[parts.length - 1] as string) : undefined;
  if (!bytes) return false;
  if (parts[0] === 'tk1') return parts.length === 3 && isKidShape(parts[1] as string) && bytes.length >= NONCE_BYTES + TAG_BYTES;
  return parts[0] === 'h1' && parts.length === 2 && bytes.length === HASH_BYTES;
}

/**
 * The bytes of `encoded` when it is their one canonical base64url spelling: Buffer decoding ignores
 * stray trailing bits, and no two token texts may carry the same bytes.
 */
function canonicalBase64url(encoded: string): Buffer | undefined {
  const bytes = Buffer.from(encoded, 'base64url');
  return bytes.toString('base64url') === encoded ? bytes : undefined;
}

const TOKEN_SCAN = new RegExp(TOKEN_REGEX_SOURCE, 'g');

/** Every token in `text`, in order. */
export function findTokens(text: string): TokenRef[] {
  if (!text.includes('[[')) return [];
  const found: TokenRef[] = [];
  TOKEN_SCAN.lastIndex = 0;
  for (let m = TOKEN_SCAN.exec(text); m !== null; m = TOKEN_SCAN.exec(text)) {
    const label = m[1] as string;
    const ref: TokenRef = { start: m.index, end: m.index + m[0].length, label, kind: 'mask' };
    if (m[3] !== undefined) {
      ref.kind = 'tk1';
      ref.kid = m[3];
      ref.body = m[2];
    } else if (m[5] !== undefined) {
      ref.kind = 'h1';
      ref.body = m[2];
    }
    found.push(ref);
  }
  return found;
}

/**
 * `[[LABEL:body]]`, or `[[LABEL]]` without a body.
 *
 * @throws TokenError `TOKEN_LABEL_INVALID`, `TOKEN_INVALID` for a body with characters a token cannot hold.
 */
export function wrapToken(label: string, body?: string): string {
  assertLabel(label);
  if (body === undefined) return `[[${label}]]`;
  if (!/^[A-Za-z0-9_.-]+$/.test(body)) throw new TokenError('TOKEN_INVALID', 'token body must be [A-Za-z0-9_.-]');
  return `[[${label}:${body}]]`;
}

function assertLabel(label: string): void {
  if (!LABEL_PATTERN.test(label)) throw new TokenError('TOKEN_LABEL_INVALID', 'token label must match [A-Z][A-Z0-9_]*');
}

function aadFor(label: string, kid: string): Buffer {
  return Buffer.from(`tk1|${label}|${kid}`, 'latin1');
}

/** A surrogate code unit that is not half of a well-formed pair. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** UTF-8, except that a lone surrogate is written as its own 3-byte sequence (WTF-8). */
function encodeWtf8(value: string): Buffer {
  if (!LONE_SURROGATE.test(value)) return Buffer.from(value, 'utf8');
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
      i++;
    } else if (c < 0x80) {
      bytes.push(c);
    } else if (c < 0x800) {
      bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    } else {
      bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    }
  }
  return Buffer.from(bytes);
}

/** Inverse of {@link encodeWtf8}: 0xED 0xA0-0xBF starts an encoded surrogate, which UTF-8 never holds. */
function decodeWtf8(bytes: Buffer): string {
  let out = '';
  let from = 0;
  for (let i = bytes.indexOf(0xed); i !== -1 && i + 2 < bytes.length; i = bytes.indexOf(0xed, i + 1)) {
    const b1 = bytes[i + 1] as number;
    if (b1 < 0xa0) continue;
    out += bytes.toString('utf8', from, i) + String.fromCharCode(0xd000 | ((b1 & 0x3f) << 6) | ((bytes[i + 2] as number) & 0x3f));
    from = i + 3;
    i += 2;
  }
  return out + bytes.toString('utf8', from);
}
