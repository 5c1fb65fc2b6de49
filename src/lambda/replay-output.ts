/**
 * The engine's results for saved Lambda events (see replay.ts), back in the shape the handlers
 * give them: the engine writes the redacted lines it was given, and only those it kept, in input
 * order, and reports each batch's outcome per line (kept unchanged, redacted, dropped or
 * quarantined) with the number of its first line: so each line it wrote is paired with the
 * record it was given (see {@link HandlerOutput.observer}). A line kept
 * becomes its app record as the handlers write it ({@link appLine}): a log event's envelope, a
 * plain line as it is, a line each, as the subscription and Kinesis handlers send them to their
 * app stream; with `firehose`, an event's records are answered as the transform answers them
 * ({@link fitResponse}), a JSON line each. What the engine says of a line (security events,
 * quarantine entries, messages) names it `file:line:n`, the n-th line of the event at `file:line`,
 * with its unit's ids (log group, stream and event id, Firehose record id, Kinesis eventID).
 */
import { Writable } from 'node:stream';
import type { FirehoseTransformRecord } from '../codecs/aws-events.js';
import { Outcome, type QuarantineEntry } from '../pipeline/batch.js';
import type { BatchReport, EngineObserver, WorkerFailure } from '../pipeline/engine.js';
import type { SourceRef } from '../record.js';
import { LineWriter } from '../sinks/line-writer.js';
import type { QuarantineWriter } from '../sinks/quarantine.js';
import type { SecuritySink } from '../sinks/security-events.js';
import type { SecurityEvent } from '../telemetry/events.js';
import { canonicalJson } from '../util/canonical.js';
import type { AppLine } from './deliver.js';
import { appLine, type LineInfo, type Unit } from './redact.js';
import { fitResponse } from './transform.js';

/** One saved event's lines for the engine: its units and lines, and what its output needs. */
export interface EventPlan {
  /** `file:line` of the event. */
  name: string;
  units: Unit[];
  /** Per line given to the engine: its unit and how to write it back (see unitLines). */
  lines: LineInfo[];
  /** Firehose: the event's records, each answered once. */
  records?: readonly FirehoseTransformRecord[];
}

interface Pending extends EventPlan {
  /** The engine's input, and its number there of the event's first line. */
  input: string;
  first: number;
  /** Lines the engine has reported on. */
  done: number;
  /** Firehose: the app lines of each record. */
  byRecord?: AppLine[][];
}

/** Where the ids of a unit's source are copied from (file and line stay the engine's). */
const IDS = ['logGroup', 'logStream', 'eventId', 'recordId'] as const;

/** Writes what the handler would write for each saved event, from what the engine did with its lines. */
export class HandlerOutput {
  readonly #app: LineWriter;
  readonly #plans: Pending[] = [];
  /** The engine's output lines since its last report: one batch's kept lines, in order. */
  #out: string[] = [];
  /** App records not yet written: written where the engine waits (see quarantine). */
  #ready: string[] = [];
  /** The output the engine writes to (lines already ended, taken as they come). */
  readonly engineOutput: LineWriter;

