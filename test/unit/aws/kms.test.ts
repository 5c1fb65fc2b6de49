import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataKeyCache } from '../../../src/crypto/keys/cache.js';
import { KmsKeyProvider, KmsSigner, verifyCheckpointSignature, type KmsRetryInfo } from '../../../src/crypto/keys/kms.js';
import { KeyRegistry } from '../../../src/crypto/keys/registry.js';
import { decryptToken, encryptToken } from '../../../src/crypto/token.js';
import { KeyError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/keys.js';
import { AwsTestServer } from '../../aws/server.js';

const CTX = { pipeline: 'orders-prod', purpose: 'tokenize' };
const noSleep = async (): Promise<void> => {};

let server: AwsTestServer;
let keyArn: string;
beforeAll(async () => {
  server = await AwsTestServer.start();
  keyArn = server.kms.createKey('SYMMETRIC_DEFAULT', 'alias/logveil').arn;
});
afterAll(() => server.close());

function provider(keyId = 'alias/logveil', retries: KmsRetryInfo[] = [], maxAttempts = 4): KmsKeyProvider {
  return new KmsKeyProvider({ client: server.kmsClient(), keyId, maxAttempts, sleep: noSleep, onRetry: (i) => retries.push(i) });
}

async function keyError(p: Promise<unknown>): Promise<KeyError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KeyError);
  return err as KeyError;
}

