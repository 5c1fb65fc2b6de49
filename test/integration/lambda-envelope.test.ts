/**
 * A CloudWatch Logs payload's identifying fields (owner, log group, log stream, event ids and
 * timestamps) are written and quoted as they came, so a payload any producer put on a stream with a
 * secret in one of them must not reach the app stream or the security stream: its events go to the
 * encrypted quarantine under a source that quotes none of them, and every record is still counted.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LambdaCounts } from '../../src/lambda/metrics.js';
import type { AwsTestServer } from '../aws/server.js';
import { tempDir } from '../helpers/keys.js';
import { awslogsEvent, cwPayload, firehoseEvent, kinesisEvent, openHandler, openQuarantine, startAws, securityEvents, STREAMS, streamJson } from '../aws/lambda.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OWNER = 'AKIAIOSFODNN7EXAMPL2';
const GROUP = 'ghp_qh8Mf3nwL6wfFVFHjISTfy4Nzo4tPsrN13R6';
const STREAM = 'alice@example.com';
const EVENT_ID = '4111111111111111';
const RAW = [OWNER, GROUP, STREAM, EVENT_ID];

/** The payload of the report: a secret in every identifying field, a harmless message. */
const TAINTED = {
  messageType: 'DATA_MESSAGE',
  owner: OWNER,
  logGroup: GROUP,
  logStream: STREAM,
  subscriptionFilters: [],
  logEvents: [{ id: EVENT_ID, timestamp: 1, message: 'hello' }],
};

let aws: { server: AwsTestServer; env: Record<string, string> };
beforeEach(async () => {
  aws = await startAws();
});
afterEach(() => aws.server.close());

/** No raw value in anything any stream received (the quarantine holds them encrypted only). */
function expectNothingRaw(values: readonly string[] = RAW): void {
  for (const stream of Object.values(STREAMS)) {
    const all = Buffer.concat(aws.server.firehose.records(stream)).toString('utf8');
    for (const v of values) expect(all.includes(v), `${v} in ${stream}`).toBe(false);
  }
}

const balanced = (c: LambdaCounts): boolean => c.recordsIn === c.appOut + c.dropped + c.quarantined;

/** The quarantine entries and events the tainted payload made, and what the entries decrypt to. */
async function envelopeQuarantine(): Promise<{ entries: Array<Record<string, unknown>>; events: Array<Record<string, unknown>>; opened: unknown[] }> {
  const entries = streamJson(aws.server, STREAMS.quarantine).filter((e) => e.code === 'SECRET_IN_ENVELOPE');
  const events = securityEvents(aws.server).filter((e) => e.type === 'quarantine' && e.code === 'SECRET_IN_ENVELOPE');
  const opened = (await openQuarantine(aws.server, entries.map((e) => e.envelope as string))).map((b) => JSON.parse(b.toString()) as unknown);
  return { entries, events, opened };
}

