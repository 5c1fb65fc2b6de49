import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DataKey, DataKeyCache, type DataKeyCacheOptions, HashKey } from '../../../src/crypto/keys/cache.js';
import { LocalKeyProvider } from '../../../src/crypto/keys/local.js';
import type { EncryptionContext, GeneratedDataKey, KeyProvider } from '../../../src/crypto/keys/provider.js';
import { type KeyRecord, KeyRegistry, kidFor } from '../../../src/crypto/keys/registry.js';
import { decryptToken, encryptToken, hashToken } from '../../../src/crypto/token.js';

const context = { app: 'logveil', env: 'test' };

/** Delegates to the local provider, counting calls and keeping a copy of every plaintext key. */
class RecordingProvider implements KeyProvider {
  readonly name = 'local';
  generated = 0;
  plaintexts: Buffer[] = [];
  constructor(
    private readonly inner: KeyProvider,
    private readonly delayMs = 0,
  ) {}
  async generateDataKey(ctx: EncryptionContext): Promise<GeneratedDataKey> {
    this.generated += 1;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const g = await this.inner.generateDataKey(ctx);
    this.plaintexts.push(Buffer.from(g.plaintext));
    return g;
  }
  async decryptDataKey(encrypted: Buffer, ctx: EncryptionContext): Promise<Buffer> {
    const p = await this.inner.decryptDataKey(encrypted, ctx);
    this.plaintexts.push(Buffer.from(p));
    return p;
  }
}

async function setup(options: Partial<DataKeyCacheOptions> = {}, delayMs = 0) {
  const dir = mkdtempSync(join(tmpdir(), 'logveil-cache-'));
  const registryPath = join(dir, 'keys.jsonl');
  const provider = new RecordingProvider(await LocalKeyProvider.open(dir), delayMs);
  const registry = await KeyRegistry.open(registryPath);
  const created: KeyRecord[] = [];
  const cache = new DataKeyCache(provider, registry, {
    maxAgeMs: 60_000,
    maxUses: 1000,
    context,
    onKeyCreated: (rec) => {
      created.push(rec);
    },
    ...options,
  });
  /** Another process over the same state: a fresh provider, registry and cache. */
  const reopen = async () =>
    new DataKeyCache(await LocalKeyProvider.open(dir), await KeyRegistry.open(registryPath), {
      maxAgeMs: 60_000,
      maxUses: 1000,
      context,
    });
  return { dir, registryPath, provider, registry, cache, created, reopen };
}

function leaks(text: string, bytes: Buffer): boolean {
  const head = [...bytes.subarray(0, 8)];
  return [
    bytes.toString('hex'),
    bytes.toString('base64'),
    bytes.toString('base64url'),
    head.map((b) => b.toString(16).padStart(2, '0')).join(' '),
    head.join(', '),
  ].some((s) => text.includes(s));
}

