/**
 * Security and audit events: one envelope (`type`, `ts`, `policyHash`, `source`, trace/span and
 * batch ids) for all of them. Events name detectors, rules, field paths, offsets and key ids; they
 * never hold a value or a key. The one exception is the routed event, which carries the record a
 * routing rule matched, already redacted like everything else. The JSON schema of every event is
 * in events-schema.ts and docs/security-events.md.
 */
import type { Finding, JsonObject, JsonValue, Severity, SourceRef } from '../record.js';

interface EventBase {
  ts: string;
  policyHash?: string;
  source?: SourceRef;
  traceId?: string;
  spanId?: string;
  /** The engine's batch sequence number, when the event comes from a batch. */
  batchId?: number;
}

export interface FindingsSecurityEvent extends EventBase {
  type: 'findings';
  findings: Array<Omit<Finding, 'label'>>;
}

/** One routing rule that matched a record. */
export interface RoutedRule {
  id: string;
  severity: Severity;
  category: string;
  /** MITRE ATT&CK technique ids (`T1110`, `T1562.008`). */
  mitre?: string[];
}

/** A record that routing rules classified as a security event; `record` is the redacted record. */
export interface RoutedSecurityEvent extends EventBase {
  type: 'routed';
  /** SHA-256 of the canonical routing rules. */
  routingHash: string;
  rules: RoutedRule[];
  /** The highest severity of `rules`. */
  severity: Severity;
  /** Whether the record also stays in the app stream. */
  appStream: 'keep' | 'remove';
  /** Set when a threshold rule fired: how many matches within how many seconds. */
  threshold?: { count: number; windowSeconds: number };
  record: { body: string | JsonValue; attributes?: JsonObject; resource?: JsonObject };
}

export interface QuarantineSecurityEvent extends EventBase {
  type: 'quarantine';
  code: string;
  message: string;
  kid: string;
  /**
   * `undelivered`: the encrypted entry did not reach the quarantine store (a Lambda's quarantine
   * stream refused it), so the record is counted dropped and cannot be opened.
   */
  entry?: 'undelivered';
}

export interface KeyCreatedEvent extends EventBase {
  type: 'key-created';
  kid: string;
  provider: string;
  keyId: string;
  purpose: string;
}

export interface DetokenizeAuditEvent extends EventBase {
  type: 'detokenize';
  principal: string | null;
  reason: string | null;
  outcome: 'allowed' | 'denied' | 'failed';
  tokens: number;
  failed: number;
  kids: string[];
  detail?: string;
}

/** Pipeline counts quoted by run-stop and heartbeat events. */
export interface RunCounts {
  recordsIn: number;
  appOut: number;
  dropped: number;
  quarantined: number;
  /** Records routed to the security sink (they may also be in appOut). */
  routed?: number;
}

export interface RunEvent extends EventBase {
  type: 'run-start' | 'run-stop';
  version: string;
  configHash: string;
  /** Which deployment ran (a Lambda function ARN, a host name, a CI job): names the alarm's subject. */
  deploymentId?: string;
  routingHash?: string;
  counts?: RunCounts;
}

/**
 * Written every `intervalSeconds` while the pipeline runs, so that silence can alarm: a monitor
 * that sees no heartbeat for a few intervals knows the pipeline (or its security sink) stopped.
 */
export interface HeartbeatEvent extends EventBase {
  type: 'heartbeat';
  intervalSeconds: number;
  /** 1 for the first heartbeat of a run, then 2, 3, ...: a gap shows a missed beat. */
  beat: number;
  uptimeSeconds: number;
  deploymentId?: string;
  version?: string;
  counts?: RunCounts;
}

/** The ledger found a torn last line on open (a crash in the middle of a write) and cut it off; written as the first entry after. */
export interface LedgerRecoveryEvent extends EventBase {
  type: 'ledger-recovery';
  /** Segment file name and the 1-based line where the torn bytes began. */
  segment: string;
  line: number;
  /** The last entry kept, and how many bytes were cut off (kept aside in `savedAs`). */
  lastSeq: number;
  tornBytes: number;
  /** Bytes of a torn last line of the checkpoints file cut off (a crash while writing a checkpoint). */
  checkpointTornBytes?: number;
  savedAs?: string;
}

/**
 * The ledger was opened with entries that no checkpoint of this writer's key signs: a process that
 * died before its checkpoint, or a chain rewritten (its hashes recomputed) and its checkpoints
 * removed. Written before anything else, so that the checkpoints this writer signs later, which
 * cover those entries too, do not pass them off as signed.
 */
export interface LedgerUnsignedEvent extends EventBase {
  type: 'ledger-unsigned';
  /** The first and last seq of the entries found unsigned. */
  fromSeq: number;
  toSeq: number;
}

/**
 * Input records a Firehose transform answered `Dropped` without redacting or quarantining them:
 * it had no data key to protect them (`key-unavailable`), or an error nothing handled ended its
 * invocation (`processing-failed`). The metrics count them too; this puts the loss in the chain.
 */
export interface RecordsDroppedEvent extends EventBase {
  type: 'records-dropped';
  reason: 'key-unavailable' | 'processing-failed';
  /** Input records answered `Dropped`. */
  records: number;
  /** The error's code (or name): never its message. */
  code: string;
  invocationId?: string;
}

export type SecurityEvent =
  | RecordsDroppedEvent
  | FindingsSecurityEvent
  | RoutedSecurityEvent
  | QuarantineSecurityEvent
  | KeyCreatedEvent
  | DetokenizeAuditEvent
  | RunEvent
  | HeartbeatEvent
  | LedgerRecoveryEvent
  | LedgerUnsignedEvent;

/** Every event `type`, for the schema and for `ledger show --type`. */
export type SecurityEventType = SecurityEvent['type'];

/** The event that records a new data key, from its registry record (which holds no key material in the clear). */
export function keyCreatedEvent(
  policyHash: string,
  rec: { created: string; kid: string; provider: string; keyId: string; purpose: string },
): KeyCreatedEvent {
  return { type: 'key-created', ts: rec.created, policyHash, kid: rec.kid, provider: rec.provider, keyId: rec.keyId, purpose: rec.purpose };
}

let nowMs = Number.NaN;
let nowIso = '';

/**
 * The current time in ISO 8601, as `new Date().toISOString()` writes it; made once per
 * millisecond, as a batch writes many events in one.
 */
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== nowMs) {
    nowMs = ms;
    nowIso = new Date(ms).toISOString();
  }
  return nowIso;
}

/** Drops `label` (not needed by auditors) from findings for the event. */
export function findingsEvent(
  policyHash: string,
  source: SourceRef,
  findings: readonly Finding[],
  ids: { traceId?: string; spanId?: string } = {},
): FindingsSecurityEvent {
  return {
    type: 'findings',
    ts: isoNow(),
    policyHash,
    source,
    ...(ids.traceId ? { traceId: ids.traceId } : {}),
    ...(ids.spanId ? { spanId: ids.spanId } : {}),
    findings: findings.map(withoutLabel),
  };
}

/** A finding as its event holds it: every field but `label`, in the same order. */
function withoutLabel(f: Finding): Omit<Finding, 'label'> {
  const out: Omit<Finding, 'label'> = { detectorId: f.detectorId, category: f.category, severity: f.severity, path: f.path, start: f.start, end: f.end, action: f.action };
  if (f.kid !== undefined) out.kid = f.kid;
  return out;
}
