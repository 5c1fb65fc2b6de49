/**
 * Log events <-> the one-line records the batch core redacts, and the line logveil writes for each
 * event. The batch core cuts its input at newlines, so a message must become exactly one line:
 *
 * - `text`: no newline inside (trailing newlines, common in Lambda logs, are set aside and put
 *   back). A message holding a JSON object stays JSON, so key rules apply to its fields.
 * - `json`: a pretty-printed JSON message, compacted to one line as written (keys, escapes and
 *   numbers kept).
 * - `wrapped`: multi-line text, as a one-element JSON array (arrays are never subject to key
 *   rules, and the text is scanned whole, so a PEM block spanning lines is still found).
 *
 * Messages that come out unchanged are written exactly as they came in.
 */
import type { CloudWatchLogEvent, CloudWatchPayload } from './cloudwatch.js';
import { compactJson } from './json-splice.js';

/** How a message was put on one line. */
export type LineShape = 'text' | 'json' | 'wrapped';

/** A message as one line for the batch core, and how to get the message back. */
export interface EventLine {
  line: string;
  shape: LineShape;
  /** Trailing CR/LF characters set aside; appended to the redacted message. */
  suffix: string;
}

const TRAILING_EOL = /[\r\n]+$/;
/** A surrogate code unit that is not half of a pair: UTF-8 cannot carry it, JSON escapes can. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Puts a message on one line (see the module notes). */
export function messageLine(message: string): EventLine {
  const eol = TRAILING_EOL.exec(message);
  const suffix = eol ? eol[0] : '';
  const core = eol ? message.slice(0, eol.index) : message;
  if (!core.includes('\n') && !LONE_SURROGATE.test(core)) return { line: core, shape: 'text', suffix };
  const first = core.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      JSON.parse(core);
      // Compacted as written: re-serializing would drop a repeated key's earlier value unscanned.
      return { line: compactJson(core), shape: 'json', suffix };
    } catch {
      // Not JSON after all: wrapped as text below.
    }
  }
  return { line: JSON.stringify([core]), shape: 'wrapped', suffix };
}

/** The redacted message from the redacted line the batch core wrote for it. */
export function messageFromLine(redacted: string, shape: LineShape, suffix: string): string {
  if (shape !== 'wrapped') return redacted + suffix;
  const parsed = JSON.parse(redacted) as unknown[];
  const text = parsed[0];
  return (typeof text === 'string' ? text : '') + suffix;
}

/** A finding's field path in terms of the message: a wrapped message's `$[0]` is the message itself. */
export function messagePath(path: string, shape: LineShape): string {
  return shape === 'wrapped' && path.startsWith('$[0]') ? `$${path.slice(4)}` : path;
}

/**
 * One app-output line per event: the event's identity (so that downstream can drop duplicates of
 * a retried delivery) and its redacted message. Group, stream and ids are identifiers that every
 * security event quotes as well; only the message is content. The identifiers are written as they
 * came, so only events whose identifiers hold no finding may be given one (the Lambda handlers
 * quarantine the others: lambda/envelope.ts).
 */
export interface EventEnvelope {
  id: string;
  timestamp: number;
  logGroup: string;
  logStream: string;
  owner?: string;
  message: string;
}

const ENVELOPE_KEYS = ['id', 'timestamp', 'logGroup', 'logStream', 'message'];
const ENVELOPE_START = Buffer.from('{"id":');

/**
 * True when every line of `bytes` is an event's line as {@link envelopeLine} writes it (the
 * members and their types, nothing else): what a Firehose transform re-ingested after an
 * overflow, already redacted, reads so when it comes back.
 */
export function allEnvelopeLines(bytes: Buffer): boolean {
  if (!bytes.subarray(0, ENVELOPE_START.length).equals(ENVELOPE_START)) return false;
  const lines = bytes.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.length > 0 && lines.every((line) => {
    if (!line.startsWith('{"id":')) return false;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return false;
    }
    const keys = Object.keys(v);
    const expected = 'owner' in v ? [...ENVELOPE_KEYS.slice(0, 4), 'owner', 'message'] : ENVELOPE_KEYS;
    return (
      keys.length === expected.length &&
      keys.every((k, i) => k === expected[i]) &&
      typeof v.timestamp === 'number' &&
      ['id', 'logGroup', 'logStream', 'message', ...('owner' in v ? ['owner'] : [])].every((k) => typeof v[k] === 'string')
    );
  });
}

/** The JSON line (without its newline) for an event and its redacted message. */
export function envelopeLine(payload: CloudWatchPayload, event: CloudWatchLogEvent, message: string): string {
  const env: EventEnvelope = {
    id: event.id,
    timestamp: event.timestamp,
    logGroup: payload.logGroup,
    logStream: payload.logStream,
    ...(payload.owner ? { owner: payload.owner } : {}),
    message,
  };
  return JSON.stringify(env);
}
