/**
 * One invocation's inputs decoded into units (see decode.ts), redacted and delivered, and the
 * accounting every handler shares. Records in = app out + dropped + quarantined holds per
 * invocation and per input.
 */
import type { QuarantineEntry } from '../pipeline/batch.js';
import { InputDecoder, type InputCounts } from './decode.js';
import { redactUnits, type Owned, type RedactResult, type Unit } from './redact.js';
import { deliverAll, type AppLine, type DeliveryOutcome } from './deliver.js';
import type { FirehoseStream } from '../sinks/firehose/stream.js';
import type { BatchKeys, LambdaRuntime } from './runtime.js';

export type { InputCounts } from './decode.js';

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

/** Collects one invocation's units, redacts and delivers them, and keeps its counts. */
export class Intake extends InputDecoder {
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
    super({ policy: rt.policy, maxPayloadBytes: rt.config.maxPayloadBytes, quarantineKey: keys.quarantineKey, dropped: (reason) => rt.metrics.dropped(reason) });
    this.#rt = rt;
    this.#keys = keys;
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
    for (const c of this.countsByOwner.values()) {
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
    for (const [owner, c] of this.countsByOwner) {
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
