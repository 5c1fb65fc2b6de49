/**
 * The security sink on a Firehose stream of its own (in AWS: into an S3 bucket with Object Lock).
 * `write` buffers, `flush` delivers; events that could not be delivered stay buffered for the next
 * flush and the flush throws, because the security sink never drops: the caller must stop taking
 * input (a Lambda handler fails the invocation, so the platform retries it).
 */
import { LogveilError } from '../../errors.js';
import type { SecurityEvent } from '../../telemetry/events.js';
import type { SecuritySink } from '../security-events.js';
import type { DeliveryOptions, FirehoseStream } from './stream.js';

/** Security events as JSON lines on a Firehose stream. */
export class FirehoseSecuritySink implements SecuritySink {
  readonly #stream: FirehoseStream;
  readonly #options: () => DeliveryOptions;
  /** Events as JSON lines, waiting for the next flush. */
  #buffer: string[] = [];
  #delivered = 0;

  /** `options` is asked at every flush (a Lambda passes its invocation's deadline). */
  constructor(stream: FirehoseStream, options: () => DeliveryOptions = () => ({})) {
    this.#stream = stream;
    this.#options = options;
  }

  /** Events delivered so far. */
  get delivered(): number {
    return this.#delivered;
  }

  /** Events waiting for the next flush. */
  get pending(): number {
    return this.#buffer.length;
  }

  async write(events: readonly SecurityEvent[]): Promise<void> {
    for (const e of events) this.#buffer.push(JSON.stringify(e));
  }

  async writeCanonical(events: readonly string[]): Promise<void> {
    this.#buffer.push(...events);
  }

  /** @throws LogveilError `SECURITY_SINK_FAILED` naming the stream, how many events, and the last error code. */
  async flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const events = this.#buffer;
    this.#buffer = [];
    const result = await this.#stream.putLines(
      events.map((line, i) => ({ line, tag: i })),
      this.#options(),
    );
    const failed = [...new Set(result.failed.flatMap((f) => f.record.tags))].sort((a, b) => a - b);
    this.#delivered += events.length - failed.length;
    if (failed.length === 0) return;
    this.#buffer = [...failed.map((i) => events[i] as string), ...this.#buffer];
    const code = result.failed[0]?.code ?? 'unknown';
    throw new LogveilError('SECURITY_SINK_FAILED', `${failed.length} security events not delivered to Firehose stream ${this.#stream.streamName} (last error ${code})`);
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
