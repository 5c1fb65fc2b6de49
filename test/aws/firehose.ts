/**
 * Firehose (`Firehose_20150804`) for the test server: PutRecordBatch and PutRecord into named
 * delivery streams, enforcing the service limits (500 records and 4 MiB per call, 1,000 KiB per
 * record), storing what each stream received in order. Shapes follow the Firehose API reference.
 */
import { randomBytes } from 'node:crypto';
import { AwsError, blob } from './errors.js';

export const MAX_RECORD_BYTES = 1_000 * 1024;
export const MAX_BATCH_RECORDS = 500;
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** Per-record failures a fault asks for: the indexes of the call's records to fail. */
export type PartialFailure = (index: number, count: number) => boolean;

/** The Firehose part of the test server. */
export class FirehoseEmulator {
  readonly #streams = new Map<string, Buffer[]>();
  readonly calls = new Map<string, number>();

  constructor(readonly account = '111122223333') {}

  createStream(name: string): void {
    if (!this.#streams.has(name)) this.#streams.set(name, []);
  }

  /** Every record the stream accepted, in order. */
  records(name: string): Buffer[] {
    return [...(this.#streams.get(name) ?? [])];
  }

  /** The stream's records joined and cut at newlines (empty trailing piece dropped). */
  lines(name: string): string[] {
    const text = Buffer.concat(this.records(name)).toString('utf8');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  /** Answers one operation; `fail` marks records a partial-failure fault rejects. */
  handle(op: string, req: Record<string, unknown>, fail?: PartialFailure): unknown {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
    const stream = this.#stream(req.DeliveryStreamName);
    if (op === 'PutRecord') {
      const data = this.#data((req.Record as { Data?: unknown } | undefined)?.Data, 'Record.Data');
      stream.push(data);
      return { RecordId: recordId(), Encrypted: false };
    }
    if (op !== 'PutRecordBatch') throw new AwsError('UnknownOperationException', `operation ${op} is not supported by the test server`);
    const records = req.Records;
    if (!Array.isArray(records) || records.length === 0) throw new AwsError('InvalidArgumentException', 'Records must hold at least one record');
    if (records.length > MAX_BATCH_RECORDS) {
      throw new AwsError('InvalidArgumentException', `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BATCH_RECORDS}`);
    }
    const data = records.map((r: { Data?: unknown }, i) => this.#data(r?.Data, `Records[${i}].Data`));
    const total = data.reduce((n, d) => n + d.length, 0);
    if (total > MAX_BATCH_BYTES) throw new AwsError('InvalidArgumentException', `Records size exceeds ${MAX_BATCH_BYTES} bytes limit`);
    let failed = 0;
    const responses = data.map((d, i) => {
      if (fail?.(i, data.length)) {
        failed += 1;
        return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
      }
      stream.push(d);
      return { RecordId: recordId() };
    });
    return { FailedPutCount: failed, Encrypted: false, RequestResponses: responses };
  }

  #stream(name: unknown): Buffer[] {
    const s = typeof name === 'string' ? this.#streams.get(name) : undefined;
    if (!s) throw new AwsError('ResourceNotFoundException', `Firehose ${String(name)} under account ${this.account} not found.`);
    return s;
  }

  #data(value: unknown, field: string): Buffer {
    const d = blob(value, field);
    if (d.length > MAX_RECORD_BYTES) {
      throw new AwsError('InvalidArgumentException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RECORD_BYTES}`);
    }
    return d;
  }
}

function recordId(): string {
  return randomBytes(42).toString('base64');
}
