/**
 * Every CloudWatch Logs, Firehose and Kinesis sample of the shared corpus goes through the handler
 * that takes it, against the local AWS server: the output decodes, the policy finds nothing in it
 * any more, and records in = app out + dropped + quarantined.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirehoseTransformEvent, KinesisStreamEvent } from '../../src/codecs/aws-events.js';
import type { LambdaCounts } from '../../src/lambda/metrics.js';
import type { AwsTestServer } from '../aws/server.js';
import { awslogsEvent, firehoseEvent, kinesisEvent, openHandler, rescan, startAws, securityEvents, STREAMS } from '../aws/lambda.js';
import { CORPORA_DIR } from '../helpers/corpora.js';

const FORMATS = join(CORPORA_DIR, 'formats');
const file = (...p: string[]): Buffer => readFileSync(join(FORMATS, ...p));
const json = <T>(...p: string[]): T => JSON.parse(file(...p).toString('utf8')) as T;
const list = (dir: string, suffix: string): string[] => readdirSync(join(FORMATS, dir)).filter((f) => f.endsWith(suffix)).sort();

/** Log events of awslogs data, decoded independently of the code under test. */
function eventsOf(data: Buffer): Array<{ id: string; message: string }> {
  const raw = data[0] === 0x1f ? gunzipSync(data) : data[0] === 0x78 ? inflateSync(data) : data;
  const text = raw.toString('utf8').trim();
  const docs = text.startsWith('{"messageType"') || text.startsWith('{\n') ? text.split(/\n(?=\{)/).map((t) => JSON.parse(t) as { messageType: string; logEvents: Array<{ id: string; message: string }> }) : [];
  return docs.flatMap((d) => (d.messageType === 'DATA_MESSAGE' ? d.logEvents : []));
}

let aws: { server: AwsTestServer; env: Record<string, string> };
let sub: Awaited<ReturnType<typeof openHandler<'cloudwatch-subscription'>>>;
let transform: Awaited<ReturnType<typeof openHandler<'firehose-transform'>>>;
let kinesis: Awaited<ReturnType<typeof openHandler<'kinesis'>>>;
beforeAll(async () => {
  aws = await startAws();
  sub = await openHandler('cloudwatch-subscription', aws.env);
  transform = await openHandler('firehose-transform', { ...aws.env, LOGVEIL_STATE_DIR: `${aws.env.LOGVEIL_STATE_DIR}/transform` });
  kinesis = await openHandler('kinesis', { ...aws.env, LOGVEIL_STATE_DIR: `${aws.env.LOGVEIL_STATE_DIR}/kinesis` });
});
afterAll(() => aws.server.close());

function delta(before: LambdaCounts, after: LambdaCounts): LambdaCounts {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof LambdaCounts]])) as unknown as LambdaCounts;
}

function expectBalanced(d: LambdaCounts): void {
  expect(d.recordsIn).toBeGreaterThan(0);
  expect(d.recordsIn).toBe(d.appOut + d.dropped + d.quarantined);
}

const findingsSeen: Record<string, number> = {};

/** Runs `fn` and returns the app lines it added and the metric deltas. */
async function run(handler: { runtime: { metrics: { snapshot(): LambdaCounts } } }, fn: () => Promise<unknown>): Promise<{ lines: string[]; d: LambdaCounts; result: unknown }> {
  const before = handler.runtime.metrics.snapshot();
  const from = aws.server.firehose.lines(STREAMS.app).length;
  const result = await fn();
  const d = delta(before, handler.runtime.metrics.snapshot());
  return { lines: aws.server.firehose.lines(STREAMS.app).slice(from), d, result };
}

const SUBSCRIPTION_SAMPLES: Array<[string, () => { awslogs: { data: string } }]> = [
  ...list('wire', '.lambda_awslogs_event.json').map((f): [string, () => { awslogs: { data: string } }] => [`wire/${f}`, () => json('wire', f)]),
  ...list('lambda_events', '.json')
    .filter((f) => /cloud[wW]atch-?[lL]og/.test(f) && !/kinesis/i.test(f))
    .map((f): [string, () => { awslogs: { data: string } }] => [`lambda_events/${f}`, () => json('lambda_events', f)]),
  ...list('cloudwatch_payloads', '.json')
    .filter((f) => !f.includes('sqs'))
    .map((f): [string, () => { awslogs: { data: string } }] => [`cloudwatch_payloads/${f}`, () => awslogsEvent(json('cloudwatch_payloads', f))]),
  ['aws_samples/valid_vpc_flow_cw.json', () => awslogsEvent(json('aws_samples', 'valid_vpc_flow_cw.json'))],
];

