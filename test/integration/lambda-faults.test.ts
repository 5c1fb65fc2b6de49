/**
 * The handlers under injected faults (throttling, 5xx, partial failures, AccessDenied, disabled
 * and missing keys): nothing is lost, nothing leaves unredacted, duplicates appear only where the
 * handler retried, and every retry shows in the handler's metrics.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyError } from '../../src/errors.js';
import type { LambdaCounts } from '../../src/lambda/metrics.js';
import type { AwsTestServer } from '../aws/server.js';
import { awslogsEvent, cwPayload, firehoseEvent, kinesisEvent, openHandler, openQuarantine, startAws, securityEvents, STREAMS, streamJson, verifySecurityStream } from '../aws/lambda.js';

const RAW = ['maria.lopez@corp-mail.net', '198.51.100.23', 'AKIAIOSFODNN7REALKEY', 'ghp_0123456789abcdefghijklmnopqrstuvwxyZ', '4539 1488 0343 6467', 'hunter2'];
const MESSAGES = [
  'login maria.lopez@corp-mail.net from 198.51.100.23\n',
  '{"user":"u1","password":"hunter2","card":"4539 1488 0343 6467"}',
  'deploy key AKIAIOSFODNN7REALKEY\nnext line',
  'GET /healthz 200 3ms',
  'token ghp_0123456789abcdefghijklmnopqrstuvwxyZ used',
  'worker 7 idle',
];

let aws: { server: AwsTestServer; env: Record<string, string> };
beforeEach(async () => {
  aws = await startAws();
});
afterEach(() => aws.server.close());

/** No raw value in anything any stream received. */
function expectNothingRaw(server: AwsTestServer): void {
  for (const stream of Object.values(STREAMS)) {
    const all = Buffer.concat(server.firehose.records(stream)).toString('utf8');
    for (const v of RAW) expect(all.includes(v), `${v} in ${stream}`).toBe(false);
  }
}

const ids = (server: AwsTestServer): string[] => streamJson(server, STREAMS.app).map((e) => e.id as string);
const balanced = (c: LambdaCounts): boolean => c.recordsIn === c.appOut + c.dropped + c.quarantined;

