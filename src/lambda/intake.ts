/**
 * Decoding one invocation's inputs into units for the redaction step, and the accounting every
 * handler shares: control messages and data messages without events are dropped (counted),
 * undecodable inputs and malformed events are quarantined whole (encrypted, with a security
 * event), and so are events whose identifying fields, or their payload's, hold a finding (see
 * envelope.ts); everything else becomes units.
 * Records in = app out + dropped + quarantined holds per invocation and per input.
 */
import { describeSource, eventSource, type CloudWatchPayload } from '../codecs/cloudwatch.js';
import { decodeRecordData } from '../codecs/aws-events.js';
import { allEnvelopeLines } from '../codecs/log-events.js';
import { LogveilError } from '../errors.js';
import type { QuarantineEntry } from '../pipeline/batch.js';
import type { SourceRef } from '../record.js';
import type { SecurityEvent } from '../telemetry/events.js';
import { describeFieldFindings, eventFieldFindings, payloadFieldFindings, SECRET_IN_ENVELOPE, singleEventPayload, type FieldFinding } from './envelope.js';
import { quarantineInput, redactUnits, type Owned, type RedactResult, type Unit } from './redact.js';
import { deliverAll, type AppLine, type DeliveryOutcome } from './deliver.js';
import type { FirehoseStream } from '../sinks/firehose/stream.js';
import type { BatchKeys, LambdaRuntime } from './runtime.js';

/** Counts of one input (a Lambda event, a Firehose record, a Kinesis record). */
export interface InputCounts {
  recordsIn: number;
  appOut: number;
  dropped: number;
  quarantined: number;
}

/** Lambda's context, as far as the handlers use it. */
export interface LambdaContext {
  getRemainingTimeInMillis?: () => number;
  awsRequestId?: string;
}

/** Time kept back from the invocation's deadline for answering. */
const DEADLINE_MARGIN_MS = 1_500;

/** When deliveries must stop retrying, from the invocation's remaining time. */
export function deadlineOf(context: LambdaContext | undefined): number | undefined {
  const remaining = context?.getRemainingTimeInMillis?.();
  return typeof remaining === 'number' && Number.isFinite(remaining) ? Date.now() + Math.max(0, remaining - DEADLINE_MARGIN_MS) : undefined;
}

let seq = 0;

/** `field logGroup (github-pat) holds a value the policy finds`, for one field or several. */
function fieldsHold(fields: readonly FieldFinding[]): string {
  return fields.length === 1 ? `field ${describeFieldFindings(fields)} holds a value the policy finds` : `fields ${describeFieldFindings(fields)} hold values the policy finds`;
}

/** Collects one invocation's units, and what was dropped or quarantined before redaction. */
export class Intake {
  readonly units: Unit[] = [];
  readonly events: Owned<SecurityEvent>[] = [];
  readonly quarantine: Owned<QuarantineEntry>[] = [];
  readonly #counts = new Map<number, InputCounts>();
  readonly #rt: LambdaRuntime;
  readonly #keys: BatchKeys;
  /** Whether {@link Intake.redact} has counted the units. */
  #redacted = false;
  /** Whether {@link Intake.deliver} was called, and whether it came back. */
  #deliveryStarted = false;
  #settled = false;
  /** The sources of the records the redaction routed (see LambdaRouting.seen). */
  #routedIds: readonly string[] = [];
  /** App lines quarantined by delivery after theirs failed, whose entries reached the quarantine stream. */
  #deliveryQuarantined = 0;
  /** Entries of {@link Intake.quarantine} that did not reach the quarantine stream, or may not have. */
  readonly #lost = new Set<QuarantineEntry>();
  /** Records whose quarantine entries did not reach the stream: dropped (`quarantine-undelivered`). */
  #undelivered = 0;

  constructor(rt: LambdaRuntime, keys: BatchKeys) {
    this.#rt = rt;
    this.#keys = keys;
  }