function retiredError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('DataKeyCache.current', () => {
  it('reuses the current key until maxUses, then rotates to a new registered key and retires the old', async () => {
    const { cache, registry, created } = await setup({ maxUses: 3 });
    const first = await cache.current();
    for (let i = 0; i < 3; i++) {
      expect(await cache.current()).toBe(first);
      encryptToken(first, 'EMAIL', `v${i}`, 'randomized');
    }
    expect(first.uses).toBe(3);
    const second = await cache.current();
    expect(second).not.toBe(first);
    expect(second.kid).not.toBe(first.kid);
    expect(first.retired).toBe(true);
    expect(retiredError(() => encryptToken(first, 'EMAIL', 'x', 'randomized'))).toMatchObject({ code: 'KEY_RETIRED' });
    expect(retiredError(() => encryptToken(second, 'EMAIL', 'x', 'randomized'))).toBeUndefined();
    expect(created.map((r) => r.kid)).toEqual([first.kid, second.kid]);
    expect(registry.get(second.kid)).toMatchObject({ purpose: 'token', provider: 'local', context });
  });

  it('rotates by age using the injected clock', async () => {
    let now = 1_000_000;
    const { cache } = await setup({ maxAgeMs: 5000, now: () => now });
    const first = await cache.current();
    expect(first.created).toBe(1_000_000);
    now += 4999;
    expect(await cache.current()).toBe(first);
    now += 1;
    const second = await cache.current();
    expect(second).not.toBe(first);
    expect(second.created).toBe(now);
    expect(retiredError(() => encryptToken(first, 'IP', '10.0.0.1', 'deterministic'))).toMatchObject({
      code: 'KEY_RETIRED',
    });
  });

  it('shares one generation between concurrent callers', async () => {
    const { cache, provider, registryPath } = await setup({ maxUses: 1 }, 20);
    const keys = await Promise.all(Array.from({ length: 10 }, () => cache.current()));
    expect(new Set(keys).size).toBe(1);
    expect(provider.generated).toBe(1);
    encryptToken(keys[0]!, 'EMAIL', 'a@b.c', 'randomized');
    const rotated = await Promise.all(Array.from({ length: 10 }, () => cache.current()));
    expect(new Set(rotated).size).toBe(1);
    expect(provider.generated).toBe(2);
    expect(readFileSync(registryPath, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('hands out no key when registering it fails, and tries again on the next call', async () => {
    let fail = true;
    const { cache, provider } = await setup({
      onKeyCreated: () => {
        if (fail) throw new Error('security sink unavailable');
      },
    });
    await expect(cache.current()).rejects.toThrow('security sink unavailable');
    fail = false;
    const key = await cache.current();
    expect(provider.generated).toBe(2);
    expect(key.retired).toBe(false);
  });

  it('rejects bounds that are not positive', async () => {
    const { provider, registry } = await setup();
    for (const bad of [{ maxAgeMs: 0 }, { maxUses: 0 }, { maxUses: 1.5 }, { maxAgeMs: Number.NaN }]) {
      expect(() => new DataKeyCache(provider, registry, { maxAgeMs: 1, maxUses: 1, context, ...bad })).toThrow(
        expect.objectContaining({ code: 'KEY_OPTIONS_INVALID' }),
      );
    }
  });
});

describe('DataKeyCache.forKid', () => {
  it('finds the key of a token written by another process, through the registry', async () => {
    const { cache, reopen } = await setup();
    const key = await cache.current();
    const token = encryptToken(key, 'EMAIL', 'alice@example.com', 'deterministic');
    const later = await reopen();
    const found = await later.forKid(key.kid);
    expect(found.kid).toBe(key.kid);
    expect(decryptToken(found, 'EMAIL', token)).toBe('alice@example.com');
    expect(await later.forKid(key.kid)).toBe(found);
  });

  it('fails with KEY_UNKNOWN for an unknown, malformed or hash-purpose kid', async () => {
    const { cache } = await setup();
    const hash = await cache.hashKey();
    await expect(cache.forKid('AAAAAAAAAAAA')).rejects.toMatchObject({ code: 'KEY_UNKNOWN' });
    const malformed = await cache.forKid('../../etc').catch((err: Error) => err);
    expect(malformed).toMatchObject({ code: 'KEY_UNKNOWN' });
    expect((malformed as Error).message).not.toContain('../../etc');
    await expect(cache.forKid(hash.kid)).rejects.toMatchObject({ code: 'KEY_UNKNOWN' });
  });

  it('fails with KEY_DECRYPT_FAILED when the registered context was altered', async () => {
    const { cache, registryPath, reopen } = await setup();
    const key = await cache.current();
    const text = readFileSync(registryPath, 'utf8').replace('"env":"test"', '"env":"prod"');
    writeFileSync(registryPath, text);
    const later = await reopen();
    await expect(later.forKid(key.kid)).rejects.toMatchObject({ code: 'KEY_DECRYPT_FAILED' });
  });
});

describe('DataKeyCache.hashKey', () => {
  it('generates the hash key once and finds the same one in later runs', async () => {
    const { cache, provider, registry, reopen } = await setup();
    const [a, b] = await Promise.all([cache.hashKey(), cache.hashKey()]);
    expect(a).toBe(b);
    expect(provider.generated).toBe(1);
    expect(registry.records().filter((r) => r.purpose === 'hash')).toHaveLength(1);
    const mac = hashToken(a, 'EMAIL', 'alice@example.com');

    const later = await reopen();
    const again = await later.hashKey();
    expect(again.kid).toBe(a.kid);
    expect(hashToken(again, 'EMAIL', 'alice@example.com')).toBe(mac);
    // Token keys rotate; the hash key does not.
    await cache.current();
    expect((await cache.hashKey()).kid).toBe(a.kid);
  });

  it('lets racing processes settle on the earliest registered hash key', async () => {
    const { cache, reopen } = await setup();
    const other = await reopen();
    const [a, b] = await Promise.all([cache.hashKey(), other.hashKey()]);
    expect(a.kid).toBe(b.kid);
    expect(hashToken(a, 'IP', '10.1.2.3')).toBe(hashToken(b, 'IP', '10.1.2.3'));
  });

  it('uses the earliest hash key when the registry holds several', async () => {
    const { cache, provider, registry, reopen } = await setup();
    const first = await cache.hashKey();
    const later = await provider.generateDataKey(context);
    const kid = kidFor(later.encrypted);
    await registry.add({ kid, provider: 'local', keyId: later.keyId, encryptedKey: later.encrypted.toString('base64'), context, purpose: 'hash', created: new Date().toISOString() });
    expect(registry.latest('hash')?.kid).toBe(kid);
    expect((await (await reopen()).hashKey()).kid).toBe(first.kid);
  });
});

describe('DataKeyCache.close and key hygiene', () => {
  it('retires every key on close and refuses further use', async () => {
    const { cache } = await setup();
    const key = await cache.current();
    const byKid = await cache.forKid(key.kid);
    const hash = await cache.hashKey();
    cache.close();
    expect(retiredError(() => encryptToken(key, 'EMAIL', 'x', 'randomized'))).toMatchObject({ code: 'KEY_RETIRED' });
    expect(retiredError(() => encryptToken(byKid, 'EMAIL', 'x', 'randomized'))).toMatchObject({ code: 'KEY_RETIRED' });
    expect(retiredError(() => hash.mac('x'))).toMatchObject({ code: 'KEY_RETIRED' });
    await expect(cache.current()).rejects.toMatchObject({ code: 'KEY_CACHE_CLOSED' });
    await expect(cache.hashKey()).rejects.toMatchObject({ code: 'KEY_CACHE_CLOSED' });
  });

  it('zeroes the plaintext handed to DataKey and HashKey, and rejects keys of the wrong size', () => {
    const plaintext = randomBytes(32);
    const key = DataKey.fromPlaintext(kidFor(randomBytes(8)), plaintext);
    expect(plaintext.equals(Buffer.alloc(32))).toBe(true);
    const hashPlain = randomBytes(32);
    HashKey.fromPlaintext(kidFor(randomBytes(8)), hashPlain);
    expect(hashPlain.equals(Buffer.alloc(32))).toBe(true);
    expect(() => DataKey.fromPlaintext(key.kid, randomBytes(16))).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
  });

  it('makes different, non-interchangeable tokens under different data keys with the same kid', () => {
    const kid = kidFor(randomBytes(8));
    const a = DataKey.fromPlaintext(kid, randomBytes(32));
    const b = DataKey.fromPlaintext(kid, randomBytes(32));
    const token = encryptToken(a, 'EMAIL', 'alice@example.com', 'deterministic');
    expect(encryptToken(b, 'EMAIL', 'alice@example.com', 'deterministic')).not.toBe(token);
    expect(retiredError(() => decryptToken(b, 'EMAIL', token))).toMatchObject({ code: 'TOKEN_AUTH_FAILED' });
  });

  it('never shows a data key in util.inspect or JSON of DataKey, HashKey, the cache or the provider', async () => {
    const { cache, provider } = await setup();
    const key = await cache.current();
    const hash = await cache.hashKey();
    const byKid = await cache.forKid(key.kid);
    encryptToken(key, 'EMAIL', 'alice@example.com', 'deterministic');
    expect(provider.plaintexts.length).toBeGreaterThanOrEqual(3);
    const dumps = [key, hash, byKid, cache].flatMap((o) => [
      inspect(o, { showHidden: true, depth: Infinity }),
      JSON.stringify(o) ?? '',
    ]);
    for (const dump of dumps) {
      expect(dump).not.toContain('alice@example.com');
      for (const p of provider.plaintexts) expect(leaks(dump, p)).toBe(false);
    }
    expect(inspect(key)).toContain(key.kid);
    // Nothing that looks like key material at all: no buffer, no long hex or base64 run.
    for (const o of [key, hash, byKid, cache]) {
      expect(inspect(o, { showHidden: true, depth: Infinity })).not.toMatch(/Buffer|Uint8Array|ArrayBuffer|[0-9a-f]{32}|[A-Za-z0-9+/_-]{40}/);
    }
  });
});
