/**
 * The identifying fields of CloudWatch Logs payloads: a payload's `owner`, `logGroup` and
 * `logStream`, an event's `id` and `timestamp`. They are not content and are never rewritten:
 * every app line carries them as they came (downstream drops the duplicates of a retried delivery
 * by them) and security events quote them as the source. Any producer that can write to a stream
 * can put anything there, so each is scanned with the policy's detectors (and key rules, for JSON
 * it holds) first, and what it encodes decoded; a payload or event with a finding in one of them
 * can be neither written nor quoted, and goes to the encrypted quarantine instead
 * (`SECRET_IN_ENVELOPE`).
 */
import { embeddedValues } from '../act/embedded.js';
import { inflateBudget } from '../act/compressed-text.js';
import { mayHoldEncodedCommand } from '../act/encoded-command.js';
import { mayHoldEncodedText, readEncodedCommands, readEncodedTexts } from '../act/encoded-readings.js';
import { CodecError } from '../errors.js';
import type { CloudWatchPayload } from '../codecs/cloudwatch.js';
import type { CompiledPolicy } from '../detect/compile.js';
import { lineEnds } from '../detect/line-filter.js';
import { hasEscapes } from '../detect/escapes.js';
import { mayHideNumber } from '../detect/numbers.js';
import { scanText, type Match } from '../detect/scan.js';

/** The quarantine code of a payload or event whose identifying fields hold a finding. */
export const SECRET_IN_ENVELOPE = 'SECRET_IN_ENVELOPE';

/** A field with findings: its name and the detectors that fired, never the value. */
export interface FieldFinding {
  field: string;
  detectors: string[];
}

/**
 * The payload fields (`owner`, `logGroup`, `logStream`) with findings. The same values come with
 * every payload of a stream, so the scan's clean-value cache makes the usual case a lookup.
 */
export function payloadFieldFindings(policy: CompiledPolicy, payload: CloudWatchPayload): FieldFinding[] {
  const out: FieldFinding[] = [];
  for (const field of ['owner', 'logGroup', 'logStream'] as const) note(out, field, findingsIn(policy, payload[field]));
  return out;
}

/** The identifying fields of an event: those of a malformed one may be missing. */
export interface EventFields {
  id?: string;
  timestamp?: number;
}

/**
 * For each event with findings in its `id` or its `timestamp` (as the app line writes it: a JSON
 * number), by index in `events`, the fields; empty when none has any, the usual case. These values
 * differ from event to event, so the clean-value cache cannot help. Instead each event becomes one
 * JSON line, `["<id>",<timestamp>]`, and the policy's raw-line prefilter screens them all in one
 * pass, as the batch core screens messages (it matches a line whenever a detector matches one of
 * its fields); only a value on a line it marks is scanned, by the detectors it named.
 */
