/**
 * A container's record of a line, read as written: its top-level `log` string (Docker's json-file
 * driver, Fluent Bit's and Fluentd's records, see wrapped-lines.ts), and what the record says of
 * the line as a part of a longer one (see part-lines.ts).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LOG_KEY = Buffer.from('"log"');

/** A container's record that may be a part of a longer line (see part-lines.ts). */
export interface RecordPart {
  /** 1 stdout, 2 stderr. */
  stream: number;
  /** Whether the next part continues it. */
  open: boolean;
  /** What the record names its container by (Kubernetes' pod and container, a forwarder's tag), as written: parts of one line name the same. */
  source: string;
  /** Where its `log` string's quotes stand. */
  quote: number;
  close: number;
}

const STREAM_MEMBERS = [Buffer.from('"stream":"stdout"'), Buffer.from('"stream":"stderr"')];
const TAGS = [Buffer.from('_p":"'), Buffer.from('logtag":"')];
/** The members a forwarder's record names its container by (Fluent Bit's Kubernetes metadata, Fluentd's Docker driver and tag). */
const SOURCE_MEMBERS = ['"namespace_name":"', '"pod_name":"', '"container_name":"', '"container_id":"', '"docker_id":"', '"tag":"'].map((m) => Buffer.from(m));

/**
 * What a container's record (`line`, its end left out) says of it as a part: it names its stream
 * (`"stream":"stdout"`, written compact) and holds a top-level `log` string, which has no line end
 * at its end where the next part continues it (Docker's json-file driver ends a line's last part
 * with `\n`), unless it is tagged `F` (Fluent Bit's `"_p"` and Fluentd's `"logtag"`, read from a
 * runtime's log file, whose lines hold none: `P` for a part the next continues, `F` for a line's
 * last). Read as written, escapes and all: a string holding line ends (a progress bar's `\r`) is a
 * part as any other. Undefined for a record that names no stream or holds no such string.
 */
export function recordPart(line: Buffer): RecordPart | undefined {
  if (line[0] !== 0x7b) return undefined;
  const stream = STREAM_MEMBERS.findIndex((s) => line.indexOf(s) !== -1) + 1;
  if (stream === 0) return undefined;
  const quote = logMember(line);
  const close = quote === -1 ? -1 : stringEnd(line, quote);
  if (close === -1) return undefined;
  return { stream, open: !endsWithLf(line, close) && partTag(line) !== 0x46, source: sourceOf(line), quote, close };
}

/** True when the JSON string closed at `close` ends with `\n` or `\u000a`. */
export function endsWithLf(line: Buffer, close: number): boolean {
  let escape = -1;
  if (line[close - 1] === 0x6e && line[close - 2] === BACKSLASH) escape = close - 2;
  else if (close >= 6 && line[close - 6] === BACKSLASH && line.toString('latin1', close - 5, close).toLowerCase() === 'u000a') escape = close - 6;
  if (escape === -1) return false;
  // The backslash is an escape's when an even number stand before it.
  let slashes = 0;
  while (line[escape - 1 - slashes] === BACKSLASH) slashes += 1;
  return slashes % 2 === 0;
}

/** The values of the members a record names its container by, as written, one after another. */
function sourceOf(line: Buffer): string {
  let out = '';
  for (const m of SOURCE_MEMBERS) {
    const at = line.indexOf(m);
    if (at === -1) continue;
    const end = line.indexOf(QUOTE, at + m.length);
    out += `${line.toString('latin1', at, end === -1 ? line.length : end)};`;
  }
  return out;
}

/**
 * The text of a record's `log` string read whole (see {@link RecordPart}): its escapes decoded, a
 * `\n` at its end left out. Undefined when the string does not parse.
 */
export function recordText(line: Buffer, part: RecordPart): string | undefined {
  try {
    const text = JSON.parse(line.toString('utf8', part.quote, part.close + 1)) as string;
    return text.endsWith('\n') ? text.slice(0, -1) : text;
  } catch {
    return undefined;
  }
}

/** A record's part tag (`"_p":"P"`, `"logtag":"F"`): the letter's byte, or undefined for none. */
export function partTag(line: Buffer): number | undefined {
  for (const t of TAGS) {
    for (let at = line.indexOf(t); at !== -1; at = line.indexOf(t, at + 1)) {
      const tag = line[at + t.length];
      if (line[at - 1] === QUOTE && (tag === 0x50 || tag === 0x46) && line[at + t.length + 1] === QUOTE) return tag;
    }
  }
  return undefined;
}

/**
 * The opening quote of the top-level `log` member's string in a record's line, or -1: each
 * `"log"` found is checked to be a key of the outer object by reading the bytes before it
 * (strings passed over, brackets counted), read once for the line. `from`: where to read from,
 * `depth` the brackets open there.
 */
export function logMember(line: Buffer, from = 0, depth = 0): number {
  let at = from;
  for (let key = line.indexOf(LOG_KEY, from); key !== -1; key = line.indexOf(LOG_KEY, key + 1)) {
    // Read on up to the key: a string before it is passed over whole.
    while (at < key) {
      const c = line[at] as number;
      if (c === QUOTE) {
        const end = stringEnd(line, at);
        if (end === -1) return -1;
        at = end + 1;
        continue;
      }
      if (c === 0x7b || c === 0x5b) depth += 1;
      else if (c === 0x7d || c === 0x5d) depth -= 1;
      at += 1;
    }
    if (at > key) {
      // Inside a string: the next one.
      key = at - 1;
      continue;
    }
    let p = key + LOG_KEY.length;
    while (line[p] === 0x20 || line[p] === 0x09) p += 1;
    if (depth !== 1 || line[p] !== 0x3a) continue;
    p += 1;
    while (line[p] === 0x20 || line[p] === 0x09) p += 1;
    return line[p] === QUOTE ? p : -1;
  }
  return -1;
}

/** The offset of the quote that closes the string opened at `open`, or -1. */
export function stringEnd(line: Buffer, open: number): number {
  for (let q = line.indexOf(QUOTE, open + 1); q !== -1; q = line.indexOf(QUOTE, q + 1)) {
    let slashes = 0;
    while (line[q - 1 - slashes] === BACKSLASH) slashes += 1;
    if (slashes % 2 === 0) return q;
  }
  return -1;
}
