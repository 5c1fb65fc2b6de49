/**
 * Routed security events: what the engine writes to the security sink for a record that routing
 * rules matched, and whether the record also stays in the app stream.
 */
import { SEVERITY_RANK, type JsonObject, type JsonValue, type Severity, type SourceRef } from '../record.js';
import { isoNow, type RoutedSecurityEvent } from '../telemetry/events.js';
import type { RoutedRecord } from '../pipeline/batch-types.js';
import type { RouteMatch } from './compile.js';
import type { ThresholdGate } from './threshold.js';

export type AppStreamMode = 'keep' | 'remove';

/** A record leaves the app stream when a matched rule says `remove`, or when the default is `remove` and no rule says `keep`. */
export function appStreamOf(matches: readonly RouteMatch[], defaultMode: AppStreamMode = 'keep'): AppStreamMode {
  if (matches.some((m) => m.appStream === 'remove')) return 'remove';
  if (defaultMode === 'remove' && !matches.some((m) => m.appStream === 'keep')) return 'remove';
  return 'keep';
}

export interface RoutedEventInput {
  /** The matches that fire (after {@link ThresholdGate.admit}); at least one. */
  matches: readonly RouteMatch[];
  /** The record as redacted for the app stream: never the original. */
  redacted: { body: string | JsonValue; attributes?: JsonObject; resource?: JsonObject };
  routingHash: string;
  policyHash: string;
  source: SourceRef;
  traceId?: string;
  spanId?: string;
  batchId?: number;
  appStream: AppStreamMode;
  ts?: string;
}

/** Builds the routed event of one record. */
export function routedEvent(input: RoutedEventInput): RoutedSecurityEvent {
  const severity = input.matches.reduce<Severity>((top, m) => (SEVERITY_RANK[m.severity] > SEVERITY_RANK[top] ? m.severity : top), 'low');
  const record: RoutedSecurityEvent['record'] = { body: input.redacted.body };
  if (input.redacted.attributes && Object.keys(input.redacted.attributes).length > 0) record.attributes = input.redacted.attributes;
  if (input.redacted.resource && Object.keys(input.redacted.resource).length > 0) record.resource = input.redacted.resource;
  const tripped = input.matches.find((m) => m.threshold);
  return {
    type: 'routed',
    ts: input.ts ?? isoNow(),
    policyHash: input.policyHash,
    routingHash: input.routingHash,
    source: input.source,
    ...(input.traceId ? { traceId: input.traceId } : {}),
    ...(input.spanId ? { spanId: input.spanId } : {}),
    ...(input.batchId !== undefined ? { batchId: input.batchId } : {}),
    rules: input.matches.map((m) => ({
      id: m.ruleId,
      severity: m.severity,
      category: m.category,
      ...(m.mitre.length > 0 ? { mitre: [...m.mitre] } : {}),
    })),
    severity,
    appStream: input.appStream,
    ...(tripped?.threshold ? { threshold: { count: tripped.threshold.count, windowSeconds: tripped.threshold.windowSeconds } } : {}),
    record,
  };
}

/**
 * The routed event of a record a batch routed, once `gate` admits its matches (threshold rules
 * fire here, so records must come in input order), or undefined when none fires. `source` is
 * where the event says the record came from (the batch's own reference by default).
 */
export function admittedEvent(r: RoutedRecord, gate: ThresholdGate, hashes: { routingHash: string; policyHash: string }, source: SourceRef = r.source): RoutedSecurityEvent | undefined {
  // The record's own time where it tells one: a replayed day of logs is not a minute of them.
  const fired = gate.admit(r.matches, r.timeMs ?? Date.now());
  if (fired.length === 0) return undefined;
  return routedEvent({
    matches: fired,
    redacted: { body: r.body },
    ...hashes,
    source,
    ...(r.traceId ? { traceId: r.traceId } : {}),
    ...(r.spanId ? { spanId: r.spanId } : {}),
    appStream: r.removed ? 'remove' : 'keep',
  });
}
