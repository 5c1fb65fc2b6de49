/**
 * Security and audit events: one envelope (`type`, `ts`, `policyHash`, `source`) for all of them.
 * Events name detectors, field paths, offsets and key ids; they never hold a value or a key.
 */
import type { Finding, SourceRef } from '../record.js';

interface EventBase {
  ts: string;
  policyHash?: string;
  source?: SourceRef;
  traceId?: string;
  spanId?: string;
}

export interface FindingsSecurityEvent extends EventBase {
  type: 'findings';
  findings: Array<Omit<Finding, 'label'>>;
}

export interface QuarantineSecurityEvent extends EventBase {
  type: 'quarantine';
  code: string;
  message: string;
  kid: string;
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

export interface RunEvent extends EventBase {
  type: 'run-start' | 'run-stop';
  version: string;
  configHash: string;
  counts?: { recordsIn: number; appOut: number; dropped: number; quarantined: number };
}

export type SecurityEvent =
  | FindingsSecurityEvent
  | QuarantineSecurityEvent
  | KeyCreatedEvent
  | DetokenizeAuditEvent
  | RunEvent;

/** Drops `label` (not needed by auditors) from findings for the event. */
export function findingsEvent(
  policyHash: string,
  source: SourceRef,
  findings: readonly Finding[],
  ids: { traceId?: string; spanId?: string } = {},
): FindingsSecurityEvent {
  return {
    type: 'findings',
    ts: new Date().toISOString(),
    policyHash,
    source,
    ...(ids.traceId ? { traceId: ids.traceId } : {}),
    ...(ids.spanId ? { spanId: ids.spanId } : {}),
    findings: findings.map(({ label: _label, ...f }) => f),
  };
}
