/**
 * Data keys in memory and the cache that hands them out: a token key bounded by age and uses,
 * rotated through the provider and the registry; keys for detokenize looked up by kid; and the
 * one stable hash key. Plaintext keys live only in `#private` fields and are zeroed on retire.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { KeyError, LogveilError, TokenError } from '../../errors.js';
import type { EncryptionContext, GeneratedDataKey, KeyProvider } from './provider.js';
import { type KeyRecord, type KeyRegistry, kidFor } from './registry.js';

const KEY_BYTES = 32;
const TAG_BYTES = 16;
const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const HKDF_SALT = Buffer.from('logveil/data-key/v1', 'ascii');
/** Deterministic tokens of repeated values: at most this many, of values at most this long. */
const TOKEN_MEMO_ENTRIES = 512;
const TOKEN_MEMO_MAX_VALUE = 256;
/** Keys decrypted for detokenize kept at once; the least recently used is retired beyond this. */
const MAX_KEYS_BY_KID = 32;
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

/** Bounds and hooks of a {@link DataKeyCache}. */
export interface DataKeyCacheOptions {
  /** A token key older than this is replaced on the next {@link DataKeyCache.current}. */
  maxAgeMs: number;
  /** A token key with this many uses is replaced on the next {@link DataKeyCache.current}. */
  maxUses: number;
  /** Encryption context for new keys (deployment, purpose…); stored with each key. */
  context: EncryptionContext;
  /** Clock, ms since the epoch; tests inject one. */
  now?: () => number;
  /** Called once per new key after it is registered (the security sink's key-created event). */
  onKeyCreated?: (rec: KeyRecord) => void | Promise<void>;
}

/**
 * Hands out data keys. A new key is used only after it is in the registry and `onKeyCreated`
 * resolved, so every token's key can be found again. Use a key returned here before the next
 * `await`: a rotation or eviction retires (zeroes) the key it replaces.
 */
export class DataKeyCache {
  #provider: KeyProvider;
  #registry: KeyRegistry;
  #options: DataKeyCacheOptions;
  #now: () => number;
  #current: DataKey | undefined;
  #rotating: Promise<DataKey> | undefined;
  #byKid = new Map<string, Loading<DataKey>>();
  #hash: Loading<HashKey> | undefined;
  #closed = false;

  /** @throws KeyError `KEY_OPTIONS_INVALID` for non-positive bounds. */
  constructor(provider: KeyProvider, registry: KeyRegistry, options: DataKeyCacheOptions) {
    if (!(options.maxAgeMs > 0)) throw new KeyError('KEY_OPTIONS_INVALID', 'maxAgeMs must be a positive number');
    if (!Number.isInteger(options.maxUses) || options.maxUses < 1) {
      throw new KeyError('KEY_OPTIONS_INVALID', 'maxUses must be a positive integer');
    }
    this.#provider = provider;
    this.#registry = registry;
    this.#options = { ...options, context: { ...options.context } };
    this.#now = options.now ?? Date.now;
  }

