/**
 * The pipeline's heartbeat: a `heartbeat` event into the security sink every `intervalSeconds`,
 * so that a monitor seeing none for a few intervals can alarm (the pipeline, or its security sink,
 * stopped). The timer does not keep the process alive.
 */
import type { SecuritySink } from '../security-events.js';
import type { HeartbeatEvent } from '../../telemetry/events.js';

export interface HeartbeatOptions {
  intervalSeconds: number;
  /** Members added to every beat: deployment id, version, policy hash, running counts. */
  describe?: () => Partial<Omit<HeartbeatEvent, 'type' | 'ts' | 'beat' | 'intervalSeconds' | 'uptimeSeconds'>>;
  /** A beat could not be written (the sink failed): the engine should stop. */
  onError?: (err: unknown) => void;
  now?: () => Date;
}

export class Heartbeat {
  readonly #sink: SecuritySink;
  readonly #o: HeartbeatOptions;
  readonly #started: number;
  #timer: NodeJS.Timeout | undefined;
  #beat = 0;
  #pending: Promise<void> = Promise.resolve();

  constructor(sink: SecuritySink, options: HeartbeatOptions) {
    if (!(options.intervalSeconds > 0)) throw new RangeError(`heartbeat intervalSeconds must be positive, got ${options.intervalSeconds}`);
    this.#sink = sink;
    this.#o = options;
    this.#started = Date.now();
  }

  /** Writes a first beat now, then one every interval. */
  start(): void {
    if (this.#timer) return;
    this.beat();
    this.#timer = setInterval(() => this.beat(), this.#o.intervalSeconds * 1000);
    this.#timer.unref();
  }

  /** Writes one beat now; resolves when it is written (errors go to `onError`). */
  beat(): Promise<void> {
    this.#beat += 1;
    const now = this.#o.now?.() ?? new Date();
    const event: HeartbeatEvent = {
      ...this.#o.describe?.(),
      type: 'heartbeat',
      ts: now.toISOString(),
      beat: this.#beat,
      intervalSeconds: this.#o.intervalSeconds,
      uptimeSeconds: Math.round((now.getTime() - this.#started) / 1000),
    };
    this.#pending = this.#sink.write([event]).catch((err: unknown) => {
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = undefined;
      this.#o.onError?.(err);
    });
    return this.#pending;
  }

  /** Stops beating; resolves once the last beat is written. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#pending;
  }
}