describe('cloudwatch-subscription handler over the corpus', () => {
  it.each(SUBSCRIPTION_SAMPLES)('%s', async (_name, load) => {
    const event = load();
    const input = eventsOf(Buffer.from(event.awslogs.data, 'base64'));
    const { lines, d } = await run(sub, () => sub(event));
    expectBalanced(d);
    expect(d.recordsIn).toBe(input.length);
    expect(lines).toHaveLength(d.appOut);
    const out = lines.map((l) => JSON.parse(l) as { id: string; message: string; logGroup: string });
    expect(out.map((o) => o.id)).toEqual(input.map((e) => e.id).filter((id) => out.some((o) => o.id === id)));
    expect(rescan(sub.runtime.policy, lines)).toEqual([]);
    const redacted = new Set(securityEvents(aws.server).filter((e) => e.type === 'findings').map((e) => (e.source as { eventId?: string }).eventId));
    for (const o of out) {
      const original = input.find((e) => e.id === o.id)?.message;
      if (!redacted.has(o.id)) expect(o.message).toBe(original);
    }
    findingsSeen.subscription = (findingsSeen.subscription ?? 0) + d.findings;
  });
});

const TRANSFORM_SAMPLES: Array<[string, () => FirehoseTransformEvent]> = [
  ...list('wire', '.firehose_transform_input.json').map((f): [string, () => FirehoseTransformEvent] => [`wire/${f}`, () => json('wire', f)]),
  ...list('lambda_events', '.json')
    .filter((f) => /firehose/i.test(f) && !/response/.test(f))
    .map((f): [string, () => FirehoseTransformEvent] => [`lambda_events/${f}`, () => json('lambda_events', f)]),
  ['aws_samples/multiple_records_firehose_cwlog (uncompressed)', () => firehoseEvent([file('aws_samples', 'multiple_records_firehose_cwlog')])],
  ...['alb_al_valid_logs.log', 'valid_vpc_flow_log.log', 'valid_vpc_flow_log_multi.log'].map((f): [string, () => FirehoseTransformEvent] => [`aws_samples/${f} (direct put)`, () => firehoseEvent([file('aws_samples', f)])]),
  ['cloudwatch_payloads/* (gzip, one record each)', () => firehoseEvent(list('cloudwatch_payloads', '.json').filter((f) => !f.includes('sqs')).map((f) => gzipSync(file('cloudwatch_payloads', f))))],
];

describe('firehose-transform handler over the corpus', () => {
  it.each(TRANSFORM_SAMPLES)('%s', async (_name, load) => {
    const event = load();
    const { d, result } = await run(transform, () => transform(event));
    const response = result as { records: Array<{ recordId: string; result: string; data?: string }> };
    expect(response.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
    expect(response.records.every((r) => r.result === 'Ok' || r.result === 'Dropped')).toBe(true);
    const lines = response.records.filter((r) => r.result === 'Ok').flatMap((r) => {
      const text = Buffer.from(r.data as string, 'base64').toString('utf8');
      expect(text.endsWith('\n')).toBe(true);
      return text.slice(0, -1).split('\n');
    });
    expectBalanced(d);
    expect(d.reingested).toBe(0);
    expect(lines).toHaveLength(d.appOut);
    expect(rescan(transform.runtime.policy, lines)).toEqual([]);
    findingsSeen.transform = (findingsSeen.transform ?? 0) + d.findings;
  });
});

const KINESIS_SAMPLES: Array<[string, () => KinesisStreamEvent]> = [
  ...list('lambda_events', '.json')
    .filter((f) => /kinesis/i.test(f) && !/firehose/i.test(f))
    .map((f): [string, () => KinesisStreamEvent] => [`lambda_events/${f}`, () => json('lambda_events', f)]),
  ...list('wire', '.decoded.json')
    .filter((f) => /kinesis/i.test(f) && !/CloudWatch/.test(f))
    .map((f): [string, () => KinesisStreamEvent] => [`wire/${f} (as records)`, () => kinesisEvent(json<unknown[]>('wire', f).map((x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x))))]),
  ['cloudwatch_payloads/events__sqs_*.json (JSON lines)', () => kinesisEvent(list('cloudwatch_payloads', '.json').filter((f) => f.includes('sqs')).map((f) => Buffer.from(JSON.stringify(json('cloudwatch_payloads', f)))))],
  ['wire/cloudtrail_from_panther_tests.json.gz (one gzipped JSON line)', () => kinesisEvent([file('wire', 'cloudtrail_from_panther_tests.json.gz')])],
];

describe('kinesis handler over the corpus', () => {
  it.each(KINESIS_SAMPLES)('%s', async (_name, load) => {
    const event = load();
    const { lines, d, result } = await run(kinesis, () => kinesis(event));
    expect(result).toEqual({ batchItemFailures: [] });
    expectBalanced(d);
    expect(lines).toHaveLength(d.appOut);
    expect(rescan(kinesis.runtime.policy, lines)).toEqual([]);
    findingsSeen.kinesis = (findingsSeen.kinesis ?? 0) + d.findings;
  });
});

describe('the corpus run as a whole', () => {
  it('found and redacted values through every handler, and the security stream holds none of them', () => {
    expect(findingsSeen.subscription).toBeGreaterThan(0);
    expect(findingsSeen.transform).toBeGreaterThan(0);
    expect(findingsSeen.kinesis).toBeGreaterThan(0);
    expect(rescan(sub.runtime.policy, aws.server.firehose.lines(STREAMS.security))).toEqual([]);
    expect(aws.server.firehose.lines(STREAMS.quarantine)).toEqual([]);
  });
});
