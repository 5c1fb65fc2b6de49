/**
 * AWS KMS behind the key-provider seam: GenerateDataKey (AES_256) and Decrypt, both under an
 * encryption context that names the pipeline and the purpose, so a blob only decrypts in the
 * context it was made for. Throttling and KMS-side faults are retried with exponential backoff
 * and full jitter; access denied, a disabled, pending-deletion or missing key fail closed at once
 * with a KeyError that names the operation and the key (never key material). Also the checkpoint
 * signer: KMS Sign (ECDSA_SHA_256 on an ECC_NIST_P256 key) with the exported public key.
 */
import { createPublicKey, verify } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { KeyError } from '../../errors.js';
import { awsErrorCode, awsHttpStatus, backoffMs, isRetryableAwsError, sleepMs } from '../../sinks/firehose/retry.js';
import { canonicalContext, type EncryptionContext, type GeneratedDataKey, type KeyProvider } from './provider.js';

/** Retry bounds of KMS calls; every retry is reported to `onRetry` (metrics). */
export interface KmsRetryOptions {
  /** Calls per operation, the first included (default 5). */
  maxAttempts?: number;
  /** First backoff ceiling (default 100 ms); doubles per attempt up to `maxDelayMs` (default 5 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (info: KmsRetryInfo) => void;
  /**
   * Asked before every call: when it gives a time (ms since the epoch), no call starts past it,
   * a call still out then is cut off, and no retry waits beyond it (`KMS_DEADLINE_EXCEEDED`). A
   * Lambda invocation passes its own, so that a hung KMS cannot take it past its timeout.
   */
  deadline?: () => number | undefined;
}

/** One retried KMS call: which operation, which attempt failed, with what code, and the wait. */
export interface KmsRetryInfo {
  operation: string;
  attempt: number;
  code: string;
  delayMs: number;
}

/** Options of {@link KmsKeyProvider}. */
export interface KmsKeyProviderOptions extends KmsRetryOptions {
  client: KMSClient;
  /** Key id, key ARN, alias name or alias ARN of the symmetric KMS key that wraps data keys. */
  keyId: string;
  /** Context entries every call must carry (default `pipeline` and `purpose`). */
  requiredContext?: readonly string[];
}

/** Options of {@link createKmsClient}. */
export interface KmsClientOptions {
  region: string;
  /** An endpoint override (a local test server, a VPC endpoint). */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Per HTTP request (default 5 s). */
  requestTimeoutMs?: number;
}

/** A KMS client whose own retries are off: {@link KmsKeyProvider} retries, and counts them. */
export function createKmsClient(o: KmsClientOptions): KMSClient {
  return new KMSClient({
    region: o.region,
    maxAttempts: 1,
    // Without throwOnRequestTimeout a hung request only logs a warning and never fails.
    requestHandler: { requestTimeout: o.requestTimeoutMs ?? 5_000, connectionTimeout: Math.min(o.requestTimeoutMs ?? 5_000, 3_000), throwOnRequestTimeout: true },
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
  });
}

const DATA_KEY_BYTES = 32;

/** Fail-closed errors: the code logveil reports and what the operator should look at. */
const FATAL = new Map<string, { code: string; why: string }>(Object.entries({
  AccessDeniedException: { code: 'KMS_ACCESS_DENIED', why: 'access denied; the role needs this action on the key' },
  DisabledException: { code: 'KMS_KEY_DISABLED', why: 'the key is disabled' },
  NotFoundException: { code: 'KMS_KEY_NOT_FOUND', why: 'the key does not exist' },
  KMSInvalidStateException: { code: 'KMS_KEY_INVALID_STATE', why: 'the key is pending deletion or import, or otherwise unusable' },
  InvalidKeyUsageException: { code: 'KMS_KEY_USAGE_INVALID', why: 'the key does not allow this operation' },
  InvalidCiphertextException: { code: 'KEY_DECRYPT_FAILED', why: 'the blob does not decrypt under this encryption context' },
  IncorrectKeyException: { code: 'KEY_DECRYPT_FAILED', why: 'the blob was wrapped by another key' },
  UnrecognizedClientException: { code: 'KMS_ACCESS_DENIED', why: 'the credentials are not recognized' },
  InvalidSignatureException: { code: 'KMS_ACCESS_DENIED', why: 'the request signature was refused' },
}));

/**
 * Runs one KMS operation with retries, within the deadline if there is one; maps failures to
 * KeyErrors naming `operation` and `keyId`. `call` is given the signal that cuts it off at the deadline.
 */
