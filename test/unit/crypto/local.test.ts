import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LocalKeyProvider } from '../../../src/crypto/keys/local.js';
import { canonicalContext } from '../../../src/crypto/keys/provider.js';

const posix = process.platform !== 'win32';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'logveil-local-'));
}

/** Every spelling of `bytes` that a dump could show: hex, base64(url), Buffer and array inspection. */
function spellings(bytes: Buffer): string[] {
  const head = [...bytes.subarray(0, 8)];
  return [
    bytes.toString('hex'),
    bytes.toString('base64'),
    bytes.toString('base64url'),
    head.map((b) => b.toString(16).padStart(2, '0')).join(' '),
    head.join(', '),
  ];
}

function leaks(text: string, bytes: Buffer): boolean {
  return spellings(bytes).some((s) => text.includes(s));
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

const ctx = { app: 'checkout', env: 'prod' };

describe('LocalKeyProvider', () => {
  it('creates the state directory and a 32-byte master key with mode 0600 on first run', async () => {
    const dir = join(tempDir(), 'state');
    await LocalKeyProvider.open(dir);
    const key = statSync(join(dir, 'master.key'));
    expect(key.size).toBe(32);
    if (posix) {
      expect(key.mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o077).toBe(0);
    }
  });

  it('reuses the existing master key on later runs', async () => {
    const dir = tempDir();
    const first = await LocalKeyProvider.open(dir);
    const before = readFileSync(join(dir, 'master.key'));
    const generated = await first.generateDataKey(ctx);
    const second = await LocalKeyProvider.open(dir);
    expect(readFileSync(join(dir, 'master.key'))).toEqual(before);
    expect(second.keyId).toBe(first.keyId);
    expect(await second.decryptDataKey(generated.encrypted, ctx)).toEqual(generated.plaintext);
  });

  it('agrees on one master key when several processes race on first run', async () => {
    const dir = tempDir();
    const providers = await Promise.all(Array.from({ length: 8 }, () => LocalKeyProvider.open(dir)));
    expect(new Set(providers.map((p) => p.keyId)).size).toBe(1);
    const generated = await providers[0]!.generateDataKey(ctx);
    for (const p of providers) expect(await p.decryptDataKey(generated.encrypted, ctx)).toEqual(generated.plaintext);
    expect(readdirSync(dir)).toEqual(['master.key']);
  });

  it('generates 32-byte data keys that decrypt under the same context in any key order', async () => {
    const provider = await LocalKeyProvider.open(tempDir());
    const a = await provider.generateDataKey(ctx);
    const b = await provider.generateDataKey(ctx);
    expect(a.plaintext).toHaveLength(32);
    expect(a.plaintext.equals(b.plaintext)).toBe(false);
    expect(a.encrypted.includes(a.plaintext)).toBe(false);
    expect(a.keyId).toBe(provider.keyId);
    expect(await provider.decryptDataKey(a.encrypted, { env: 'prod', app: 'checkout' })).toEqual(a.plaintext);
  });

  it('fails with KEY_DECRYPT_FAILED under a different, smaller or larger context', async () => {
    const provider = await LocalKeyProvider.open(tempDir());
    const { encrypted } = await provider.generateDataKey(ctx);
    const others: Record<string, string>[] = [{ app: 'checkout', env: 'dev' }, { app: 'checkout' }, { ...ctx, extra: '' }, {}];
    for (const other of others) {
      const err = await rejection(provider.decryptDataKey(encrypted, other));
      expect(err.code).toBe('KEY_DECRYPT_FAILED');
    }
  });

  it('fails with KEY_DECRYPT_FAILED for a tampered, truncated or foreign blob', async () => {
    const provider = await LocalKeyProvider.open(tempDir());
    const other = await LocalKeyProvider.open(tempDir());
    const { encrypted } = await provider.generateDataKey(ctx);
    for (let i = 0; i < encrypted.length; i++) {
      const tampered = Buffer.from(encrypted);
      tampered[i]! ^= 0x01;
      expect((await rejection(provider.decryptDataKey(tampered, ctx))).code).toBe('KEY_DECRYPT_FAILED');
    }
    expect((await rejection(provider.decryptDataKey(encrypted.subarray(1), ctx))).code).toBe('KEY_DECRYPT_FAILED');
    expect((await rejection(other.decryptDataKey(encrypted, ctx))).code).toBe('KEY_DECRYPT_FAILED');
  });

  it.skipIf(!posix)('refuses a master key readable or writable by group or others', async () => {
    const dir = tempDir();
    await LocalKeyProvider.open(dir);
    for (const mode of [0o640, 0o604, 0o620, 0o644]) {
      chmodSync(join(dir, 'master.key'), mode);
      const err = await rejection(LocalKeyProvider.open(dir));
      expect(err.code).toBe('KEY_FILE_PERMISSIONS');
      expect(err.message).toContain('master.key');
    }
    chmodSync(join(dir, 'master.key'), 0o400);
    await expect(LocalKeyProvider.open(dir)).resolves.toBeInstanceOf(LocalKeyProvider);
  });

  it('refuses a master key of the wrong size', async () => {
    for (const size of [0, 31, 33]) {
      const dir = tempDir();
      writeFileSync(join(dir, 'master.key'), Buffer.alloc(size, 7), { mode: 0o600 });
      const err = await rejection(LocalKeyProvider.open(dir));
      expect(err.code).toBe('KEY_FILE_INVALID');
      expect(err.message).toContain(`${size} bytes`);
    }
  });

  it('refuses a master key path that is not a regular file', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'master.key'), { mode: 0o700 });
    const err = await rejection(LocalKeyProvider.open(dir));
    expect(err.code).toBe('KEY_FILE_INVALID');
    expect(err.message).toContain('not a regular file');
  });

  it.skipIf(!posix)('refuses a symbolic link in place of the master key', async () => {
    const real = tempDir();
    await LocalKeyProvider.open(real);
    const dir = tempDir();
    symlinkSync(join(real, 'master.key'), join(dir, 'master.key'));
    expect((await rejection(LocalKeyProvider.open(dir))).code).toBe('KEY_FILE_INVALID');
  });

  it('never shows the master key or a data key in keyId, inspect, JSON or errors', async () => {
    const dir = tempDir();
    const provider = await LocalKeyProvider.open(dir);
    const master = readFileSync(join(dir, 'master.key'));
    const generated = await provider.generateDataKey(ctx);
    const err = await rejection(provider.decryptDataKey(generated.encrypted, {}));
    const dumps = [
      provider.keyId,
      inspect(provider, { showHidden: true, depth: Infinity }),
      JSON.stringify(provider),
      inspect(err, { depth: Infinity }),
    ];
    expect(provider.keyId).toMatch(/^local:[0-9a-f]{16}$/);
    expect(inspect(provider, { showHidden: true, depth: Infinity })).not.toMatch(/Buffer|Uint8Array|ArrayBuffer/);
    for (const dump of dumps) {
      expect(leaks(dump, master)).toBe(false);
      expect(leaks(dump, generated.plaintext)).toBe(false);
    }
  });
});

describe('canonicalContext', () => {
  it('sorts keys, including integer-like ones, into stable JSON', () => {
    expect(canonicalContext({ b: '2', a: '1' })).toBe('{"a":"1","b":"2"}');
    expect(canonicalContext({ '2': 'x', '10': 'y', a: 'z' })).toBe('{"10":"y","2":"x","a":"z"}');
    expect(canonicalContext({ 'q"': 'é\n' })).toBe('{"q\\"":"é\\n"}');
    expect(canonicalContext({})).toBe('{}');
  });

  it('rejects a value that is not a string', () => {
    expect(() => canonicalContext({ a: 1 } as unknown as Record<string, string>)).toThrow(
      expect.objectContaining({ code: 'KEY_CONTEXT_INVALID' }),
    );
  });
});