describe('KMS key provider (real SDK against the local server)', () => {
  it('generates an AES-256 data key under the context and decrypts it only under the same context', async () => {
    const kms = provider();
    const key = await kms.generateDataKey(CTX);
    expect(key.plaintext).toHaveLength(32);
    expect(key.keyId).toBe(keyArn);
    const back = await kms.decryptDataKey(key.encrypted, { purpose: 'tokenize', pipeline: 'orders-prod' });
    expect(back.equals(key.plaintext)).toBe(true);
    const wrong = await keyError(kms.decryptDataKey(key.encrypted, { ...CTX, purpose: 'quarantine' }));
    expect(wrong.code).toBe('KEY_DECRYPT_FAILED');
    expect(wrong.message).toContain('alias/logveil');
  });

  it('refuses a context that does not name the pipeline and the purpose, before calling KMS', async () => {
    const before = server.count('GenerateDataKey');
    expect((await keyError(provider().generateDataKey({ purpose: 'tokenize' }))).code).toBe('KEY_CONTEXT_INVALID');
    expect(server.count('GenerateDataKey')).toBe(before);
  });

  it('retries throttling and KMS faults with backoff, and reports each retry', async () => {
    server.fail({ target: 'TrentService.GenerateDataKey', kind: 'throttle', times: 2 }).fail({ target: 'TrentService.GenerateDataKey', kind: 'server-error' });
    const retries: KmsRetryInfo[] = [];
    const key = await provider('alias/logveil', retries).generateDataKey(CTX);
    expect(key.plaintext).toHaveLength(32);
    expect(retries.map((r) => [r.operation, r.attempt, r.code])).toEqual([
      ['GenerateDataKey', 1, 'ThrottlingException'],
      ['GenerateDataKey', 2, 'ThrottlingException'],
      ['GenerateDataKey', 3, 'KMSInternalException'],
    ]);
  });

  it('gives up after the retry budget with KMS_UNAVAILABLE naming operation, key and last error', async () => {
    server.fail({ target: 'TrentService.Decrypt', kind: 'throttle', times: 10 });
    const kms = provider('alias/logveil', [], 3);
    const blob = (await provider().generateDataKey(CTX)).encrypted;
    const before = server.count('Decrypt');
    const err = await keyError(kms.decryptDataKey(blob, CTX));
    server.clearFaults();
    expect(err.code).toBe('KMS_UNAVAILABLE');
    expect(err.message).toBe('KMS Decrypt on key alias/logveil still failing after 3 attempts (last: ThrottlingException, HTTP 400)');
    expect(server.count('Decrypt') - before).toBe(3);
  });

  describe('within a deadline', () => {
    const within = (deadline: () => number | undefined, o: { maxAttempts?: number; baseDelayMs?: number; retries?: KmsRetryInfo[] } = {}): KmsKeyProvider =>
      new KmsKeyProvider({ client: server.kmsClient(10_000), keyId: 'alias/logveil', maxAttempts: o.maxAttempts ?? 5, baseDelayMs: o.baseDelayMs ?? 100, sleep: noSleep, random: () => 1, deadline, onRetry: (i) => o.retries?.push(i) });

    it('cuts off a call still out at the deadline, well before the request timeout', async () => {
      server.fail({ target: 'GenerateDataKey', kind: 'latency', latencyMs: 4_000 });
      const started = Date.now();
      const err = await keyError(within(() => started + 300).generateDataKey(CTX));
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(err.code).toBe('KMS_DEADLINE_EXCEEDED');
      expect(err.message).toMatch(/^KMS GenerateDataKey on key alias\/logveil cut off at the deadline, unanswered after \d+ ms$/);
      server.clearFaults();
    });

    it('calls nothing past the deadline', async () => {
      const before = server.count('GenerateDataKey');
      const err = await keyError(within(() => Date.now() - 1).generateDataKey(CTX));
      expect(err.code).toBe('KMS_DEADLINE_EXCEEDED');
      expect(err.message).toBe('KMS GenerateDataKey on key alias/logveil not called: no time left before the deadline');
      expect(server.count('GenerateDataKey')).toBe(before);
    });

    it('does not retry when the wait would pass the deadline, and says what failed before', async () => {
      server.fail({ target: 'GenerateDataKey', kind: 'throttle', times: 10 });
      const retries: KmsRetryInfo[] = [];
      const before = server.count('GenerateDataKey');
      // Backoff ceilings of 1 s, then 2 s (random 1: the full ceiling) against 1.5 s left: one retry.
      const end = Date.now() + 1_500;
      const err = await keyError(within(() => end, { baseDelayMs: 1_000, retries }).generateDataKey(CTX));
      server.clearFaults();
      expect(err.code).toBe('KMS_DEADLINE_EXCEEDED');
      expect(err.message).toBe('KMS GenerateDataKey on key alias/logveil not retried: the wait would pass the deadline (after 2 attempts, last: ThrottlingException, HTTP 400)');
      expect(retries.map((r) => r.attempt)).toEqual([1]);
      expect(server.count('GenerateDataKey') - before).toBe(2);
    });

    it('asks for the deadline at every call: none given, none kept', async () => {
      let deadline: number | undefined = Date.now() - 1;
      const kms = within(() => deadline);
      expect((await keyError(kms.generateDataKey(CTX))).code).toBe('KMS_DEADLINE_EXCEEDED');
      deadline = undefined;
      expect((await kms.generateDataKey(CTX)).plaintext).toHaveLength(32);
    });
  });

  it.each([
    ['access-denied', 'KMS_ACCESS_DENIED'],
    ['disabled', 'KMS_KEY_DISABLED'],
    ['not-found', 'KMS_KEY_NOT_FOUND'],
  ] as const)('fails closed at once on %s', async (kind, code) => {
    server.fail({ target: 'GenerateDataKey', kind });
    const before = server.count('GenerateDataKey');
    const err = await keyError(provider().generateDataKey(CTX));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(/^KMS GenerateDataKey on key alias\/logveil failed \(\w+Exception\)/);
    expect(server.count('GenerateDataKey') - before).toBe(1);
  });

  it('reports real key states: disabled, pending deletion, missing, and a blob from another key', async () => {
    const other = server.kms.createKey();
    const blob = (await provider().generateDataKey(CTX)).encrypted;
    expect((await keyError(provider(other.arn).decryptDataKey(blob, CTX))).code).toBe('KEY_DECRYPT_FAILED');
    server.kms.setState(other.id, 'Disabled');
    expect((await keyError(provider(other.id).generateDataKey(CTX))).code).toBe('KMS_KEY_DISABLED');
    server.kms.setState(other.id, 'PendingDeletion');
    expect((await keyError(provider(other.id).generateDataKey(CTX))).code).toBe('KMS_KEY_INVALID_STATE');
    expect((await keyError(provider('alias/missing').generateDataKey(CTX))).code).toBe('KMS_KEY_NOT_FOUND');
  });

  it('still decrypts blobs made under an alias after the alias is pointed at a new key', async () => {
    const first = server.kms.createKey('SYMMETRIC_DEFAULT', 'alias/rotating');
    const blob = (await provider('alias/rotating').generateDataKey(CTX)).encrypted;
    server.kms.aliases.set('alias/rotating', server.kms.createKey().id);
    expect((await provider('alias/rotating').decryptDataKey(blob, CTX)).length).toBe(32);
    expect((await keyError(provider(server.kms.aliases.get('alias/rotating') as string).decryptDataKey(blob, CTX))).code).toBe('KEY_DECRYPT_FAILED');
    expect(first.id).not.toBe(server.kms.aliases.get('alias/rotating'));
  });

  it('serves the data-key cache: tokens made under a KMS key decrypt after a restart, via the registry', async () => {
    const dir = tempDir();
    const registry = await KeyRegistry.open(join(dir, 'keys.jsonl'));
    const cache = new DataKeyCache(provider(), registry, { maxAgeMs: 60_000, maxUses: 100, context: CTX });
    const key = await cache.current();
    const token = encryptToken(key, 'EMAIL', 'alice@example.com', 'randomized');
    expect(registry.records()[0]).toMatchObject({ provider: 'aws-kms', keyId: keyArn, context: CTX });
    cache.close();
    const again = new DataKeyCache(provider(), await KeyRegistry.open(join(dir, 'keys.jsonl')), { maxAgeMs: 60_000, maxUses: 100, context: CTX });
    expect(decryptToken(await again.forKid(key.kid), 'EMAIL', token)).toBe('alice@example.com');
    again.close();
    expect(inspect(provider())).not.toMatch(/secretAccessKey|Plaintext/);
  });
});

