/**
 * The Firehose data-transformation handler. Every input recordId comes back exactly once, with
 * `Ok` (its redacted records, newline-delimited) or `Dropped` (control messages, records dropped
 * by policy, undecodable records, which are quarantined encrypted instead). Never
 * `ProcessingFailed`: Firehose would write the raw data to its error prefix. The response stays
 * under Lambda's 6 MB limit: records that do not fit are re-ingested through PutRecordBatch
 * (already redacted, split to the record limit) and marked `Dropped`, and counted.
 */
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
import { deliverAll, type AppLine } from './deliver.js';
import { deadlineOf, Intake, type LambdaContext } from './intake.js';
import type { LambdaRuntime } from './runtime.js';
import type { LambdaHandler } from './subscription.js';

/**
 * Builds the handler over a runtime opened at cold start.
 *
 * @throws (from the handler) LogveilError `EVENT_INVALID` for an event without records,
 *   `DELIVERY_UNCERTAIN` when quarantine entries or security events could not be delivered;
 *   KeyError when there is no quarantine key. Firehose then retries the whole invocation.
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
      const keys = await rt.batchKeys();
      const intake = new Intake(rt, keys);
      input.forEach((r, i) => {
        const source: SourceRef = { recordId: typeof r?.recordId === 'string' ? r.recordId : `records[${i}]` };
        let raw: Buffer;
        try {
          raw = decodeBase64(r?.data, `Firehose record ${source.recordId}`);
        } catch (err) {
          intake.quarantineError(Buffer.from(typeof r?.data === 'string' ? r.data : JSON.stringify(r ?? null)), i, source, err);
          return;
        }
        intake.addRecordData(raw, i, source);
      });
      const res = intake.redact();
      const lines: AppLine[][] = input.map(() => []);
      res.units.forEach((u, i) => {
        const unit = intake.units[i] as { source: SourceRef; owner: number };
        for (const line of u.lines) (lines[unit.owner] as AppLine[]).push({ line, owner: unit.owner, source: unit.source });
      });

      const { response, overflow } = fitResponse(input, lines, rt.config.maxResponseBytes);
      const reingest = overflow.length > 0 ? rt.stream(rt.config.reingestStream ?? deliveryStreamName(event.deliveryStreamArn), 'reingest') : undefined;
      const overflowLines = overflow.flatMap((i) => lines[i] as AppLine[]);
      const outcome = await deliverAll(rt, { appLines: overflowLines, events: [...intake.events, ...res.events], quarantine: [...intake.quarantine, ...res.quarantine] }, keys, deadline, reingest);
      rt.metrics.add('reingested', overflow.length);
      for (const [owner, n] of outcome.quarantinedByOwner) intake.moveToQuarantine(owner, n);
      intake.finish();
      if (outcome.failedOwners.size > 0) {
        throw new LogveilError('DELIVERY_UNCERTAIN', `Firehose invocation ${event.invocationId ?? '?'}: ${outcome.problems.join('; ')}; failing so that Firehose retries it`);
      }
      return { records: response };
    } catch (err) {
      rt.metrics.add('invocationFailures');
      throw err;
    }
  };
  return Object.assign(handler, { runtime: rt });
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

function recordIdOf(r: FirehoseTransformRecord | undefined, i: number): string {
  return typeof r?.recordId === 'string' ? r.recordId : `records[${i}]`;
}
