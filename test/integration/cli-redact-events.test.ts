/**
 * `logveil redact --format cloudwatch|firehose|kinesis` on saved Lambda events: each log record redacted
 * and written as the handler redacts and writes it (the handlers run here against the local AWS
 * servers, on the same events, and their output is the reference), in order; a bad event is
 * reported by file:line and counted while the others go through.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirehoseTransformResponse, KinesisBatchResponse } from '../../src/codecs/aws-events.js';
import type { AwsTestServer } from '../aws/server.js';
import { awslogsEvent, cwPayload, firehoseEvent, kinesisEvent, openHandler, securityEvents, startAws, STREAMS } from '../aws/lambda.js';
import { logveil } from '../helpers/cli.js';
import { tempDir } from '../helpers/keys.js';
import { ledgerEvents } from '../helpers/ledger.js';

const EMAIL = 'maria.lopez@corp-mail.net';
const IP = '198.51.100.23';
const CARD = '4111 1111 1111 1111';
const PASSWORD = 'hunter2-Correct-Horse';
const SECRETS = [EMAIL, IP, CARD, PASSWORD, '4111111111111111'];

const MESSAGES = [
  `user ${EMAIL} logged in`,
  `{"user":"bob","password":"${PASSWORD}","ip":"${IP}"}`,
  '{\n  "pretty": true,\n  "note": "nothing to redact"\n}\n',
  `payment failed\ncard ${CARD}\n`,
  'GET /healthz 200',
];

/** Token ciphertext differs between runs (their data keys differ): compared by label and kind. */
const tokens = (text: string): string => text.replace(/\[\[([A-Z0-9_]+):(tk1|h1)\.[A-Za-z0-9_.-]+\]\]/g, '[[$1:$2]]');

interface Summary {
  recordsIn: number;
  appOut: number;
  dropped: number;
  quarantined: number;
  balanced: boolean;
  quarantinedByCode: Record<string, number>;
  savedEvents: { events: number; controlMessages: number; emptyDataMessages: number; emptyRecords: number };
}

let aws: { server: AwsTestServer; env: Record<string, string> };
beforeAll(async () => {
  aws = await startAws();
});
afterAll(() => aws.server.close());