async function callKms<T>(operation: string, keyId: string, o: KmsRetryOptions, call: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  const maxAttempts = Math.max(1, o.maxAttempts ?? 5);
  const what = `KMS ${operation} on key ${keyId}`;
  let last = '';
  for (let attempt = 1; ; attempt++) {
    const deadline = o.deadline?.();
    const left = deadline === undefined ? undefined : deadline - Date.now();
    if (left !== undefined && left <= 0) throw new KeyError('KMS_DEADLINE_EXCEEDED', `${what} not called: no time left before the deadline${last}`);
    const signal = left === undefined ? undefined : AbortSignal.timeout(Math.ceil(left));
    try {
      return await call(signal);
    } catch (err) {
      if (signal?.aborted) throw new KeyError('KMS_DEADLINE_EXCEEDED', `${what} cut off at the deadline, unanswered after ${Math.round(left as number)} ms${last}`, { cause: err });
      const code = awsErrorCode(err);
      const fatal = FATAL.get(code);
      if (fatal) throw new KeyError(fatal.code, `${what} failed (${code}): ${fatal.why}`, { cause: err });
      if (!isRetryableAwsError(err)) {
        throw new KeyError('KMS_FAILED', `${what} failed (${code}${statusText(err)})`, { cause: err });
      }
      if (attempt >= maxAttempts) {
        throw new KeyError('KMS_UNAVAILABLE', `${what} still failing after ${attempt} attempts (last: ${code}${statusText(err)})`, { cause: err });
      }
      const delayMs = backoffMs(attempt, o.baseDelayMs ?? 100, o.maxDelayMs ?? 5_000, o.random);
      last = ` (after ${attempt} ${attempt === 1 ? 'attempt' : 'attempts'}, last: ${code}${statusText(err)})`;
      const end = o.deadline?.();
      if (end !== undefined && Date.now() + delayMs >= end) throw new KeyError('KMS_DEADLINE_EXCEEDED', `${what} not retried: the wait would pass the deadline${last}`, { cause: err });
      o.onRetry?.({ operation, attempt, code, delayMs });
      await (o.sleep ?? sleepMs)(delayMs);
    }
  }
}

function statusText(err: unknown): string {
  const s = awsHttpStatus(err);
  return s === undefined ? '' : `, HTTP ${s}`;
}

/** Copies a plaintext the SDK handed over and zeroes the SDK's copy. */
function takeBytes(bytes: Uint8Array | undefined): Buffer | undefined {
  if (!bytes) return undefined;
  const copy = Buffer.from(bytes);
  bytes.fill(0);
  return copy;
}

/**
 * Data keys from AWS KMS. `name` is `aws-kms`; `keyId` of each generated key is the key ARN KMS
 * reports, recorded in the key registry so that detokenize knows which key to ask.
 */
export class KmsKeyProvider implements KeyProvider {
  readonly name = 'aws-kms';
  /** The configured key id, alias or ARN. */
  readonly keyId: string;
  readonly #client: KMSClient;
  readonly #options: KmsRetryOptions;
  readonly #required: readonly string[];

  constructor(options: KmsKeyProviderOptions) {
    if (!options.keyId) throw new KeyError('KEY_OPTIONS_INVALID', 'KMS key id is empty');
    this.keyId = options.keyId;
    this.#client = options.client;
    this.#options = options;
    this.#required = options.requiredContext ?? ['pipeline', 'purpose'];
  }

  /**
   * GenerateDataKey with KeySpec AES_256 under `context`.
   *
   * @throws KeyError `KEY_CONTEXT_INVALID`, `KMS_ACCESS_DENIED`, `KMS_KEY_DISABLED`, `KMS_KEY_NOT_FOUND`,
   *   `KMS_KEY_INVALID_STATE`, `KMS_UNAVAILABLE` (retries exhausted), `KMS_DEADLINE_EXCEEDED` (see
   *   {@link KmsRetryOptions.deadline}), `KMS_FAILED`, `KMS_RESPONSE_INVALID`.
   */
  async generateDataKey(context: EncryptionContext): Promise<GeneratedDataKey> {
    const EncryptionContext = this.#context(context);
    const out = await callKms('GenerateDataKey', this.keyId, this.#options, (abortSignal) =>
      this.#client.send(new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext }), { abortSignal }),
    );
    const plaintext = takeBytes(out.Plaintext);
    if (!plaintext || plaintext.length !== DATA_KEY_BYTES || !out.CiphertextBlob?.length) {
      plaintext?.fill(0);
      throw new KeyError('KMS_RESPONSE_INVALID', `KMS GenerateDataKey on key ${this.keyId} returned no ${DATA_KEY_BYTES}-byte key and blob`);
    }
    return { plaintext, encrypted: Buffer.from(out.CiphertextBlob), keyId: out.KeyId ?? this.keyId };
  }

