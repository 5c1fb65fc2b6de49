/**
 * The Firehose data-transformation handler. Every input recordId comes back exactly once, with
 * `Ok` (its redacted records, newline-delimited) or `Dropped` (control messages, records dropped
 * by policy, undecodable records, which are quarantined encrypted instead). Never
 * `ProcessingFailed`: Firehose would write the raw data to its error prefix. Nor does it fail the
 * invocation once it has records: Firehose retries a failed invocation a few times, then writes
 * its records as they came under that same prefix. So a key provider that gives no key drops
 * every record (counted, `key-unavailable`), security events or quarantine entries that cannot
 * be delivered within the invocation do not fail it (see {@link deliveryProblems}), and an error
 * nothing handles drops every record too (see {@link droppedForFailure}). The response stays
 * under Lambda's 6 MB limit: records that do not fit are re-ingested through PutRecordBatch
 * (already redacted, split to the record limit) and marked `Dropped`, and counted.
 */
import { maskedText } from '../act/masked-text.js';
import {
  deliveryStreamName,
  RESPONSE_OVERHEAD_BYTES,
  responseEntryBytes,
  type FirehoseTransformEvent,
  type FirehoseTransformRecord,
  type FirehoseTransformResponse,
  type FirehoseTransformResultRecord,
} from '../codecs/aws-events.js';
import { decodeBase64 } from '../codecs/cloudwatch.js';
import { LogveilError } from '../errors.js';
import type { SourceRef } from '../record.js';
import { deliverSecurity, emptyOutcome, NO_OWNER, type AppLine, type DeliveryOutcome } from './deliver.js';
import type { RecordsDroppedEvent } from '../telemetry/events.js';
import type { InputDecoder } from './decode.js';
import { deadlineOf, Intake, type LambdaContext } from './intake.js';
import type { BatchKeys, LambdaRuntime } from './runtime.js';
import type { LambdaHandler } from './subscription.js';

/**
 * Builds the handler over a runtime opened at cold start.
 *
 * @throws (from the handler) LogveilError `EVENT_INVALID` for an event without a records array
 *   (there is nothing Firehose could write of it).
 */
export function createTransformHandler(rt: LambdaRuntime): LambdaHandler<FirehoseTransformEvent, FirehoseTransformResponse> {
  const handler = async (event: FirehoseTransformEvent, context?: LambdaContext): Promise<FirehoseTransformResponse> => {
    rt.metrics.add('invocations');
    const deadline = deadlineOf(context);
    rt.setDeadline(deadline);
    try {
      const records: unknown = event?.records;
      if (!Array.isArray(records)) throw new LogveilError('EVENT_INVALID', 'Firehose transformation event has no records array');
      const input = records as FirehoseTransformRecord[];
      let keys: BatchKeys;
      try {
        keys = await rt.batchKeys();
      } catch (err) {
        const records = droppedForKeys(rt, input, invocationOf(rt, event), err);
        await reportDropped(rt, { reason: 'key-unavailable', records: input.length, code: errorCode(err) }, invocationOf(rt, event), deadline);
        return { records };
      }
      const intake = new Intake(rt, keys);
      try {
        return await transformRecords(rt, event, input, intake, keys, deadline);
      } catch (err) {
        if (!intake.deliveryStarted) await salvageQuarantine(rt, intake, deadline, invocationOf(rt, event));
        const records = droppedForFailure(rt, input, intake, invocationOf(rt, event), err);
        await reportDropped(rt, { reason: 'processing-failed', records: input.length, code: errorCode(err) }, invocationOf(rt, event), deadline);
        return { records };
      }
    } catch (err) {
      rt.metrics.add('invocationFailures');
      throw err;
    }
  };
  return Object.assign(handler, { runtime: rt });
}

/** The records decoded, redacted, delivered and answered (see the module notes). */
async function transformRecords(rt: LambdaRuntime, event: FirehoseTransformEvent, input: readonly FirehoseTransformRecord[], intake: Intake, keys: BatchKeys, deadline: number | undefined): Promise<FirehoseTransformResponse> {
  addFirehoseRecords(intake, input);
  const res = intake.redact();
  const lines: AppLine[][] = input.map(() => []);
  res.units.forEach((u, i) => {
    const unit = intake.units[i] as { source: SourceRef; owner: number };
    for (const line of u.lines) (lines[unit.owner] as AppLine[]).push({ line, owner: unit.owner, source: unit.source });
  });

  const { response, overflow } = fitResponse(input, lines, rt.config.maxResponseBytes);
  const reingest = overflow.length > 0 ? rt.stream(rt.config.reingestStream ?? deliveryStreamName(event.deliveryStreamArn), 'reingest') : undefined;
  const overflowLines = overflow.flatMap((i) => lines[i] as AppLine[]);
  const outcome = await intake.deliver(overflowLines, deadline, reingest);
  rt.metrics.add('reingested', overflow.length);
  if (outcome.failedOwners.size > 0) deliveryProblems(rt, invocationOf(rt, event), outcome);
  intake.finish();
  return { records: response };
}