  /** The counts of input `owner` (created at zero). */
  counts(owner: number): InputCounts {
    let c = this.#counts.get(owner);
    if (!c) this.#counts.set(owner, (c = { recordsIn: 0, appOut: 0, dropped: 0, quarantined: 0 }));
    return c;
  }

  /**
   * Decoded subscription payloads: events become units, control messages and bad events do not.
   * A payload whose `owner`, `logGroup` or `logStream` holds a finding has all its events
   * quarantined, under a source that quotes none of them (`base`); an event whose `id` or
   * `timestamp` does is quarantined alone, its source without the id. `where` names the input in
   * messages. Returns the payloads whose events were taken in (their fields may be quoted).
   */
  addPayloads(payloads: readonly CloudWatchPayload[], owner: number, base: SourceRef, where = describeSource(base)): CloudWatchPayload[] {
    this.counts(owner);
    const policy = this.#rt.policy;
    const admitted: CloudWatchPayload[] = [];
    payloads.forEach((p, i) => {
      if (p.messageType === 'CONTROL_MESSAGE') {
        this.drop(owner, 'control-message');
        return;
      }
      // A data message without events: counted as an empty input is, nothing is written of it.
      if (p.logEvents.length === 0 && p.invalidEvents.length === 0) {
        this.drop(owner, 'empty');
        return;
      }
      const at = payloads.length > 1 ? `${where} payload ${i}` : where;
      const fields = payloadFieldFindings(policy, p);
      if (fields.length > 0) {
        const events: unknown[] = [...p.logEvents, ...p.invalidEvents.map((bad) => JSON.parse(bad.raw) as unknown)];
        const why = `${at}: payload ${fieldsHold(fields)}; its events (${events.length}) are quarantined whole`;
        for (const e of events) this.quarantineWhole(Buffer.from(singleEventPayload(p, e)), owner, base, SECRET_IN_ENVELOPE, why);
        return;
      }
      admitted.push(p);
      const tainted = eventFieldFindings(policy, p.logEvents);
      p.logEvents.forEach((event, e) => {
        const found = tainted.get(e);
        if (!found) this.units.push({ kind: 'event', payload: p, event, source: eventSource(p, event, base), owner });
        else this.#quarantineEvent(p, event, found, owner, base, at);
      });
      const badIds = eventFieldFindings(policy, p.invalidEvents);
      for (const [e, bad] of p.invalidEvents.entries()) {
        const found = badIds.get(e);
        if (found) {
          this.#quarantineEvent(p, JSON.parse(bad.raw) as unknown, found, owner, base, at);
          continue;
        }
        const source = eventSource(p, bad.id !== undefined ? { id: bad.id } : {}, base);
        this.quarantineWhole(Buffer.from(bad.raw), owner, source, bad.code, bad.message);
      }
    });
    return admitted;
  }

