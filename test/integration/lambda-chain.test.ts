/**
 * The security stream as a ledger: each function instance seals its events into a chain of its
 * own, signs checkpoints of it with a KMS key when one is configured, and the stream's export
 * verifies (`ledger verify --export`) whatever order the instances' lines arrive in; a line taken
 * out of it shows.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KmsSigner } from '../../src/crypto/keys/kms.js';
import { verifyExport } from '../../src/sinks/ledger/verify-export.js';
import type { AwsTestServer } from '../aws/server.js';
import { awslogsEvent, cwPayload, firehoseEvent, openHandler, securityEvents, startAws, STREAMS, verifySecurityStream } from '../aws/lambda.js';
import { gzipSync } from 'node:zlib';
import { logveilAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers/keys.js';
import { readLedgerEvents } from '../../src/sinks/ledger/reader.js';
import { TEST_CREDENTIALS } from '../aws/server.js';

const SIGNING_KEY = 'alias/logveil-ledger-signing';
const MESSAGES = ['login maria.lopez@corp-mail.net from 198.51.100.23', 'GET /healthz 200 3ms', 'deploy key AKIAIOSFODNN7REALKEY'];

let aws: { server: AwsTestServer; env: Record<string, string> };
let pem: string;
beforeEach(async () => {
  aws = await startAws();
  aws.server.kms.createKey('ECC_NIST_P256', SIGNING_KEY);
  pem = await new KmsSigner({ client: aws.server.kmsClient(), keyId: SIGNING_KEY }).publicKeyPem();
});
afterEach(() => aws.server.close());

const signed = (extra: Record<string, string> = {}): Record<string, string> => ({ ...aws.env, LOGVEIL_LEDGER_SIGNING_KEY_ID: SIGNING_KEY, LOGVEIL_CHECKPOINT_INTERVAL_SECONDS: '0', ...extra });

describe('the security stream of the Lambda handlers', () => {
  it('holds one signed chain per instance, which the export verifies entry by entry', async () => {
    const sub = await openHandler('cloudwatch-subscription', signed());
    const transform = await openHandler('firehose-transform', signed());
    for (const n of ['a', 'b']) {
      await sub(awslogsEvent(cwPayload(MESSAGES, `sub-${n}`)));
      await transform(firehoseEvent([gzipSync(JSON.stringify(cwPayload(MESSAGES, `tr-${n}`)))]));
    }
    const report = verifySecurityStream(aws.server, [pem]);
    expect(report.problems).toEqual([]);
    expect(report.chains.map((c) => c.ledgerId.split('/')[0])).toEqual(['logveil-cloudwatch-subscription', 'logveil-firehose-transform'].sort());
    // Every event is in a chain, and every chain is signed to its head.
    expect(report.entries).toBe(securityEvents(aws.server).length + 2);
    expect(report.chains.map((c) => c.unsignedEntries)).toEqual([0, 0]);
    expect(report.checkpoints).toBe(4);
    expect(sub.runtime.chain.ledgerId).not.toBe(transform.runtime.chain.ledgerId);
    expect(aws.server.count('Sign')).toBe(4);

    // A findings event taken out of the export leaves a gap that names the entry after it.
    const lines = aws.server.firehose.lines(STREAMS.security);
    const at = lines.findIndex((l) => l.includes('"type":"findings"'));
    const file = join(tempDir('logveil-export-'), 'security');
    writeFileSync(file, lines.filter((_, i) => i !== at).map((l) => `${l}\n`).join(''));
    const cut = verifyExport([file], [pem]);
    expect(cut.problems.map((p) => p.kind)).toContain('gap');
    expect(cut.problems.find((p) => p.kind === 'gap')?.seq).toBe((JSON.parse(lines[at] as string) as { seq: number }).seq + 1);
  });

  it('delivers the chain\'s first entries with the keys made at cold start: an instance never invoked leaves no gap', async () => {
    await openHandler('cloudwatch-subscription', signed());
    const report = verifySecurityStream(aws.server, [pem]);
    expect(report.problems).toEqual([]);
    expect(securityEvents(aws.server).map((e) => e.type)).toEqual(['run-start', 'key-created', 'key-created']);
  });

  it('signs at most one checkpoint per interval', async () => {
    const sub = await openHandler('cloudwatch-subscription', signed({ LOGVEIL_CHECKPOINT_INTERVAL_SECONDS: '3600' }));
    for (const n of ['a', 'b', 'c']) await sub(awslogsEvent(cwPayload(MESSAGES, n)));
    const report = verifySecurityStream(aws.server, [pem]);
    expect(report).toMatchObject({ ok: true, checkpoints: 1 });
    expect(report.chains[0]?.unsignedEntries).toBeGreaterThan(0);
  });

  it('redacts on when the signing key refuses, counting each checkpoint it could not sign', async () => {
    aws.server.fail({ target: 'TrentService.Sign', kind: 'access-denied', times: Infinity });
    const sub = await openHandler('cloudwatch-subscription', signed());
    await sub(awslogsEvent(cwPayload(MESSAGES, 'a')));
    await sub(awslogsEvent(cwPayload(MESSAGES, 'b')));
    expect(sub.runtime.metrics.snapshot()).toMatchObject({ checkpointFailures: 2, appOut: 6, invocationFailures: 0 });
    const report = verifySecurityStream(aws.server, [pem]);
    expect(report).toMatchObject({ ok: true, checkpoints: 0 });
    expect(report.chains[0]?.unsignedEntries).toBe(report.chains[0]?.lastSeq);
  });

  it('keeps the chain whole across a security stream outage: what failed is sent again as it was sealed', async () => {
    const transform = await openHandler('firehose-transform', { ...signed(), LOGVEIL_DELIVERY_MAX_ATTEMPTS: '2' });
    // The cold start delivered the key-created events of the keys it fetched.
    const before = aws.server.firehose.lines(STREAMS.security).length;
    aws.server.fail({ target: 'PutRecordBatch', kind: 'access-denied', times: Infinity, stream: STREAMS.security });
    const quiet = console.error;
    console.error = () => undefined;
    try {
      await transform(firehoseEvent([gzipSync(JSON.stringify(cwPayload(MESSAGES, 'a')))]));
    } finally {
      console.error = quiet;
    }
    expect(aws.server.firehose.lines(STREAMS.security)).toHaveLength(before);
    aws.server.clearFaults();
    await transform(firehoseEvent([gzipSync(JSON.stringify(cwPayload(MESSAGES, 'b')))]));
    const report = verifySecurityStream(aws.server, [pem]);
    expect(report.problems).toEqual([]);
    expect(report.chains).toHaveLength(1);
    expect(report.chains[0]?.unsignedEntries).toBe(0);
  });

  it('gives an auditor the tokens back through the keys its export announces, unwrapped by KMS, and records it', async () => {
    const sub = await openHandler('cloudwatch-subscription', signed());
    await sub(awslogsEvent(cwPayload(['login maria.lopez@corp-mail.net from the office'], 'a')));
    const redacted = aws.server.firehose.lines(STREAMS.app).join('\n');
    expect(redacted).not.toContain('maria.lopez@corp-mail.net');
    expect(redacted).toMatch(/\[\[EMAIL:tk1\./);
    // The export as S3 holds it: gzipped objects under dated folders.
    const dir = tempDir('logveil-audit-');
    mkdirSync(join(dir, 'export', '2026', '12'), { recursive: true });
    writeFileSync(join(dir, 'export', '2026', '12', 'security-1.gz'), gzipSync(aws.server.firehose.lines(STREAMS.security).map((l) => `${l}\n`).join('')));
    const env = { AWS_REGION: 'us-east-1', LOGVEIL_AWS_ENDPOINT: aws.server.endpoint, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey };
    const home = join(dir, 'home');
    const ask = ['detokenize', '--keys-from', join(dir, 'export'), '--principal', 'alice@audit', '--reason', 'incident 4711 review'];
    const localAudits = () => [...readLedgerEvents([join(home, 'ledger')])].filter((e) => e.event.type === 'detokenize').map((e) => e.event);
    // The deployment's tokens are reversed only where its security stream records it.
    const unrecorded = await logveilAsync(ask, { cwd: dir, home, input: redacted, env });
    expect(unrecorded.status).toBe(4);
    expect(unrecorded.stderr).toContain('detokenize denied: --keys-from needs --audit-stream');
    expect(unrecorded.stdout).toBe('');
    const r = await logveilAsync([...ask, '--audit-stream', STREAMS.audit], { cwd: dir, home, input: redacted, env });
    expect(r.stderr).toContain('detokenized 1 of 1 tokens');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('login maria.lopez@corp-mail.net from the office');
    expect(localAudits()).toEqual([expect.objectContaining({ outcome: 'denied' }), expect.objectContaining({ outcome: 'allowed', principal: 'alice@audit', tokens: 1 })]);
    // In the audit stream: a chain of the command's own, which its export verifies.
    const added = aws.server.firehose.lines(STREAMS.audit).map((l) => JSON.parse(l) as { kind: string; ledgerId?: string; event?: { type: string; outcome?: string; principal?: string } });
    expect(added.map((e) => e.kind)).toEqual(['segment', 'event']);
    expect(added[0]?.ledgerId).toMatch(/^logveil-detokenize:[^/]+\/[0-9a-f-]{36}$/);
    expect(added[1]?.event).toMatchObject({ type: 'detokenize', outcome: 'allowed', principal: 'alice@audit' });
    const report = verifySecurityStream(aws.server, [], STREAMS.audit);
    expect(report.problems).toEqual([]);
    expect(report.chains).toHaveLength(1);
    // The functions' stream is not the auditor's to write.
    expect(aws.server.firehose.lines(STREAMS.security).some((l) => l.includes('logveil-detokenize:'))).toBe(false);
    // A stream that does not take the audit event: nothing is printed, and the local ledger says why.
    aws.server.fail({ target: 'PutRecordBatch', kind: 'access-denied', times: Infinity, stream: STREAMS.audit });
    const refused = await logveilAsync([...ask, '--audit-stream', STREAMS.audit], { cwd: dir, home, input: redacted, env });
    aws.server.clearFaults();
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/SECURITY_SINK_FAILED: 2 security events not delivered to Firehose stream logveil-audit/);
    expect(localAudits().at(-1)).toMatchObject({ outcome: 'failed', detail: 'the audit event was not delivered to Firehose stream logveil-audit (SECURITY_SINK_FAILED)' });
    // A key-created event whose wrapped key was changed is named, its kid only, and nothing is printed.
    const lines = aws.server.firehose.lines(STREAMS.security);
    const forged = lines.map((l) => (l.includes('"type":"key-created"') ? l.replace(/"encryptedKey":"(.)/, (_, c: string) => `"encryptedKey":"${c === 'A' ? 'B' : 'A'}`) : l));
    writeFileSync(join(dir, 'export', '2026', '12', 'security-1.gz'), gzipSync(forged.map((l) => `${l}\n`).join('')));
    const bad = await logveilAsync([...ask, '--audit-stream', STREAMS.audit], { cwd: dir, home, input: redacted, env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/the key-created event of kid \S+ cannot be read: KEY_RECORD_INVALID/);
    expect(bad.stdout).toBe('');
    // Without the export's keys, the local registry has none of them.
    const local = await logveilAsync(['detokenize', '--principal', 'alice@audit', '--reason', 'incident 4711 review'], { cwd: dir, home, input: redacted, env });
    expect(local.status).not.toBe(0);
    expect(local.stdout).not.toContain('maria.lopez');
  });
});
