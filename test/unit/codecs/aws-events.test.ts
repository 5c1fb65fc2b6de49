import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type * as Aws from 'aws-lambda';
import {
  decodeRecordData,
  deliveryStreamName,
  responseEntryBytes,
  type CloudWatchLogsLambdaEvent,
  type FirehoseTransformEvent,
  type FirehoseTransformResponse,
  type KinesisBatchResponse,
  type KinesisStreamEvent,
} from '../../../src/codecs/aws-events.js';
import { envelopeLine, messageFromLine, messageLine, messagePath } from '../../../src/codecs/log-events.js';
import { CodecError } from '../../../src/errors.js';
import { CORPORA_DIR } from '../../helpers/corpora.js';

const FORMATS = join(CORPORA_DIR, 'formats');
const json = <T>(...p: string[]): T => JSON.parse(readFileSync(join(FORMATS, ...p), 'utf8')) as T;

describe('event and response shapes', () => {
  it('take what Lambda sends and give what Lambda expects (the aws-lambda type definitions)', () => {
    // Compile-time checks: each function only type-checks if the shapes are assignable.
    const takes = [
      (e: Aws.CloudWatchLogsEvent): CloudWatchLogsLambdaEvent => e,
      (e: Aws.FirehoseTransformationEvent): FirehoseTransformEvent => e,
      (e: Aws.KinesisStreamEvent): KinesisStreamEvent => e,
    ];
    const gives = [(r: FirehoseTransformResponse): Aws.FirehoseTransformationResult => r, (r: KinesisBatchResponse): Aws.KinesisStreamBatchResponse => r];
    expect(takes.length + gives.length).toBe(5);
  });
});

describe('record data', () => {
  it('finds CloudWatch payloads in gzipped Firehose and Kinesis records', () => {
    const fh = json<FirehoseTransformEvent>('wire', 'otel_contrib__multiple_records.firehose_transform_input.json');
    for (const r of fh.records) expect(decodeRecordData(Buffer.from(r.data, 'base64'), r.recordId).kind).toBe('cloudwatch');
    const ks = json<KinesisStreamEvent>('lambda_events', 'powertools__kinesisStreamCloudWatchLogsEvent.json');
    const decoded = json<Array<{ logEvents: unknown[] }>>('wire', 'aws_lambda_powertools_python_events__kinesisStreamCloudWatchLogsEvent.decoded.json');
    expect(ks.Records).toHaveLength(decoded.length);
    ks.Records.forEach((r, i) => {
      const d = decodeRecordData(Buffer.from(r.kinesis.data, 'base64'), 'k');
      expect(d.kind === 'cloudwatch' && d.payloads[0]?.logEvents).toEqual(decoded[i]?.logEvents);
    });
  });

  it('takes anything else as lines: text, JSON lines, even JSON naming a messageType', () => {
    const hello = json<KinesisStreamEvent>('lambda_events', 'aws-lambda-go__kinesis-event.json');
    expect(decodeRecordData(Buffer.from(hello.Records[0]?.kinesis.data as string, 'base64'), 'k')).toEqual({ kind: 'lines', bytes: Buffer.from('Hello World'), compression: 'none' });
    const line = Buffer.from('{"level":"info","messageType":"order","user":"a"}\n');
    expect(decodeRecordData(line, 'k').kind).toBe('lines');
    expect(decodeRecordData(gzipSync(line), 'k')).toEqual({ kind: 'lines', bytes: line, compression: 'gzip' });
  });

  it('refuses a damaged CloudWatch payload rather than passing it on as text', () => {
    const damaged = Buffer.from('{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","logEvents":[{"id":"1","timestamp":1,"message":"x"}');
    expect(() => decodeRecordData(damaged, 'record r1')).toThrow(CodecError);
    expect(() => decodeRecordData(gzipSync(damaged).subarray(0, 30), 'record r1')).toThrow(/record r1: gzip data does not decompress/);
  });

  it('reads the delivery stream name from its ARN', () => {
    expect(deliveryStreamName('arn:aws:firehose:us-east-2:123456789012:deliverystream/delivery-stream-name')).toBe('delivery-stream-name');
    expect(() => deliveryStreamName('aws:lambda:events')).toThrow(/FIREHOSE_ARN_INVALID|not a Firehose delivery stream ARN/);
  });

  it('measures response entries exactly', () => {
    const entry = { recordId: 'r"1', result: 'Ok' as const, data: 'QUJD' };
    expect(responseEntryBytes(entry)).toBe(JSON.stringify(entry).length + 1);
  });
});

describe('log events as one-line records', () => {
  it('keeps one-line messages as they are and sets trailing newlines aside', () => {
    expect(messageLine('START RequestId: 1 Version: $LATEST\n')).toEqual({ line: 'START RequestId: 1 Version: $LATEST', shape: 'text', suffix: '\n' });
    expect(messageLine('{"a":1}\r\n')).toEqual({ line: '{"a":1}', shape: 'text', suffix: '\r\n' });
  });

  it('compacts multi-line JSON and wraps multi-line text so the batch core sees one line', () => {
    const pretty = messageLine('{\n  "password": "hunter2"\n}\n');
    expect(pretty).toEqual({ line: '{"password":"hunter2"}', shape: 'json', suffix: '\n' });
    const pem = messageLine('key:\n-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----');
    expect(pem.shape).toBe('wrapped');
    expect(pem.line).not.toContain('\n');
    expect(messageFromLine(pem.line, pem.shape, pem.suffix)).toBe('key:\n-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----');
    // Compacted as written: a repeated key stays for the batch core to see.
    expect(messageLine('{\n  "token": "a",\n  "token": "b \\u0041"\n}').line).toBe('{"token":"a","token":"b \\u0041"}');
    expect(messagePath('$[0]', 'wrapped')).toBe('$');
    expect(messagePath('$[0]', 'text')).toBe('$[0]');
  });

  it('gives every message back exactly when nothing was redacted (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (message) => {
        const l = messageLine(message);
        expect(l.line.includes('\n')).toBe(false);
        if (l.shape === 'wrapped') expect(messageFromLine(l.line, l.shape, l.suffix)).toBe(message);
        if (l.shape === 'text') expect(l.line + l.suffix).toBe(message);
      }),
      { numRuns: 500 },
    );
  });

  it('writes one JSON envelope per event with its identity', () => {
    const payload = { messageType: 'DATA_MESSAGE' as const, owner: '1', logGroup: 'g', logStream: 's', subscriptionFilters: [], logEvents: [], invalidEvents: [] };
    expect(JSON.parse(envelopeLine(payload, { id: 'e1', timestamp: 5, message: 'x' }, 'y'))).toEqual({ id: 'e1', timestamp: 5, logGroup: 'g', logStream: 's', owner: '1', message: 'y' });
  });
});
