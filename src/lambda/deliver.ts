/**
 * Delivery of one invocation's results: redacted app lines to the app stream, quarantine entries
 * to the quarantine stream, security events to the security stream, sealed into the instance's
 * chain (with a signed checkpoint of it when one is due). App lines whose delivery
 * still fails after the retry budget are quarantined (encrypted) with a `DELIVERY_FAILED` security
 * event; only what could not be quarantined or recorded either makes the delivery uncertain: the
 * subscription and Kinesis handlers then fail the affected inputs so that the platform delivers
 * them again, the Firehose transform keeps the events for its next invocation (see transform.ts).
 */
import { describeSource } from '../codecs/cloudwatch.js';
import { LogveilError } from '../errors.js';
import { quarantineRecord, type QuarantineEntry } from '../pipeline/batch.js';
import type { SourceRef } from '../record.js';
import type { DeliveryResult, FirehoseStream } from '../sinks/firehose/stream.js';
import type { SecurityEvent } from '../telemetry/events.js';
import type { Owned } from './redact.js';
import type { BatchKeys, LambdaRuntime } from './runtime.js';

/** An app line for the app stream, with the input it belongs to and its source. */
export interface AppLine {
  line: string;
  owner: number;
  source: SourceRef;
}

/** What one invocation hands to {@link deliverAll}. */
export interface DeliveryInput {
  appLines: readonly AppLine[];
  events: readonly Owned<SecurityEvent>[];
  quarantine: readonly Owned<QuarantineEntry>[];
}

/** The owner of events that belong to no input (run-start): kept for the next invocation if they fail. */
export const NO_OWNER = -1;

/** What did not go as planned. */
export interface DeliveryOutcome {
  /** Inputs whose results are not all delivered or quarantined: the platform must send them again. */
  failedOwners: Set<number>;
  /** App lines that were quarantined after their delivery failed, per owner. */
  quarantinedByOwner: Map<number, number>;
  /** A value-free summary of what failed, for the error that fails the invocation. */
  problems: string[];
  /**
   * Sealed security events of the inputs that were not delivered: kept, with the instance's own,
   * for the next invocation of this instance, since an entry of the chain is never sealed anew.
   */
  undeliveredEvents: number;
  /** Quarantine entries the quarantine stream did not take (those of failed app lines among them). */
  undeliveredQuarantine: Owned<QuarantineEntry>[];
}

/**
 * Delivers everything; see the module notes. App lines go to `appStream` (default: the app
 * stream; the transform passes its re-ingest stream). Throws only if there is no such stream.
 */
export async function deliverAll(
  rt: LambdaRuntime,
  input: DeliveryInput,
  keys: BatchKeys,
  deadline: number | undefined,
  appStream: FirehoseStream | undefined = rt.app,
): Promise<DeliveryOutcome> {
  const outcome = emptyOutcome();
  const opts = deadline !== undefined ? { deadline } : {};
  const events = [...input.events];
  const quarantine = [...input.quarantine];

  if (input.appLines.length > 0) {
    if (!appStream) throw new LogveilError('CONFIG_INVALID', 'no app stream configured for app records');
    const app = await appStream.putLines(input.appLines.map((l, i) => ({ line: l.line, tag: i })), opts);
    const failed = failedTags(app);
    if (failed.length > 0) {
      const code = app.failed[0]?.code ?? 'unknown';
      outcome.problems.push(`${failed.length} app records not delivered to Firehose stream ${appStream.streamName} (last error ${code}); quarantined`);
      for (const i of failed) {
        const l = input.appLines[i] as AppLine;
        const why = `app record of ${describeSource(l.source)} not delivered to Firehose stream ${appStream.streamName} (last error ${code})`;
        const q = quarantineRecord(Buffer.from(l.line), l.source, new LogveilError('DELIVERY_FAILED', why), keys.quarantineKey, rt.policy.hash);
        quarantine.push({ value: q.quarantine as QuarantineEntry, owner: l.owner });
        events.push({ value: q.quarantineEvent as SecurityEvent, owner: l.owner });
        outcome.quarantinedByOwner.set(l.owner, (outcome.quarantinedByOwner.get(l.owner) ?? 0) + 1);
      }
      rt.metrics.add('deliveryQuarantined', failed.length);
    }
  }
  const entries = quarantine.map((q) => ({ value: JSON.stringify(q.value), owner: q.owner }));
  const entriesFailed = new Set(await sendOwned(rt.quarantine, 'quarantine entries', entries, outcome, opts));
  outcome.undeliveredQuarantine = quarantine.filter((_q, i) => entriesFailed.has(entries[i] as Owned<string>));
  const marked = markUndelivered(events.map((e) => e.value), outcome.undeliveredQuarantine);
  await deliverSecurity(rt, marked.map((value, i) => ({ value, owner: (events[i] as Owned<SecurityEvent>).owner })), outcome, opts);
  return outcome;
}

