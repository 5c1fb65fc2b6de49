/**
 * Saved Lambda events through the engine (`logveil redact --format cloudwatch|firehose|kinesis`): a
 * CloudWatch Logs subscription event or a decoded payload, a Firehose transformation event, or a
 * Kinesis Data Streams event, a file of one (pretty-printed or not), of a JSON array of them, or of
 * several (one a line). Each event is decoded with the handlers' own code (decode.ts,
 * addSubscriptionEvent, addFirehoseRecords, addKinesisRecords), with two differences: a decoded
 * payload (`messageType`), which no handler is given, is read as the payload inside `awslogs.data`
 * is, and a payload may decode to {@link MAX_EVENT_BYTES}, where a handler's bound is its config's
 * `maxPayloadBytes`. Its log records become the lines the handler makes of them for the batch core
 * (see unitLines). Those lines do not go to the batch core in one call per event, as a handler's
 * invocation does: a file's events are one input of the engine, cut into its batches, with the
 * handlers' option to redact private-key body lines that have neither BEGIN nor END line in their
 * batch (`orphanKeyLines`); a key's block opened in one event is followed into the next. What the
 * engine writes back becomes what the handler writes (see replay-output.ts). An event is named
 * `file:line` (the line it starts on), and one of its records `file:line:n` (its n-th line for the
 * engine), in messages, security events and the quarantine.
 *
 * Accounting: a log record (a log event, a plain line of a Firehose or Kinesis record) is a record.
 * What cannot be read (an event that is not JSON or not an event, its data not base64, gzip or a
 * payload, a data message without log events, a malformed log event, an event whose identifying
 * fields hold a finding) is quarantined before the engine, encrypted, with a security event and a
 * `file:line CODE: reason` on stderr, and counted as one record quarantined, as the engine counts a
 * line it rejects. Control messages, data messages without log events and empty Firehose or Kinesis
 * records hold no log record (the handlers drop them as empty): they are not records, and are
 * counted apart ({@link ReplayCounts}).
 */
import { createReadStream } from 'node:fs';
import type { CloudWatchLogsLambdaEvent, FirehoseTransformRecord, KinesisStreamRecord } from '../codecs/aws-events.js';
import { DEFAULT_PAYLOAD_LIMITS, parseCloudWatchPayloads, type CloudWatchPayload } from '../codecs/cloudwatch.js';
import { EventBytes, EventSplitter, parseEvent, wholeFileEvents, type EventSpan, type SavedEventFormat } from '../codecs/event-file.js';
import type { DataKey } from '../crypto/keys/cache.js';
import type { CompiledPolicy } from '../detect/compile.js';
import { Accounting, type RunSummary } from '../pipeline/accounting.js';
import type { InputSource } from '../pipeline/engine.js';
import type { SourceRef } from '../record.js';
import type { LineWriter } from '../sinks/line-writer.js';
import type { QuarantineWriter } from '../sinks/quarantine.js';
import type { SecuritySink } from '../sinks/security-events.js';
import { InputDecoder } from './decode.js';
import { unitLines, type LineInfo } from './redact.js';
import { addKinesisRecords } from './kinesis-stream.js';
import { HandlerOutput, type EventPlan } from './replay-output.js';
import { addSubscriptionEvent } from './subscription.js';
import { addFirehoseRecords } from './transform.js';

/** The saved events `logveil redact` reads: which handler's. */
export type { SavedEventFormat } from '../codecs/event-file.js';

export interface ReplaySetup {
  format: SavedEventFormat;
  policy: CompiledPolicy;
  quarantineKey: DataKey;
  /** Where what cannot be read is quarantined and told (the engine's own sinks). */
  security: SecuritySink;
  quarantine: QuarantineWriter;
  /** Where the records are written, in the shape the handler writes them (see replay-output.ts). */
  app: LineWriter;
  onProblem(message: string): void;
}

/** What the inputs held besides records. */
export interface ReplayCounts {
  /** Events read (stretches of a file that are no event included). */
  events: number;
  /** `CONTROL_MESSAGE` payloads: the health checks CloudWatch Logs sends, without log records. */
  controlMessages: number;
  /** `DATA_MESSAGE` payloads without log events (`logEvents: []`), which the handlers drop as empty. */
  emptyDataMessages: number;
  /** Firehose or Kinesis records whose data is empty. */
  emptyRecords: number;
}

/** An event larger than this is not read: far above what a Lambda event can be. */
const MAX_EVENT_BYTES = DEFAULT_PAYLOAD_LIMITS.maxDecodedBytes;

