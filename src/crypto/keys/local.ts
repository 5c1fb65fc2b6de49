/**
 * The embedded key provider: a 256-bit master key in `<stateDir>/master.key` (mode 0600) wraps
 * data keys with AES-256-GCM, the encryption context bound as associated data.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { KeyError } from '../../errors.js';
import { canonicalContext, type EncryptionContext, type GeneratedDataKey, type KeyProvider } from './provider.js';
import { makeDirs } from '../../util/make-dirs.js';

/** The master key's file in the state directory. */
export const MASTER_KEY_FILE = 'master.key';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Blob layout version; bump when the layout or algorithm changes. */
const BLOB_VERSION = 1;
const BLOB_BYTES = 1 + NONCE_BYTES + KEY_BYTES + TAG_BYTES;
/** Group and other permission bits: a master key readable (or writable) by anyone else is refused. */
const FOREIGN_ACCESS = 0o077;

/**
 * Wraps data keys under a local master key file. Create with {@link LocalKeyProvider.open}.
 * The master key lives in a `#private` field, so it never shows in `util.inspect` or JSON.
 */
export class LocalKeyProvider implements KeyProvider {
  readonly name = 'local';
  /** `local:` + a fingerprint (a domain-separated SHA-256 of the master key, truncated). */
  readonly keyId: string;
  readonly #masterKey: Buffer;

  private constructor(masterKey: Buffer) {
    this.#masterKey = masterKey;
    const fingerprint = createHash('sha256').update('logveil local master key id\0').update(masterKey).digest('hex');
    this.keyId = `local:${fingerprint.slice(0, 16)}`;
  }

  /**
   * Opens the provider over `stateDir`, creating the directory (0700) and the master key (0600) on
   * first run. Two processes racing on first run end up with the same key: the key is written to a
   * private temporary file and then hard-linked into place, which fails if another process won, so
   * no reader ever sees a half-written key file.
   *
   * @throws KeyError `KEY_FILE_PERMISSIONS` if the key file is accessible by group or others,
   *   `KEY_FILE_INVALID` if it is not a regular 32-byte file, `KEY_FILE_UNAVAILABLE` on I/O errors.
   */
  static async open(stateDir: string): Promise<LocalKeyProvider> {
    const path = join(stateDir, MASTER_KEY_FILE);
    try {
      makeDirs(stateDir, 0o700);
      if (!(await exists(path))) await createMasterKey(stateDir, path);
    } catch (err) {
      if (err instanceof KeyError) throw err;
      throw new KeyError('KEY_FILE_UNAVAILABLE', `cannot create master key ${path}: ${errnoOf(err)}`, { cause: err });
    }
    return new LocalKeyProvider(await readMasterKey(path));
  }

  /** A new random data key, wrapped as `version ‖ nonce ‖ ciphertext ‖ tag`, AAD = canonical context. */
  async generateDataKey(context: EncryptionContext): Promise<GeneratedDataKey> {
    const aad = Buffer.from(canonicalContext(context), 'utf8');
    const plaintext = randomBytes(KEY_BYTES);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#masterKey, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const encrypted = Buffer.concat([Buffer.of(BLOB_VERSION), nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { plaintext, encrypted, keyId: this.keyId };
  }

  /**
   * Unwraps a blob made by {@link LocalKeyProvider.generateDataKey} with this master key.
   *
   * @throws KeyError `KEY_DECRYPT_FAILED` for a malformed blob, a different master key, or a
   *   context other than the one it was generated under.
   */
  async decryptDataKey(encrypted: Buffer, context: EncryptionContext): Promise<Buffer> {
    if (encrypted.length !== BLOB_BYTES || encrypted[0] !== BLOB_VERSION) {
      throw new KeyError(
        'KEY_DECRYPT_FAILED',
        `local key blob is malformed (expected ${BLOB_BYTES} bytes, version ${BLOB_VERSION})`,
      );
    }
    const aad = Buffer.from(canonicalContext(context), 'utf8');
    const nonce = encrypted.subarray(1, 1 + NONCE_BYTES);
    const ciphertext = encrypted.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + KEY_BYTES);
    const tag = encrypted.subarray(1 + NONCE_BYTES + KEY_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#masterKey, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const head = decipher.update(ciphertext);
    try {
      return Buffer.concat([head, decipher.final()]);
    } catch (err) {
      throw new KeyError(
        'KEY_DECRYPT_FAILED',
        `local key blob does not authenticate under master key ${this.keyId} with this encryption context`,
        { cause: err },
      );
    } finally {
      head.fill(0);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    throw err;
  }
}

/** Writes a fresh key to a private temp file, then links it into place unless another process won. */
async function createMasterKey(stateDir: string, path: string): Promise<void> {
  const tmp = join(stateDir, `.${MASTER_KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const key = randomBytes(KEY_BYTES);
  try {
    const fh = await fsp.open(tmp, 'wx', 0o600);
    try {
      // The open mode is filtered by the umask; make the intended mode explicit.
      await fh.chmod(0o600);
      await fh.writeFile(key);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fsp.link(tmp, path);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'EEXIST') return; // another process created it first: use theirs
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
      // No hard links on this file system: an exclusive copy still never clobbers a winner.
      try {
        await fsp.copyFile(tmp, path, fsConstants.COPYFILE_EXCL);
      } catch (copyErr) {
        if (errnoOf(copyErr) !== 'EEXIST') throw copyErr;
        return;
      }
    }
    await syncDir(stateDir);
  } finally {
    key.fill(0);
    await fsp.rm(tmp, { force: true });
  }
}

async function readMasterKey(path: string): Promise<Buffer> {
  // O_NOFOLLOW: a symlink planted in place of the key file is refused rather than followed.
  const flags = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0);
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, flags);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ELOOP') throw new KeyError('KEY_FILE_INVALID', `master key ${path} is a symbolic link`, { cause: err });
    throw new KeyError('KEY_FILE_UNAVAILABLE', `cannot open master key ${path}: ${code}`, { cause: err });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new KeyError('KEY_FILE_INVALID', `master key ${path} is not a regular file`);
    if (process.platform !== 'win32' && (st.mode & FOREIGN_ACCESS) !== 0) {
      throw new KeyError(
        'KEY_FILE_PERMISSIONS',
        `master key ${path} has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}; ` +
          `it must not be accessible by group or others (chmod 600)`,
      );
    }
    if (st.size !== KEY_BYTES) {
      throw new KeyError('KEY_FILE_INVALID', `master key ${path} is ${st.size} bytes, expected ${KEY_BYTES}`);
    }
    const key = Buffer.alloc(KEY_BYTES);
    let read = 0;
    while (read < KEY_BYTES) {
      const { bytesRead } = await fh.read(key, read, KEY_BYTES - read, read);
      if (bytesRead === 0) {
        key.fill(0);
        throw new KeyError('KEY_FILE_INVALID', `master key ${path} is shorter than ${KEY_BYTES} bytes`);
      }
      read += bytesRead;
    }
    return key;
  } catch (err) {
    if (err instanceof KeyError) throw err;
    throw new KeyError('KEY_FILE_UNAVAILABLE', `cannot read master key ${path}: ${errnoOf(err)}`, { cause: err });
  } finally {
    await fh.close();
  }
}

/** Makes a new directory entry durable; best effort where directories cannot be opened. */
async function syncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the file itself is already synced.
  } finally {
    await fh?.close();
  }
}

function errnoOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
