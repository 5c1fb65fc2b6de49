/**
 * The CloudWatch Logs subscription handler: decode `awslogs.data`, redact, then route the app
 * records to the app stream and the security events to the security stream. It throws (so that
 * Lambda retries the asynchronous invocation) only when delivery is not certain; every app record
 * carries its event id, so downstream can drop the duplicates a retry makes.
 */
import { decodeAwslogsData, describeSource, type CloudWatchPayload } from '../codecs/cloudwatch.js';
import type { CloudWatchLogsLambdaEvent } from '../codecs/aws-events.js';
import { LogveilError } from '../errors.js';
import type { SourceRef } from '../record.js';
import type { InputDecoder } from './decode.js';
import type { AppLine } from './deliver.js';
import { deadlineOf, Intake, type InputCounts, type LambdaContext } from './intake.js';
import type { LambdaRuntime } from './runtime.js';

/** A handler function that also exposes the runtime it uses (metrics, streams) to tests. */
export type LambdaHandler<E, R> = ((event: E, context?: LambdaContext) => Promise<R>) & { readonly runtime: LambdaRuntime };

/** What one subscription invocation did; the handler itself returns nothing to Lambda. */
export interface SubscriptionResult extends InputCounts {
  logGroup?: string;
  logStream?: string;
}

/**
 * The event's `awslogs.data` into `decoder` (owner 0): undecodable data is quarantined whole, the
 * payloads are read as InputDecoder.addPayloads reads them. `base` adds to every source. Returns
 * the payloads whose events were taken in.
 */
export function addSubscriptionEvent(decoder: InputDecoder, event: CloudWatchLogsLambdaEvent, maxPayloadBytes: number, base: SourceRef = {}): CloudWatchPayload[] {
  const data: unknown = event?.awslogs?.data;
  let payloads: CloudWatchPayload[] = [];
  try {
    payloads = decodeAwslogsData(data as string, 'awslogs.data', { maxDecodedBytes: maxPayloadBytes });
  } catch (err) {
    const raw = Buffer.from(typeof data === 'string' ? data : JSON.stringify(event ?? null) ?? '');
    decoder.quarantineError(raw, 0, base, err);
  }
  return decoder.addPayloads(payloads, 0, base, 'awslogs.data');
}

/**
 * Builds the handler over a runtime opened at cold start.
 *
 * @throws (from the handler) LogveilError `DELIVERY_UNCERTAIN` when results could neither be
 *   delivered nor quarantined; KeyError when there is no quarantine key (fail closed).
 */
export function createSubscriptionHandler(rt: LambdaRuntime): LambdaHandler<CloudWatchLogsLambdaEvent, SubscriptionResult> {
  const handler = async (event: CloudWatchLogsLambdaEvent, context?: LambdaContext): Promise<SubscriptionResult> => {
    rt.metrics.add('invocations');
    const deadline = deadlineOf(context);
    rt.setDeadline(deadline);
    try {
      const keys = await rt.batchKeys();
      const intake = new Intake(rt, keys);
      // Only a payload whose fields were scanned clean may be named (in the result and in errors).
      const admitted = addSubscriptionEvent(intake, event, rt.config.maxPayloadBytes);
      const res = intake.redact();
      const appLines: AppLine[] = res.units.flatMap((u, i) => u.lines.map((line) => ({ line, owner: 0, source: (intake.units[i] as { source: SourceRef }).source })));
      const outcome = await intake.deliver(appLines, deadline);
      const counts = intake.finish();
      const first = admitted[0];
      const where = first ? describeSource({ logGroup: first.logGroup, logStream: first.logStream }) : 'awslogs.data';
      if (outcome.failedOwners.size > 0) {
        throw new LogveilError('DELIVERY_UNCERTAIN', `${where}: ${outcome.problems.join('; ')}; failing the invocation so that Lambda retries it`);
      }
      return { ...counts, ...(first ? { logGroup: first.logGroup, logStream: first.logStream } : {}) };
    } catch (err) {
      rt.metrics.add('invocationFailures');
      throw err;
    }
  };
  return Object.assign(handler, { runtime: rt });
}
