/**
 * The Kinesis Data Streams handler (CloudWatch Logs -> Kinesis -> Lambda, or producers writing
 * JSON lines): each record holds a gzipped CloudWatch Logs payload or plain lines. Redacted app
 * records go to the app stream, security events to the security stream. Failures are reported
 * per record in `batchItemFailures` (Lambda retries from the lowest failed sequence number); the
 * handler throws only when every record of the batch failed.
 */
import { decodeBase64 } from '../codecs/cloudwatch.js';
import type { KinesisBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from '../codecs/aws-events.js';
import { LogveilError } from '../errors.js';
import type { SourceRef } from '../record.js';
import type { InputDecoder } from './decode.js';
import type { AppLine } from './deliver.js';
import { deadlineOf, Intake, type LambdaContext } from './intake.js';
import type { LambdaRuntime } from './runtime.js';
import type { LambdaHandler } from './subscription.js';

/**
 * Each record's data into `decoder`, owned by its index: undecodable base64 is quarantined, the
 * rest is read as CloudWatch Logs payloads or lines (see InputDecoder.addRecordData). `base` adds
 * to each record's source, `{recordId}`: its `eventID` (`shardId-...:<sequence number>`), else its
 * sequence number, else (or where the id holds what the policy would redact) its place. Messages name a record by its place, `Records[3]`, never by a
 * field of it: a saved event's fields are whatever its file holds (see replay.ts), and a record's
 * `partitionKey` is the producer's choice, often a user id or an address.
 */
export function addKinesisRecords(decoder: InputDecoder, records: readonly KinesisStreamRecord[], base: SourceRef = {}): void {
  records.forEach((r, i) => {
    const id = [r?.eventID, r?.kinesis?.sequenceNumber].find((v: unknown): v is string => typeof v === 'string');
    const source: SourceRef = { ...base, recordId: decoder.sourceId(id, `Records[${i}]`) };
    const data: unknown = r?.kinesis?.data;
    let raw: Buffer;
    try {
      raw = decodeBase64(data as string, `Kinesis Records[${i}]`);
    } catch (err) {
      decoder.quarantineError(Buffer.from(typeof data === 'string' ? data : (JSON.stringify(r ?? null) ?? '')), i, source, err);
      return;
    }
    decoder.addRecordData(raw, i, source, false, `Records[${i}]`);
  });
}

/**
 * Builds the handler over a runtime opened at cold start.
 *
 * @throws (from the handler) LogveilError `EVENT_INVALID` for an event without `Records`,
 *   `DELIVERY_UNCERTAIN` when every record failed; KeyError when there is no quarantine key.
 */
export function createKinesisHandler(rt: LambdaRuntime): LambdaHandler<KinesisStreamEvent, KinesisBatchResponse> {
  const handler = async (event: KinesisStreamEvent, context?: LambdaContext): Promise<KinesisBatchResponse> => {
    rt.metrics.add('invocations');
    const deadline = deadlineOf(context);
    rt.setDeadline(deadline);
    try {
      const records: unknown = event?.Records;
      if (!Array.isArray(records)) throw new LogveilError('EVENT_INVALID', 'Kinesis event has no Records array');
      const keys = await rt.batchKeys();
      const intake = new Intake(rt, keys);
      addKinesisRecords(intake, records as KinesisStreamRecord[]);
      const res = intake.redact();
      const appLines: AppLine[] = res.units.flatMap((u, i) => {
        const unit = intake.units[i] as { source: SourceRef; owner: number };
        return u.lines.map((line) => ({ line, owner: unit.owner, source: unit.source }));
      });
      const outcome = await intake.deliver(appLines, deadline);
      intake.finish();
      const failed = [...outcome.failedOwners].sort((a, b) => a - b);
      if (failed.length > 0 && failed.length === records.length) {
        throw new LogveilError('DELIVERY_UNCERTAIN', `all ${records.length} Kinesis records failed: ${outcome.problems.join('; ')}`);
      }
      return {
        batchItemFailures: failed.map((i) => {
          const r = records[i] as KinesisStreamRecord | undefined;
          return { itemIdentifier: r?.kinesis?.sequenceNumber ?? '' };
        }),
      };
    } catch (err) {
      rt.metrics.add('invocationFailures');
      throw err;
    }
  };
  return Object.assign(handler, { runtime: rt });
}