/**
 * Each record's data into `decoder`, owned by its index: undecodable base64 is quarantined, the
 * rest is read as CloudWatch Logs payloads or lines (see InputDecoder.addRecordData). `base`
 * adds to each record's source, `{recordId}` (its place where the id holds what the policy
 * would redact, see InputDecoder.sourceId). Messages name a record by its place,
 * `records[3]`, never by its id: a saved event's id is whatever the file holds.
 */
export function addFirehoseRecords(decoder: InputDecoder, input: readonly FirehoseTransformRecord[], base: SourceRef = {}): void {
  input.forEach((r, i) => {
    const source: SourceRef = { ...base, recordId: decoder.sourceId(r?.recordId, `records[${i}]`) };
    let raw: Buffer;
    try {
      raw = decodeBase64(r?.data, `Firehose records[${i}]`);
    } catch (err) {
      decoder.quarantineError(Buffer.from(typeof r?.data === 'string' ? r.data : JSON.stringify(r ?? null)), i, source, err);
      return;
    }
    // Its own re-ingested records come back here (see allEnvelopeLines).
    decoder.addRecordData(raw, i, source, true, `records[${i}]`);
  });
}

/**
 * The response entries in input order, within `maxBytes`: a record whose `Ok` entry would not
 * leave room for the `Dropped` entries of the records after it is dropped from the response and
 * listed in `overflow` (to be re-ingested).
 */
export function fitResponse(input: readonly FirehoseTransformRecord[], lines: readonly (readonly AppLine[])[], maxBytes: number): { response: FirehoseTransformResultRecord[]; overflow: number[] } {
  const dropped = input.map((r, i) => ({ recordId: recordIdOf(r, i), result: 'Dropped' as const }));
  const droppedBytes = dropped.map(responseEntryBytes);
  let rest = droppedBytes.reduce((n, b) => n + b, 0);
  let budget = maxBytes - RESPONSE_OVERHEAD_BYTES;
  const response: FirehoseTransformResultRecord[] = [];
  const overflow: number[] = [];
  input.forEach((_r, i) => {
    const own = lines[i] ?? [];
    const drop = dropped[i] as FirehoseTransformResultRecord;
    rest -= droppedBytes[i] as number;
    if (own.length > 0) {
      const data = Buffer.from(own.map((l) => `${l.line}\n`).join('')).toString('base64');
      const ok: FirehoseTransformResultRecord = { recordId: drop.recordId, result: 'Ok', data };
      const size = responseEntryBytes(ok);
      if (size + rest <= budget) {
        response.push(ok);
        budget -= size;
        return;
      }
      overflow.push(i);
    }
    response.push(drop);
    budget -= droppedBytes[i] as number;
  });
  return { response, overflow };
}

/**
 * Security events or quarantine entries of this invocation that could not be delivered within it
 * (after the stream's retries): said on stderr (names and counts, no values), and the response
 * stands, its `Ok` records redacted, the quarantined ones `Dropped`. The events go first with the
 * next invocation of this instance (see LambdaRuntime.requeuePendingLines); a quarantined record
 * whose entry did not arrive is counted as dropped (`quarantine-undelivered`). Failing
 * the invocation instead would have Firehose write the records as they came once its retries
 * ran out.
 */
function deliveryProblems(rt: LambdaRuntime, invocationId: string | undefined, outcome: DeliveryOutcome): void {
  rt.metrics.add('deliveryUncertain');
  const kept = outcome.undeliveredEvents > 0 ? `; ${outcome.undeliveredEvents} security events kept for the next invocation` : '';
  console.error(`logveil: Firehose invocation ${invocationId ?? '?'}: ${outcome.problems.join('; ')}${kept}`);
}

/**
 * Every record answered `Dropped` when no key can be had to protect them (the key provider is out,
 * or refuses): nothing can be redacted or quarantined. Counted, a record each, `key-unavailable`.
 */
