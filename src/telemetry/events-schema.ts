/**
 * The one JSON schema (draft-07) of every security event, and of the ledger line that carries it.
 * Auditors validate exports against it; the tests validate every event the code emits. Keep it in
 * step with events.ts: {@link EVENT_TYPES} fails the type check when an event type has no schema.
 */
import type { SecurityEventType } from './events.js';

const HEX64 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const SEVERITY = { enum: ['low', 'medium', 'high', 'critical'] } as const;
const COUNT = { type: 'integer', minimum: 0 } as const;
const TIMESTAMP = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$' } as const;

const SOURCE = {
  type: 'object',
  additionalProperties: false,
  properties: {
    file: { type: 'string' },
    line: { type: 'integer', minimum: 1 },
    offset: COUNT,
    logGroup: { type: 'string' },
    logStream: { type: 'string' },
    eventId: { type: 'string' },
    recordId: { type: 'string' },
  },
} as const;

const COUNTS = {
  type: 'object',
  additionalProperties: false,
  required: ['recordsIn', 'appOut', 'dropped', 'quarantined'],
  properties: { recordsIn: COUNT, appOut: COUNT, dropped: COUNT, quarantined: COUNT, routed: COUNT },
} as const;

/** Members every event may carry. */
const BASE = {
  ts: TIMESTAMP,
  policyHash: HEX64,
  source: SOURCE,
  traceId: { type: 'string', pattern: '^[0-9a-fA-F]{1,64}$' },
  spanId: { type: 'string', pattern: '^[0-9a-fA-F]{1,32}$' },
  batchId: COUNT,
} as const;

function event(type: string | readonly string[], required: readonly string[], properties: Record<string, unknown>): object {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'ts', ...required],
    properties: { type: typeof type === 'string' ? { const: type } : { enum: type }, ...BASE, ...properties },
  };
}

const JSON_OBJECT = { type: 'object' } as const;

/** The schema of each event type, by type. */
export const EVENT_SCHEMAS: Readonly<Record<SecurityEventType, object>> = {
  findings: event('findings', ['policyHash', 'source', 'findings'], {
    findings: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['detectorId', 'category', 'severity', 'path', 'start', 'end', 'action'],
        properties: {
          detectorId: { type: 'string', minLength: 1 },
          category: { type: 'string', minLength: 1 },
          severity: SEVERITY,
          path: { type: 'string', pattern: '^\\$' },
          start: COUNT,
          end: COUNT,
          action: { type: 'string', minLength: 1 },
          kid: { type: 'string', minLength: 1 },
        },
      },
    },
  }),
  routed: event('routed', ['source', 'routingHash', 'rules', 'severity', 'appStream', 'record'], {
    routingHash: HEX64,
    rules: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'severity', 'category'],
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
          severity: SEVERITY,
          category: { type: 'string', minLength: 1 },
          mitre: { type: 'array', items: { type: 'string', pattern: '^T\\d{4}(\\.\\d{3})?$' } },
        },
      },
    },
    severity: SEVERITY,
    appStream: { enum: ['keep', 'remove'] },
    threshold: {
      type: 'object',
      additionalProperties: false,
      required: ['count', 'windowSeconds'],
      properties: { count: { type: 'integer', minimum: 1 }, windowSeconds: { type: 'integer', minimum: 1 } },
    },
    record: {
      type: 'object',
      additionalProperties: false,
      required: ['body'],
      properties: { body: {}, attributes: JSON_OBJECT, resource: JSON_OBJECT },
    },
  }),
  quarantine: event('quarantine', ['source', 'code', 'message', 'kid'], {
    code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' },
    message: { type: 'string' },
    kid: { type: 'string', minLength: 1 },
    entry: { enum: ['undelivered'] },
  }),
  'key-created': event('key-created', ['kid', 'provider', 'keyId', 'purpose'], {
    kid: { type: 'string', minLength: 1 },
    provider: { type: 'string', minLength: 1 },
    keyId: { type: 'string', minLength: 1 },
    purpose: { type: 'string', minLength: 1 },
  }),
  detokenize: event('detokenize', ['principal', 'reason', 'outcome', 'tokens', 'failed', 'kids'], {
    principal: { type: ['string', 'null'] },
    reason: { type: ['string', 'null'] },
    outcome: { enum: ['allowed', 'denied', 'failed'] },
    tokens: COUNT,
    failed: COUNT,
    kids: { type: 'array', items: { type: 'string' } },
    detail: { type: 'string' },
  }),
  'run-start': event(['run-start', 'run-stop'], ['version', 'configHash'], {
    version: { type: 'string', minLength: 1 },
    configHash: HEX64,
    deploymentId: { type: 'string', minLength: 1 },
    routingHash: HEX64,
    counts: COUNTS,
  }),
  'run-stop': event(['run-start', 'run-stop'], ['version', 'configHash'], {
    version: { type: 'string', minLength: 1 },
    configHash: HEX64,
    deploymentId: { type: 'string', minLength: 1 },
    routingHash: HEX64,
    counts: COUNTS,
  }),
  heartbeat: event('heartbeat', ['intervalSeconds', 'beat', 'uptimeSeconds'], {
    intervalSeconds: { type: 'number', exclusiveMinimum: 0 },
    beat: { type: 'integer', minimum: 1 },
    uptimeSeconds: { type: 'number', minimum: 0 },
    deploymentId: { type: 'string', minLength: 1 },
    version: { type: 'string', minLength: 1 },
    counts: COUNTS,
  }),
  'records-dropped': event('records-dropped', ['reason', 'records', 'code'], {
    reason: { enum: ['key-unavailable', 'processing-failed'] },
    records: COUNT,
    code: { type: 'string', minLength: 1 },
    invocationId: { type: 'string' },
  }),
  'ledger-recovery': event('ledger-recovery', ['segment', 'line', 'lastSeq', 'tornBytes'], {
    segment: { type: 'string', minLength: 1 },
    line: { type: 'integer', minimum: 1 },
    lastSeq: COUNT,
    tornBytes: COUNT,
    checkpointTornBytes: COUNT,
    savedAs: { type: 'string', minLength: 1 },
  }),
  'ledger-unsigned': event('ledger-unsigned', ['fromSeq', 'toSeq'], {
    fromSeq: { type: 'integer', minimum: 1 },
    toSeq: { type: 'integer', minimum: 1 },
  }),
};

/** Every event type: a type error here means events.ts has a type the schema does not know. */
export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as SecurityEventType[];

/** The schema of any security event: exactly one of the per-type schemas. */
export const SECURITY_EVENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://logveil.dev/schemas/security-event.json',
  title: 'logveil security event',
  type: 'object',
  required: ['type'],
  properties: { type: { enum: EVENT_TYPES } },
  allOf: EVENT_TYPES.map((t) => ({ if: { properties: { type: { const: t } } }, then: EVENT_SCHEMAS[t] })),
} as const;

/** The schema of one ledger line (see docs/ledger.md). */
export const LEDGER_ENTRY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://logveil.dev/schemas/ledger-entry.json',
  title: 'logveil ledger entry',
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'ts', 'prev', 'kind', 'hash'],
  properties: {
    seq: { type: 'integer', minimum: 1 },
    ts: TIMESTAMP,
    prev: HEX64,
    hash: HEX64,
    kind: { enum: ['segment', 'event'] },
    event: SECURITY_EVENT_SCHEMA,
    segment: { type: 'integer', minimum: 1 },
    ledgerId: { type: 'string', pattern: '^[0-9a-f-]{36}$' },
  },
} as const;