  constructor(app: LineWriter) {
    this.#app = app;
    // Taken at once, never buffered: a batch's lines must be here before the engine reports it.
    const capture = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        const text = chunk.toString('utf8');
        this.#out.push(...text.slice(0, text.endsWith('\n') ? -1 : undefined).split('\n'));
        done();
      },
    });
    this.engineOutput = LineWriter.forStream(capture);
  }

  /** The next event, in input order: its lines are the engine's `input` from line `first` on. */
  add(plan: EventPlan, input: string, first: number): void {
    this.#plans.push({ ...plan, input, first, done: 0, ...(plan.records ? { byRecord: plan.records.map(() => []) } : {}) });
  }

  /** Tells the engine's messages to `inner`, a line named as the event's (`file:line:n`). */
  problems(inner: (message: string) => void): (message: string) => void {
    return (message) => {
      for (const plan of this.#plans) {
        if (!message.startsWith(`${plan.input}:`)) continue;
        const m = /^(\d+)(?:-(\d+))? /.exec(message.slice(plan.input.length + 1));
        if (!m) break;
        const from = this.#place(plan.input, Number(m[1]));
        const to = m[2] === undefined ? undefined : this.#place(plan.input, Number(m[2]));
        if (from) return inner(`${from.file}:${from.line}${to ? `-${to.file === from.file ? '' : `${to.file}:`}${to.line}` : ''}${message.slice(plan.input.length + 1 + (m[0].length - 1))}`);
        break;
      }
      inner(message);
    };
  }

  /** Reports on each batch to `inner` too, once its lines are written back. */
  observer(inner?: EngineObserver): EngineObserver {
    return {
      batch: (report: BatchReport) => {
        this.#settle(report);
        inner?.batch(report);
      },
      ...(inner?.workerFailed ? { workerFailed: (failure: WorkerFailure) => inner.workerFailed?.(failure) } : {}),
    };
  }

  /**
   * The quarantine the engine writes to: each entry names its unit's ids. The engine waits for it
   * once per batch: the app output catches up there.
   */
  quarantine(inner: QuarantineWriter): QuarantineWriter {
    return {
      write: async (entries: readonly QuarantineEntry[]) => {
        await inner.write(entries.map((e) => ({ ...e, source: this.#source(e.source) })));
        await this.#caughtUp();
      },
    };
  }

  /** The security sink the engine writes to: each event about a line names its unit's ids. */
  security(inner: SecuritySink): SecuritySink {
    return {
      write: (events: readonly SecurityEvent[]) => inner.write(events.map((e) => (e.source ? ({ ...e, source: this.#source(e.source) } as SecurityEvent) : e))),
      writeCanonical: (events: readonly string[]) =>
        inner.writeCanonical(
          events.map((text) => {
            const e = JSON.parse(text) as { source?: SourceRef };
            if (!e.source) return text;
            const source = this.#source(e.source);
            return source === e.source ? text : canonicalJson({ ...e, source });
          }),
        ),
      flush: () => inner.flush(),
      close: () => inner.close(),
    };
  }

  /** After the run: answers the events left (those with no line for the engine), and waits for the app output. */
  async finish(): Promise<void> {
    this.#answerDone();
    await this.#caughtUp();
  }

  /**
   * The lines of one batch, by the engine's outcome of each: a line kept (unchanged or redacted)
   * is the next line the engine wrote, and becomes its record's app record.
   */
  #settle(report: BatchReport): void {
    this.#answerDone();
    const out = this.#out;
    this.#out = [];
    // The engine reports every batch with its lines (see BatchReport.lines).
    const { first, outcomes } = report.lines as NonNullable<BatchReport['lines']>;
    let next = 0;
    let plan: Pending | undefined;
    outcomes.forEach((outcome, i) => {
      const n = first + i;
      if (!plan || n >= plan.first + plan.lines.length) plan = this.#plans.find((p) => p.input === report.file && n >= p.first && n < p.first + p.lines.length) as Pending;
      plan.done += 1;
      if (outcome !== Outcome.Unchanged && outcome !== Outcome.Redacted) return;
      const text = out[next++] as string;
      const li = plan.lines[n - plan.first] as LineInfo;
      const unit = plan.units[li.unit] as Unit;
      const line = appLine(unit, li, outcome === Outcome.Unchanged, text);
      if (plan.byRecord) (plan.byRecord[unit.owner] as AppLine[]).push({ line, owner: unit.owner, source: unit.source });
      else this.#write(line);
    });
    this.#answerDone();
  }

  /** Events whose every line was reported, from the first: a Firehose event's response, a line a record. */
  #answerDone(): void {
    while (this.#plans.length > 0 && (this.#plans[0] as Pending).done === (this.#plans[0] as Pending).lines.length) {
      const plan = this.#plans.shift() as Pending;
      if (plan.records && plan.byRecord) {
        // Its whole response: the CLI has no stream to re-ingest what would not fit 6 MB.
        for (const entry of fitResponse(plan.records, plan.byRecord, Infinity).response) this.#write(JSON.stringify(entry));
      }
    }
  }

  #write(line: string): void {
    this.#ready.push(line);
  }

  /** Writes the app records made so far, in one piece. */
  async #caughtUp(): Promise<void> {
    if (this.#ready.length === 0) return;
    const text = this.#ready.join('\n');
    this.#ready = [];
    await this.#app.write(text);
  }

  /** The engine's source of a line, as the event's: `file:line` of the event and the line's place in it, with its unit's ids. */
  #source(source: SourceRef): SourceRef {
    if (source.file === undefined || source.line === undefined) return source;
    return this.#place(source.file, source.line) ?? source;
  }

  /** Line `line` of the engine's `input`, if it is one of an event not yet written back. */
  #place(input: string, line: number): SourceRef | undefined {
    const plan = this.#plans.find((p) => p.input === input && line >= p.first && line < p.first + p.lines.length);
    if (!plan) return undefined;
    const i = line - plan.first;
    const from = (plan.units[(plan.lines[i] as LineInfo).unit] as Unit).source;
    const out: SourceRef = { file: plan.name, line: i + 1 };
    for (const k of IDS) if (from[k] !== undefined) out[k] = from[k];
    return out;
  }
}

