/**
 * One Firehose delivery stream as a sink: PutRecordBatch within the service limits, resending only
 * the entries a partial failure names, in their order, with exponential backoff and full jitter.
 * What still fails when the retry budget or the deadline runs out is returned, tagged, for the
 * caller to quarantine: nothing is dropped here, and nothing is logged (entries hold record data).
 * No call outlasts the deadline: one still out when it comes is aborted.
 */
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { chunkRecords, FIREHOSE_LIMITS, packLines, type FirehoseLimits, type OutLine, type OutRecord } from './pack.js';
import { awsErrorCode, backoffMs, DEFAULT_RETRY, isRetryableAwsError, sleepMs, type RetryPolicy } from './retry.js';

/** What the stream reports for metrics: ids and counts only. */
export type DeliveryEvent =
  | { type: 'call'; stream: string; records: number; bytes: number }
  | { type: 'retry'; stream: string; attempt: number; code: string; records: number; delayMs: number }
  | { type: 'partial'; stream: string; failed: number; code: string }
  | { type: 'split'; stream: string; parts: number }
  | { type: 'failed'; stream: string; records: number; code: string };

/** Options of {@link FirehoseStream}. */
export interface FirehoseStreamOptions {
  client: FirehoseClient;
  streamName: string;
  retry?: Partial<RetryPolicy>;
  limits?: Partial<FirehoseLimits>;
  /** One line per record instead of packing lines (default false). */
  recordPerLine?: boolean;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  onEvent?: (event: DeliveryEvent) => void;
}

/** Options of {@link createFirehoseClient}. */
export interface FirehoseClientOptions {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Per HTTP request (default 10 s). */
  requestTimeoutMs?: number;
}

/** A Firehose client whose own retries are off: {@link FirehoseStream} retries, and counts them. */
export function createFirehoseClient(o: FirehoseClientOptions): FirehoseClient {
  return new FirehoseClient({
    region: o.region,
    maxAttempts: 1,
    // Without throwOnRequestTimeout a hung request only logs a warning and never fails.
    requestHandler: { requestTimeout: o.requestTimeoutMs ?? 10_000, connectionTimeout: Math.min(o.requestTimeoutMs ?? 10_000, 3_000), throwOnRequestTimeout: true },
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
  });
}

/** The code of records whose delivery the deadline cut short before any answer. */
export const DEADLINE_EXCEEDED = 'DeadlineExceeded';

/** A record that could not be delivered, and the last error code. */
export interface FailedRecord<T> {
  record: OutRecord<T>;
  code: string;
}

/** The outcome of one delivery: how many records went through, which did not. */
export interface DeliveryResult<T> {
  delivered: number;
  failed: FailedRecord<T>[];
  /** Calls made, retries included. */
  calls: number;
  retries: number;
}

/**
 * Per delivery: `deadline` (ms since the epoch, on the stream's `now`): no retry whose wait would
 * end after it, no call started past it, and a call still out at it aborted (a timer on the real
 * clock, for the time left when the call starts).
 */
export interface DeliveryOptions {
  deadline?: number;
}

/** A Firehose delivery stream. */
export class FirehoseStream {
  readonly streamName: string;
  readonly #o: FirehoseStreamOptions;
  readonly #retry: RetryPolicy;
  readonly #limits: FirehoseLimits;

  constructor(options: FirehoseStreamOptions) {
    this.streamName = options.streamName;
    this.#o = options;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#limits = { ...FIREHOSE_LIMITS, ...options.limits };
  }

  /** Packs lines into records (splitting any line too long for one) and delivers them. */
  putLines<T>(lines: readonly OutLine<T>[], options: DeliveryOptions = {}): Promise<DeliveryResult<T>> {
    const onSplit = (parts: number): void => this.#o.onEvent?.({ type: 'split', stream: this.streamName, parts });
    const records = this.#o.recordPerLine
      ? lines.flatMap((l) => packLines([l], this.#limits.maxRecordBytes, onSplit))
      : packLines(lines, this.#limits.maxRecordBytes, onSplit);
    return this.putRecords(records, options);
  }

  /** Delivers records in order, call by call; see the module notes on retries. */
  async putRecords<T>(records: readonly OutRecord<T>[], options: DeliveryOptions = {}): Promise<DeliveryResult<T>> {
    const result: DeliveryResult<T> = { delivered: 0, failed: [], calls: 0, retries: 0 };
    for (const call of chunkRecords(records, this.#limits)) await this.#deliver(call, result, options.deadline);
    return result;
  }

  async #deliver<T>(records: OutRecord<T>[], result: DeliveryResult<T>, deadline: number | undefined): Promise<void> {
    const o = this.#o;
    const now = o.now ?? Date.now;
    let pending = records;
    let codes: string[] = [];
    for (let attempt = 1; ; attempt++) {
      // Past the deadline no call starts, and a call is cut off when it comes: a request that
      // hangs for its whole timeout would take the invocation past its end.
      const left = deadline === undefined ? undefined : deadline - now();
      if (left !== undefined && left <= 0) {
        const code = codes[0] ?? DEADLINE_EXCEEDED;
        pending.forEach((record, i) => result.failed.push({ record, code: codes[i] ?? code }));
        o.onEvent?.({ type: 'failed', stream: this.streamName, records: pending.length, code });
        return;
      }
      result.calls += 1;
      o.onEvent?.({ type: 'call', stream: this.streamName, records: pending.length, bytes: pending.reduce((n, r) => n + r.data.length, 0) });
      let retryable = true;
      const signal = left === undefined ? undefined : AbortSignal.timeout(Math.ceil(left));
      try {
        const command = new PutRecordBatchCommand({ DeliveryStreamName: this.streamName, Records: pending.map((r) => ({ Data: r.data })) });
        const out = await o.client.send(command, signal ? { abortSignal: signal } : {});
        const responses = out.RequestResponses ?? [];
        const failed: OutRecord<T>[] = [];
        codes = [];
        if (responses.length !== pending.length) {
          // A response we cannot match to the request: resend all of it (duplicates beat loss).
          failed.push(...pending);
          codes = pending.map(() => 'ResponseMismatch');
        } else {
          responses.forEach((r, i) => {
            if (r.ErrorCode) {
              failed.push(pending[i] as OutRecord<T>);
              codes.push(r.ErrorCode);
            }
          });
        }
        result.delivered += pending.length - failed.length;
        if (failed.length === 0) return;
        o.onEvent?.({ type: 'partial', stream: this.streamName, failed: failed.length, code: codes[0] ?? 'unknown' });
        pending = failed;
      } catch (err) {
        const code = signal?.aborted ? DEADLINE_EXCEEDED : awsErrorCode(err);
        codes = pending.map(() => code);
        retryable = !signal?.aborted && isRetryableAwsError(err);
      }
      const delayMs = backoffMs(attempt, this.#retry.baseDelayMs, this.#retry.maxDelayMs, o.random);
      const outOfTime = deadline !== undefined && now() + delayMs >= deadline;
      if (!retryable || attempt >= this.#retry.maxAttempts || outOfTime) {
        pending.forEach((record, i) => result.failed.push({ record, code: codes[i] ?? 'unknown' }));
        o.onEvent?.({ type: 'failed', stream: this.streamName, records: pending.length, code: codes[0] ?? 'unknown' });
        return;
      }
      result.retries += 1;
      o.onEvent?.({ type: 'retry', stream: this.streamName, attempt, code: codes[0] ?? 'unknown', records: pending.length, delayMs });
      await (o.sleep ?? sleepMs)(delayMs);
    }
  }
}
