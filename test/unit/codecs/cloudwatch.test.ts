import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeAwslogsData,
  decodeBase64,
  decompress,
  describeSource,
  eventSource,
  parseCloudWatchPayloads,
  splitJsonValues,
} from '../../../src/codecs/cloudwatch.js';
import { CodecError } from '../../../src/errors.js';
import { CORPORA_DIR } from '../../helpers/corpora.js';

const FORMATS = join(CORPORA_DIR, 'formats');
const read = (...p: string[]): string => readFileSync(join(FORMATS, ...p), 'utf8');

/** Lambda test events and the decoded payloads the corpus pairs them with. */
const PAIRS = [
  ['lambda_events/aws-lambda-go__cloudwatch-logs-event.json', 'wire/aws_lambda_go_events__cloudwatch-logs-event.decoded.json'],
  ['lambda_events/powertools__cloudWatchLogEvent.json', 'wire/aws_lambda_powertools_python_events__cloudWatchLogEvent.decoded.json'],
  ['lambda_events/powertools__cloudWatchLogEventWithPolicyLevel.json', 'wire/aws_lambda_powertools_python_events__cloudWatchLogEventWithPolicyLevel.decoded.json'],
] as const;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError);
    return (err as CodecError).code;
  }
  throw new Error('expected a CodecError');
}

