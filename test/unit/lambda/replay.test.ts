import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionOverrides } from '../../../src/act/actions.js';
import { messageLine } from '../../../src/codecs/log-events.js';
import type { CompiledPolicy } from '../../../src/detect/compile.js';
import type { RunSummary } from '../../../src/pipeline/accounting.js';
import type { BatchLimits } from '../../../src/pipeline/batcher.js';
import { redactStreams } from '../../../src/pipeline/engine.js';
import { SavedEvents, type SavedEventFormat } from '../../../src/lambda/replay.js';
import type { QuarantineEntry } from '../../../src/pipeline/batch.js';
import { LineWriter } from '../../../src/sinks/line-writer.js';
import type { SecuritySink } from '../../../src/sinks/security-events.js';
import type { SecurityEvent } from '../../../src/telemetry/events.js';
import { builtinPolicy, LIMITS } from '../../helpers/engine.js';
import { localKeys, tempDir } from '../../helpers/keys.js';

const EMAIL = 'maria.lopez@corp-mail.net';
const IP = '198.51.100.23';

/** A CloudWatch Logs payload of `messages`, ids `<prefix>-<n>`. */
function payload(messages: readonly string[], prefix = 'ev'): Record<string, unknown> {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '111122223333',
    logGroup: '/aws/lambda/orders',
    logStream: '2026/11/28/[$LATEST]0123456789abcdef',
    subscriptionFilters: ['logveil'],
    logEvents: messages.map((message, i) => ({ id: `${prefix}-${i}`, timestamp: 1_700_000_000_000 + i, message })),
  };
}

const awslogs = (p: unknown): string => JSON.stringify({ awslogs: { data: gzipSync(JSON.stringify(p)).toString('base64') } });
const control = { messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [{ id: '', timestamp: 1, message: 'CWL CONTROL MESSAGE: Checking health of destination' }] };

interface Replayed {
  summary: RunSummary;
  out: string[];
  problems: string[];
  events: SecurityEvent[];
  quarantine: QuarantineEntry[];
  replay: SavedEvents;
}

let policy: CompiledPolicy;
beforeAll(() => {
  policy = builtinPolicy();
});

/** Runs `text` (a file's content) through the engine as saved events, on the main thread. */
async function replay(format: SavedEventFormat, text: string, o: { batch?: Partial<BatchLimits>; actions?: ActionOverrides } = {}): Promise<Replayed> {
  const dir = tempDir('logveil-replay-');
  const file = join(dir, 'events.json');
  writeFileSync(file, text);
  const { keys } = await localKeys(join(dir, 'state'));
  const quarantineKey = await keys.current();
  const out: Buffer[] = [];
  const app = LineWriter.forStream(new Writable({ write: (c: Buffer, _e, done) => void (out.push(Buffer.from(c)), done()) }));
  const events: SecurityEvent[] = [];
  const security: SecuritySink = {
    write: async (e) => void events.push(...e),
    writeCanonical: async (e) => void events.push(...e.map((x) => JSON.parse(x) as SecurityEvent)),
    flush: async () => undefined,
    close: async () => undefined,
  };
  const quarantine: QuarantineEntry[] = [];
  const sink = { write: async (e: readonly QuarantineEntry[]) => void quarantine.push(...e) };
  const problems: string[] = [];
  const saved = new SavedEvents({ format, policy, quarantineKey, security, quarantine: sink, app, onProblem: (m) => problems.push(m) });
  const summary = await redactStreams(saved.inputs([file]), {
    policy,
    actions: o.actions ?? {},
    keys,
    quarantineKey,
    format: 'auto',
    limits: LIMITS,
    workers: 0,
    app: saved.output.engineOutput,
    security: saved.output.security(security),
    quarantine: saved.output.quarantine(sink),
    observer: saved.output.observer(),
    onProblem: saved.output.problems((m) => problems.push(m)),
    batch: o.batch ?? {},
  });
  await saved.output.finish();
  keys.close();
  const lines = Buffer.concat(out).toString();
  return { summary: saved.summary(summary), out: lines === '' ? [] : lines.replace(/\n$/, '').split('\n'), problems: problems.map((p) => p.replace(file, 'events.json')), events, quarantine, replay: saved };
}

const balanced = (s: RunSummary): boolean => s.recordsIn === s.appOut + s.dropped + s.quarantined && s.balanced;

