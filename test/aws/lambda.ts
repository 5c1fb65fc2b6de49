/**
 * Harness for the Lambda tests: the test server with the app, security and quarantine streams and
 * a KMS key, an environment pointing the handlers at it, builders of Lambda events, and the checks
 * every test makes (re-scan the output, decrypt the quarantine through the keys the security
 * stream announced).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataKeyCache } from '../../src/crypto/keys/cache.js';
import { KmsKeyProvider } from '../../src/crypto/keys/kms.js';
import { KeyRegistry, type KeyRecord } from '../../src/crypto/keys/registry.js';
import { detokenizeText } from '../../src/crypto/detokenize.js';
import type { CompiledPolicy } from '../../src/detect/compile.js';
import { scanText } from '../../src/detect/scan.js';
import type { FirehoseTransformEvent, KinesisStreamEvent } from '../../src/codecs/aws-events.js';
import { bootHandler } from '../../src/lambda/boot.js';
import type { HandlerKind } from '../../src/lambda/env.js';
import { createKinesisHandler } from '../../src/lambda/kinesis-stream.js';
import type { LambdaDeps, LambdaRuntime } from '../../src/lambda/runtime.js';
import { createSubscriptionHandler } from '../../src/lambda/subscription.js';
import { createTransformHandler } from '../../src/lambda/transform.js';
import { verifyExport, type ExportReport } from '../../src/sinks/ledger/verify-export.js';
import type { JsonValue } from '../../src/record.js';
import { AwsTestServer, TEST_CREDENTIALS } from './server.js';

export const STREAMS = { app: 'logveil-app', security: 'logveil-security', quarantine: 'logveil-quarantine', source: 'logs-to-s3', audit: 'logveil-audit' } as const;
export const SOURCE_STREAM_ARN = `arn:aws:firehose:us-east-1:111122223333:deliverystream/${STREAMS.source}`;
export const KEY_ALIAS = 'alias/logveil-test';

/** A server with the streams and a key, and the environment of a function pointed at it. */
export async function startAws(): Promise<{ server: AwsTestServer; env: Record<string, string> }> {
  const server = await AwsTestServer.start(Object.values(STREAMS));
  server.kms.createKey('SYMMETRIC_DEFAULT', KEY_ALIAS);
  const env = {
    AWS_REGION: 'us-east-1',
    LOGVEIL_KMS_KEY_ID: KEY_ALIAS,
    LOGVEIL_APP_STREAM: STREAMS.app,
    LOGVEIL_SECURITY_STREAM: STREAMS.security,
    LOGVEIL_QUARANTINE_STREAM: STREAMS.quarantine,
    LOGVEIL_AWS_ENDPOINT: server.endpoint,
    LOGVEIL_PIPELINE: 'logveil-test',
    LOGVEIL_STATE_DIR: mkdtempSync(join(tmpdir(), 'logveil-lambda-')),
    LOGVEIL_DELIVERY_BASE_DELAY_MS: '1',
    LOGVEIL_DELIVERY_MAX_DELAY_MS: '4',
  };
  return { server, env };
}

const CREATE = { 'cloudwatch-subscription': createSubscriptionHandler, 'firehose-transform': createTransformHandler, kinesis: createKinesisHandler } as const;

/** Cold-starts a handler of `kind` the way its entry module does, with the test credentials. */
export function openHandler<K extends HandlerKind>(kind: K, env: Record<string, string>, deps: LambdaDeps = {}): Promise<ReturnType<(typeof CREATE)[K]>> {
  const create = CREATE[kind] as unknown as (rt: LambdaRuntime) => ReturnType<(typeof CREATE)[K]>;
  return bootHandler(kind, create, env, { credentials: TEST_CREDENTIALS, ...deps });
}

/** `{awslogs: {data}}` for a decoded payload. */
export function awslogsEvent(payload: unknown): { awslogs: { data: string } } {
  return { awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') } };
}

/** A Firehose transformation event holding `data` (one buffer per record). */
export function firehoseEvent(data: readonly Buffer[], ids?: readonly string[]): FirehoseTransformEvent {
  return {
    invocationId: 'test-invocation',
    deliveryStreamArn: SOURCE_STREAM_ARN,
    region: 'us-east-1',
    records: data.map((d, i) => ({ recordId: ids?.[i] ?? `rec-${i}`, approximateArrivalTimestamp: 1_700_000_000_000 + i, data: d.toString('base64') })),
  };
}

/** A Kinesis event holding `data` (one buffer per record). */
export function kinesisEvent(data: readonly Buffer[]): KinesisStreamEvent {
  return {
    Records: data.map((d, i) => {
      const sequenceNumber = `4960000000000000000000000000000000000000000000000000${String(i).padStart(4, '0')}`;
      return {
        kinesis: { kinesisSchemaVersion: '1.0', partitionKey: `p${i}`, sequenceNumber, data: d.toString('base64'), approximateArrivalTimestamp: 1_700_000_000 + i },
        eventSource: 'aws:kinesis',
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventSourceARN: 'arn:aws:kinesis:us-east-1:111122223333:stream/logs',
        awsRegion: 'us-east-1',
      };
    }),
  };
}

/** A CloudWatch Logs payload of `messages`, ids `<prefix>-<n>`. */
export function cwPayload(messages: readonly string[], prefix = 'ev', logGroup = '/aws/lambda/orders'): Record<string, unknown> {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '111122223333',
    logGroup,
    logStream: '2026/11/28/[$LATEST]0123456789abcdef',
    subscriptionFilters: ['logveil'],
    logEvents: messages.map((message, i) => ({ id: `${prefix}-${i}`, timestamp: 1_700_000_000_000 + i, message })),
  };
}

