import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsSigner } from '../../src/crypto/keys/kms.js';
import { kmsLedgerSigner } from '../../src/sinks/ledger/kms-signer.js';
import { LedgerSink } from '../../src/sinks/ledger/sink.js';
import { verifyLedger } from '../../src/sinks/ledger/verify.js';
import { AwsTestServer } from '../aws/server.js';
import { tempDir } from '../helpers/keys.js';

describe('ledger checkpoints signed with KMS Sign', () => {
  let server: AwsTestServer;
  beforeAll(async () => {
    server = await AwsTestServer.start();
  });
  afterAll(() => server.close());

  it('verify accepts them with the exported public key and rejects them with another key', async () => {
    server.kms.createKey('ECC_NIST_P256', 'alias/ledger-signing');
    const signer = await kmsLedgerSigner(new KmsSigner({ client: server.kmsClient(), keyId: 'alias/ledger-signing' }));
    const dir = tempDir('logveil-kms-ledger-');
    const sink = await LedgerSink.open(dir, { signer, checkpointEvery: 3 });
    for (let i = 0; i < 7; i++) await sink.write([{ type: 'heartbeat', ts: new Date().toISOString(), beat: i + 1, intervalSeconds: 60, uptimeSeconds: i }]);
    await sink.close();
    expect(server.count('Sign')).toBeGreaterThanOrEqual(2);

    const pem = await signer.publicKeyPem();
    const good = verifyLedger([dir], { publicKeyPem: pem });
    expect(good.ok, JSON.stringify(good.firstProblem)).toBe(true);
    expect(good.checkpoints).toBeGreaterThanOrEqual(2);

    server.kms.createKey('ECC_NIST_P256', 'alias/other');
    const other = await new KmsSigner({ client: server.kmsClient(), keyId: 'alias/other' }).publicKeyPem();
    expect(verifyLedger([dir], { publicKeyPem: other }).ok).toBe(false);
    // The exported key file next to the ledger is the KMS key's public half.
    const exported = readdirSync(dir).find((f) => f.startsWith('ledger-public-'));
    expect(exported && readFileSync(join(dir, exported), 'utf8')).toBe(pem);
  });
});