describe('KMS checkpoint signer', () => {
  it('signs a SHA-256 digest that verifies with the exported public key', async () => {
    const signing = server.kms.createKey('ECC_NIST_P256', 'alias/ledger');
    const signer = new KmsSigner({ client: server.kmsClient(), keyId: 'alias/ledger', sleep: noSleep });
    const message = Buffer.from('{"seq":41,"head":"9f2c"}');
    const signature = await signer.sign(createHash('sha256').update(message).digest());
    const pem = await signer.publicKeyPem();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(verifyCheckpointSignature(pem, message, signature)).toBe(true);
    expect(verifyCheckpointSignature(pem, Buffer.from('{"seq":42,"head":"9f2c"}'), signature)).toBe(false);
    await signer.publicKeyPem();
    expect(server.count('GetPublicKey')).toBe(1);
    expect(signing.arn).toContain(':key/');
  });

  it('refuses digests that are not 32 bytes and keys that cannot sign', async () => {
    const signer = new KmsSigner({ client: server.kmsClient(), keyId: 'alias/ledger', sleep: noSleep });
    expect((await keyError(signer.sign(Buffer.alloc(20)))).code).toBe('SIGN_DIGEST_INVALID');
    const symmetric = new KmsSigner({ client: server.kmsClient(), keyId: 'alias/logveil', sleep: noSleep });
    expect((await keyError(symmetric.sign(Buffer.alloc(32)))).code).toBe('KMS_KEY_USAGE_INVALID');
    server.fail({ target: 'Sign', kind: 'throttle' });
    expect(await signer.sign(Buffer.alloc(32, 7))).toBeInstanceOf(Buffer);
  });
});
