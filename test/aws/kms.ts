/**
 * KMS (`TrentService`) for the test server, with real cryptography: symmetric keys wrap with
 * AES-256-GCM and bind the encryption context as associated data (so Decrypt under another context
 * fails like KMS does, with InvalidCiphertextException); ECC_NIST_P256 keys sign with ECDSA and
 * export their public key as DER SubjectPublicKeyInfo. Shapes follow the KMS API reference.
 */
import { createCipheriv, createDecipheriv, createHash, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { signDigest } from './ecdsa.js';
import { AwsError, blob } from './errors.js';

export type KmsKeySpec = 'SYMMETRIC_DEFAULT' | 'ECC_NIST_P256';
export type KmsKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

/** One key of the emulator. */
export interface KmsKey {
  id: string;
  arn: string;
  spec: KmsKeySpec;
  state: KmsKeyState;
  material?: Buffer;
  privateKey?: KeyObject;
  publicDer?: Buffer;
}

const MAGIC = Buffer.from('lvk1');
const ID_BYTES = 36;

/** The KMS part of the test server. */
export class KmsEmulator {
  readonly keys = new Map<string, KmsKey>();
  readonly aliases = new Map<string, string>();
  /** Calls per operation. */
  readonly calls = new Map<string, number>();

  constructor(
    readonly region = 'us-east-1',
    readonly account = '111122223333',
  ) {}

  /** Creates a key; `alias` (`alias/name`) points at it. */
  createKey(spec: KmsKeySpec = 'SYMMETRIC_DEFAULT', alias?: string): KmsKey {
    const id = randomUUID();
    const key: KmsKey = { id, arn: `arn:aws:kms:${this.region}:${this.account}:key/${id}`, spec, state: 'Enabled' };
    if (spec === 'SYMMETRIC_DEFAULT') key.material = randomBytes(32);
    else {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      key.privateKey = pair.privateKey;
      key.publicDer = pair.publicKey.export({ format: 'der', type: 'spki' });
    }
    this.keys.set(id, key);
    if (alias) this.aliases.set(alias, id);
    return key;
  }

  setState(keyId: string, state: KmsKeyState): void {
    this.#resolve(keyId).state = state;
  }

  /** Answers one operation; throws AwsError for a service error. */
  handle(op: string, req: Record<string, unknown>): unknown {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
    switch (op) {
      case 'GenerateDataKey': {
        const key = this.#usable(req.KeyId, 'SYMMETRIC_DEFAULT');
        const bytes = req.KeySpec === 'AES_256' ? 32 : req.KeySpec === 'AES_128' ? 16 : typeof req.NumberOfBytes === 'number' ? req.NumberOfBytes : 0;
        if (bytes < 1 || bytes > 1024) throw new AwsError('ValidationException', 'KeySpec or NumberOfBytes is required');
        const plaintext = randomBytes(bytes);
        return { CiphertextBlob: this.#wrap(key, plaintext, req.EncryptionContext).toString('base64'), Plaintext: plaintext.toString('base64'), KeyId: key.arn };
      }
      case 'Encrypt': {
        const key = this.#usable(req.KeyId, 'SYMMETRIC_DEFAULT');
        const plaintext = blob(req.Plaintext, 'Plaintext');
        return { CiphertextBlob: this.#wrap(key, plaintext, req.EncryptionContext).toString('base64'), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      }
      case 'Decrypt':
        return this.#decrypt(req);
      case 'Sign': {
        const key = this.#usable(req.KeyId, 'ECC_NIST_P256');
        if (req.SigningAlgorithm !== 'ECDSA_SHA_256') throw new AwsError('InvalidKeyUsageException', `SigningAlgorithm ${String(req.SigningAlgorithm)} is not valid for ${key.arn}`);
        const message = blob(req.Message, 'Message');
        const digest = req.MessageType === 'DIGEST' ? message : createHash('sha256').update(message).digest();
        if (digest.length !== 32) throw new AwsError('ValidationException', 'Digest is invalid length for algorithm ECDSA_SHA_256.');
        return { KeyId: key.arn, Signature: signDigest(key.privateKey as KeyObject, digest).toString('base64'), SigningAlgorithm: 'ECDSA_SHA_256' };
      }
      case 'GetPublicKey': {
        if (this.#resolve(req.KeyId).spec === 'SYMMETRIC_DEFAULT') throw new AwsError('UnsupportedOperationException', 'GetPublicKey is not supported for symmetric KMS keys.');
        const key = this.#usable(req.KeyId, 'ECC_NIST_P256');
        return {
          KeyId: key.arn,
          PublicKey: (key.publicDer as Buffer).toString('base64'),
          CustomerMasterKeySpec: 'ECC_NIST_P256',
          KeySpec: 'ECC_NIST_P256',
          KeyUsage: 'SIGN_VERIFY',
          SigningAlgorithms: ['ECDSA_SHA_256'],
        };
      }
      default:
        throw new AwsError('UnknownOperationException', `operation ${op} is not supported by the test server`);
    }
  }

  #decrypt(req: Record<string, unknown>): unknown {
    const b = blob(req.CiphertextBlob, 'CiphertextBlob');
    if (b.length < MAGIC.length + ID_BYTES + 28 || !b.subarray(0, 4).equals(MAGIC)) throw new AwsError('InvalidCiphertextException', '');
    const key = this.keys.get(b.subarray(4, 4 + ID_BYTES).toString('latin1'));
    if (!key) throw new AwsError('InvalidCiphertextException', '');
    if (req.KeyId !== undefined && this.#resolve(req.KeyId).id !== key.id) throw new AwsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
    this.#usable(key.id, 'SYMMETRIC_DEFAULT');
    const iv = b.subarray(40, 52);
    const tag = b.subarray(52, 68);
    const decipher = createDecipheriv('aes-256-gcm', key.material as Buffer, iv);
    decipher.setAAD(aad(req.EncryptionContext));
    decipher.setAuthTag(tag);
    try {
      const plaintext = Buffer.concat([decipher.update(b.subarray(68)), decipher.final()]);
      return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    } catch {
      throw new AwsError('InvalidCiphertextException', '');
    }
  }

  #wrap(key: KmsKey, plaintext: Buffer, context: unknown): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.material as Buffer, iv);
    cipher.setAAD(aad(context));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([MAGIC, Buffer.from(key.id, 'latin1'), iv, cipher.getAuthTag(), ct]);
  }

  #resolve(keyId: unknown): KmsKey {
    if (typeof keyId !== 'string' || keyId.length === 0) throw new AwsError('ValidationException', 'KeyId is required');
    const alias = /^(?:arn:aws:kms:[^:]+:\d+:)?(alias\/.+)$/.exec(keyId)?.[1];
    const id = alias ? (this.aliases.get(alias) ?? '') : (/(?:^|:key\/)([0-9a-f-]{36})$/.exec(keyId)?.[1] ?? '');
    const key = this.keys.get(id);
    if (!key) throw new AwsError('NotFoundException', `Key '${keyId}' does not exist`, 404);
    return key;
  }

  #usable(keyId: unknown, spec: KmsKeySpec): KmsKey {
    const key = this.#resolve(keyId);
    if (key.state === 'Disabled') throw new AwsError('DisabledException', `${key.arn} is disabled.`, 409);
    if (key.state === 'PendingDeletion') throw new AwsError('KMSInvalidStateException', `${key.arn} is pending deletion.`, 409);
    if (key.spec !== spec) throw new AwsError('InvalidKeyUsageException', `${key.arn} key usage does not allow this operation.`);
    return key;
  }
}

/** The encryption context as KMS binds it: sorted, so the order of pairs does not matter. */
function aad(context: unknown): Buffer {
  if (context === undefined || context === null) return Buffer.alloc(0);
  if (typeof context !== 'object' || Object.values(context).some((v) => typeof v !== 'string')) {
    throw new AwsError('ValidationException', 'EncryptionContext must map strings to strings');
  }
  const pairs = Object.entries(context as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(pairs));
}
