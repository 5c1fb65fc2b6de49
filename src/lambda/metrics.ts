/**
 * What the Lambda handlers count: records by outcome, deliveries, retries, splits, re-ingests and
 * key-provider retries. Kept as plain numbers that a handler exposes (tests read them) and, in the
 * same calls, added to OpenTelemetry counters through `@opentelemetry/api` (no-ops unless an SDK is
 * registered). Attributes are stream roles, operation names and error codes, never values.
 */
import { metrics, type Attributes, type Counter } from '@opentelemetry/api';
import { INSTRUMENTATION_SCOPE } from '../telemetry/metrics.js';
import { VERSION } from '../pipeline/runtime.js';
import type { KmsRetryInfo } from '../crypto/keys/kms.js';
import type { DeliveryEvent } from '../sinks/firehose/stream.js';

/** The role of a stream in attributes: names would make one series per deployment. */
export type StreamRole = 'app' | 'security' | 'quarantine' | 'reingest';

/** The running totals of one function instance (cold start to now). */
export interface LambdaCounts {
  invocations: number;
  coldStarts: number;
  /** Invocations that threw (subscription and Kinesis: delivery not certain, or no key to quarantine with). */
  invocationFailures: number;
  recordsIn: number;
  appOut: number;
  dropped: number;
  quarantined: number;
  findings: number;
  /** PutRecordBatch calls, retries included. */
  deliveryCalls: number;
  /** Calls made again after throttling, a fault or a partial failure. */
  deliveryRetries: number;
  /** Calls that came back with some entries failed. */
  deliveryPartialFailures: number;
  /** Records sent again (after throttling, a fault, or as the failed part of a partial failure). */
  deliveryResent: number;
  /** Records still undelivered when the retry budget ran out. */
  deliveryFailedRecords: number;
  /** Parts made from lines too long for one Firehose record. */
  splitParts: number;
  /** App lines quarantined because their delivery failed. */
  deliveryQuarantined: number;
  kmsRetries: number;
  /** Transform: records re-ingested through PutRecordBatch because the response was full. */
  reingested: number;
  /** Security events given up after their delivery failed and the instance's queue of them was full. */
  securityEventsLost: number;
  /** Transform: invocations some of whose security events or quarantine entries were not delivered. */
  deliveryUncertain: number;
  /** Checkpoints of the security chain that could not be signed (the signing key unavailable). */
  checkpointFailures: number;
}

const ZERO: LambdaCounts = {
  invocations: 0,
  coldStarts: 0,
  invocationFailures: 0,
  recordsIn: 0,
  appOut: 0,
  dropped: 0,
  quarantined: 0,
  findings: 0,
  deliveryCalls: 0,
  deliveryRetries: 0,
  deliveryPartialFailures: 0,
  deliveryResent: 0,
  deliveryFailedRecords: 0,
  splitParts: 0,
  deliveryQuarantined: 0,
  kmsRetries: 0,
  reingested: 0,
  securityEventsLost: 0,
  deliveryUncertain: 0,
  checkpointFailures: 0,
};

/** Counters of one function instance; see the module notes. */
export class LambdaMetrics {
  readonly #counts: LambdaCounts = { ...ZERO };
  readonly droppedByReason = new Map<string, number>();
  readonly quarantinedByCode = new Map<string, number>();
  readonly retriesByCode = new Map<string, number>();
  readonly #otel = new Map<string, Counter>();
  readonly #meter = metrics.getMeter(INSTRUMENTATION_SCOPE, VERSION);

  /** A copy of the totals. */
  snapshot(): LambdaCounts {
    return { ...this.#counts };
  }

  /** Adds to a total and to the OpenTelemetry counter `logveil.lambda.<snake_name>`. */
  add(name: keyof LambdaCounts, n = 1, attributes?: Attributes): void {
    if (n === 0) return;
    this.#counts[name] += n;
    let counter = this.#otel.get(name);
    if (!counter) {
      counter = this.#meter.createCounter(`logveil.lambda.${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`, { unit: '{count}' });
      this.#otel.set(name, counter);
    }
    counter.add(n, attributes);
  }

  /** Counts a record dropped on purpose, by reason (`policy`, `control-message`, `empty`). */
  dropped(reason: string, n = 1): void {
    this.add('dropped', n, { reason });
    this.droppedByReason.set(reason, (this.droppedByReason.get(reason) ?? 0) + n);
  }

  /** Counts a quarantined record, by code. */
  quarantined(code: string, n = 1): void {
    this.add('quarantined', n, { reason: code });
    this.quarantinedByCode.set(code, (this.quarantinedByCode.get(code) ?? 0) + n);
  }

  /** The FirehoseStream hook. */
  delivery(role: StreamRole, e: DeliveryEvent): void {
    switch (e.type) {
      case 'call':
        return this.add('deliveryCalls', 1, { stream: role });
      case 'retry':
        this.retriesByCode.set(e.code, (this.retriesByCode.get(e.code) ?? 0) + 1);
        this.add('deliveryResent', e.records, { stream: role });
        return this.add('deliveryRetries', 1, { stream: role, code: e.code });
      case 'partial':
        return this.add('deliveryPartialFailures', 1, { stream: role, code: e.code });
      case 'split':
        return this.add('splitParts', e.parts, { stream: role });
      case 'failed':
        return this.add('deliveryFailedRecords', e.records, { stream: role, code: e.code });
    }
  }

  /** The KmsKeyProvider hook. */
  kmsRetry(info: KmsRetryInfo): void {
    this.retriesByCode.set(info.code, (this.retriesByCode.get(info.code) ?? 0) + 1);
    this.add('kmsRetries', 1, { operation: info.operation, code: info.code });
  }
}