/** A delivery outcome with nothing gone wrong yet. */
export function emptyOutcome(): DeliveryOutcome {
  return { failedOwners: new Set(), quarantinedByOwner: new Map(), problems: [], undeliveredEvents: 0, undeliveredQuarantine: [] };
}

/**
 * Seals security events into the instance's chain and sends them, after the lines kept from
 * earlier invocations and, with `checkpoint`, a signed checkpoint when one is due; what fails is
 * kept for the next invocation (see LambdaRuntime.requeuePendingLines) and noted in `outcome`.
 */
export async function deliverSecurity(rt: LambdaRuntime, events: readonly Owned<SecurityEvent>[], outcome: DeliveryOutcome, opts: { deadline?: number }, checkpoint = true): Promise<void> {
  const sealed = rt.sealEvents(events.map((e) => e.value));
  // The lines before the events' own (the chain's segment entry, on its first use) belong to the instance.
  const lead = sealed.length - events.length;
  const lines: Owned<string>[] = [
    ...rt.takePendingLines().map((value) => ({ value, owner: NO_OWNER })),
    ...sealed.map((value, i) => ({ value, owner: i < lead ? NO_OWNER : (events[i - lead] as Owned<SecurityEvent>).owner })),
  ];
  // A sealed entry is sent again as it is, by this instance's next invocation, or its chain has a
  // gap: those that failed, and all of them if something throws before they are known.
  let securityFailed: Owned<string>[] = lines;
  try {
    const signed = checkpoint ? await rt.checkpointLine() : undefined;
    if (signed !== undefined) lines.push({ value: signed, owner: NO_OWNER });
    securityFailed = await sendOwned(rt.security, 'security events', lines, outcome, opts);
  } finally {
    rt.requeuePendingLines(securityFailed.map((o) => o.value));
  }
  outcome.failedOwners.delete(NO_OWNER);
  outcome.undeliveredEvents = securityFailed.filter((o) => o.owner !== NO_OWNER).length;
}

/**
 * The events with the quarantine event of each entry that did not reach the quarantine stream
 * marked so (`entry: undelivered`): its record is counted dropped, not quarantined, and nothing
 * holds it to open. An entry and its event were made together: same time, code, key and source.
 */
function markUndelivered(events: SecurityEvent[], lost: readonly Owned<QuarantineEntry>[]): SecurityEvent[] {
  if (lost.length === 0) return events;
  const key = (x: { ts: string; code: string; kid: string; source?: SourceRef }): string => JSON.stringify([x.ts, x.code, x.kid, x.source]);
  const left = new Map<string, number>();
  for (const q of lost) left.set(key(q.value), (left.get(key(q.value)) ?? 0) + 1);
  return events.map((e) => {
    const n = e.type === 'quarantine' ? (left.get(key(e)) ?? 0) : 0;
    if (e.type !== 'quarantine' || n === 0) return e;
    left.set(key(e), n - 1);
    return { ...e, entry: 'undelivered', message: `${e.message}; its encrypted entry did not reach the quarantine stream` };
  });
}

/** Sends owned lines; marks the owners of what failed. Returns the failed ones. */
async function sendOwned(stream: FirehoseStream, what: string, items: readonly Owned<string>[], outcome: DeliveryOutcome, opts: { deadline?: number }): Promise<Owned<string>[]> {
  if (items.length === 0) return [];
  const result = await stream.putLines(items.map((item, i) => ({ line: item.value, tag: i })), opts);
  const failed = failedTags(result).map((i) => items[i] as Owned<string>);
  if (failed.length > 0) {
    outcome.problems.push(`${failed.length} ${what} not delivered to Firehose stream ${stream.streamName} (last error ${result.failed[0]?.code ?? 'unknown'})`);
    for (const f of failed) outcome.failedOwners.add(f.owner);
  }
  return failed;
}

/** The tags of every failed record, in order, once each. */
function failedTags<T extends number>(result: DeliveryResult<T>): T[] {
  return [...new Set(result.failed.flatMap((f) => f.record.tags))].sort((a, b) => a - b);
}