describe('cloudwatch-subscription under faults', () => {
  it('rides out throttling and 5xx on every stream, counting the retries, without duplicates', async () => {
    const sub = await openHandler('cloudwatch-subscription', aws.env);
    aws.server.fail({ target: 'PutRecordBatch', kind: 'throttle', times: 2, stream: STREAMS.app }).fail({ target: 'PutRecordBatch', kind: 'server-error', stream: STREAMS.security }).fail({ target: 'PutRecordBatch', kind: 'throttle', stream: STREAMS.security });
    await sub(awslogsEvent(cwPayload(MESSAGES)));
    const m = sub.runtime.metrics.snapshot();
    expect(ids(aws.server)).toEqual(MESSAGES.map((_, i) => `ev-${i}`));
    expect(m.deliveryRetries).toBe(4);
    expect(sub.runtime.metrics.retriesByCode.get('ServiceUnavailableException')).toBe(3);
    expect(sub.runtime.metrics.retriesByCode.get('InternalFailure')).toBe(1);
    expect(m).toMatchObject({ recordsIn: 6, appOut: 6, quarantined: 0, invocationFailures: 0 });
    expectNothingRaw(aws.server);
  });

  it('resends only the entries a partial failure names, in order', async () => {
    const sub = await openHandler('cloudwatch-subscription', aws.env);
    // Two app records: events of 600 KB do not fit one record together.
    const big = Array.from({ length: 3 }, (_, i) => `event ${i} ${'lorem ipsum '.repeat(50_000)} maria.lopez@corp-mail.net`);
    aws.server.fail({ target: 'PutRecordBatch', kind: 'partial', failIndexes: [0], stream: STREAMS.app });
    await sub(awslogsEvent(cwPayload(big)));
    const calls = aws.server.calls.filter((c) => c.stream === STREAMS.app);
    expect(calls.map((c) => c.records)).toEqual([3, 1]);
    expect(ids(aws.server)).toEqual(['ev-1', 'ev-2', 'ev-0']);
    const m = sub.runtime.metrics.snapshot();
    expect(m).toMatchObject({ deliveryPartialFailures: 1, deliveryRetries: 1, deliveryResent: 1, appOut: 3 });
    expectNothingRaw(aws.server);
  });

  it('quarantines app records whose delivery exhausts the retries, and does not fail the invocation', async () => {
    const sub = await openHandler('cloudwatch-subscription', { ...aws.env, LOGVEIL_DELIVERY_MAX_ATTEMPTS: '3' });
    aws.server.fail({ target: 'PutRecordBatch', kind: 'throttle', times: Infinity, stream: STREAMS.app });
    const result = await sub(awslogsEvent(cwPayload(MESSAGES)));
    expect(result).toMatchObject({ recordsIn: 6, appOut: 0, quarantined: 6 });
    expect(aws.server.count('PutRecordBatch', 503)).toBe(3);
    const entries = streamJson(aws.server, STREAMS.quarantine);
    expect(entries.map((e) => [e.code, (e.source as { eventId: string }).eventId])).toEqual(MESSAGES.map((_, i) => ['DELIVERY_FAILED', `ev-${i}`]));
    const events = securityEvents(aws.server).filter((e) => e.type === 'quarantine');
    expect(events).toHaveLength(6);
    expect(events[0]?.message).toMatch(/^app record of log group \/aws\/lambda\/orders stream .* event ev-0 not delivered to Firehose stream logveil-app \(last error ServiceUnavailableException\)$/);
    // What is quarantined is the redacted record: decrypting it gives no raw value back.
    const opened = (await openQuarantine(aws.server, entries.map((e) => e.envelope as string))).map((b) => JSON.parse(b.toString()) as { id: string });
    expect(opened.map((o) => o.id)).toEqual(MESSAGES.map((_, i) => `ev-${i}`));
    for (const v of RAW) expect(JSON.stringify(opened)).not.toContain(v);
    const m = sub.runtime.metrics.snapshot();
    expect(m).toMatchObject({ deliveryQuarantined: 6, deliveryRetries: 2, invocationFailures: 0 });
    expect(sub.runtime.metrics.quarantinedByCode.get('DELIVERY_FAILED')).toBe(6);
    expect(balanced(m)).toBe(true);
    expectNothingRaw(aws.server);
  });

  it('fails the invocation when results can be neither delivered nor quarantined; the retry duplicates only what the first try delivered', async () => {
    const sub = await openHandler('cloudwatch-subscription', { ...aws.env, LOGVEIL_DELIVERY_MAX_ATTEMPTS: '2' });
    const event = awslogsEvent(cwPayload(MESSAGES));
    aws.server.fail({ target: 'PutRecordBatch', kind: 'access-denied', times: Infinity, stream: STREAMS.security });
    await expect(sub(event)).rejects.toThrow(/^log group \/aws\/lambda\/orders stream .*: \d+ security events not delivered to Firehose stream logveil-security \(last error AccessDeniedException\); failing the invocation so that Lambda retries it$/);
    expect(sub.runtime.metrics.snapshot().invocationFailures).toBe(1);
    aws.server.clearFaults();
    await sub(event); // Lambda's retry of the asynchronous invocation
    const seen = ids(aws.server);
    expect(new Set(seen)).toEqual(new Set(MESSAGES.map((_, i) => `ev-${i}`)));
    expect(seen).toHaveLength(2 * MESSAGES.length); // the first try's app records, and the retry's
    expect(new Set(securityEvents(aws.server).filter((e) => e.type === 'run-start').map((e) => e.ts)).size).toBe(1);
    // The entries sealed for the first try were sent again, as they were, by the retry: the chain has no gap.
    const chain = verifySecurityStream(aws.server);
    expect(chain.problems).toEqual([]);
    expect(chain.chains.map((c) => c.entries)).toEqual([securityEvents(aws.server).length + 1]);
    expectNothingRaw(aws.server);
  });

  it('retries a throttled KMS at cold start and counts it', async () => {
    aws.server.fail({ target: 'TrentService.GenerateDataKey', kind: 'throttle', times: 2 });
    const sub = await openHandler('cloudwatch-subscription', aws.env);
    await sub(awslogsEvent(cwPayload(MESSAGES)));
    expect(sub.runtime.metrics.snapshot().kmsRetries).toBe(2);
    expect(ids(aws.server)).toHaveLength(6);
    expectNothingRaw(aws.server);
  });

  it('quarantines records that need a token while KMS refuses new keys, and lets clean records through', async () => {
    const config = join(aws.env.LOGVEIL_STATE_DIR as string, 'logveil.yaml');
    writeFileSync(config, 'keys: {maxKeyUses: 1}\n');
    const sub = await openHandler('cloudwatch-subscription', { ...aws.env, LOGVEIL_CONFIG: config });
    await sub(awslogsEvent(cwPayload(MESSAGES, 'a')));
    aws.server.fail({ target: 'TrentService.GenerateDataKey', kind: 'access-denied', times: Infinity });
    const result = await sub(awslogsEvent(cwPayload(MESSAGES, 'b')));
    expect(result).toMatchObject({ recordsIn: 6, appOut: 3, quarantined: 3 });
    expect(ids(aws.server).filter((id) => id.startsWith('b-'))).toEqual(['b-1', 'b-3', 'b-5']);
    const codes = streamJson(aws.server, STREAMS.quarantine).map((e) => e.code);
    expect(codes).toEqual(['KMS_ACCESS_DENIED', 'KMS_ACCESS_DENIED', 'KMS_ACCESS_DENIED']);
    expectNothingRaw(aws.server);
  });

  it.each(['disabled', 'not-found', 'access-denied'] as const)('fails closed when KMS is %s from the start: nothing reaches the app stream', async (kind) => {
    aws.server.fail({ target: 'GenerateDataKey', kind, times: Infinity });
    const sub = await openHandler('cloudwatch-subscription', aws.env);
    await expect(sub(awslogsEvent(cwPayload(MESSAGES)))).rejects.toBeInstanceOf(KeyError);
    expect(aws.server.firehose.records(STREAMS.app)).toEqual([]);
    expect(sub.runtime.metrics.snapshot().invocationFailures).toBe(1);
  });
});