/** Every string leaf of a JSON value. */
export function stringLeaves(v: JsonValue, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) stringLeaves(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) stringLeaves(x, out);
  return out;
}

/**
 * What the policy still finds in output lines, scanned the way the pipeline scans: a JSON line leaf
 * by leaf, a text line whole; an event envelope's message as the record it was (JSON leaf by leaf,
 * or text). Returns `detector@line` strings (no values).
 */
export function rescan(policy: CompiledPolicy, lines: readonly string[]): string[] {
  const hits: string[] = [];
  const scan = (text: string, n: number): void => {
    for (const m of scanText(policy, text)) hits.push(`${m.detector.spec.id}@${n}`);
  };
  const scanRecord = (text: string, n: number): void => {
    const json = parseStructured(text);
    if (json === undefined) scan(text, n);
    else for (const leaf of stringLeaves(json)) scan(leaf, n);
  };
  lines.forEach((line, n) => {
    const json = parseStructured(line);
    if (json === undefined) return scan(line, n);
    const envelope = json as Record<string, JsonValue>;
    if (typeof envelope.message === 'string' && 'logGroup' in envelope && 'id' in envelope) {
      const { message, ...rest } = envelope;
      for (const leaf of stringLeaves(rest)) scan(leaf, n);
      scanRecord(message, n);
    } else for (const leaf of stringLeaves(json)) scan(leaf, n);
  });
  return hits;
}

/** A JSON object or array, or undefined for text. */
function parseStructured(text: string): JsonValue | undefined {
  if (!/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** Parsed JSON lines of a stream. */
export function streamJson(server: AwsTestServer, stream: string): Array<Record<string, unknown>> {
  return server.firehose.lines(stream).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The security events on the security stream, out of their chain entries (segment entries and checkpoints left out). */
export function securityEvents(server: AwsTestServer): Array<Record<string, unknown>> {
  return streamJson(server, STREAMS.security).flatMap((e) => (e.kind === 'event' ? [e.event as Record<string, unknown>] : []));
}

/** The security stream checked as an auditor checks its export in S3 (`ledger verify --export`). */
export function verifySecurityStream(server: AwsTestServer, publicKeyPems: readonly string[] = [], stream: string = STREAMS.security): ExportReport {
  const file = join(mkdtempSync(join(tmpdir(), 'logveil-export-')), 'security-export');
  writeFileSync(file, server.firehose.lines(stream).map((l) => `${l}\n`).join(''));
  return verifyExport([file], publicKeyPems);
}

/**
 * Decrypts quarantine envelopes the way an auditor would after the fact: the key registry is
 * rebuilt from the key-created events on the security stream (the function's /tmp is gone).
 */
export async function openQuarantine(server: AwsTestServer, envelopes: readonly string[]): Promise<Buffer[]> {
  const registry = await KeyRegistry.open(join(mkdtempSync(join(tmpdir(), 'logveil-audit-')), 'keys.jsonl'));
  for (const e of securityEvents(server)) {
    if (e.type !== 'key-created') continue;
    const rec: KeyRecord = {
      kid: e.kid as string,
      provider: e.provider as string,
      keyId: e.keyId as string,
      encryptedKey: e.encryptedKey as string,
      context: e.context as Record<string, string>,
      purpose: e.purpose as 'token' | 'hash',
      created: e.ts as string,
    };
    await registry.add(rec);
  }
  const provider = new KmsKeyProvider({ client: server.kmsClient(), keyId: KEY_ALIAS });
  const keys = new DataKeyCache(provider, registry, { maxAgeMs: 1e9, maxUses: 1e9, context: { pipeline: 'logveil-test', purpose: 'audit' } });
  const out: Buffer[] = [];
  for (const envelope of envelopes) {
    const r = await detokenizeText(envelope, keys);
    if (r.failures.length > 0) throw new Error(`quarantine envelope did not decrypt: ${r.failures.map((f) => f.code).join(', ')}`);
    // The whole `[[QUARANTINE:tk1…]]` token decrypts to the base64 of the raw bytes.
    out.push(Buffer.from(r.text, 'base64'));
  }
  keys.close();
  return out;
}
