/**
 * Checkpoint signing. A {@link LedgerSigner} signs bytes with an asymmetric key; anyone with the
 * public key verifies with {@link verifySignature}. ES256 (ECDSA P-256 over SHA-256, DER-encoded
 * signature) is the default because it is what AWS KMS `Sign` produces for ECC_NIST_P256 keys with
 * ECDSA_SHA_256: a KMS signer can replace the local one and verification stays the same.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { LedgerError } from './errors.js';
import { makeDirs } from '../../util/make-dirs.js';

export type SignatureAlg = 'ES256' | 'Ed25519';

/** Signs checkpoints. Implementations: {@link LocalSigner}; a KMS `Sign` signer (ES256) can be added. */
export interface LedgerSigner {
  readonly alg: SignatureAlg;
  /** {@link keyIdOf} the public key: which key a checkpoint names. */
  readonly keyId: string;
  /** The public key, SPKI PEM, for auditors. */
  publicKeyPem(): Promise<string>;
  /** The signature over `data` (ES256: DER-encoded ECDSA; Ed25519: 64 bytes). */
  sign(data: Buffer): Promise<Buffer>;
}

/** A key's id: the first 16 hex digits of the SHA-256 of its SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** The algorithm a key serves, or undefined when it is neither P-256 nor Ed25519. */
export function algOf(key: KeyObject): SignatureAlg | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'Ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}

/** Verifies a checkpoint signature; false for a wrong key type as for a bad signature. */
export function verifySignature(alg: SignatureAlg, publicKey: KeyObject, data: Buffer, signature: Buffer): boolean {
  if (algOf(publicKey) !== alg) return false;
  try {
    return alg === 'ES256' ? verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature) : verify(null, data, publicKey, signature);
  } catch {
    return false;
  }
}

export const SIGNING_KEY_FILE = 'ledger-signing-key.pem';
export const PUBLIC_KEY_FILE = 'ledger-public.pem';
const FOREIGN_ACCESS = 0o077;

/**
 * A key pair in the state directory: the private key in `ledger-signing-key.pem` (PKCS#8, mode
 * 0600), the public key exported to `ledger-public.pem` for auditors. The private key lives in a
 * `#private` field, so it never shows in `util.inspect` or JSON.
 */
export class LocalSigner implements LedgerSigner {
  readonly alg: SignatureAlg;
  readonly keyId: string;
  readonly #privateKey: KeyObject;
  readonly #publicPem: string;

  private constructor(privateKey: KeyObject) {
    const publicKey = createPublicKey(privateKey);
    const alg = algOf(publicKey);
    if (!alg) throw new LedgerError('LEDGER_KEY', 'ledger signing key is neither ECDSA P-256 nor Ed25519');
    this.alg = alg;
    this.#privateKey = privateKey;
    this.#publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = keyIdOf(publicKey);
  }

  /**
   * Opens the key pair in `stateDir`, creating it (with `alg`, default ES256) on first use. An
   * existing key is used whatever its algorithm.
   *
   * @throws LedgerError `LEDGER_KEY` when the key file is readable by group or others, or is not a
   *   P-256 or Ed25519 private key, or cannot be read or written.
   */
  static async open(stateDir: string, options: { alg?: SignatureAlg } = {}): Promise<LocalSigner> {
    const path = join(stateDir, SIGNING_KEY_FILE);
    try {
      makeDirs(stateDir, 0o700);
      if (!(await exists(path))) await createKeyFile(stateDir, path, options.alg ?? 'ES256');
      const stat = await fsp.stat(path);
      if ((stat.mode & FOREIGN_ACCESS) !== 0) {
        throw new LedgerError('LEDGER_KEY', `ledger signing key ${path} is accessible by group or others (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
      }
      let key: KeyObject;
      try {
        key = createPrivateKey(await fsp.readFile(path));
      } catch (err) {
        throw new LedgerError('LEDGER_KEY', `ledger signing key ${path} is not a PEM private key`, { cause: err });
      }
      const signer = new LocalSigner(key);
      await fsp.writeFile(join(stateDir, PUBLIC_KEY_FILE), await signer.publicKeyPem(), { mode: 0o644 });
      return signer;
    } catch (err) {
      if (err instanceof LedgerError) throw err;
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new LedgerError('LEDGER_KEY', `cannot open ledger signing key ${path}: ${code}`, { cause: err });
    }
  }

  async publicKeyPem(): Promise<string> {
    return this.#publicPem;
  }

  async sign(data: Buffer): Promise<Buffer> {
    return this.alg === 'ES256' ? sign('sha256', data, { key: this.#privateKey, dsaEncoding: 'der' }) : sign(null, data, this.#privateKey);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.access(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes a new key privately, then links it into place: a racing process keeps the first key. */
async function createKeyFile(dir: string, path: string, alg: SignatureAlg): Promise<void> {
  const { privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const tmp = join(dir, `.${SIGNING_KEY_FILE}.${randomBytes(6).toString('hex')}`);
  await fsp.writeFile(tmp, pem, { mode: 0o600, flag: 'wx' });
  try {
    await fsp.link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await fsp.unlink(tmp);
  }
}
