/**
 * The values a run's frame redacts, for the run's other lines: `logveil serve` runs each resource
 * of an OTLP request as a frame line (the resource and its scopes, their attributes) and a line
 * per log record or span (see serve/otlp.ts), each a record of its own. Where the frame has a
 * value redacted (a key rule took a resource attribute `db.password`), a line that repeats it
 * has it redacted too, as one record holding both would (see repeats.ts): the resource and scope
 * attributes belong to each of their log records and spans.
 *
 * The lines of a run may go to several batches, on several workers: each batch reads the frame
 * anew, from the run's tasks, and keeps what it found only while it runs. A frame the line
 * prefilter passes redacts nothing, and costs its lines nothing: they keep the fast path.
 */
import type { RedactedBy } from '../act/edits.js';
import { redactedValues, type RedactKeys } from '../act/redact.js';
import { encodedTextsIn, mayHoldEncodedText } from '../act/encoded-readings.js';
import { indexJson } from '../codecs/json-splice.js';
import { decodeLineText } from '../codecs/jsonl.js';
import { lineEnds } from '../detect/line-filter.js';
import { hasReadings, readings } from '../detect/readings.js';
import { MIN_REPEATED_VALUE } from '../detect/repeats.js';
import { LogveilError } from '../errors.js';
import type { BatchContext } from './batch-types.js';
import { slowLines } from './prepare.js';
import { numbersOf } from './raw-line.js';

/** The frame is read for its values alone: replacements are masks (see RedactOptions.valuesOnly), made with no key. */
const NO_KEYS: RedactKeys = {
  tokenKey: () => {
    throw new LogveilError('NO_KEY', 'no key to read a frame with');
  },
  hashKey: () => {
    throw new LogveilError('NO_KEY', 'no key to read a frame with');
  },
};

/**
 * The values `frame` (one JSON line) has redacted, as the structured path redacts them, each with
 * what redacted it and a count of 0 (see RedactOptions.carried); undefined when there are none
 * of {@link MIN_REPEATED_VALUE} characters or more, or the frame cannot be read at all (not JSON,
 * too long: it is then quarantined as a record of its own, and its error reported there; here it
 * names nothing). A frame read in part (nested too deep past its first members) gives the values
 * read before the walk stopped: its lines' repeats of them are redacted all the same.
 */
export function frameValues(frame: string, ctx: BatchContext): ReadonlyMap<string, RedactedBy> | undefined {
  const bytes = Buffer.from(frame, 'utf8');
  const ends = lineEnds(bytes);
  if (ends.length !== 1 || !slowLines(bytes, ends, ctx, new Map())[0]) return undefined;
  let decoded: ReturnType<typeof decodeLineText>;
  try {
    decoded = decodeLineText(bytes, { file: 'frame', line: 0, offset: 0 }, ctx.format, ctx.limits);
  } catch {
    return undefined;
  }
  const { record, text } = decoded;
  let spans: ReturnType<typeof indexJson>['spans'] | undefined;
  try {
    spans = record.structured ? indexJson(text, ctx.limits.maxDepth).spans : undefined;
  } catch {
    // Numbers are then read as the parser gives them.
  }
  const values = redactedValues(record, {
    policy: ctx.policy,
    actions: ctx.actions,
    maxDepth: ctx.limits.maxDepth,
    keys: NO_KEYS,
    ...(spans ? { numbers: numbersOf(text, spans), source: text } : {}),
  });
  const out = new Map<string, RedactedBy>();
  for (const [value, by] of values) if (value.length >= MIN_REPEATED_VALUE) out.set(value, { ...by, count: 0 });
  return out.size > 0 ? out : undefined;
}

/**
 * Marks the lines not marked yet that may hold one of `values`: as written, as a JSON string
 * writes it, in a reading of the line (escapes decoded, numbers as their digits), or in the text a
 * base64 or hex run spells. The
 * structured path looks for them there (see repeats.ts); the others keep the fast path.
 */
export function markFrameRepeats(data: Buffer, ends: Int32Array, slow: Uint8Array, values: ReadonlyMap<string, RedactedBy>): void {
  // Each value also as a JSON string writes it (`CORP\\pw`), which no reading of the line decodes back.
  const list = [...values.keys()].flatMap((v) => {
    const escaped = JSON.stringify(v).slice(1, -1);
    return escaped === v ? [v] : [v, escaped];
  });
  const holds = (text: string): boolean => list.some((v) => text.includes(v));
  for (let i = 0, start = 0; i < ends.length; i++) {
    const end = ends[i] as number;
    if (!slow[i]) {
      const text = data.toString('utf8', start, end);
      if (holds(text) || (hasReadings(text) && readings(text).some((r) => holds(r.text))) || (mayHoldEncodedText(text) && encodedIn(text, holds))) slow[i] = 1;
    }
    start = end + 1;
  }
}

/** Whether a base64 or hex run of `text` spells what `holds` looks for; true when the runs cannot be read (the structured path reads them, or quarantines the line). */
function encodedIn(text: string, holds: (text: string) => boolean): boolean {
  try {
    return encodedTextsIn(text).some((e) => holds(e.text));
  } catch {
    return true;
  }
}