/**
 * A file up to this size is first read whole, as one JSON value: an event (a Lambda invocation's
 * payload is at most 6 MB) pretty-printed however, or an array of a few. A larger file is split
 * into events as it is read, and never held whole.
 */
const WHOLE_FILE_BYTES = 16 * 1024 * 1024;

export class SavedEvents {
  readonly counts: ReplayCounts = { events: 0, controlMessages: 0, emptyDataMessages: 0, emptyRecords: 0 };
  readonly output: HandlerOutput;
  readonly #setup: ReplaySetup;
  /** Records quarantined before the engine. */
  readonly #rejected = new Accounting();

  constructor(setup: ReplaySetup) {
    this.#setup = setup;
    this.output = new HandlerOutput(setup.app);
  }

  /** The engine's inputs: the log records of `files` (stdin when none), a file each. */
  inputs(files: readonly string[]): InputSource[] {
    if (files.length === 0) return [{ name: '-', chunks: () => this.#recordLines('-', process.stdin) }];
    return files.map((file) => ({ name: file, chunks: () => this.#recordLines(file, createReadStream(file)) }));
  }

  /** The run's counts: the engine's and those of what was quarantined before it. */
  summary(engine: RunSummary): RunSummary {
    const all = new Accounting();
    all.addSummary(engine);
    all.addSummary(this.#rejected.summary());
    return { ...all.summary(), ...(engine.examples ? { examples: engine.examples } : {}) };
  }

  /** `saved events 2, not records: control messages 1, empty data messages 0`, for the summary. */
  describe(): string {
    const { events, controlMessages, emptyDataMessages, emptyRecords } = this.counts;
    const format = this.#setup.format;
    const records = format === 'firehose' ? `, empty Firehose records ${emptyRecords}` : format === 'kinesis' ? `, empty Kinesis records ${emptyRecords}` : '';
    return `saved events ${events}, not records: control messages ${controlMessages}, empty data messages ${emptyDataMessages}${records}`;
  }

  /**
   * The log records of a file's events, as lines for the engine (`input`: its name there). A file
   * of up to {@link WHOLE_FILE_BYTES} is first read whole, as one JSON value (see
   * wholeFileEvents); any other is split into events as it is read.
   */
  async *#recordLines(input: string, chunks: AsyncIterable<Buffer | string>): AsyncIterable<Buffer> {
    /** The engine's number of the next line. */
    let next = 1;
    const lines = async (span: EventSpan, bytes: Buffer): Promise<Buffer> => {
      const event = await this.#eventLines(input, next, span, bytes);
      next += event.lines;
      return event.data;
    };
    const it = chunks[Symbol.asyncIterator]();
    const held: Buffer[] = [];
    let heldBytes = 0;
    let ended = false;
    while (heldBytes <= WHOLE_FILE_BYTES) {
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      const bytes = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      held.push(bytes);
      heldBytes += bytes.length;
    }
    if (ended) {
      const file = Buffer.concat(held, heldBytes);
      const spans = wholeFileEvents(file);
      if (spans) {
        for (const span of spans) {
          const data = await lines(span, file.subarray(span.start, span.end));
          if (data.length > 0) yield data;
        }
        return;
      }
    }
    const splitter = new EventSplitter();
    const kept = new EventBytes(MAX_EVENT_BYTES);
    const rest = async function* (): AsyncIterable<Buffer | string> {
      yield* held;
      if (ended) return;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    };
    for await (const chunk of rest()) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      kept.add(bytes);
      for (const span of splitter.push(bytes)) {
        const data = await lines(span, kept.take(span));
        if (data.length > 0) yield data;
      }
      kept.keep(splitter.openSince());
    }
    for (const span of splitter.end()) {
      const data = await lines(span, kept.take(span));
      if (data.length > 0) yield data;
    }
  }

  /**
   * One event's log records, as lines for the engine (the first its `first` line of `input`);
   * what cannot be read is quarantined first.
   */
  async #eventLines(input: string, first: number, span: EventSpan, bytes: Buffer): Promise<{ data: Buffer; lines: number }> {
    this.counts.events += 1;
    const name = `${input}:${span.line}`;
    const decoder = new ReplayDecoder(this.#setup.policy, this.#setup.quarantineKey, this.counts);
    const base: SourceRef = { file: name };
    const tooLarge = span.end - span.start > MAX_EVENT_BYTES;
    let plan: Pick<EventPlan, 'name' | 'records'> | undefined;
    if (span.problem) decoder.quarantineWhole(bytes, 0, base, span.problem.code, span.problem.message);
    else if (tooLarge) decoder.quarantineWhole(bytes, 0, base, 'EVENT_TOO_LARGE', `event of ${span.end - span.start} bytes exceeds ${MAX_EVENT_BYTES}; its first ${MAX_EVENT_BYTES} bytes are quarantined`);
    else plan = this.#decode(bytes, decoder, base);
    await this.#reject(name, decoder);
    if (!plan) return { data: Buffer.alloc(0), lines: 0 };
    const parts: Buffer[] = [];
    const lines: LineInfo[] = [];
    decoder.units.forEach((u, i) => unitLines(u, i, parts, lines));
    const data = Buffer.concat(parts);
    this.output.add({ ...plan, units: decoder.units, lines }, input, first);
    return { data, lines: lines.length };
  }

  /** The event decoded into `decoder` with its handler's decoding (see the module notes); undefined when it is none. */
  #decode(bytes: Buffer, decoder: ReplayDecoder, base: SourceRef): Pick<EventPlan, 'name' | 'records'> | undefined {
    const name = base.file as string;
    let event: unknown;
    try {
      event = parseEvent(bytes);
    } catch (err) {
      decoder.quarantineError(bytes, 0, base, err);
      return undefined;
    }
    const fields = typeof event === 'object' && event !== null && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
    if (this.#setup.format === 'firehose') {
      if (!Array.isArray(fields.records)) {
        decoder.quarantineWhole(bytes, 0, base, 'EVENT_INVALID', 'not a Firehose transformation event: it has no records array');
        return undefined;
      }
      const records = fields.records as FirehoseTransformRecord[];
      addFirehoseRecords(decoder, records, base);
      return { name, records };
    }
    if (this.#setup.format === 'kinesis') {
      if (!Array.isArray(fields.Records)) {
        decoder.quarantineWhole(bytes, 0, base, 'EVENT_INVALID', 'not a Kinesis Data Streams event: it has no Records array');
        return undefined;
      }
      addKinesisRecords(decoder, fields.Records as KinesisStreamRecord[], base);
      return { name };
    }
    if ('messageType' in fields) {
      let payloads: CloudWatchPayload[];
      try {
        payloads = parseCloudWatchPayloads(bytes, 'payload');
      } catch (err) {
        decoder.quarantineError(bytes, 0, base, err);
        return undefined;
      }
      decoder.addPayloads(payloads, 0, base, 'payload');
    } else if ('awslogs' in fields) {
      addSubscriptionEvent(decoder, event as CloudWatchLogsLambdaEvent, MAX_EVENT_BYTES, base);
    } else {
      decoder.quarantineWhole(bytes, 0, base, 'EVENT_INVALID', 'neither a CloudWatch Logs subscription event (awslogs.data) nor a payload (messageType)');
      return undefined;
    }
    return { name };
  }

  /** Writes what `decoder` quarantined, says it on stderr, and counts it (a record each). */
  async #reject(name: string, decoder: InputDecoder): Promise<void> {
    if (decoder.quarantine.length === 0) return;
    const events = decoder.events.map((e) => e.value);
    await this.#setup.security.write(events);
    await this.#setup.quarantine.write(decoder.quarantine.map((q) => q.value));
    for (const q of decoder.quarantine) {
      this.#rejected.recordsIn += 1;
      this.#rejected.addQuarantine(q.value.code);
    }
    for (const e of events) {
      if (e.type === 'quarantine') this.#setup.onProblem(`${name} ${e.code}: ${e.message}; record quarantined`);
    }
  }
}

/**
 * The handlers' decoding, but for what the command counts otherwise: control messages, data
 * messages without log events and empty Firehose or Kinesis records, which the handlers count as
 * dropped, are counted apart here, as not records.
 */
class ReplayDecoder extends InputDecoder {
  /** Set while payloads are read: an empty input dropped then is a data message. */
  readonly #reading: { payloads: boolean };

  constructor(policy: CompiledPolicy, quarantineKey: DataKey, counts: ReplayCounts) {
    const reading = { payloads: false };
    super({
      policy,
      maxPayloadBytes: MAX_EVENT_BYTES,
      quarantineKey,
      dropped: (reason) => {
        if (reason === 'control-message') counts.controlMessages += 1;
        else if (reading.payloads) counts.emptyDataMessages += 1;
        else counts.emptyRecords += 1;
      },
    });
    this.#reading = reading;
  }

  override addPayloads(payloads: readonly CloudWatchPayload[], owner: number, base: SourceRef, where?: string): CloudWatchPayload[] {
    this.#reading.payloads = true;
    try {
      return super.addPayloads(payloads, owner, base, where);
    } finally {
      this.#reading.payloads = false;
    }
  }
}