function droppedForKeys(rt: LambdaRuntime, input: readonly FirehoseTransformRecord[], invocationId: string | undefined, err: unknown): FirehoseTransformResultRecord[] {
  rt.metrics.add('recordsIn', input.length);
  rt.metrics.dropped('key-unavailable', input.length);
  const code = errorCode(err);
  console.error(`logveil: Firehose invocation ${invocationId ?? '?'}: no data key (${code}); its ${input.length} records are dropped, not written as they came`);
  return input.map((r, i) => ({ recordId: recordIdOf(r, i), result: 'Dropped' as const }));
}

/**
 * After an error nothing above handles, before delivery began: the quarantine entries made so far
 * are delivered on their own, with the security events, so that the quarantined records are kept
 * (encrypted) rather than lost. What did not arrive is said as in {@link deliveryProblems}; if
 * this throws too, none of the entries counts as delivered (see Intake.abandon).
 */
async function salvageQuarantine(rt: LambdaRuntime, intake: Intake, deadline: number | undefined, invocationId: string | undefined): Promise<void> {
  if (intake.quarantine.length === 0) return;
  try {
    const outcome = await intake.deliver([], deadline);
    if (outcome.failedOwners.size > 0) deliveryProblems(rt, invocationId, outcome);
  } catch {
    // Counted by Intake.abandon: the entries are taken as undelivered.
  }
}

/**
 * Every record answered `Dropped` after an error nothing above handles (a fault of this code):
 * failing the invocation would have Firehose write them as they came. What the intake counted
 * as dropped stands; a quarantined record stays quarantined if its entry reached the quarantine
 * stream (see {@link salvageQuarantine}). The records it would have written, the units it had not
 * yet redacted and the inputs it had not reached are counted as dropped, `processing-failed`;
 * quarantined records whose entries did not (or may not) arrive, `quarantine-undelivered`. Only
 * the error's code or name is said, never its message.
 */
function droppedForFailure(rt: LambdaRuntime, input: readonly FirehoseTransformRecord[], intake: Intake, invocationId: string | undefined, err: unknown): FirehoseTransformResultRecord[] {
  intake.abandon(input.length);
  rt.metrics.add('invocationFailures');
  const what = errorCode(err);
  const { made, lost } = intake.quarantineDelivery;
  const kept = made === 0 ? '' : `; quarantine entries delivered: ${made - lost} of ${made}`;
  console.error(`logveil: Firehose invocation ${invocationId ?? '?'}: processing failed (${what}); its ${input.length} records are dropped, not written as they came${kept}`);
  return input.map((r, i) => ({ recordId: recordIdOf(r, i), result: 'Dropped' as const }));
}

/**
 * The loss of an invocation's records, as a security event sealed into the instance's chain and
 * sent with what it kept from before; if the stream does not take it, the next invocation sends
 * it first. A failure here leaves the answer as it is. No checkpoint is signed here: KMS may be
 * what failed, and its retries after those of the data key could take the invocation past its
 * timeout (a later invocation signs it).
 */
async function reportDropped(rt: LambdaRuntime, drop: Pick<RecordsDroppedEvent, 'reason' | 'records' | 'code'>, invocationId: string | undefined, deadline: number | undefined): Promise<void> {
  const event: RecordsDroppedEvent = { type: 'records-dropped', ts: new Date().toISOString(), policyHash: rt.policy.hash, ...drop, ...(invocationId ? { invocationId } : {}) };
  try {
    await deliverSecurity(rt, [{ value: event, owner: NO_OWNER }], emptyOutcome(), deadline !== undefined ? { deadline } : {}, false);
  } catch {
    // Sealed lines not known to be delivered are kept for the next invocation (deliverSecurity).
  }
}

/** An error's code, or its name: never its message. */
function errorCode(err: unknown): string {
  return err instanceof LogveilError ? err.code : ((err as Error)?.name ?? 'error');
}

/**
 * The invocation's id as messages and security events name it: none where it is no string of at
 * most 256 characters, or holds what the policy would redact (Firehose makes it; a saved event's
 * may hold anything).
 */
function invocationOf(rt: LambdaRuntime, event: FirehoseTransformEvent): string | undefined {
  const id: unknown = event?.invocationId;
  return typeof id === 'string' && id.length <= 256 && maskedText(rt.policy, id) === id ? id : undefined;
}

function recordIdOf(r: FirehoseTransformRecord | undefined, i: number): string {
  return typeof r?.recordId === 'string' ? r.recordId : `records[${i}]`;
}
