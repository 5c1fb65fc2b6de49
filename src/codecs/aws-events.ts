/**
 * The Lambda event and response shapes logveil's AWS handlers take and give (CloudWatch Logs
 * subscription, Firehose data transformation, Kinesis Data Streams), and what a Firehose or
 * Kinesis record's bytes hold: CloudWatch Logs payloads (gzip, zlib or plain JSON, one or several)
 * or plain lines (JSON lines or text).
 */
import { CodecError } from '../errors.js';
import {
  decompress,
  DEFAULT_PAYLOAD_LIMITS,
  parseCloudWatchPayloads,
  type CloudWatchPayload,
  type Compression,
  type PayloadLimits,
} from './cloudwatch.js';

/** What a Lambda subscribed to a log group receives. */
export interface CloudWatchLogsLambdaEvent {
  awslogs: { data: string };
}

/** One record of a Firehose data-transformation invocation. */
export interface FirehoseTransformRecord {
  recordId: string;
  /** base64 of the record's bytes. */
  data: string;
  approximateArrivalTimestamp?: number;
  /** Present when the stream reads from Kinesis (shard, partition key, sequence numbers); not read. */
  kinesisRecordMetadata?: object;
}

/** The Firehose data-transformation input. */
export interface FirehoseTransformEvent {
  invocationId: string;
  deliveryStreamArn: string;
  sourceKinesisStreamArn?: string;
  region: string;
  records: FirehoseTransformRecord[];
}

/** `Ok` (data is delivered), `Dropped` (intentionally not delivered), `ProcessingFailed` (never used by logveil). */
export type FirehoseResult = 'Ok' | 'Dropped' | 'ProcessingFailed';

/** One record of the transformation response; every input recordId appears exactly once. */
export interface FirehoseTransformResultRecord {
  recordId: string;
  result: FirehoseResult;
  /** base64 of the transformed bytes; absent for `Dropped`. */
  data?: string;
}

/** The Firehose data-transformation response (at most 6 MB serialized). */
export interface FirehoseTransformResponse {
  records: FirehoseTransformResultRecord[];
}

/** One Kinesis Data Streams record as Lambda delivers it. */
export interface KinesisStreamRecord {
  kinesis: {
    data: string;
    sequenceNumber: string;
    partitionKey: string;
    approximateArrivalTimestamp: number;
    kinesisSchemaVersion?: string;
  };
  eventID: string;
  eventSourceARN: string;
  eventSource?: string;
  awsRegion?: string;
}

/** A Kinesis Data Streams batch as Lambda delivers it. */
export interface KinesisStreamEvent {
  Records: KinesisStreamRecord[];
}

/** The partial batch response: Lambda retries from the lowest failed sequence number. */
export interface KinesisBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** What a record's bytes turned out to hold. */
export type RecordData =
  | { kind: 'cloudwatch'; payloads: CloudWatchPayload[]; compression: Compression }
  | { kind: 'lines'; bytes: Buffer; compression: Compression };

const MESSAGE_TYPE = Buffer.from('"messageType"');

/**
 * Classifies and decodes a record's bytes. Data that names a `messageType` must be valid
 * CloudWatch Logs payloads (a damaged one is an error, so the whole record is quarantined);
 * anything else is lines.
 *
 * @throws CodecError from decompression or from a damaged CloudWatch payload, naming `where`.
 */
export function decodeRecordData(raw: Buffer, where: string, limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS): RecordData {
  const { bytes, compression } = decompress(raw, where, limits);
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x7b && bytes.includes(MESSAGE_TYPE)) {
    try {
      return { kind: 'cloudwatch', payloads: parseCloudWatchPayloads(bytes, where), compression };
    } catch (err) {
      // Only data that starts like a payload is one; JSON lines may merely have a messageType field.
      if (looksLikePayloadStart(bytes, i)) throw err;
    }
  }
  return { kind: 'lines', bytes, compression };
}

/** True when the first JSON value starts the way CloudWatch serializes payloads. */
function looksLikePayloadStart(bytes: Buffer, from: number): boolean {
  const head = bytes.subarray(from, from + 64).toString('latin1').replace(/\s+/g, '');
  return head.startsWith('{"messageType":"DATA_MESSAGE"') || head.startsWith('{"messageType":"CONTROL_MESSAGE"');
}

/**
 * The delivery stream name of a Firehose ARN (`arn:aws:firehose:<region>:<account>:deliverystream/<name>`).
 *
 * @throws CodecError `FIREHOSE_ARN_INVALID`.
 */
export function deliveryStreamName(arn: string): string {
  const m = /^arn:[^:]+:firehose:[^:]*:[^:]*:deliverystream\/(.+)$/.exec(arn ?? '');
  if (!m?.[1]) throw new CodecError('FIREHOSE_ARN_INVALID', `deliveryStreamArn ${JSON.stringify(String(arn).slice(0, 200))} is not a Firehose delivery stream ARN`);
  return m[1];
}

/** Bytes one entry adds to the serialized response (its JSON plus the separating comma). */
export function responseEntryBytes(entry: FirehoseTransformResultRecord): number {
  return Buffer.byteLength(JSON.stringify(entry)) + 1;
}

/** Bytes of `{"records":[]}`, the response without entries. */
export const RESPONSE_OVERHEAD_BYTES = Buffer.byteLength(JSON.stringify({ records: [] }));
