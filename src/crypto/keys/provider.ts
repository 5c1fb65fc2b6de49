/**
 * The key-provider seam: envelope encryption of data keys under a master key that the provider
 * holds (a local key file, or a KMS key). Everything above this seam sees only data keys and
 * their encrypted blobs.
 */
import { KeyError } from '../../errors.js';

/**
 * Non-secret name/value pairs bound to an encrypted data key as associated data. Decryption must
 * present the same pairs (in any order) or it fails.
 */
export type EncryptionContext = Readonly<Record<string, string>>;

/** A fresh data key: its plaintext (the caller zeroes it when done) and the blob that stores it. */
export interface GeneratedDataKey {
  /** 32 bytes: an AES-256 key. Never logged, never serialized. */
  plaintext: Buffer;
  /** The data key wrapped under the provider's master key; safe to store. */
  encrypted: Buffer;
  /** Which master key wrapped it (`local:<fingerprint>`, a KMS key ARN); never the key itself. */
  keyId: string;
}

/** A key provider: generate a data key under a context, decrypt it under the same context. */
export interface KeyProvider {
  /** `local`, `aws-kms`; recorded with every key so detokenize knows where to decrypt. */
  readonly name: string;
  /** A new random 32-byte AES-256 data key, wrapped under the master key with `context` bound. */
  generateDataKey(context: EncryptionContext): Promise<GeneratedDataKey>;
  /** Unwraps a blob from {@link KeyProvider.generateDataKey}; fails unless `context` is the same. */
  decryptDataKey(encrypted: Buffer, context: EncryptionContext): Promise<Buffer>;
}

/**
 * The context as stable JSON: keys sorted by UTF-16 code unit, no whitespace. Built by hand
 * rather than through an object, because JS objects list integer-like keys ("2", "10") first in
 * numeric order, which would make `{"10":…,"2":…}` and its reordering serialize differently.
 *
 * @throws KeyError `KEY_CONTEXT_INVALID` when a value is not a string.
 */
export function canonicalContext(ctx: EncryptionContext): string {
  const names = Object.keys(ctx).sort();
  const parts: string[] = [];
  for (const name of names) {
    const value: unknown = ctx[name];
    if (typeof value !== 'string') {
      throw new KeyError('KEY_CONTEXT_INVALID', `encryption context entry ${JSON.stringify(name)} must be a string`);
    }
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`);
  }
  return `{${parts.join(',')}}`;
}