describe('saved CloudWatch Logs events', () => {
  it('gives the engine one line per log event, as the handler gives them to the batch core', async () => {
    const messages = [`user ${EMAIL} logged in`, '{\n  "pretty": true\n}\n', 'two\nlines', 'plain'];
    const saved = new SavedEvents({ format: 'cloudwatch', policy, quarantineKey: (await (await localKeys()).keys.current()), security: {} as SecuritySink, quarantine: { write: async () => undefined }, app: {} as LineWriter, onProblem: () => undefined });
    const file = join(tempDir('logveil-replay-'), 'e.json');
    writeFileSync(file, `${JSON.stringify(JSON.parse(awslogs(payload(messages))), null, 2)}\n${JSON.stringify(payload(['decoded']))}\n`);
    const [input] = saved.inputs([file]);
    const given: Buffer[] = [];
    for await (const chunk of input?.chunks() ?? []) given.push(Buffer.from(chunk));
    expect(Buffer.concat(given).toString()).toBe([...messages, 'decoded'].map((m) => `${messageLine(m).line}\n`).join(''));
    expect(saved.counts).toEqual({ events: 2, controlMessages: 0, emptyDataMessages: 0, emptyRecords: 0 });
  });

  it('writes each kept event as the handler writes it, in order, redacted', async () => {
    const messages = [`user ${EMAIL} logged in`, '{\n  "pretty": true\n}\n', `{"user":"bob","password":"hunter22","ip":"${IP}"}`, 'nothing here'];
    const r = await replay('cloudwatch', `${awslogs(payload(messages))}\n`);
    const records = r.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((x) => x.id)).toEqual(['ev-0', 'ev-1', 'ev-2', 'ev-3']);
    expect(Object.keys(records[0] ?? {})).toEqual(['id', 'timestamp', 'logGroup', 'logStream', 'owner', 'message']);
    expect(records[0]?.message).toMatch(/^user \[\[EMAIL:tk1\.[^\]]+\]\] logged in$/);
    // Unchanged: the message as it came, pretty-printed.
    expect(records[1]?.message).toBe(messages[1]);
    expect(records[2]?.message).toMatch(/^\{"user":"bob","password":"\[\[PASSWORD\]\]","ip":"\[\[IP:tk1\./);
    expect(records[3]?.message).toBe('nothing here');
    expect(r.out.join('\n')).not.toMatch(/maria\.lopez|hunter22|198\.51\.100\.23/);
    expect(r.summary).toMatchObject({ recordsIn: 4, appOut: 4, quarantined: 0 });
  });

  it('keeps lines and events apart when batches span events and lines are quarantined', async () => {
    const text = [awslogs(payload(['a1', `{"k":1,"k":"${EMAIL}"}`, 'a3'], 'a')), awslogs(payload([`b1 ${EMAIL}`, 'b2'], 'b')), awslogs(payload(['c1'], 'c'))].join('\n');
    const r = await replay('cloudwatch', text, { batch: { maxBatchRecords: 2 } });
    expect(r.out.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['a-0', 'a-2', 'b-0', 'b-1', 'c-0']);
    expect(r.problems).toEqual([expect.stringMatching(/^events\.json:1:2 DUPLICATE_KEY: .*; record quarantined$/)]);
    expect(r.quarantine.map((q) => q.source)).toEqual([{ file: expect.stringMatching(/events\.json:1$/), line: 2, logGroup: '/aws/lambda/orders', logStream: '2026/11/28/[$LATEST]0123456789abcdef', eventId: 'a-1' }]);
    const findings = r.events.filter((e) => e.type === 'findings');
    expect(findings.map((e) => [e.source?.file?.replace(/.*\//, ''), e.source?.line, e.source?.eventId])).toEqual([['events.json:2', 1, 'b-0']]);
    expect(r.summary).toMatchObject({ recordsIn: 6, appOut: 5, dropped: 0, quarantined: 1 });
    expect(balanced(r.summary)).toBe(true);
  });

  it('reports each bad event by file:line, quarantines and counts it, and goes on', async () => {
    const text = [
      awslogs(payload([`first ${EMAIL}`], 'a')),
      `not json password=hunter22`,
      JSON.stringify({ awslogs: { data: '%%%hunter22' } }),
      JSON.stringify({ awslogs: { data: Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]).toString('base64') } }),
      JSON.stringify({ messageType: 'DATA_MESSAGE', logStream: 's', logEvents: [{ id: '1', timestamp: 1, message: 'hunter22' }] }),
      awslogs(payload([])),
      awslogs(control),
      JSON.stringify({ hello: 'hunter22' }),
      awslogs({ ...payload(['ok']), logEvents: [{ id: 'x', timestamp: 1, message: 'kept' }, { id: 'y', message: 'hunter22' }] }),
      awslogs(payload(['last'], 'z')),
    ].join('\n');
    const r = await replay('cloudwatch', text);
    expect(r.problems).toEqual([
      'events.json:2 EVENT_INVALID: not a JSON object; record quarantined',
      'events.json:3 BASE64_INVALID: awslogs.data: data is not valid base64; record quarantined',
      expect.stringMatching(/^events\.json:4 GZIP_INVALID: awslogs\.data: gzip data does not decompress \(.+\); record quarantined$/),
      'events.json:5 CWL_INVALID: payload: field logGroup must be a string; record quarantined',
      'events.json:8 EVENT_INVALID: neither a CloudWatch Logs subscription event (awslogs.data) nor a payload (messageType); record quarantined',
      'events.json:9 CWL_EVENT_INVALID: awslogs.data: logEvents[1] (id y) field timestamp must be a number; record quarantined',
    ]);
    expect(r.problems.join('\n')).not.toContain('hunter22');
    expect(r.out.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual([expect.stringMatching(/^first \[\[EMAIL:/), 'kept', 'last']);
    // Six bad inputs, a record each, and three log events; the control message and the data
    // message without events are no records, as the handler drops them.
    expect(r.summary).toMatchObject({ recordsIn: 9, appOut: 3, dropped: 0, quarantined: 6 });
    expect(balanced(r.summary)).toBe(true);
    expect(r.replay.counts).toEqual({ events: 10, controlMessages: 1, emptyDataMessages: 1, emptyRecords: 0 });
    expect(r.quarantine.map((q) => q.code)).toEqual(['EVENT_INVALID', 'BASE64_INVALID', 'GZIP_INVALID', 'CWL_INVALID', 'EVENT_INVALID', 'CWL_EVENT_INVALID']);
    expect(JSON.stringify(r.quarantine)).not.toContain('hunter22');
  });

  it('pairs each kept line with its event in batches that drop, quarantine and keep lines', async () => {
    const actions: ActionOverrides = { byDetector: { email: { type: 'drop-record' } } };
    const text = [awslogs(payload(['a', `b ${EMAIL}`, `{"k":1,"k":"${IP}"}`, 'd'], 'a')), awslogs(payload([`e ${EMAIL}`, `f ${IP}`], 'b')), awslogs(payload(['g'], 'c'))].join('\n');
    for (const batch of [{}, { maxBatchRecords: 3 }]) {
      const r = await replay('cloudwatch', text, { actions, batch });
      const records = r.out.map((l) => JSON.parse(l) as { id: string; message: string });
      expect(records.map((x) => x.id)).toEqual(['a-0', 'a-3', 'b-1', 'c-0']);
      expect(records.map((x) => x.message)).toEqual(['a', 'd', expect.stringMatching(/^f \[\[IP:tk1\./), 'g']);
      expect(r.quarantine.map((q) => [q.source.file?.replace(/.*\//, ''), q.source.line, q.source.eventId])).toEqual([['events.json:1', 3, 'a-2']]);
      expect(r.summary).toMatchObject({ recordsIn: 7, appOut: 4, dropped: 2, quarantined: 1 });
      expect(balanced(r.summary)).toBe(true);
    }
  });
});

describe('saved Firehose transformation events', () => {
  const event = (data: readonly Buffer[], ids?: readonly string[]): string =>
    JSON.stringify(
      {
        invocationId: 'inv-1',
        deliveryStreamArn: 'arn:aws:firehose:us-east-1:111122223333:deliverystream/logs',
        region: 'us-east-1',
        records: data.map((d, i) => ({ recordId: ids?.[i] ?? `rec-${i}`, approximateArrivalTimestamp: 1_700_000_000_000 + i, data: d.toString('base64') })),
      },
      null,
      2,
    );

  it('answers every record once, in order, as the transform answers it', async () => {
    const records = [gzipSync(JSON.stringify(payload([`fh ${EMAIL}`, 'fh ok'], 'f'))), Buffer.from(`plain ${IP}\nsecond\n`), Buffer.alloc(0), gzipSync(JSON.stringify(control)), gzipSync(JSON.stringify(payload([])))];
    const text = `${event(records)}\n${JSON.stringify({ records: 'none' })}\n${event([Buffer.from('x')], ['only'])}`;
    const r = await replay('firehose', text, { batch: { maxBatchRecords: 2 } });
    const answers = r.out.map((l) => JSON.parse(l) as { recordId: string; result: string; data?: string });
    expect(answers.map((a) => [a.recordId, a.result])).toEqual([
      ['rec-0', 'Ok'],
      ['rec-1', 'Ok'],
      ['rec-2', 'Dropped'],
      ['rec-3', 'Dropped'],
      ['rec-4', 'Dropped'],
      ['only', 'Ok'],
    ]);
    const data = answers.map((a) => (a.data === undefined ? undefined : Buffer.from(a.data, 'base64').toString()));
    const events = (data[0] ?? '').trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; message: string });
    expect(events.map((e) => e.id)).toEqual(['f-0', 'f-1']);
    expect(events[0]?.message).toMatch(/^fh \[\[EMAIL:tk1\./);
    expect(data[1]).toMatch(/^plain \[\[IP:tk1\.[^\]]+\]\]\nsecond\n$/);
    expect(data[5]).toBe('x\n');
    expect(r.problems).toEqual([
      `events.json:${event(records).split('\n').length + 1} EVENT_INVALID: not a Firehose transformation event: it has no records array; record quarantined`,
    ]);
    expect(r.summary).toMatchObject({ recordsIn: 6, appOut: 5, dropped: 0, quarantined: 1 });
    expect(balanced(r.summary)).toBe(true);
    expect(r.replay.counts).toEqual({ events: 3, controlMessages: 1, emptyDataMessages: 1, emptyRecords: 1 });
  });

  it('names a record by its place in security events where its id holds what the policy would redact, and answers it by its id', async () => {
    const ids = ['alice.leak@example.com', 'AKIAQ4LXZP7RWM3TNV5K', '49546986683135544286507457936321625675700192471156785154'];
    const r = await replay('firehose', event([Buffer.from(`a ${EMAIL}`), Buffer.from(`b ${EMAIL}`), Buffer.from(`c ${EMAIL}`)], ids));
    expect(r.out.map((l) => (JSON.parse(l) as { recordId: string }).recordId)).toEqual(ids);
    const sources = r.events.filter((e) => e.type === 'findings').map((e) => e.source?.recordId);
    expect(sources).toEqual(['records[0]', 'records[1]', ids[2]]);
    expect(JSON.stringify(r.events)).not.toMatch(/alice\.leak|AKIAQ4LXZP7RWM3TNV5K/);
  });

  it("reads an event written with Python's indent=0 as one, and a top-level array as its events", async () => {
    const one = event([Buffer.from(`a ${EMAIL}`), Buffer.from('b')]);
    const indent0 = one.replace(/\n +/g, '\n');
    const r = await replay('firehose', indent0);
    expect(r.problems).toEqual([]);
    expect(r.out.map((l) => (JSON.parse(l) as { recordId: string; result: string }).result)).toEqual(['Ok', 'Ok']);
    expect(r.replay.counts.events).toBe(1);
    const arr = await replay('firehose', `[${JSON.stringify(JSON.parse(one))},\n${one}\n]\n`);
    expect(arr.problems).toEqual([]);
    expect(arr.out).toHaveLength(4);
    expect(arr.replay.counts.events).toBe(2);
    expect(balanced(arr.summary)).toBe(true);
  });
});

describe('saved Kinesis Data Streams events', () => {
  const PARTITION_KEY = 'user-maria.lopez@corp-mail.net';
  const record = (data: Buffer | string, i: number): Record<string, unknown> => {
    const sequenceNumber = `4960000000000000000000000000000000000000000000000000${String(i).padStart(4, '0')}`;
    return {
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: PARTITION_KEY, sequenceNumber, data: typeof data === 'string' ? data : data.toString('base64'), approximateArrivalTimestamp: 1_700_000_000 + i },
      eventSource: 'aws:kinesis',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventSourceARN: 'arn:aws:kinesis:us-east-1:111122223333:stream/logs',
      awsRegion: 'us-east-1',
    };
  };
  const event = (data: ReadonlyArray<Buffer | string>): Record<string, unknown> => ({ Records: data.map(record) });

  it('writes each kept log record as the Kinesis handler sends it to its app stream, in order', async () => {
    const records = [gzipSync(JSON.stringify(payload([`k ${EMAIL}`, 'k ok'], 'k'))), Buffer.from(`plain ${IP}\n{"k":1,"k":"${EMAIL}"}\nsecond\n`), Buffer.alloc(0), gzipSync(JSON.stringify(control)), gzipSync(JSON.stringify(payload([])))];
    const first = JSON.stringify(event(records), null, 2);
    const text = `${first}\n${JSON.stringify({ records: [] })}\n${JSON.stringify(event([Buffer.from('x')]))}\n`;
    const r = await replay('kinesis', text, { batch: { maxBatchRecords: 2 } });
    expect(r.out).toHaveLength(5);
    const events = r.out.slice(0, 2).map((l) => JSON.parse(l) as { id: string; message: string });
    expect(events.map((e) => e.id)).toEqual(['k-0', 'k-1']);
    expect(events[0]?.message).toMatch(/^k \[\[EMAIL:tk1\./);
    expect(r.out.slice(2)).toEqual([expect.stringMatching(/^plain \[\[IP:tk1\.[^\]]+\]\]$/), 'second', 'x']);
    const next = first.split('\n').length + 1;
    // The event that is none is rejected as it is read, before the engine has the lines before it.
    expect(r.problems).toEqual([
      `events.json:${next} EVENT_INVALID: not a Kinesis Data Streams event: it has no Records array; record quarantined`,
      expect.stringMatching(/^events\.json:1:4 DUPLICATE_KEY: .*; record quarantined$/),
    ]);
    // A line's source names its event, its place there and its record's eventID.
    expect(r.quarantine.map((q) => q.source)).toEqual([
      { file: expect.stringMatching(new RegExp(`events\\.json:${next}$`)) },
      { file: expect.stringMatching(/events\.json:1$/), line: 4, recordId: 'shardId-000000000000:49600000000000000000000000000000000000000000000000000001' },
    ]);
    const findings = r.events.filter((e) => e.type === 'findings').map((e) => e.source);
    expect(findings.map((s) => [s?.line, s?.eventId, s?.recordId])).toEqual([
      [1, 'k-0', 'shardId-000000000000:49600000000000000000000000000000000000000000000000000000'],
      [3, undefined, 'shardId-000000000000:49600000000000000000000000000000000000000000000000000001'],
    ]);
    expect(r.summary).toMatchObject({ recordsIn: 7, appOut: 5, dropped: 0, quarantined: 2 });
    expect(balanced(r.summary)).toBe(true);
    expect(r.replay.counts).toEqual({ events: 3, controlMessages: 1, emptyDataMessages: 1, emptyRecords: 1 });
    expect(r.replay.describe()).toBe('saved events 3, not records: control messages 1, empty data messages 1, empty Kinesis records 1');
  });

  it('names a bad record by its place, never by its partition key or its data, and quarantines it', async () => {
    const badGzip = Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]);
    const text = JSON.stringify({ Records: [record(Buffer.from('fine'), 0), record('%%hunter22', 1), record(badGzip, 2), null, { kinesis: { partitionKey: PARTITION_KEY, data: 42 } }] });
    const r = await replay('kinesis', text);
    expect(r.out).toEqual(['fine']);
    expect(r.problems).toEqual([
      'events.json:1 BASE64_INVALID: Kinesis Records[1]: data is not valid base64; record quarantined',
      expect.stringMatching(/^events\.json:1 GZIP_INVALID: Records\[2\]: gzip data does not decompress \(.+\); record quarantined$/),
      'events.json:1 BASE64_INVALID: Kinesis Records[3]: data is not a string; record quarantined',
      'events.json:1 BASE64_INVALID: Kinesis Records[4]: data is not a string; record quarantined',
    ]);
    const said = r.problems.join('\n');
    for (const raw of ['hunter22', PARTITION_KEY, 'maria', 'shardId']) expect(said).not.toContain(raw);
    expect(r.quarantine.map((q) => q.source.recordId)).toEqual([expect.stringMatching(/^shardId-.*1$/), expect.stringMatching(/^shardId-.*2$/), 'Records[3]', 'Records[4]']);
    expect(JSON.stringify(r.quarantine) + JSON.stringify(r.events)).not.toMatch(/hunter22|maria\.lopez/);
    expect(r.summary).toMatchObject({ recordsIn: 5, appOut: 1, dropped: 0, quarantined: 4 });
    expect(balanced(r.summary)).toBe(true);
  });
});