  /** The key to tokenize with now; see the class notes on rotation. */
  current(): Promise<DataKey> {
    if (this.#closed) return Promise.reject(closedError());
    const key = this.#current;
    if (key && !key.retired && key.uses < this.#options.maxUses && this.#now() - key.created < this.#options.maxAgeMs) {
      return Promise.resolve(key);
    }
    // Every caller during a rotation shares it: one generation, one registered key.
    this.#rotating ??= this.#rotate().finally(() => (this.#rotating = undefined));
    return this.#rotating;
  }

  /**
   * The key for `kid`, for detokenize: registry record, then the provider decrypts it under the
   * registered context. Reads the registry again once if the kid is not known yet.
   *
   * @throws KeyError `KEY_UNKNOWN`, `KEY_DECRYPT_FAILED`.
   */
  forKid(kid: string): Promise<DataKey> {
    if (this.#closed) return Promise.reject(closedError());
    let loading = this.#byKid.get(kid);
    this.#byKid.delete(kid); // re-inserted last: the first entry is the least recently used
    // A failure is not remembered: the next call tries again.
    loading ??= track(this.#unwrapTokenKey(kid), (l) => this.#byKid.get(kid) === l && this.#byKid.delete(kid));
    this.#byKid.set(kid, loading);
    if (this.#byKid.size > MAX_KEYS_BY_KID) {
      const [oldest, evicted] = this.#byKid.entries().next().value as [string, Loading<DataKey>];
      this.#byKid.delete(oldest);
      retire(evicted);
    }
    return loading.promise;
  }

  /**
   * The stable hash key: the earliest `hash` record in the registry, decrypted; generated and
   * registered if there is none. Never rotates, so hashes join across token epochs.
   */
  hashKey(): Promise<HashKey> {
    if (this.#closed) return Promise.reject(closedError());
    this.#hash ??= track(this.#loadHashKey(), (l) => this.#hash === l && (this.#hash = undefined));
    return this.#hash.promise;
  }

  /** Retires and zeroes every key; keys still being fetched are retired when they arrive. */
  close(): void {
    this.#closed = true;
    this.#current?.retire();
    this.#current = undefined;
    for (const loading of [...this.#byKid.values(), ...(this.#hash ? [this.#hash] : [])]) retire(loading);
    this.#byKid.clear();
    this.#hash = undefined;
  }

  async #rotate(): Promise<DataKey> {
    const generated = await this.#generate();
    try {
      const record = await this.#register(generated.encrypted, generated.keyId, 'token');
      if (this.#closed) throw closedError();
      const key = DataKey.fromPlaintext(record.kid, generated.plaintext, this.#now());
      this.#current?.retire();
      this.#current = key;
      return key;
    } finally {
      generated.plaintext.fill(0);
    }
  }

  async #register(encrypted: Buffer, keyId: string, purpose: 'token' | 'hash'): Promise<KeyRecord> {
    const record: KeyRecord = {
      kid: kidFor(encrypted),
      provider: this.#provider.name,
      keyId,
      encryptedKey: encrypted.toString('base64'),
      context: { ...this.#options.context },
      purpose,
      created: new Date(this.#now()).toISOString(),
    };
    await this.#registry.add(record);
    await this.#options.onKeyCreated?.(record);
    return record;
  }

  async #unwrapTokenKey(kid: string): Promise<DataKey> {
    if (!KID_PATTERN.test(kid)) throw new KeyError('KEY_UNKNOWN', 'kid is malformed');
    const rec = await this.#lookup(() => this.#registry.get(kid));
    if (!rec) throw new KeyError('KEY_UNKNOWN', `no key with kid ${kid} in registry ${this.#registry.path}`);
    if (rec.purpose !== 'token') throw new KeyError('KEY_UNKNOWN', `kid ${kid} is a ${rec.purpose} key, not a token key`);
    return this.#unlessClosed(DataKey.fromPlaintext(rec.kid, await this.#decrypt(rec), Date.parse(rec.created)));
  }

  async #loadHashKey(): Promise<HashKey> {
    let rec = await this.#lookup(() => this.#registry.earliest('hash'));
    if (!rec) {
      const generated = await this.#generate();
      try {
        const mine = await this.#register(generated.encrypted, generated.keyId, 'hash');
        // Another process may have registered a hash key first: the earliest one wins everywhere.
        await this.#registry.refresh();
        rec = this.#registry.earliest('hash') ?? mine;
        if (rec.kid === mine.kid) return this.#unlessClosed(HashKey.fromPlaintext(mine.kid, generated.plaintext));
      } finally {
        generated.plaintext.fill(0);
      }
    }
    return this.#unlessClosed(HashKey.fromPlaintext(rec.kid, await this.#decrypt(rec)));
  }

  /** A registry lookup, read again from the file once if it misses (another process may have added it). */
  async #lookup(find: () => KeyRecord | undefined): Promise<KeyRecord | undefined> {
    return find() ?? (await this.#registry.refresh().then(find));
  }

  /** A key that arrives after close() is retired at once. */
  #unlessClosed<K extends DataKey | HashKey>(key: K): K {
    if (this.#closed) key.retire();
    return key;
  }

  async #decrypt(rec: KeyRecord): Promise<Buffer> {
    if (rec.provider !== this.#provider.name) {
      const why = `kid ${rec.kid} was wrapped by provider "${rec.provider}", this run uses "${this.#provider.name}"`;
      throw new KeyError('KEY_DECRYPT_FAILED', why);
    }
    try {
      return await this.#provider.decryptDataKey(Buffer.from(rec.encryptedKey, 'base64'), rec.context);
    } catch (err) {
      if (err instanceof LogveilError && err.code === 'KEY_DECRYPT_FAILED') throw err;
      throw new KeyError('KEY_DECRYPT_FAILED', `provider "${rec.provider}" could not decrypt kid ${rec.kid}`, { cause: err });
    }
  }

  async #generate(): Promise<GeneratedDataKey> {
    try {
      return await this.#provider.generateDataKey(this.#options.context);
    } catch (err) {
      if (err instanceof LogveilError) throw err;
      const why = `provider "${this.#provider.name}" could not generate a data key`;
      throw new KeyError('KEY_UNAVAILABLE', why, { cause: err });
    }
  }
}

function closedError(): KeyError {
  return new KeyError('KEY_CACHE_CLOSED', 'data key cache is closed');
}

/** A key being fetched; `key` is set as soon as it arrives, before any caller sees it. */
interface Loading<K extends DataKey | HashKey> {
  promise: Promise<K>;
  key?: K;
}

function track<K extends DataKey | HashKey>(promise: Promise<K>, onFail: (l: Loading<K>) => unknown): Loading<K> {
  const loading: Loading<K> = { promise };
  promise.then(
    (key) => (loading.key = key),
    () => onFail(loading),
  );
  return loading;
}

/** Retires a fetched key now, or one still being fetched as soon as it arrives. */
function retire(loading: Loading<DataKey | HashKey>): void {
  if (loading.key) loading.key.retire();
  else loading.promise.then((key) => key.retire(), () => undefined);
}
