/**
 * The security sink on a Firehose stream of its own (in AWS: into an S3 bucket with Object Lock).
 * Events are sealed into the sink's chain as they are written (see ledger/stream-chain.ts), so
 * that `ledger verify --export` checks what the stream delivered. `write` buffers, `flush`
 * delivers; entries that could not be delivered stay buffered, as they were sealed, for the next
 * flush and the flush throws, because the security sink never drops: the caller must stop taking
 * input.
 */
import { LogveilError } from '../../errors.js';
import type { SecurityEvent } from '../../telemetry/events.js';
import { StreamChain } from '../ledger/stream-chain.js';
import type { SecuritySink } from '../security-events.js';
import type { DeliveryOptions, FirehoseStream } from './stream.js';

/** Security events as JSON lines on a Firehose stream. */
export class FirehoseSecuritySink implements SecuritySink {
  readonly #stream: FirehoseStream;
  readonly #options: () => DeliveryOptions;
  readonly #chain: StreamChain;
  /** Sealed entries as lines, waiting for the next flush. */
  #buffer: string[] = [];
  #delivered = 0;

  /**
   * `options` is asked at every flush (a caller may pass a deadline); `name` prefixes the chain's
   * ledger id (the writer's name: a host, a service, a function).
   */
  constructor(stream: FirehoseStream, options: () => DeliveryOptions = () => ({}), name = 'logveil') {
    this.#stream = stream;
    this.#options = options;
    this.#chain = new StreamChain(name);
  }

  /** The id of the chain this sink writes. */
  get ledgerId(): string {
    return this.#chain.ledgerId;
  }

  /** Entries delivered so far (the chain's segment entry among them). */
  get delivered(): number {
    return this.#delivered;
  }

  /** Entries waiting for the next flush. */
  get pending(): number {
    return this.#buffer.length;
  }

  async write(events: readonly SecurityEvent[]): Promise<void> {
    this.#buffer.push(...this.#chain.seal(events));
  }

  async writeCanonical(events: readonly string[]): Promise<void> {
    this.#buffer.push(...this.#chain.sealCanonical(events));
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
