/**
 * The Lambda handlers apply the security routing rules as `redact` does: a routed record's event
 * goes to the security stream with the log event it came from, a rule that removes records from
 * the app stream removes them (counted as dropped), and threshold rules count across the
 * invocations one instance serves.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/keys.js';
import type { AwsTestServer } from '../aws/server.js';
import { awslogsEvent, cwPayload, firehoseEvent, kinesisEvent, openHandler, securityEvents, startAws, STREAMS, streamJson } from '../aws/lambda.js';

let aws: { server: AwsTestServer; env: Record<string, string> };
beforeEach(async () => {
  aws = await startAws();
});
afterEach(() => aws.server.close());

const EMAIL = 'maria.lopez@corp-mail.net';
const STOP_LOGGING = JSON.stringify({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging', userIdentity: { userName: EMAIL }, requestParameters: { name: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main' } });
const SSH_FAILURE = 'Mar 14 03:12:44 web1 sshd[2310]: Failed password for root from 203.0.113.9 port 52144 ssh2';

type Routed = { type: 'routed'; rules: Array<{ id: string }>; source: { logGroup?: string; eventId?: string; recordId?: string }; appStream: string; record: { body: unknown }; threshold?: { count: number } };
const routed = (server: AwsTestServer): Routed[] => securityEvents(server).filter((e) => e.type === 'routed') as unknown as Routed[];

describe('routing in the Lambda handlers', () => {
  it('subscription: a CloudTrail StopLogging call and a failed SSH login become routed events naming their log events, redacted', async () => {
    const sub = await openHandler('cloudwatch-subscription', aws.env);
    await sub(awslogsEvent(cwPayload(['GET /health 200', STOP_LOGGING, SSH_FAILURE])));
    const events = routed(aws.server);
    expect(events.map((e) => [e.rules.map((r) => r.id), e.source.logGroup, e.source.eventId, e.appStream])).toEqual([
      [['aws-cloudtrail-logging-stopped'], '/aws/lambda/orders', 'ev-1', 'keep'],
      [['ssh-auth-failure'], '/aws/lambda/orders', 'ev-2', 'keep'],
    ]);
    expect(JSON.stringify(events)).not.toContain(EMAIL);
    const start = securityEvents(aws.server).find((e) => e.type === 'run-start') as { routingHash?: string };
    expect(start.routingHash).toMatch(/^[0-9a-f]{64}$/);
    // Kept in the app stream (the default), redacted.
    const app = streamJson(aws.server, STREAMS.app);
    expect(app).toHaveLength(3);
    expect(JSON.stringify(app)).not.toContain(EMAIL);
  });

  it('transform: records a rule removes from the app stream are dropped and counted, their events kept', async () => {
    const dir = tempDir('logveil-lambda-routing-');
    const config = join(dir, 'logveil.yaml');
    writeFileSync(config, 'routing:\n  appStream: remove\n');
    const transform = await openHandler('firehose-transform', { ...aws.env, LOGVEIL_CONFIG: config });
    const res = await transform(firehoseEvent([gzipSync(JSON.stringify(cwPayload(['GET /health 200', SSH_FAILURE])))]));
    const data = Buffer.from(res.records[0]?.data ?? '', 'base64').toString();
    expect(res.records.map((r) => r.result)).toEqual(['Ok']);
    expect(data).toContain('GET /health 200');
    expect(data).not.toContain('Failed password');
    const events = routed(aws.server);
    expect(events.map((e) => [e.rules.map((r) => r.id), e.source.recordId, e.appStream])).toEqual([[['ssh-auth-failure'], 'rec-0', 'remove']]);
    expect(transform.runtime.metrics.snapshot()).toMatchObject({ recordsIn: 2, appOut: 1, dropped: 1, quarantined: 0 });
    expect(Object.fromEntries(transform.runtime.metrics.droppedByReason)).toEqual({ policy: 1 });
  });

  it('counts a threshold rule across the invocations of one instance: the tenth refused request from a client fires', async () => {
    const sub = await openHandler('cloudwatch-subscription', aws.env);
    for (let i = 0; i < 10; i++) await sub(awslogsEvent(cwPayload([`203.0.113.9 - - [${clfNow()}] "POST /login HTTP/1.1" 401 178 "-" "curl/8.0"`], `inv${i}`)));
    const events = routed(aws.server).filter((e) => e.rules.some((r) => r.id === 'http-auth-denied-repeated'));
    expect(events.map((e) => [e.source.eventId, e.threshold?.count])).toEqual([['inv9-0', 10]]);
  });

  it('transform: lines it re-ingested after an overflow are not routed again when they come back', async () => {
    const transform = await openHandler('firehose-transform', { ...aws.env, LOGVEIL_MAX_RESPONSE_BYTES: '2048' });
    const records = Array.from({ length: 3 }, (_, r) => gzipSync(JSON.stringify(cwPayload([SSH_FAILURE, `pad ${'x'.repeat(900)}`], `r${r}`))));
    await transform(firehoseEvent(records));
    const again = aws.server.firehose.records(STREAMS.source);
    expect(again.length).toBeGreaterThan(0);
    await transform(firehoseEvent(again, again.map((_r, i) => `again-${i}`)));
    expect(transform.runtime.metrics.snapshot().recordsIn).toBeGreaterThan(6);
    expect(routed(aws.server).map((e) => e.source.eventId)).toEqual(['r0-0', 'r1-0', 'r2-0']);
  });

  it('transform: event lines that would leave the app stream are routed even as re-ingested; other handlers route such lines as any', async () => {
    const lines = Buffer.from(`${JSON.stringify({ id: 'e1', timestamp: Date.now(), logGroup: '/var/log/secure', logStream: 'web1', message: SSH_FAILURE })}\n`);
    const dir = tempDir('logveil-lambda-routing-');
    writeFileSync(join(dir, 'remove.yaml'), 'routing:\n  appStream: remove\n');
    const removing = await openHandler('firehose-transform', { ...aws.env, LOGVEIL_CONFIG: join(dir, 'remove.yaml') });
    const res = await removing(firehoseEvent([lines]));
    expect(res.records.map((r) => r.result)).toEqual(['Dropped']);
    expect(routed(aws.server).map((e) => [e.source.recordId, e.appStream])).toEqual([['rec-0', 'remove']]);
    // Kept: routed when it first came, not again.
    const keeping = await openHandler('firehose-transform', aws.env);
    await keeping(firehoseEvent([lines], ['rec-again']));
    expect(routed(aws.server)).toHaveLength(1);
    const kinesis = await openHandler('kinesis', aws.env);
    await kinesis(kinesisEvent([lines]));
    expect(routed(aws.server)).toHaveLength(2);
  });

  it('subscription: an event sent again after a delivery it could not confirm is routed and counted once', async () => {
    const sub = await openHandler('cloudwatch-subscription', { ...aws.env, LOGVEIL_DELIVERY_MAX_ATTEMPTS: '2' });
    const denied = Array.from({ length: 6 }, () => `203.0.113.9 - - [${clfNow()}] "POST /login HTTP/1.1" 401 178 "-" "curl/8.0"`);
    const event = awslogsEvent(cwPayload([...denied, SSH_FAILURE], 'inv'));
    aws.server.fail({ target: 'PutRecordBatch', kind: 'throttle', times: Infinity, stream: STREAMS.security });
    await expect(sub(event)).rejects.toMatchObject({ code: 'DELIVERY_UNCERTAIN' });
    aws.server.clearFaults();
    await sub(event);
    // Six refused requests, not twelve: the threshold of ten is not reached; the SSH failure once.
    expect(routed(aws.server).map((e) => [e.rules.map((r) => r.id), e.source.eventId])).toEqual([[['ssh-auth-failure'], 'inv-6']]);
  });

  it("subscription: a threshold rule counts log events by their own time when the message tells none", async () => {
    const sub = await openHandler('cloudwatch-subscription', aws.env);
    const refused = (prefix: string, spacingMs: number) => {
      const p = cwPayload(Array.from({ length: 10 }, () => JSON.stringify({ status: 401, client_ip: '203.0.113.9', path: '/login' })), prefix);
      (p.logEvents as Array<{ timestamp: number }>).forEach((e, i) => (e.timestamp = Date.now() - (10 - i) * spacingMs));
      return awslogsEvent(p);
    };
    // Ten an hour apart: no burst. Ten a second apart: one.
    await sub(refused('slow', 3_600_000));
    await sub(refused('fast', 1000));
    const fired = routed(aws.server).filter((e) => e.rules.some((r) => r.id === 'http-auth-denied-repeated'));
    expect(fired.map((e) => [e.source.eventId, e.threshold?.count])).toEqual([['fast-9', 10]]);
  });
});

/** Now as a common log format time. */
function clfNow(): string {
  const now = new Date();
  const month = now.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${String(now.getUTCDate()).padStart(2, '0')}/${month}/${now.getUTCFullYear()}:${now.toISOString().slice(11, 19)} +0000`;
}