export function eventFieldFindings(policy: CompiledPolicy, events: readonly EventFields[]): Map<number, FieldFinding[]> {
  const out = new Map<number, FieldFinding[]>();
  const filter = policy.lineFilter;
  const add = (event: number, field: string, detectors: string[]): void => {
    const fields = out.get(event) ?? [];
    note(fields, field, detectors);
    // The id before the timestamp, whichever was scanned first.
    fields.sort((a, b) => (a.field === b.field ? 0 : a.field === 'id' ? -1 : 1));
    if (fields.length > 0) out.set(event, fields);
  };
  if (!filter) {
    // No line prefilter to screen them: each id is scanned alone (a key rule may still take JSON
    // it holds). A timestamp is a number, which only a detector can find something in.
    events.forEach((e, event) => {
      if (e.id !== undefined && e.id.length > 0) add(event, 'id', findingsIn(policy, e.id));
      if (typeof e.timestamp === 'number') add(event, 'timestamp', ids(scanText(policy, JSON.stringify(e.timestamp))));
    });
    return out;
  }
  // The fields each line holds, and the lines' texts.
  const owners: Array<{ event: number; id: string | undefined; timestamp: string | undefined }> = [];
  const texts: string[] = [];
  events.forEach((e, event) => {
    let id = e.id !== undefined && e.id.length > 0 ? e.id : undefined;
    // A line holds the id as it reads only without escapes (JSON's, or a percent-escape the
    // detectors decode) and without a number read as its plain digits; any other id is scanned alone.
    if (id !== undefined && (!PLAIN.test(id) || hasEscapes(id) || mayHideNumber(id))) {
      add(event, 'id', findingsIn(policy, id));
      id = undefined;
    }
    let timestamp = typeof e.timestamp === 'number' ? JSON.stringify(e.timestamp) : undefined;
    // A timestamp read as its plain digits too (negative, or 1e+21 and over) is scanned alone.
    if (timestamp !== undefined && mayHideNumber(timestamp)) {
      add(event, 'timestamp', ids(scanText(policy, timestamp)));
      timestamp = undefined;
    }
    if (id === undefined && timestamp === undefined) return;
    owners.push({ event, id, timestamp });
    texts.push(id === undefined ? `[${timestamp}]` : timestamp === undefined ? `["${id}"]` : `["${id}",${timestamp}]`);
  });
  if (texts.length === 0) return out;
  const data = Buffer.from(texts.join('\n'));
  const ends = lineEnds(data);
  const found = new Map<number, number[]>();
  filter.markHits(data, ends, new Uint8Array(ends.length), found);
  for (const [line, entries] of found) {
    const detectors = entries.filter((d) => d < policy.detectors.length);
    const { event, id, timestamp } = owners[line] as (typeof owners)[number];
    // Only the detectors the prefilter named, without entering the clean-value cache; and a key
    // rule's key in the id (`{'token': '...'}`), which the prefilter marks too. One entry a field.
    const named = (text: string): string[] => (detectors.length > 0 ? ids(scanText(policy, text, undefined, detectors)) : []);
    // An id the prefilter marked for what it may encode is read decoded, as a field alone is.
    if (id !== undefined) add(event, 'id', mayHoldEncodedText(id) || mayHoldEncodedCommand(id) ? findingsIn(policy, id) : [...named(id), ...keyRuleIds(policy, id)]);
    if (timestamp !== undefined) add(event, 'timestamp', named(timestamp));
  }
  return out;
}

/** `owner (aws-access-key-id), logGroup (github-pat)`: names only. */
export function describeFieldFindings(fields: readonly FieldFinding[]): string {
  return fields.map((f) => `${f.field} (${f.detectors.join(', ')})`).join(', ');
}

/**
 * A payload of one event, as it came: what the quarantine keeps of an event whose fields cannot be
 * written, so that it can be decoded (and fed again) like any payload. `event` is the event as
 * parsed (a malformed one included).
 */
export function singleEventPayload(payload: CloudWatchPayload, event: unknown): string {
  const { messageType, owner, logGroup, logStream, subscriptionFilters, policyLevel } = payload;
  return JSON.stringify({ messageType, owner, logGroup, logStream, subscriptionFilters, ...(policyLevel !== undefined ? { policyLevel } : {}), logEvents: [event] });
}

/** Printable ASCII but `"` and `\\`: a JSON string of it is the text in quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function ids(matches: readonly Match[]): string[] {
  return matches.map((m) => m.detector.spec.id);
}

/**
 * The detectors that find something in `text`, and the key rules that take a value of JSON it
 * holds (see embedded.ts); and those that find something in what it encodes (base64, hex or
 * compressed text, a PowerShell encoded command: see act/encoded-readings.ts), read as a record's
 * strings are (`app/dXNlcj1...` holds an e-mail address). Encodings nested too deep or inflating
 * too far cannot be read whole: named by their error's code, the field is held to hold a finding.
 */
function findingsIn(policy: CompiledPolicy, text: string, depth = 0, budget = inflateBudget()): string[] {
  const found = [...ids(scanText(policy, text)), ...keyRuleIds(policy, text)];
  const encoded = mayHoldEncodedText(text);
  const command = mayHoldEncodedCommand(text);
  if (!encoded && !command) return found;
  // Each decoded text read in turn, left as it is: only what is found there counts.
  const read = (decoded: string): string => {
    found.push(...findingsIn(policy, decoded, depth + 1, budget));
    return decoded;
  };
  try {
    if (command) readEncodedCommands(text, 'field', read, depth);
    if (encoded) readEncodedTexts(text, 'field', read, depth, budget);
  } catch (err) {
    if (!(err instanceof CodecError)) throw err;
    found.push(`encoded:${err.code}`);
  }
  return found;
}

function keyRuleIds(policy: CompiledPolicy, text: string): string[] {
  return embeddedValues(text, policy.keyRules).map((v) => `key:${v.pattern}`);
}

function note(out: FieldFinding[], field: string, detectors: string[]): void {
  if (detectors.length > 0) out.push({ field, detectors: [...new Set(detectors)] });
}
