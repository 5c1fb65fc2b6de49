/**
 * Decoding inputs into units for the redaction step: control messages and data messages without
 * events are dropped (counted), undecodable inputs and malformed events are quarantined whole
 * (encrypted, with a security event), and so are events whose identifying fields, or their
 * payload's, hold a finding (see envelope.ts); everything else becomes units. The handlers decode
 * through it (see intake.ts), and so does `logveil redact` given a saved event (see replay.ts).
 */
import { describeSource, eventSource, type CloudWatchPayload } from '../codecs/cloudwatch.js';
import { decodeRecordData } from '../codecs/aws-events.js';
import { allEnvelopeLines } from '../codecs/log-events.js';
import type { DataKey } from '../crypto/keys/cache.js';
import { maskedText } from '../act/masked-text.js';
import type { CompiledPolicy } from '../detect/compile.js';
import { LogveilError } from '../errors.js';
import type { QuarantineEntry } from '../pipeline/batch.js';
import type { SourceRef } from '../record.js';
import type { SecurityEvent } from '../telemetry/events.js';
import { describeFieldFindings, eventFieldFindings, payloadFieldFindings, SECRET_IN_ENVELOPE, singleEventPayload, type FieldFinding } from './envelope.js';
import { quarantineInput, type Owned, type Unit } from './redact.js';

/** Counts of one input (a Lambda event, a Firehose record, a Kinesis record). */
export interface InputCounts {
  recordsIn: number;
  appOut: number;
  dropped: number;
  quarantined: number;
}

/** What decoding needs: the policy that scans identifying fields, the bound on a decoded payload, the quarantine key. */
export interface DecodeSetup {
  policy: CompiledPolicy;
  maxPayloadBytes: number;
  quarantineKey: DataKey;
  /** Told of each input record dropped on purpose, with the reason (`control-message`, `empty`). */
  dropped(reason: string): void;
}

/** `field logGroup (github-pat) holds a value the policy finds`, for one field or several. */
function fieldsHold(fields: readonly FieldFinding[]): string {
  return fields.length === 1 ? `field ${describeFieldFindings(fields)} holds a value the policy finds` : `fields ${describeFieldFindings(fields)} hold values the policy finds`;
}

/** Collects the units of one invocation's inputs, and what was dropped or quarantined before redaction. */
/** The longest record id a source quotes (see InputDecoder.sourceId). */
const MAX_ID_CHARS = 256;

export class InputDecoder {
  readonly units: Unit[] = [];
  readonly events: Owned<SecurityEvent>[] = [];
  readonly quarantine: Owned<QuarantineEntry>[] = [];
  /** Counts per input, by owner. */
  protected readonly countsByOwner = new Map<number, InputCounts>();
  readonly #setup: DecodeSetup;

  constructor(setup: DecodeSetup) {
    this.#setup = setup;
  }

  /**
   * A record's id as its security events and quarantine entries name it: `id` where it is a string
   * of at most 256 characters that holds nothing the policy would redact, else `place`
   * (`records[3]`). AWS makes these ids (a Firehose recordId, a Kinesis eventID); a saved
   * event's may hold anything.
   */
  sourceId(id: unknown, place: string): string {
    return typeof id === 'string' && id.length <= MAX_ID_CHARS && maskedText(this.#setup.policy, id) === id ? id : place;
  }

  /** The counts of input `owner` (created at zero). */
  counts(owner: number): InputCounts {
    let c = this.countsByOwner.get(owner);
    if (!c) this.countsByOwner.set(owner, (c = { recordsIn: 0, appOut: 0, dropped: 0, quarantined: 0 }));
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
    const policy = this.#setup.policy;
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

  /**
   * A record's bytes: CloudWatch payloads or plain lines; undecodable bytes are quarantined.
   * `where` names the record in messages (default: by its source's ids).
   */
  addRecordData(raw: Buffer, owner: number, source: SourceRef, reingestable = false, where = describeSource(source)): void {
    this.counts(owner);
    let data;
    try {
      data = decodeRecordData(raw, where, { maxDecodedBytes: this.#setup.maxPayloadBytes });
    } catch (err) {
      this.quarantineError(raw, owner, source, err);
      return;
    }
    if (data.kind === 'cloudwatch') this.addPayloads(data.payloads, owner, source, where);
    else if (data.bytes.length === 0) this.drop(owner, 'empty');
    else this.units.push({ kind: 'lines', bytes: data.bytes, source, owner, ...(reingestable && allEnvelopeLines(data.bytes) ? { reingested: true } : {}) });
  }

  /** Counts one input record dropped on purpose. */
  drop(owner: number, reason: string): void {
    const c = this.counts(owner);
    c.recordsIn += 1;
    c.dropped += 1;
    this.#setup.dropped(reason);
  }

  /** Quarantines a whole input because decoding failed with `err`. */
  quarantineError(raw: Uint8Array, owner: number, source: SourceRef, err: unknown): void {
    const q = quarantineInput(raw, source, err, this.#setup, this.#setup.policy.hash);
    const c = this.counts(owner);
    c.recordsIn += 1;
    c.quarantined += 1;
    this.quarantine.push({ value: q.entry, owner });
    this.events.push({ value: q.event, owner });
  }

  /** Quarantines a whole input (or event) for the reason `code`/`message`. */
  quarantineWhole(raw: Uint8Array, owner: number, source: SourceRef, code: string, message: string): void {
    this.quarantineError(raw, owner, source, new LogveilError(code, message));
  }
}