describe('CloudWatch Logs subscription payloads', () => {
  it.each(PAIRS)('decodes %s to the payload the corpus decoded', (eventFile, decodedFile) => {
    const event = JSON.parse(read(eventFile)) as { awslogs: { data: string } };
    const expected = JSON.parse(read(decodedFile)) as { logGroup: string; logStream: string; logEvents: unknown[]; owner: string };
    const [payload] = decodeAwslogsData(event.awslogs.data, 'awslogs.data');
    expect(payload?.logGroup).toBe(expected.logGroup);
    expect(payload?.logStream).toBe(expected.logStream);
    expect(payload?.owner).toBe(expected.owner);
    expect(payload?.logEvents).toEqual(expected.logEvents);
    expect(payload?.invalidEvents).toEqual([]);
  });

  it('reads zlib as well as gzip (the policy-level sample is zlib)', () => {
    const data = (JSON.parse(read(PAIRS[2][0])) as { awslogs: { data: string } }).awslogs.data;
    expect(decompress(Buffer.from(data, 'base64'), 'x').compression).toBe('zlib');
    const payload = { messageType: 'DATA_MESSAGE', owner: '1', logGroup: 'g', logStream: 's', subscriptionFilters: [], logEvents: [{ id: 'a', timestamp: 1, message: 'm' }] };
    for (const packed of [gzipSync(JSON.stringify(payload)), deflateSync(JSON.stringify(payload))]) {
      expect(decodeAwslogsData(packed.toString('base64'), 'x')[0]?.logEvents).toEqual(payload.logEvents);
    }
  });

  it('reads back-to-back and newline-delimited payloads (as Firehose concatenates them)', () => {
    const text = read('aws_samples/multiple_records_firehose_cwlog');
    const payloads = parseCloudWatchPayloads(Buffer.from(text), 'record r1');
    expect(payloads.map((p) => p.logEvents[0]?.message)).toEqual(['Hello world, here is our first log message!', 'Hello world, here is our second log message!']);
    const glued = text.replace(/\n/g, '');
    expect(parseCloudWatchPayloads(Buffer.from(glued), 'r')).toHaveLength(2);
    expect(splitJsonValues('{"a":"}{\\"x"} [1,{"b":"]"}]\n', 'x')).toEqual(['{"a":"}{\\"x"}', '[1,{"b":"]"}]']);
  });

  it('keeps CONTROL_MESSAGE payloads recognizable', () => {
    const control = { messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [{ id: '', timestamp: 1, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }] };
    const [p] = decodeAwslogsData(gzipSync(JSON.stringify(control)).toString('base64'), 'x');
    expect(p?.messageType).toBe('CONTROL_MESSAGE');
  });

  it('lists malformed events by index and id and keeps the others', () => {
    const payload = {
      messageType: 'DATA_MESSAGE',
      owner: '1',
      logGroup: 'g',
      logStream: 's',
      subscriptionFilters: [],
      logEvents: [{ id: 'ok', timestamp: 1, message: 'fine' }, { id: 'e2', timestamp: 'x', message: 'secret@example.com' }, { timestamp: 1, message: 'm' }, null],
    };
    const [p] = parseCloudWatchPayloads(Buffer.from(JSON.stringify(payload)), 'awslogs.data');
    expect(p?.logEvents.map((e) => e.id)).toEqual(['ok']);
    expect(p?.invalidEvents.map((e) => [e.index, e.id, e.code])).toEqual([
      [1, 'e2', 'CWL_EVENT_INVALID'],
      [2, undefined, 'CWL_EVENT_INVALID'],
      [3, undefined, 'CWL_EVENT_INVALID'],
    ]);
    expect(p?.invalidEvents[0]?.message).toContain('logEvents[1] (id e2) field timestamp');
    expect(p?.invalidEvents[0]?.message).not.toContain('secret@example.com');
  });

  it('names what is wrong and where, never the content', () => {
    expect(codeOf(() => decodeBase64('not base64!', 'record r7'))).toBe('BASE64_INVALID');
    expect(codeOf(() => decodeAwslogsData(gzipSync('{"messageType":"DATA_MESSAGE"').subarray(0, 20).toString('base64'), 'awslogs.data'))).toBe('GZIP_INVALID');
    expect(codeOf(() => decodeAwslogsData(gzipSync('{"messageType":"DATA_MESSAGE","logGroup":5}').toString('base64'), 'x'))).toBe('CWL_INVALID');
    expect(codeOf(() => decodeAwslogsData(gzipSync('{"user":"alice@example.com"}').toString('base64'), 'x'))).toBe('CWL_INVALID');
    expect(codeOf(() => decodeAwslogsData(gzipSync('{"messageType":"DATA_MESSAGE", "x": alice@example.com}').toString('base64'), 'x'))).toBe('JSON_INVALID');
    expect(codeOf(() => parseCloudWatchPayloads(Buffer.from([0x7b, 0xff, 0x7d]), 'x'))).toBe('INVALID_UTF8');
    try {
      decodeAwslogsData(gzipSync('{"messageType":"DATA_MESSAGE", "x": alice@example.com}').toString('base64'), 'record r9');
    } catch (err) {
      expect((err as Error).message).toMatch(/^record r9: invalid JSON/);
      expect((err as Error).message).not.toContain('alice');
    }
  });

  it('refuses payloads that inflate past the limit (compression bombs)', () => {
    const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20));
    expect(codeOf(() => decompress(bomb, 'x', { maxDecodedBytes: 1024 * 1024 }))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses bytes after a zlib stream (a second stream), which would be left unread and uncounted', () => {
    const payload = (message: string) => JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '1', logGroup: 'g', logStream: 's', logEvents: [{ id: 'a', timestamp: 1, message }] });
    const first = deflateSync(payload('first'));
    expect(codeOf(() => decompress(Buffer.concat([first, deflateSync(payload('second'))]), 'x'))).toBe('ZLIB_INVALID');
    expect(codeOf(() => decodeAwslogsData(Buffer.concat([first, Buffer.from('more lines')]).toString('base64'), 'x'))).toBe('ZLIB_INVALID');
    expect(decodeAwslogsData(first.toString('base64'), 'x')[0]?.logEvents).toHaveLength(1);
    // Gzip's members are read one after another, as zcat reads them.
    expect(decodeAwslogsData(Buffer.concat([gzipSync(payload('first')), gzipSync(payload('second'))]).toString('base64'), 'x').map((p) => p.logEvents[0]?.message)).toEqual(['first', 'second']);
  });

  it('refuses a payload that repeats a key, whose earlier events or message a parser would leave out', () => {
    const events = (message: string) => `[{"id":"a","timestamp":1,"message":"${message}"}]`;
    const head = '{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s",';
    expect(codeOf(() => parseCloudWatchPayloads(Buffer.from(`${head}"logEvents":${events('bob@example.com')},"logEvents":${events('x')}}`), 'x'))).toBe('CWL_INVALID');
    expect(codeOf(() => parseCloudWatchPayloads(Buffer.from(`${head}"logEvents":[{"id":"a","timestamp":1,"message":"bob@example.com","message":"x"}]}`), 'x'))).toBe('CWL_INVALID');
    expect(codeOf(() => parseCloudWatchPayloads(Buffer.from(`${head}"logEvents":${events('bob@example.com')},"log\\u0045vents":${events('x')}}`), 'x'))).toBe('CWL_INVALID');
    expect(codeOf(() => parseCloudWatchPayloads(Buffer.from(`${head}"logEvents":[{"id":"a","timestamp":1,"message":"bob@example.com","mess\\u0061ge":"x"},{"id":"b","timestamp":1}]}`), 'x'))).toBe('CWL_INVALID');
    expect(parseCloudWatchPayloads(Buffer.from(`${head}"logEvents":${events('{\\"a\\":1,\\"a\\":2} \\u00e9')}}`), 'x')[0]?.logEvents).toHaveLength(1);
  });

  it('takes text that merely starts like a zlib header as uncompressed', () => {
    const text = Buffer.from('xZ plain text line');
    expect(decompress(text, 'x')).toEqual({ bytes: text, compression: 'none' });
  });

  it('quotes group, stream and event id in source references', () => {
    const [p] = parseCloudWatchPayloads(Buffer.from(JSON.stringify({ messageType: 'DATA_MESSAGE', logGroup: 'g', logStream: 's', logEvents: [] })), 'x');
    const source = eventSource(p as never, { id: '42' }, { recordId: 'r1' });
    expect(source).toEqual({ recordId: 'r1', logGroup: 'g', logStream: 's', eventId: '42' });
    expect(describeSource(source)).toBe('record r1 log group g stream s event 42');
  });
});
