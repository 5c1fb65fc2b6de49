/**
 * Data keys in memory: the subkeys derived from a data key, in `#private` fields, zeroed on retire.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { KeyError, TokenError } from '../../errors.js';

const KEY_BYTES = 32;
const TAG_BYTES = 16;
export const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const HKDF_SALT = Buffer.from('logveil/data-key/v1', 'ascii');
/** Deterministic tokens of repeated values: at most this many, of values at most this long. */
const TOKEN_MEMO_ENTRIES = 512;
const TOKEN_MEMO_MAX_VALUE = 256;
const ZERO = Buffer.of(0);

function derive(ikm: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, HKDF_SALT, info, KEY_BYTES));
}

function takePlaintext(plaintext: Buffer, kid: string): void {
  if (!KID_PATTERN.test(kid)) throw new KeyError('KEY_INVALID', 'kid must be 1-64 characters of [A-Za-z0-9_-]');
  if (plaintext.length !== KEY_BYTES) {
    plaintext.fill(0);
    throw new KeyError('KEY_INVALID', `data key ${kid} is ${plaintext.length} bytes, expected ${KEY_BYTES}`);
  }
}

/**
 * One data key, as the subkeys derived from it (HKDF-SHA256): an AES-256-GCM key and an HMAC key
 * for deterministic nonces. The token functions in `crypto/token.ts` use it; its methods marked
 * internal are their plumbing and never return key material.
 */
export class DataKey {
  readonly kid: string;
  /** Creation time, ms since the epoch. */
  readonly created: number;
  #aesKey: Buffer;
  #nonceKey: Buffer;
  #uses = 0;
  #retired = false;
  /** label + NUL + value -> deterministic token; values are sensitive, so it is cleared on retire. */
  #memo = new Map<string, string>();

  private constructor(kid: string, aesKey: Buffer, nonceKey: Buffer, created: number) {
    this.kid = kid;
    this.#aesKey = aesKey;
    this.#nonceKey = nonceKey;
    this.created = created;
  }