  /** One event of a payload whose own fields are clean: its source names group and stream, not the event. */
  #quarantineEvent(p: CloudWatchPayload, event: unknown, found: readonly FieldFinding[], owner: number, base: SourceRef, at: string): void {
    const why = `${at}: an event's ${fieldsHold(found)}; the event is quarantined whole`;
    this.quarantineWhole(Buffer.from(singleEventPayload(p, event)), owner, eventSource(p, {}, base), SECRET_IN_ENVELOPE, why);
  }

  /** A record's bytes: CloudWatch payloads or plain lines; undecodable bytes are quarantined. */
  addRecordData(raw: Buffer, owner: number, source: SourceRef, reingestable = false): void {
    this.counts(owner);
    let data;
    try {
      data = decodeRecordData(raw, describeSource(source), { maxDecodedBytes: this.#rt.config.maxPayloadBytes });
    } catch (err) {
      this.quarantineError(raw, owner, source, err);
      return;
    }
    if (data.kind === 'cloudwatch') this.addPayloads(data.payloads, owner, source);
    else if (data.bytes.length === 0) this.drop(owner, 'empty');
    else this.units.push({ kind: 'lines', bytes: data.bytes, source, owner, ...(reingestable && allEnvelopeLines(data.bytes) ? { reingested: true } : {}) });
  }

  /** Counts one input record dropped on purpose. */
  drop(owner: number, reason: string): void {
    const c = this.counts(owner);
    c.recordsIn += 1;
    c.dropped += 1;
    this.#rt.metrics.dropped(reason);
  }

  /** Quarantines a whole input because decoding failed with `err`. */
  quarantineError(raw: Uint8Array, owner: number, source: SourceRef, err: unknown): void {
    const q = quarantineInput(raw, source, err, this.#keys, this.#rt.policy.hash);
    this.#addQuarantine(q, owner);
  }

  /** Quarantines a whole input (or event) for the reason `code`/`message`. */
  quarantineWhole(raw: Uint8Array, owner: number, source: SourceRef, code: string, message: string): void {
    this.quarantineError(raw, owner, source, new LogveilError(code, message));
  }

  #addQuarantine(q: { entry: QuarantineEntry; event: SecurityEvent }, owner: number): void {
    const c = this.counts(owner);
    c.recordsIn += 1;
    c.quarantined += 1;
    this.quarantine.push({ value: q.entry, owner });
    this.events.push({ value: q.event, owner });
  }

  /**
   * Runs the redaction over every unit and adds its counts per input. Its security events and
   * quarantine entries join {@link Intake.events} and {@link Intake.quarantine}, after those of
   * the decoding.
   */
  redact(): RedactResult {
    const started = performance.now();
    const rt = this.#rt;
    const limits = rt.config.logveil.limits;
    const res = redactUnits(this.units, { policy: rt.policy, actions: rt.actions, format: rt.config.logveil.format, limits, routing: rt.routing }, this.#keys, seq++);
    this.#redacted = true;
    this.#routedIds = res.routedIds;
    res.units.forEach((u, i) => {
      const c = this.counts((this.units[i] as Unit).owner);
      c.recordsIn += u.recordsIn;
      c.appOut += u.appOut;
      c.dropped += u.dropped;
      c.quarantined += u.quarantined;
    });
    const findings = Object.values(res.report.findings).reduce((n, x) => n + x, 0);
    rt.metrics.add('findings', findings);
    if (res.report.dropped > 0) rt.metrics.dropped('policy', res.report.dropped);
    this.events.push(...res.events);
    this.quarantine.push(...res.quarantine);
    if (res.report.records > 0) rt.telemetry.batch({ seq: seq - 1, file: 'lambda', latencyMs: performance.now() - started, ...res.report });
    return res;
  }

  /** The records the units hold, while they are not redacted yet (none after {@link Intake.redact}): an event each, a line each. */
  unredactedRecords(): number {
    if (this.#redacted) return 0;
    let n = 0;
    for (const u of this.units) {
      if (u.kind === 'event') n += 1;
      else if (u.bytes.length > 0) {
        for (let pos = u.bytes.indexOf(0x0a); pos !== -1; pos = u.bytes.indexOf(0x0a, pos + 1)) n += 1;
        if (u.bytes[u.bytes.length - 1] !== 0x0a) n += 1;
      }
    }
    return n;
  }

  /**
   * Delivers the results: `appLines` (to `appStream`, default the app stream), the security events
   * and the quarantine entries (see deliverAll), and takes the outcome: app lines whose delivery
   * failed were quarantined, and a quarantined record whose entry did not reach the quarantine
   * stream is counted as dropped (`quarantine-undelivered`): an entry that never arrived protects
   * nothing.
   */
  async deliver(appLines: readonly AppLine[], deadline: number | undefined, appStream?: FirehoseStream): Promise<DeliveryOutcome> {
    this.#deliveryStarted = true;
    const outcome = await deliverAll(this.#rt, { appLines, events: this.events, quarantine: this.quarantine }, this.#keys, deadline, ...(appStream ? [appStream] : []));
    // The routed events are sealed (delivered, or kept for the next invocation): an input sent
    // again is not routed twice.
    for (const id of this.#routedIds) this.#rt.routing.seen.add(id);
    for (const [owner, n] of outcome.quarantinedByOwner) {
      const c = this.counts(owner);
      c.appOut -= n;
      c.quarantined += n;
      this.#deliveryQuarantined += n;
    }
    const mine = new Set(this.quarantine.map((q) => q.value));
    for (const q of outcome.undeliveredQuarantine) {
      if (mine.has(q.value)) this.#lose(q);
      else {
        // An app line's entry: neither written nor quarantined.
        this.#deliveryQuarantined -= 1;
        this.#loseCount(q.owner);
      }
    }
    this.#settled = true;
    return outcome;
  }

  /** Whether {@link Intake.deliver} was called (it may not have come back). */
  get deliveryStarted(): boolean {
    return this.#deliveryStarted;
  }

  /** The quarantine entries made, and those of them that did not (or may not) reach the stream. */
  get quarantineDelivery(): { made: number; lost: number } {
    return { made: this.quarantine.length, lost: this.#lost.size };
  }

  #lose(q: Owned<QuarantineEntry>): void {
    if (this.#lost.has(q.value)) return;
    this.#lost.add(q.value);
    this.#loseCount(q.owner);
  }

  #loseCount(owner: number): void {
    const c = this.counts(owner);
    c.quarantined -= 1;
    c.dropped += 1;
    this.#undelivered += 1;
  }

  /** Adds the invocation's final counts to the metrics (after delivery moved some app lines to quarantine). */
  finish(): InputCounts {
    const total: InputCounts = { recordsIn: 0, appOut: 0, dropped: 0, quarantined: 0 };
    for (const c of this.#counts.values()) {
      total.recordsIn += c.recordsIn;
      total.appOut += c.appOut;
      total.dropped += c.dropped;
      total.quarantined += c.quarantined;
    }
    this.#rt.metrics.add('recordsIn', total.recordsIn);
    this.#rt.metrics.add('appOut', total.appOut);
    this.#countQuarantined();
    return total;
  }

  /**
   * The accounting of an invocation of `inputs` inputs that an error nothing handles ended: the
   * records it would have written, the units it had not redacted and the inputs it had not
   * reached are dropped (`processing-failed`). Quarantined records stay quarantined where their
   * entries reached the quarantine stream; unless {@link Intake.deliver} came back, none is known
   * to have, and they are dropped (`quarantine-undelivered`). Returns the records dropped so.
   */
  abandon(inputs: number): number {
    if (!this.#settled) for (const q of this.quarantine) this.#lose(q);
    let recordsIn = 0;
    let lost = 0;
    const reached = new Set<number>();
    for (const [owner, c] of this.#counts) {
      reached.add(owner);
      recordsIn += c.recordsIn;
      lost += c.appOut;
    }
    const unredacted = this.unredactedRecords();
    const unreached = inputs - [...reached].filter((i) => i >= 0 && i < inputs).length;
    recordsIn += unredacted + unreached;
    lost += unredacted + unreached;
    this.#rt.metrics.add('recordsIn', recordsIn);
    this.#rt.metrics.dropped('processing-failed', lost);
    this.#countQuarantined();
    return lost + this.#undelivered;
  }

  /** Counts the quarantined records by code in the metrics, and those dropped because their entries did not arrive. */
  #countQuarantined(): void {
    const byCode = new Map<string, number>();
    for (const q of this.quarantine) if (!this.#lost.has(q.value)) byCode.set(q.value.code, (byCode.get(q.value.code) ?? 0) + 1);
    if (this.#deliveryQuarantined > 0) byCode.set('DELIVERY_FAILED', (byCode.get('DELIVERY_FAILED') ?? 0) + this.#deliveryQuarantined);
    for (const [code, n] of byCode) this.#rt.metrics.quarantined(code, n);
    if (this.#undelivered > 0) this.#rt.metrics.dropped('quarantine-undelivered', this.#undelivered);
  }
}
