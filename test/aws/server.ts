/**
 * One local HTTP server speaking AWS JSON 1.1 (`X-Amz-Target`) for Firehose and KMS, for the real
 * SDK clients with an endpoint override and fake credentials. It stores what Firehose received,
 * logs every call, and injects faults: throttling, 5xx, partial `FailedPutCount`, AccessDenied,
 * DisabledException, NotFoundException, latency. Listens on 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KMSClient } from '@aws-sdk/client-kms';
import { createKmsClient } from '../../src/crypto/keys/kms.js';
import { createFirehoseClient } from '../../src/sinks/firehose/stream.js';
import { AwsError, type Reply } from './errors.js';
import { FirehoseEmulator } from './firehose.js';
import { KmsEmulator } from './kms.js';

export type FaultKind = 'throttle' | 'server-error' | 'partial' | 'access-denied' | 'disabled' | 'not-found' | 'latency';

/** A fault for the next `times` calls whose target ends with `target` (`PutRecordBatch`, `TrentService.Decrypt`, `*`). */
export interface FaultRule {
  target: string;
  kind: FaultKind;
  /** Calls to affect (default 1; `Infinity` for all). */
  times?: number;
  /** Only calls for this delivery stream. */
  stream?: string;
  /** `partial`: fail every n-th record of the call, starting with the first (default 2). */
  failEvery?: number;
  /** `partial`: fail exactly these record indexes. */
  failIndexes?: number[];
  /** `latency`: delay before answering (the call is still carried out). */
  latencyMs?: number;
}

/** One call the server answered. */
export interface CallRecord {
  target: string;
  status: number;
  stream?: string;
  records?: number;
  fault?: FaultKind;
}

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
export const TEST_REGION = 'us-east-1';

/** The running server. */
export class AwsTestServer {
  readonly kms = new KmsEmulator(TEST_REGION);
  readonly firehose = new FirehoseEmulator();
  readonly calls: CallRecord[] = [];
  #faults: Array<FaultRule & { left: number }> = [];
  #server: Server | undefined;
  endpoint = '';

  /** Starts a server with the given delivery streams. */
  static async start(streams: readonly string[] = []): Promise<AwsTestServer> {
    const s = new AwsTestServer();
    for (const name of streams) s.firehose.createStream(name);
    await s.#listen();
    return s;
  }

  /** Adds a fault; faults apply in the order added. */
  fail(rule: FaultRule): this {
    this.#faults.push({ ...rule, left: rule.times ?? 1 });
    return this;
  }

  clearFaults(): void {
    this.#faults = [];
  }

  /** Calls to a target (suffix match), optionally only those answered with `status`. */
  count(target: string, status?: number): number {
    return this.calls.filter((c) => c.target.endsWith(target) && (status === undefined || c.status === status)).length;
  }

  /** A KMS client pointed here (no SDK retries: the code under test retries). */
  kmsClient(requestTimeoutMs = 5_000): KMSClient {
    return createKmsClient({ region: TEST_REGION, endpoint: this.endpoint, credentials: TEST_CREDENTIALS, requestTimeoutMs });
  }

  /** A Firehose client pointed here. */
  firehoseClient(requestTimeoutMs = 5_000): FirehoseClient {
    return createFirehoseClient({ region: TEST_REGION, endpoint: this.endpoint, credentials: TEST_CREDENTIALS, requestTimeoutMs });
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #listen(): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const call: CallRecord = { target, status: 200 };
    let reply: Reply;
    try {
      if (req.method !== 'POST' || !String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
        throw new AwsError('UnknownOperationException', 'expected a POST of application/x-amz-json-1.1');
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      if (typeof body.DeliveryStreamName === 'string') call.stream = body.DeliveryStreamName;
      if (Array.isArray(body.Records)) call.records = body.Records.length;
      reply = { status: 200, body: await this.#dispatch(target, body, call) };
    } catch (err) {
      const e = err instanceof AwsError ? err : new AwsError('InternalFailure', 'test server failure', 500);
      reply = { status: e.status, body: { __type: e.type, message: e.message } };
    }
    call.status = reply.status;
    this.calls.push(call);
    if (res.destroyed) return;
    const payload = JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
  }

  async #dispatch(target: string, body: Record<string, unknown>, call: CallRecord): Promise<unknown> {
    const [service, op = ''] = target.split('.');
    const fault = this.#takeFault(target, call.stream);
    if (fault) call.fault = fault.kind;
    const kms = service === 'TrentService';
    if (!kms && service !== 'Firehose_20150804') throw new AwsError('UnknownOperationException', `unknown target ${target}`);
    switch (fault?.kind) {
      case 'throttle':
        throw kms ? new AwsError('ThrottlingException', 'Rate exceeded') : new AwsError('ServiceUnavailableException', 'Slow down.', 503);
      case 'server-error':
        throw kms ? new AwsError('KMSInternalException', 'An internal error occurred.', 500) : new AwsError('InternalFailure', 'An internal error occurred.', 500);
      case 'access-denied':
        throw new AwsError('AccessDeniedException', `User: arn:aws:sts::111122223333:assumed-role/test is not authorized to perform: ${op}`);
      case 'disabled':
        throw new AwsError('DisabledException', 'The key is disabled.', 409);
      case 'not-found':
        throw kms ? new AwsError('NotFoundException', 'Key does not exist', 404) : new AwsError('ResourceNotFoundException', 'Firehose stream not found.');
      case 'latency':
        await new Promise((resolve) => setTimeout(resolve, fault.latencyMs ?? 100));
        break;
      default:
        break;
    }
    if (kms) return this.kms.handle(op, body);
    const partial = fault?.kind === 'partial' ? fault : undefined;
    const every = partial?.failEvery ?? 2;
    const fail = partial ? (i: number) => (partial.failIndexes ? partial.failIndexes.includes(i) : i % every === 0) : undefined;
    return this.firehose.handle(op, body, fail);
  }

  #takeFault(target: string, stream: string | undefined): FaultRule | undefined {
    const rule = this.#faults.find((f) => f.left > 0 && (f.target === '*' || target.endsWith(f.target)) && (f.stream === undefined || f.stream === stream));
    if (rule) rule.left -= 1;
    return rule;
  }
}