describe('identifying fields with findings', () => {
  it('cloudwatch-subscription: quarantines the payload, names no field value, and counts it', async () => {
    const sub = await openHandler('cloudwatch-subscription', aws.env);
    const result = await sub(awslogsEvent(TAINTED));
    expect(result).toEqual({ recordsIn: 1, appOut: 0, dropped: 0, quarantined: 1 });
    expect(aws.server.firehose.records(STREAMS.app)).toEqual([]);
    const { entries, events, opened } = await envelopeQuarantine();
    expect(entries.map((e) => e.source)).toEqual([{}]);
    expect(events).toHaveLength(1);
    expect(events[0]?.source).toEqual({});
    expect(events[0]?.message).toBe('awslogs.data: payload fields owner (aws-access-key-id), logGroup (github-pat), logStream (email) hold values the policy finds; its events (1) are quarantined whole');
    // The quarantine keeps the event with its payload's fields, as it came.
    expect(opened).toEqual([TAINTED]);
    const m = sub.runtime.metrics.snapshot();
    expect(m).toMatchObject({ recordsIn: 1, appOut: 0, quarantined: 1 });
    expect(sub.runtime.metrics.quarantinedByCode.get('SECRET_IN_ENVELOPE')).toBe(1);
    expect(balanced(m)).toBe(true);
    expectNothingRaw();
  });

  it('cloudwatch-subscription: names no field value in the error that fails the invocation', async () => {
    const sub = await openHandler('cloudwatch-subscription', { ...aws.env, LOGVEIL_DELIVERY_MAX_ATTEMPTS: '2' });
    aws.server.fail({ target: 'PutRecordBatch', kind: 'access-denied', times: Infinity, stream: STREAMS.security });
    const err = await sub(awslogsEvent(TAINTED)).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/^awslogs\.data: \d+ security events not delivered/);
    for (const v of RAW) expect(err?.message).not.toContain(v);
  });

  it('firehose-transform: drops the tainted record from the response and keeps the clean one', async () => {
    const transform = await openHandler('firehose-transform', aws.env);
    const res = await transform(firehoseEvent([gzipSync(JSON.stringify(TAINTED)), gzipSync(JSON.stringify(cwPayload(['fine', 'mail maria.lopez@corp-mail.net'])))]));
    expect(res.records.map((r) => [r.recordId, r.result])).toEqual([
      ['rec-0', 'Dropped'],
      ['rec-1', 'Ok'],
    ]);
    const ok = Buffer.from(res.records[1]?.data as string, 'base64').toString().trimEnd().split('\n');
    expect(ok.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['ev-0', 'ev-1']);
    for (const v of RAW) expect(JSON.stringify(res)).not.toContain(v);
    const { entries, events, opened } = await envelopeQuarantine();
    expect(entries.map((e) => e.source)).toEqual([{ recordId: 'rec-0' }]);
    expect(events.map((e) => e.message)).toEqual([expect.stringMatching(/^records\[0\]: payload fields owner \(aws-access-key-id\), logGroup \(github-pat\), logStream \(email\) hold values/)]);
    expect(opened).toEqual([TAINTED]);
    const m = transform.runtime.metrics.snapshot();
    expect(m).toMatchObject({ recordsIn: 3, appOut: 2, dropped: 0, quarantined: 1 });
    expect(balanced(m)).toBe(true);
    expectNothingRaw();
  });

  it('kinesis: sends only the clean payload to the app stream; the tainted one is quarantined, not failed', async () => {
    const kin = await openHandler('kinesis', aws.env);
    // Two payloads back to back in one record: only the tainted one is held back.
    const both = Buffer.from(JSON.stringify(TAINTED) + JSON.stringify(cwPayload(['fine'], 'ok')));
    const result = await kin(kinesisEvent([gzipSync(JSON.stringify(TAINTED)), both]));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(streamJson(aws.server, STREAMS.app).map((e) => e.id)).toEqual(['ok-0']);
    const { entries, events, opened } = await envelopeQuarantine();
    const seq = (i: number): string => `shardId-000000000000:4960000000000000000000000000000000000000000000000000000${i}`;
    expect(entries.map((e) => e.source)).toEqual([{ recordId: seq(0) }, { recordId: seq(1) }]);
    // Named by place in messages; the sources keep the eventIDs.
    expect(events.map((e) => (e.message as string).split(': payload fields')[0])).toEqual(['Records[0]', 'Records[1] payload 0']);
    expect(opened).toEqual([TAINTED, TAINTED]);
    const m = kin.runtime.metrics.snapshot();
    expect(m).toMatchObject({ recordsIn: 3, appOut: 1, quarantined: 2 });
    expect(balanced(m)).toBe(true);
    expectNothingRaw();
  });

  it('quarantines only the events whose id or timestamp holds a finding, and quotes neither', async () => {
    const sub = await openHandler('cloudwatch-subscription', aws.env);
    const payload = cwPayload(['first', 'second', 'third']);
    const events = payload.logEvents as Array<Record<string, unknown>>;
    events[1] = { ...events[1], id: EVENT_ID };
    events[2] = { ...events[2], timestamp: 4539148803436467 };
    // Malformed (no timestamp) and its id a card number: its problem must not quote the id.
    events.push({ id: '5500005555555559', message: 'fourth' });
    const result = await sub(awslogsEvent(payload));
    expect(result).toMatchObject({ recordsIn: 4, appOut: 1, dropped: 0, quarantined: 3, logGroup: payload.logGroup });
    expect(streamJson(aws.server, STREAMS.app).map((e) => e.id)).toEqual(['ev-0']);
    const { entries, events: quarantined, opened } = await envelopeQuarantine();
    const source = { logGroup: payload.logGroup, logStream: payload.logStream };
    expect(entries.map((e) => e.source)).toEqual([source, source, source]);
    expect(quarantined.map((e) => e.message)).toEqual([
      "awslogs.data: an event's field id (card-visa) holds a value the policy finds; the event is quarantined whole",
      "awslogs.data: an event's field timestamp (card-visa) holds a value the policy finds; the event is quarantined whole",
      "awslogs.data: an event's field id (card-mastercard) holds a value the policy finds; the event is quarantined whole",
    ]);
    expect(opened).toEqual(events.slice(1).map((e) => ({ ...payload, logEvents: [e] })));
    expect(balanced(sub.runtime.metrics.snapshot())).toBe(true);
    expectNothingRaw([EVENT_ID, '4539148803436467', '5500005555555559']);
  });

  it('quarantines an event whose id holds a value a key rule takes, under a policy of key rules alone', async () => {
    const dir = tempDir('logveil-envelope-keys-');
    const config = join(dir, 'logveil.yaml');
    writeFileSync(config, `patterns:\n  - ${join(ROOT, 'patterns', 'keys.yaml')}\n`);
    const sub = await openHandler('cloudwatch-subscription', { ...aws.env, LOGVEIL_CONFIG: config });
    expect(sub.runtime.policy.detectors).toHaveLength(0);
    const payload = cwPayload(['first', 'second']);
    const events = payload.logEvents as Array<Record<string, unknown>>;
    events[1] = { ...events[1], id: '{"password":"hunter2hunter2"}' };
    const result = await sub(awslogsEvent(payload));
    expect(result).toMatchObject({ recordsIn: 2, appOut: 1, dropped: 0, quarantined: 1 });
    expect(streamJson(aws.server, STREAMS.app).map((e) => e.id)).toEqual(['ev-0']);
    const { events: quarantined } = await envelopeQuarantine();
    expect(quarantined.map((e) => e.message)).toEqual([expect.stringMatching(/^awslogs\.data: an event's field id \(key:password\) holds a value the policy finds/)]);
    expect(balanced(sub.runtime.metrics.snapshot())).toBe(true);
    expectNothingRaw(['hunter2hunter2']);
  });
});