describe('logveil redact --format cloudwatch', () => {
  const dir = tempDir('logveil-cli-events-');
  const home = join(dir, 'state');
  // A payload with a card number as an event id: the handler quarantines that event whole.
  const tainted = { ...cwPayload(['tainted id'], 'b'), logEvents: [{ id: '4111111111111111', timestamp: 1, message: 'id is a card' }, { id: 'b-1', timestamp: 2, message: `b1 ${EMAIL}` }] };
  const events = [awslogsEvent(cwPayload(MESSAGES, 'a')), awslogsEvent(tainted), awslogsEvent(cwPayload(['last one'], 'c'))];
  /** The line of the bad event, after the first event pretty-printed. */
  const start = 1 + JSON.stringify(events[0], null, 2).split('\n').length;
  let result: ReturnType<typeof logveil>;
  let summary: Summary;
  let cli: string[];
  let lambda: string[];

  beforeAll(async () => {
    const subscription = await openHandler('cloudwatch-subscription', aws.env);
    for (const e of events) await subscription(e);
    lambda = aws.server.firehose.lines(STREAMS.app);
    // One event pretty-printed, a bad one, the others one a line.
    const bad = JSON.stringify({ awslogs: { data: `not base64: ${PASSWORD}` } });
    const truncated = JSON.stringify(events[1]).slice(0, 60);
    writeFileSync(join(dir, 'events.jsonl'), `${JSON.stringify(events[0], null, 2)}\n${bad}\n${truncated}\n${JSON.stringify(events[1])}\n${JSON.stringify(events[2])}\n`);
    result = logveil(['redact', '--format', 'cloudwatch', 'events.jsonl', '--out', 'out.jsonl', '--summary-json', 'summary.json', '-w', '1'], { cwd: dir, home });
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
    cli = readFileSync(join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n');
  });

  it('writes the records the subscription handler sends to its app stream, redacted, in order', () => {
    expect(lambda).toHaveLength(MESSAGES.length + 2);
    expect(cli.map(tokens)).toEqual(lambda.map(tokens));
    expect(cli.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'b-1', 'c-0']);
    expect(JSON.parse(cli[0] as string)).toMatchObject({ logGroup: '/aws/lambda/orders', timestamp: 1_700_000_000_000, message: expect.stringMatching(/^user \[\[EMAIL:tk1\.[^\]]+\]\] logged in$/) });
    const out = cli.join('\n');
    for (const secret of SECRETS) expect(out).not.toContain(secret);
  });

  it('reports each bad event by file:line and goes on', () => {
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(`events.jsonl:${start} BASE64_INVALID: awslogs.data: data is not valid base64; record quarantined`);
    expect(result.stderr).toContain(`events.jsonl:${start + 1} JSON_INVALID: the JSON value that starts here does not end: a string runs past the end of its line; record quarantined`);
    expect(result.stderr).toContain(`events.jsonl:${start + 2} SECRET_IN_ENVELOPE:`);
    for (const secret of SECRETS) expect(result.stderr).not.toContain(secret);
  });

  it('counts every log event: in = out + dropped + quarantined, a bad event as one record', () => {
    expect(summary).toMatchObject({ recordsIn: MESSAGES.length + 2 + 1 + 2, appOut: MESSAGES.length + 2, dropped: 0, quarantined: 3, balanced: true });
    expect(summary.quarantinedByCode).toEqual({ BASE64_INVALID: 1, JSON_INVALID: 1, SECRET_IN_ENVELOPE: 1 });
    expect(summary.savedEvents).toEqual({ events: 5, controlMessages: 0, emptyDataMessages: 0, emptyRecords: 0 });
    expect(result.stderr).toMatch(/records in 10, app out 7, dropped 0, quarantined 3\n/);
    expect(result.stderr).toMatch(/saved events 5, not records: control messages 0, empty data messages 0\n/);
  });

  it('names each record in the ledger by its event and its ids, never by a value', () => {
    const ledger = ledgerEvents(home);
    const findings = ledger.filter((e) => e.type === 'findings').map((e) => e.source as Record<string, unknown>);
    expect(findings[0]).toEqual({ file: 'events.jsonl:1', line: 1, logGroup: '/aws/lambda/orders', logStream: expect.any(String), eventId: 'a-0' });
    const quarantined = ledger.filter((e) => e.type === 'quarantine').map((e) => e.source as Record<string, unknown>);
    expect(quarantined).toEqual([
      { file: `events.jsonl:${start}` },
      { file: `events.jsonl:${start + 1}` },
      // The tainted event's source names its group and stream, not its id.
      { file: `events.jsonl:${start + 2}`, logGroup: '/aws/lambda/orders', logStream: expect.any(String) },
    ]);
    const text = JSON.stringify(ledger) + readFileSync(join(home, 'quarantine.jsonl'), 'utf8');
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
  it('reports what the policy would change over the log records with --dry-run, and writes nothing', () => {
    const dry = logveil(['redact', '--format', 'cloudwatch', 'events.jsonl', '--dry-run', '--json'], { cwd: dir, home: join(dir, 'dry-state') });
    expect(dry.status).toBe(3);
    const report = JSON.parse(dry.stdout) as { policy: { records: Record<string, number>; detectors: Record<string, { findings: number }> } };
    expect(report.policy.records).toEqual({ in: 10, changed: 4, dropped: 0, quarantined: 3 });
    expect(Object.keys(report.policy.detectors).sort()).toEqual(['card-visa', 'email', 'ipv4', 'key:password'].sort());
    expect(dry.stderr).toContain(`events.jsonl:${start} BASE64_INVALID`);
    for (const secret of SECRETS) expect(dry.stdout + dry.stderr).not.toContain(secret);
  });
});

describe('logveil redact --format cloudwatch on the middle of a private key', () => {
  it('redacts key body lines with neither BEGIN nor END in the event, as the handler does', async () => {
    const dir = tempDir('logveil-cli-pem-');
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    // Seven full body lines from the middle, a log event each: no BEGIN or END line anywhere.
    const middle = pem.trim().split('\n').slice(5, 12);
    expect(middle.every((l) => l.length === 64)).toBe(true);
    const event = awslogsEvent(cwPayload(middle, 'k'));
    const before = aws.server.firehose.lines(STREAMS.app).length;
    const subscription = await openHandler('cloudwatch-subscription', aws.env);
    await subscription(event);
    const lambda = aws.server.firehose.lines(STREAMS.app).slice(before);
    writeFileSync(join(dir, 'key.jsonl'), `${JSON.stringify(event)}\n`);
    const result = logveil(['redact', '--format', 'cloudwatch', 'key.jsonl', '--out', 'out.jsonl', '-w', '1'], { cwd: dir, home: join(dir, 'state') });
    expect(result.status).toBe(0);
    const cli = readFileSync(join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n');
    expect(cli).toHaveLength(middle.length);
    expect(cli.map(tokens)).toEqual(lambda.map(tokens));
    const out = cli.join('\n');
    for (const line of middle) expect(out).not.toContain(line);
  });
});

describe('logveil redact --format firehose', () => {
  const dir = tempDir('logveil-cli-firehose-');
  const home = join(dir, 'state');
  const control = { messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [{ id: '', timestamp: 1, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }] };
  const event = firehoseEvent([gzipSync(JSON.stringify(cwPayload(MESSAGES, 'f'))), Buffer.from(`plain ${IP}\n{"token":"${PASSWORD}"}\n`), gzipSync(JSON.stringify(control)), Buffer.alloc(0)]);
  event.records.push({ recordId: 'bad', approximateArrivalTimestamp: 1, data: `%%${PASSWORD}` });
  let result: ReturnType<typeof logveil>;
  let response: FirehoseTransformResponse;
  let cli: Array<{ recordId: string; result: string; data?: string }>;

  beforeAll(async () => {
    const transform = await openHandler('firehose-transform', aws.env);
    response = await transform(event);
    writeFileSync(join(dir, 'firehose.json'), JSON.stringify(event, null, 2));
    result = logveil(['redact', '--format', 'firehose', 'firehose.json', '--summary-json', 'summary.json'], { cwd: dir, home });
    cli = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { recordId: string; result: string; data?: string });
  });

  const decoded = (records: ReadonlyArray<{ recordId: string; result: string; data?: string }>): Array<[string, string, string | undefined]> =>
    records.map((r) => [r.recordId, r.result, r.data === undefined ? undefined : tokens(Buffer.from(r.data, 'base64').toString())]);

  it("answers each record, in order, as the transform's response does", () => {
    expect(cli.map((r) => [r.recordId, r.result])).toEqual([
      ['rec-0', 'Ok'],
      ['rec-1', 'Ok'],
      ['rec-2', 'Dropped'],
      ['rec-3', 'Dropped'],
      ['bad', 'Dropped'],
    ]);
    expect(decoded(cli)).toEqual(decoded(response.records));
    const data = decoded(cli).map((r) => r[2] ?? '').join('\n');
    expect(data).toMatch(/^plain \[\[IP:tk1\]\]$/m);
    for (const secret of SECRETS) expect(JSON.stringify(cli) + data).not.toContain(secret);
  });

  it('counts the log records, reports the bad record, and tells control messages and empty records apart', () => {
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('firehose.json:1 BASE64_INVALID: Firehose records[4]: data is not valid base64; record quarantined');
    expect(result.stderr).not.toMatch(/record bad|\bbad:/);
    expect(result.stderr).not.toContain(PASSWORD);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
    expect(summary).toMatchObject({ recordsIn: MESSAGES.length + 2 + 1, appOut: MESSAGES.length + 2, dropped: 0, quarantined: 1, balanced: true });
    expect(summary.savedEvents).toEqual({ events: 1, controlMessages: 1, emptyDataMessages: 0, emptyRecords: 1 });
  });
});

describe('logveil redact --format kinesis', () => {
  const dir = tempDir('logveil-cli-kinesis-');
  const home = join(dir, 'state');
  const control = { messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [{ id: '', timestamp: 1, message: 'CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.' }] };
  const first = kinesisEvent([gzipSync(JSON.stringify(cwPayload(MESSAGES, 'k'))), Buffer.from(`plain ${IP}\n{"token":"${PASSWORD}"}\n`), gzipSync(JSON.stringify(control)), Buffer.alloc(0)]);
  // A record whose data is not base64 and whose partition key, the producer's choice, is an address.
  const bad = first.Records[1] as (typeof first.Records)[number];
  first.Records.push({ ...bad, kinesis: { ...bad.kinesis, partitionKey: EMAIL, data: `%%${PASSWORD}` }, eventID: 'shardId-000000000000:bad' });
  const second = kinesisEvent([Buffer.from(`card ${CARD}\nlast line`)]);
  let result: ReturnType<typeof logveil>;
  let response: KinesisBatchResponse;
  let lambda: string[];
  let cli: string[];
  let summary: Summary;
  /** The line the second event starts on, after the first pretty-printed and one that is no Kinesis event. */
  const start = JSON.stringify(first, null, 2).split('\n').length + 1;

  beforeAll(async () => {
    const before = aws.server.firehose.lines(STREAMS.app).length;
    const kinesis = await openHandler('kinesis', aws.env);
    response = await kinesis(first);
    await kinesis(second);
    lambda = aws.server.firehose.lines(STREAMS.app).slice(before);
    writeFileSync(join(dir, 'kinesis.json'), `${JSON.stringify(first, null, 2)}\n${JSON.stringify({ records: [] })}\n${JSON.stringify(second)}\n`);
    result = logveil(['redact', '--format', 'kinesis', 'kinesis.json', '--out', 'out.jsonl', '--summary-json', 'summary.json', '-w', '1'], { cwd: dir, home });
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
    cli = readFileSync(join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n');
  });

  it('writes the records the Kinesis handler sends to its app stream, redacted, in order', () => {
    expect(response).toEqual({ batchItemFailures: [] });
    expect(lambda).toHaveLength(MESSAGES.length + 2 + 2);
    expect(cli.map(tokens)).toEqual(lambda.map(tokens));
    expect(cli.slice(0, MESSAGES.length).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['k-0', 'k-1', 'k-2', 'k-3', 'k-4']);
    expect(cli.slice(MESSAGES.length)).toEqual([expect.stringMatching(/^plain \[\[IP:tk1\.[^\]]+\]\]$/), expect.stringMatching(/^\{"token":"\[\[/), 'card ***************1111', 'last line']);
    for (const secret of SECRETS) expect(cli.join('\n')).not.toContain(secret);
  });

  it('names a bad record by its place, as the handler now does, never by its ids or partition key', () => {
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('kinesis.json:1 BASE64_INVALID: Kinesis Records[4]: data is not valid base64; record quarantined');
    expect(result.stderr).toContain(`kinesis.json:${start} EVENT_INVALID: not a Kinesis Data Streams event: it has no Records array; record quarantined`);
    expect(result.stderr).not.toMatch(/shardId|:bad\b/);
    const handler = securityEvents(aws.server).filter((e) => e.type === 'quarantine' && (e.source as { recordId?: string }).recordId === 'shardId-000000000000:bad');
    expect(handler.map((e) => e.message)).toEqual(['Kinesis Records[4]: data is not valid base64']);
    for (const secret of SECRETS) expect(result.stderr + JSON.stringify(handler)).not.toContain(secret);
  });

  it('counts the log records: in = out + dropped + quarantined, and tells empty records apart', () => {
    expect(summary).toMatchObject({ recordsIn: MESSAGES.length + 2 + 2 + 2, appOut: MESSAGES.length + 4, dropped: 0, quarantined: 2, balanced: true });
    expect(summary.quarantinedByCode).toEqual({ BASE64_INVALID: 1, EVENT_INVALID: 1 });
    expect(summary.savedEvents).toEqual({ events: 3, controlMessages: 1, emptyDataMessages: 0, emptyRecords: 1 });
    expect(result.stderr).toMatch(/saved events 3, not records: control messages 1, empty data messages 0, empty Kinesis records 1\n/);
  });

  it('reports what the policy would change over the log records with --dry-run', () => {
    const dry = logveil(['redact', '--format', 'kinesis', 'kinesis.json', '--dry-run', '--json', '-w', '1'], { cwd: dir, home: join(dir, 'dry-state') });
    expect(dry.status).toBe(3);
    const report = JSON.parse(dry.stdout) as { policy: { records: Record<string, number> } };
    expect(report.policy.records).toMatchObject({ in: summary.recordsIn, dropped: 0, quarantined: 2 });
    expect(dry.stderr).toContain('kinesis.json:1 BASE64_INVALID: Kinesis Records[4]');
    for (const secret of SECRETS) expect(dry.stdout + dry.stderr).not.toContain(secret);
  });

  it('names each record in the ledger by its event, its place and its eventID', () => {
    const ledger = ledgerEvents(home);
    const findings = ledger.filter((e) => e.type === 'findings').map((e) => e.source as Record<string, unknown>);
    expect(findings[0]).toEqual({ file: 'kinesis.json:1', line: 1, logGroup: '/aws/lambda/orders', logStream: expect.any(String), eventId: 'k-0', recordId: first.Records[0]?.eventID });
    expect(findings).toContainEqual({ file: 'kinesis.json:1', line: MESSAGES.length + 1, recordId: first.Records[1]?.eventID });
    const text = JSON.stringify(ledger) + readFileSync(join(home, 'quarantine.jsonl'), 'utf8');
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
});
