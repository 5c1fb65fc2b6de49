/**
 * The normalized record model, findings, and security events shared by every stage.
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Where a record came from; every finding and security event quotes it. */
export interface SourceRef {
  /** File path, `-` for stdin, or a stream name. */
  file?: string;
  /** 1-based line number within `file`. */
  line?: number;
  /** Byte offset of the line within `file`. */
  offset?: number;
  logGroup?: string;
  logStream?: string;
  eventId?: string;
  recordId?: string;
}

export interface LogRecord {
  /** A text line, or a parsed JSON value. */
  body: string | JsonValue;
  /** true when `body` came from JSON and is written back as JSON. */
  structured: boolean;
  attributes: JsonObject;
  resource: JsonObject;
  timestamp?: number;
  traceId?: string;
  spanId?: string;
  source: SourceRef;
}

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/** One detected value. `path` is the field path (`$` for a text body, `$.user.email`, `$.tags[0]`). */
export interface Finding {
  detectorId: string;
  category: string;
  severity: Severity;
  label: string;
  path: string;
  /** UTF-16 offsets within the field's string value, before redaction. */
  start: number;
  end: number;
  action: string;
  /** Data-key id when the action produced a reversible token. */
  kid?: string;
}

/** Security event emitted for each record with findings; never holds the value. */
export interface FindingsEvent {
  type: 'findings';
  ts: string;
  policyHash: string;
  source: SourceRef;
  traceId?: string;
  spanId?: string;
  findings: Array<Omit<Finding, 'label'>>;
}

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** The field path of member `key` of the value at `parent` (`$.a.b`, `$["odd key"]`). */
export function fieldPath(parent: string, key: string): string {
  return SIMPLE_KEY.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}