  /**
   * Derives the subkeys from a 32-byte data key, then zeroes `plaintext`.
   *
   * @throws KeyError `KEY_INVALID` for a malformed kid or a key that is not 32 bytes.
   */
  static fromPlaintext(kid: string, plaintext: Buffer, created: number = Date.now()): DataKey {
    takePlaintext(plaintext, kid);
    try {
      return new DataKey(kid, derive(plaintext, 'logveil tk1 aes-256-gcm'), derive(plaintext, 'logveil tk1 nonce'), created);
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * @internal Copies of the subkeys, to hand this key to a worker thread of the same process. The
   * receiver takes them with {@link DataKey.fromTransfer}, which zeroes them.
   */
  toTransfer(): KeyTransfer {
    this.#live();
    return { kid: this.kid, created: this.created, keys: [Uint8Array.from(this.#aesKey), Uint8Array.from(this.#nonceKey)] };
  }

  /** @internal The key a {@link DataKey.toTransfer} handed over; zeroes the transferred copies. */
  static fromTransfer(t: KeyTransfer): DataKey {
    const [aes, nonce] = t.keys;
    if (!aes || !nonce || aes.length !== KEY_BYTES || nonce.length !== KEY_BYTES) {
      throw new KeyError('KEY_INVALID', `transferred data key ${t.kid} is malformed`);
    }
    const key = new DataKey(t.kid, Buffer.from(aes), Buffer.from(nonce), t.created);
    for (const k of t.keys) k.fill(0);
    return key;
  }

  /** @internal Uses made by a worker holding a transferred copy of this key. */
  addUses(n: number): void {
    this.#uses += n;
  }

  /** How many token encryptions this key has done. */
  get uses(): number {
    return this.#uses;
  }
  get retired(): boolean {
    return this.#retired;
  }

  /** Zeroes every subkey and forgets remembered tokens; any later use throws `KEY_RETIRED`. */
  retire(): void {
    this.#retired = true;
    this.#aesKey.fill(0);
    this.#nonceKey.fill(0);
    this.#memo.clear();
  }

  /** @internal 12-byte nonce = HMAC-SHA256(nonce key, label ‖ 0x00 ‖ value)[0..12). */
  deriveNonce(label: string, value: Buffer): Buffer {
    this.#live();
    return createHmac('sha256', this.#nonceKey).update(label, 'latin1').update(ZERO).update(value).digest().subarray(0, 12);
  }

  /** @internal AES-256-GCM; returns nonce ‖ ciphertext ‖ tag. Counts one use. */
  seal(aad: Buffer, nonce: Buffer, plaintext: Buffer): Buffer {
    this.#live();
    const cipher = createCipheriv('aes-256-gcm', this.#aesKey, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const sealed = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    this.#uses += 1;
    return sealed;
  }

  /**
   * @internal Opens `nonce ‖ ciphertext ‖ tag` (at least 28 bytes).
   * @throws TokenError `TOKEN_AUTH_FAILED` when authentication fails.
   */
  open(aad: Buffer, payload: Buffer): Buffer {
    this.#live();
    const nonce = payload.subarray(0, 12);
    const ciphertext = payload.subarray(12, payload.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#aesKey, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(payload.subarray(payload.length - TAG_BYTES));
    const head = decipher.update(ciphertext);
    try {
      return Buffer.concat([head, decipher.final()]);
    } catch (err) {
      throw new TokenError('TOKEN_AUTH_FAILED', `token does not authenticate under key ${this.kid}`, { cause: err });
    } finally {
      head.fill(0);
    }
  }

  /**
   * @internal The deterministic token for (label, value): from the bounded LRU memo, else from
   * `make` and remembered. A hit counts one use, as the encryption it stands for would.
   */
  memoized(label: string, value: string, make: () => string): string {
    this.#live();
    if (value.length > TOKEN_MEMO_MAX_VALUE) return make();
    const k = `${label}\0${value}`;
    const hit = this.#memo.get(k);
    // Map order is insertion order: re-inserting on a hit keeps the least recently used first.
    this.#memo.delete(k);
    if (hit !== undefined) {
      this.#memo.set(k, hit);
      this.#uses += 1;
      return hit;
    }
    const token = make();
    this.#memo.set(k, token);
    if (this.#memo.size > TOKEN_MEMO_ENTRIES) this.#memo.delete(this.#memo.keys().next().value as string);
    return token;
  }

  #live(): void {
    if (this.#retired) throw new KeyError('KEY_RETIRED', `data key ${this.kid} is retired`);
  }
}

/** The stable keyed-hash key (HMAC-SHA256 under a subkey derived with HKDF). */
export class HashKey {
  readonly kid: string;
  #key: Buffer;
  #retired = false;

  private constructor(kid: string, key: Buffer) {
    this.kid = kid;
    this.#key = key;
  }

  /** Derives the HMAC key from a 32-byte data key, then zeroes `plaintext`. */
  static fromPlaintext(kid: string, plaintext: Buffer): HashKey {
    takePlaintext(plaintext, kid);
    try {
      return new HashKey(kid, derive(plaintext, 'logveil h1 hmac-sha256'));
    } finally {
      plaintext.fill(0);
    }
  }

  /** @internal Copy of the key for a worker thread; see {@link DataKey.toTransfer}. */
  toTransfer(): KeyTransfer {
    if (this.#retired) throw new KeyError('KEY_RETIRED', `hash key ${this.kid} is retired`);
    return { kid: this.kid, created: 0, keys: [Uint8Array.from(this.#key)] };
  }

  /** @internal The key a {@link HashKey.toTransfer} handed over; zeroes the transferred copy. */
  static fromTransfer(t: KeyTransfer): HashKey {
    const [k] = t.keys;
    if (!k || k.length !== KEY_BYTES) throw new KeyError('KEY_INVALID', `transferred hash key ${t.kid} is malformed`);
    const key = new HashKey(t.kid, Buffer.from(k));
    k.fill(0);
    return key;
  }

  /** HMAC-SHA256 of `data` (a string is taken as UTF-8). */
  mac(data: string | Uint8Array): Buffer {
    if (this.#retired) throw new KeyError('KEY_RETIRED', `hash key ${this.kid} is retired`);
    return createHmac('sha256', this.#key).update(data).digest();
  }

  get retired(): boolean {
    return this.#retired;
  }
  /** Zeroes the key; any later use throws `KEY_RETIRED`. */
  retire(): void {
    this.#retired = true;
    this.#key.fill(0);
  }
}


/** Key material crossing to a worker thread of this process (structured clone, zeroed on receipt). */
export interface KeyTransfer {
  kid: string;
  created: number;
  keys: Uint8Array[];
}