describe('kinesis under faults', () => {
  it('reports only the records whose results could not be delivered or quarantined', async () => {
    const kin = await openHandler('kinesis', { ...aws.env, LOGVEIL_DELIVERY_MAX_ATTEMPTS: '2' });
    // One line of ~600 KB per record: each record's app line is a Firehose record of its own.
    const lines = [0, 1, 2].map((i) => Buffer.from(JSON.stringify({ n: i, user: 'maria.lopez@corp-mail.net', blob: 'abc '.repeat(150_000) })));
    aws.server.fail({ target: 'PutRecordBatch', kind: 'partial', failIndexes: [1], times: 1, stream: STREAMS.app });
    aws.server.fail({ target: 'PutRecordBatch', kind: 'partial', failIndexes: [0], times: Infinity, stream: STREAMS.app });
    aws.server.fail({ target: 'PutRecordBatch', kind: 'throttle', times: Infinity, stream: STREAMS.quarantine });
    const event = kinesisEvent(lines);
    const result = await kin(event);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]?.kinesis.sequenceNumber }]);
    expect(aws.server.firehose.lines(STREAMS.app).map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([0, 2]);
    expectNothingRaw(aws.server);
  });

  it('throws when every record of the batch failed, so that Lambda retries the batch', async () => {
    const kin = await openHandler('kinesis', { ...aws.env, LOGVEIL_DELIVERY_MAX_ATTEMPTS: '2' });
    aws.server.fail({ target: 'PutRecordBatch', kind: 'server-error', times: Infinity });
    await expect(kin(kinesisEvent([Buffer.from('a maria.lopez@corp-mail.net'), Buffer.from('b')]))).rejects.toThrow(/^all 2 Kinesis records failed: /);
    expect(kin.runtime.metrics.snapshot().deliveryRetries).toBeGreaterThan(0);
  });
});