  /**
   * Decrypt of a blob from {@link generateDataKey} under the same context. A configured key id or
   * ARN is named in the call, so KMS refuses blobs of any other key; an alias is not, since it may
   * have been pointed at a new key after the blob was made (the context and IAM still bind).
   *
   * @throws KeyError `KEY_DECRYPT_FAILED` (another context or key), and the errors of {@link generateDataKey}.
   */
  async decryptDataKey(encrypted: Buffer, context: EncryptionContext): Promise<Buffer> {
    const EncryptionContext = this.#context(context);
    const pin = /^(?:arn:[^:]+:kms:[^:]*:[^:]*:)?alias\//.test(this.keyId) ? {} : { KeyId: this.keyId };
    const out = await callKms('Decrypt', this.keyId, this.#options, (abortSignal) =>
      this.#client.send(new DecryptCommand({ ...pin, CiphertextBlob: encrypted, EncryptionContext }), { abortSignal }),
    );
    const plaintext = takeBytes(out.Plaintext);
    if (!plaintext || plaintext.length !== DATA_KEY_BYTES) {
      plaintext?.fill(0);
      throw new KeyError('KMS_RESPONSE_INVALID', `KMS Decrypt on key ${this.keyId} returned no ${DATA_KEY_BYTES}-byte key`);
    }
    return plaintext;
  }

  #context(context: EncryptionContext): Record<string, string> {
    canonicalContext(context); // every value a string
    const missing = this.#required.filter((name) => !context[name]);
    if (missing.length > 0) {
      throw new KeyError('KEY_CONTEXT_INVALID', `encryption context for KMS key ${this.keyId} lacks ${missing.join(', ')}`);
    }
    return { ...context };
  }
}

/** What the ledger needs to sign checkpoints: small on purpose. */
export interface CheckpointSigner {
  /** The signing key (an ARN for KMS). */
  readonly keyId: string;
  /** `ECDSA_SHA_256`: the signature verifies with SHA-256 over the message the digest was made from. */
  readonly algorithm: 'ECDSA_SHA_256';
  /** DER-encoded ECDSA signature of a 32-byte SHA-256 digest. */
  sign(digest: Uint8Array): Promise<Buffer>;
  /** The verifying key as SPKI PEM. */
  publicKeyPem(): Promise<string>;
}

/** Options of {@link KmsSigner}. */
export interface KmsSignerOptions extends KmsRetryOptions {
  client: KMSClient;
  /** An asymmetric KMS key with KeySpec ECC_NIST_P256 and KeyUsage SIGN_VERIFY. */
  keyId: string;
}

/** Signs checkpoint digests with KMS Sign (MessageType DIGEST, ECDSA_SHA_256). */
export class KmsSigner implements CheckpointSigner {
  readonly keyId: string;
  readonly algorithm = 'ECDSA_SHA_256' as const;
  readonly #client: KMSClient;
  readonly #options: KmsRetryOptions;
  #pem: Promise<string> | undefined;

  constructor(options: KmsSignerOptions) {
    if (!options.keyId) throw new KeyError('KEY_OPTIONS_INVALID', 'KMS signing key id is empty');
    this.keyId = options.keyId;
    this.#client = options.client;
    this.#options = options;
  }

  /**
   * @throws KeyError `SIGN_DIGEST_INVALID` unless `digest` is 32 bytes; the KMS errors of {@link KmsKeyProvider}.
   */
  async sign(digest: Uint8Array): Promise<Buffer> {
    if (digest.length !== 32) throw new KeyError('SIGN_DIGEST_INVALID', `checkpoint digest must be 32 bytes (SHA-256), got ${digest.length}`);
    const out = await callKms('Sign', this.keyId, this.#options, (abortSignal) =>
      this.#client.send(new SignCommand({ KeyId: this.keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }), { abortSignal }),
    );
    if (!out.Signature?.length) throw new KeyError('KMS_RESPONSE_INVALID', `KMS Sign on key ${this.keyId} returned no signature`);
    return Buffer.from(out.Signature);
  }

  /**
   * The public key, fetched once with GetPublicKey and checked to be an ECC_NIST_P256 signing key.
   *
   * @throws KeyError `KMS_KEY_SPEC_INVALID`, and the KMS errors of {@link KmsKeyProvider}.
   */
  publicKeyPem(): Promise<string> {
    this.#pem ??= this.#fetchPem().catch((err: unknown) => {
      this.#pem = undefined;
      throw err;
    });
    return this.#pem;
  }

  async #fetchPem(): Promise<string> {
    const out = await callKms('GetPublicKey', this.keyId, this.#options, (abortSignal) => this.#client.send(new GetPublicKeyCommand({ KeyId: this.keyId }), { abortSignal }));
    if (out.KeySpec !== 'ECC_NIST_P256' || out.KeyUsage !== 'SIGN_VERIFY' || !out.PublicKey?.length) {
      const what = `KeySpec ${out.KeySpec ?? '?'}, KeyUsage ${out.KeyUsage ?? '?'}`;
      throw new KeyError('KMS_KEY_SPEC_INVALID', `KMS key ${this.keyId} is ${what}; checkpoints need ECC_NIST_P256 with SIGN_VERIFY`);
    }
    return createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString();
  }
}

/** Verifies a {@link CheckpointSigner} signature over `message` (whose SHA-256 was the digest signed). */
export function verifyCheckpointSignature(publicKeyPem: string, message: Uint8Array, signature: Uint8Array): boolean {
  return verify('sha256', message, publicKeyPem, signature);
}
