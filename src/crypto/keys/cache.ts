/**
 * The cache that hands out data keys: a token key bounded by age and uses, rotated through the
 * provider and the registry; keys for detokenize looked up by kid; and the one stable hash key.
 */
import { KeyError, LogveilError } from '../../errors.js';
import { DataKey, HashKey, KID_PATTERN } from './data-key.js';
import type { EncryptionContext, GeneratedDataKey, KeyProvider } from './provider.js';
import { type KeyRecord, type KeyRegistry, kidFor } from './registry.js';

export { DataKey, HashKey, type KeyTransfer } from './data-key.js';

/** Keys decrypted for detokenize kept at once; the least recently used is retired beyond this. */
const MAX_KEYS_BY_KID = 32;

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