describe('a private key logged a line per event, over several invocations', () => {
  /**
   * A new RSA key of `bits`, logged a line per event between 'loading key' and 'key loaded', cut
   * at the line indices `cuts` into one subscription invocation per part; checks that no body line
   * reaches the app stream, each redacted on its own line, and the counts balance.
   */
  async function logKeyOver(bits: number, cuts: readonly number[]): Promise<{ pem: string[]; messages: string[] }> {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trimEnd().split('\n');
    const body = pem.slice(1, -1);
    const lines = ['loading key', ...pem, 'key loaded'];
    const sub = await openHandler('cloudwatch-subscription', aws.env);
    const bounds = [0, ...cuts.map((c) => c + 1), lines.length];
    for (let k = 0; k + 1 < bounds.length; k++) await sub(awslogsEvent(cwPayload(lines.slice(bounds[k], bounds[k + 1]), String.fromCharCode(97 + k))));
    const messages = streamJson(aws.server, STREAMS.app).map((e) => e.message as string);
    expect(messages).toHaveLength(pem.length + 2);
    for (const line of body) expect(messages.includes(line), line).toBe(false);
    expect(messages.filter((m) => /^\[\[PRIVATE_KEY[:\]]/.test(m))).toHaveLength(body.length);
    expect(balanced(sub.runtime.metrics.snapshot())).toBe(true);
    return { pem, messages };
  }

  it('redacts the body lines of either part: the first read forward from its BEGIN, the second back from its END', async () => {
    const { pem, messages } = await logKeyOver(1024, [5]);
    expect(messages.filter((m) => m.startsWith('-----'))).toEqual([pem[0], pem.at(-1)]);
  });

  it('redacts the body lines of a middle part that holds neither its BEGIN nor its END', async () => {
    await logKeyOver(2048, [5, 15]);
  });
});

describe('a manifest logged a line per event', () => {
  it('redacts a value whose name the event before it holds, in the same invocation, and leaves one whose name no rule selects', async () => {
    const lines = ['        - name: SMTP_PASSWORD', '          value: dIo3VPGvQieeh&ces$', '        - name: SMTP_HOST', '          value: smtp.acme-corp.io'];
    const sub = await openHandler('cloudwatch-subscription', aws.env);
    await sub(awslogsEvent(cwPayload(lines)));
    const messages = streamJson(aws.server, STREAMS.app).map((e) => e.message as string);
    expect(messages).toEqual([lines[0], '          value: "[[PASSWORD]]"', lines[2], lines[3]]);
    expect(balanced(sub.runtime.metrics.snapshot())).toBe(true);
  });
});

describe('firehose-transform when Firehose hangs', () => {
  it('answers every record within the invocation time left: calls out at the deadline are cut off, and what they held is counted', async () => {
    // The production request timeout (10 s) against 5 s left: a call waits at most until the deadline.
    const transform = await openHandler('firehose-transform', aws.env, { firehoseClient: aws.server.firehoseClient(10_000) });
    aws.server.fail({ target: 'PutRecordBatch', kind: 'latency', latencyMs: 8000, times: Infinity });
    const remaining = 5000;
    const started = Date.now();
    const { gzipSync } = await import('node:zlib');
    const res = await transform(
      { invocationId: 'inv-hang', deliveryStreamArn: 'arn:aws:firehose:us-east-1:111122223333:deliverystream/logs-to-s3', region: 'us-east-1', records: [MESSAGES, ['x']].map((m, i) => ({ recordId: `rec-${i}`, approximateArrivalTimestamp: 0, data: gzipSync(JSON.stringify(cwPayload(m))).toString('base64') })).concat([{ recordId: 'rec-bad', approximateArrivalTimestamp: 0, data: Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3]).toString('base64') }]) },
      { getRemainingTimeInMillis: () => remaining - (Date.now() - started) },
    );
    expect(Date.now() - started).toBeLessThan(remaining);
    expect(res.records.map((r) => r.recordId)).toEqual(['rec-0', 'rec-1', 'rec-bad']);
    expect(JSON.stringify(res)).not.toMatch(/maria|198\.51|hunter2/);
    const m = transform.runtime.metrics.snapshot();
    expect(balanced(m)).toBe(true);
    expect(m.recordsIn).toBeGreaterThan(0);
  }, 20_000);
});

describe('firehose-transform when KMS hangs', () => {
  it('gives up the data key at two thirds of the time left, drops the records counted, and says so on the security stream in time', async () => {
    // The cold start gets no key (KMS refuses), so the invocation asks for one, and KMS hangs.
    aws.server.fail({ target: 'GenerateDataKey', kind: 'disabled', times: Infinity });
    const transform = await openHandler('firehose-transform', aws.env, { kmsClient: aws.server.kmsClient(10_000) });
    aws.server.clearFaults();
    aws.server.fail({ target: 'GenerateDataKey', kind: 'latency', latencyMs: 8_000, times: Infinity });
    const { gzipSync } = await import('node:zlib');
    const remaining = 4_500;
    const started = Date.now();
    const problems = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let res;
    let said: string[];
    try {
      res = await transform(firehoseEvent([gzipSync(JSON.stringify(cwPayload(MESSAGES))), Buffer.from('worker 7 idle')]), { getRemainingTimeInMillis: () => remaining - (Date.now() - started) });
    } finally {
      said = problems.mock.calls.map((c) => String(c[0]));
      problems.mockRestore();
    }
    const took = Date.now() - started;
    expect(said).toEqual(['logveil: Firehose invocation test-invocation: no data key (KMS_DEADLINE_EXCEEDED); its 2 records are dropped, not written as they came']);
    // Deliveries end 1.5 s before the end; KMS at two thirds of the 3 s before that.
    expect(took).toBeGreaterThanOrEqual(1_900);
    expect(took).toBeLessThan(remaining);
    expect(res.records).toEqual([
      { recordId: 'rec-0', result: 'Dropped' },
      { recordId: 'rec-1', result: 'Dropped' },
    ]);
    const m = transform.runtime.metrics;
    expect(m.snapshot()).toMatchObject({ recordsIn: 2, appOut: 0, dropped: 2, quarantined: 0, invocationFailures: 0 });
    expect(securityEvents(aws.server).filter((e) => e.type === 'records-dropped')).toEqual([
      expect.objectContaining({ reason: 'key-unavailable', records: 2, code: 'KMS_DEADLINE_EXCEEDED', invocationId: 'test-invocation' }),
    ]);
    expect(aws.server.firehose.records(STREAMS.app)).toEqual([]);
    expectNothingRaw(aws.server);
  }, 20_000);
});
