/**
 * Text written as base64 inside a log: JSON (`"payload":"eyJwYXNzd29yZCI6...`, a Kinesis or SQS
 * record's data dumped by a consumer, a webhook's encoded body, an OAuth state), a script or an
 * environment file (an instance's user data, `export AWS_SECRET_ACCESS_KEY=...`), a token encoded
 * once more (`value=c2tfbGl2ZV8...`), a Firehose record's text line. Base64 hides what it spells
 * from every detector and key rule. The structured path reads such a value decoded (see
 * encoded-readings.ts), redacts what the text holds and encodes the result again in the alphabet
 * and padding it was written in; the line prefilter sends a line that holds one down that path
 * ({@link BASE64_TEXT_LINES}).
 *
 * A base64 run is read when it spells JSON (it opens as an object or an array, see
 * {@link OPENINGS}) or text (see text-bytes.ts): random bytes seldom do, and a hex digest or an
 * identifier written in letters almost never. So is one that inflates to text (gzip or zlib, see
 * compressed-text.ts); what follows its stream after a slash (a URL's path goes on) is a run of
 * its own.
 * A JWT's parts (`eyJ...` between dots) are no such value: the JWT detectors take them whole.
 */
import { isUtf8 } from 'node:buffer';
import { compressed, compressionOf, COMPRESSED_HEADS, inflateBudget, inflated, mayInflate, PROBE_BYTES, spend, type Compression, type InflateBudget } from './compressed-text.js';
import { spellsText, TEXT_BYTES } from './text-bytes.js';

/**
 * How base64 of a JSON text starts: `{"` is `eyJ`, `{` and a line break `ewo` or `ew0K`, `[{`
 * `W3s`, `["` `WyJ`, `[` and a line break `Wwo`.
 */
const OPENINGS = ['eyJ', 'ewo', 'ew0K', 'W3s', 'WyJ', 'Wwo'];

/**
 * Base64 of three bytes of text, as four characters: each character's class holds the 6-bit
 * values the bytes 0x09, 0x0A, 0x0D and 0x20-0x7F give it in that place (the first: the high six
 * bits of the first byte; the second: its low two and the high four of the next, 0, 2-7; the
 * third: the next's low four and the third byte's high two, 0 or 1; the fourth: any). Neither
 * alphabet's own characters (`+/`, `-_`, 62 and 63) can stand in the first three places.
 */
const TEXT_TRIPLE = '[C-DI-Za-f][AC-HQS-Xgi-nwy-z0-3][ABEFIJMNQRUVYZcdghklopstwx014589]';
const TEXT_QUAD = `${TEXT_TRIPLE}[A-Za-z0-9+/_-]`;

/** A base64 character, its slash maybe escaped (`\/`, as JSON inside a text line writes one). */
const RUN_CHAR = String.raw`(?:[A-Za-z0-9+/_-]|\\\/)`;

/**
 * A run of 16 base64 characters or more and its padding, not a part of a longer run or of a JWT
 * (after or before a dot that touches another run); after its padding a slash may follow (a URL's
 * path goes on). The run is matched whole first (the lookahead is atomic): a long run that ends
 * badly is not tried again shorter, character by character.
 */
const TOKEN = new RegExp(String.raw`(?<![A-Za-z0-9+/_-])(?<![A-Za-z0-9+/=_-]\.)(?=(${RUN_CHAR}{16,}))\1(?:={1,2}(?![A-Za-z0-9+=_-]|\.[A-Za-z0-9+/_-])|(?![A-Za-z0-9+/=_-]|\.[A-Za-z0-9+/_-]))`, 'g');

/**
 * Where a run that spells text may start, for the cheap test of {@link mayHoldBase64Text}: where
 * a run does, after a slash (a URL's path segment: `/unsubscribe/Ym9i...`) and after an escape
 * of a line break or a tab written out (`line1\nZXhw...`), which {@link base64TextIn} also tries.
 */
const TEXT_START = new RegExp(String.raw`(?:(?<![A-Za-z0-9+_-])|(?<=\\[nrt]))(?:${[...OPENINGS, ...COMPRESSED_HEADS].join('|')}|(?:${TEXT_TRIPLE}${RUN_CHAR}){${TEXT_BYTES / 3}})`);

/**
 * The same for the line prefilter (RE2, no look-around): a line that one of them matches may be
 * changed. They pass a run after a dot too, which the structured path leaves (a JWT's part); a
 * line with a backslash (`\/`, `\n`) takes the structured path anyway (see pipeline/prepare.ts).
 * The first, of JSON and of compressed text, holds the literals it needs (a run is 16 characters
 * or more: 12 after a head of 4 at most); the second, of other text, holds none.
 */
export const BASE64_TEXT_LINES: readonly string[] = [
  String.raw`(?:^|[^A-Za-z0-9+_-])(?:${[...OPENINGS, ...COMPRESSED_HEADS].join('|')})[A-Za-z0-9+/_-]{12}`,
  String.raw`(?:^|[^A-Za-z0-9+_-])(?:${TEXT_QUAD}){${TEXT_BYTES / 3}}`,
];

/** A base64 run in a text that spells text: where it stands, the text, and how to write it again. */
export interface Base64Text {
  start: number;
  end: number;
  text: string;
  /** Written with `-` and `_` (base64url), or unpadded with neither alphabet's own characters. */
  url: boolean;
  /** Written without the `=` padding its length needs. */
  unpadded: boolean;
  /** Its slashes written escaped (`\/`). */
  escapedSlashes: boolean;
  /** Written over several lines of `width` characters, each but the last followed by `separator` (MIME's 76 and CRLF). */
  wrap?: { width: number; separator: string };
  /** How the text was compressed before it was written as base64, if it was (see compressed-text.ts). */
  compression?: Compression;
}

/** True when `text` may hold base64 of text: a cheap test before {@link base64TextIn}. */
export function mayHoldBase64Text(text: string): boolean {
  return text.length >= 16 && TEXT_START.test(text);
}

/**
 * How base64 that spells JSON or text begins (see {@link decoded}), tested before a run is
 * decoded: a long run of random bytes, a key's body, is passed over at once, wherever it is tried.
 */
const HEAD = new RegExp(String.raw`^(?:${[...OPENINGS, ...COMPRESSED_HEADS].join('|')}|(?:${TEXT_TRIPLE}${RUN_CHAR}){${TEXT_BYTES / 3}})`);

/** A line break between the lines of a wrapped run. */
const LINE_BREAK = /^\r?\n$/;

/**
 * The base64 runs in `text` that spell a JSON object or array, or text (see text-bytes.ts), as
 * UTF-8, in order. A run that does not is read again from after each of its slashes (a URL's
 * path), or from after the letter of an escape it starts with (`\n`). Runs on lines of one width
 * that a line break each follows (a MIME body) are read as one.
 */
export function base64TextIn(text: string, budget: InflateBudget = inflateBudget()): Base64Text[] {
  const runs: Array<[number, string]> = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) runs.push([m.index, m[0]]);
  const out: Base64Text[] = [];
  for (let i = 0; i < runs.length; ) {
    const lines = wrappedLines(text, runs, i);
    const [lastStart, last] = lines[lines.length - 1] as [number, string];
    // The runs the lines are (the last line may be too short to be one).
    let next = i + 1;
    while (next < runs.length && (runs[next] as [number, string])[0] < lastStart + last.length) next++;
    const whole = lines.length > 1 ? wrapped(text, lines, budget) : undefined;
    if (whole) out.push(whole);
    else {
      // Not text read whole: each line alone, once (not each again as the first of the lines after it).
      for (let j = i; j < next; j++) {
        out.push(...readRun(text, ...(runs[j] as [number, string]), budget));
      }
    }
    i = next;
  }
  return segmentsIn(text, out, budget);
}

/**
 * A URL's path segment of base64 (16 characters or more, its padding with it), a slash before it
 * and a slash, a query, a fragment, a quote, a blank or the end after it: `/reset/YXdz...Jl/confirm`,
 * `example.com/reset/bWFp...=/confirm`. Neither is a run's reading: unpadded, the run goes on into
 * the next segment, whose letters the decoding cannot end at; after a host's name, no run starts
 * at all (a run after a dot is a JWT's part). A segment before a dot and another run is one.
 */
const SEGMENT = /(?<=\/)[A-Za-z0-9+_-]{16,}={0,2}(?=[/\\?#&"'\s]|$)(?!\.[A-Za-z0-9+/_-])/g;

/** `found` (in order) and the path segments of `text` that spell text (see {@link SEGMENT}) and lie in none of them, in order. */
function segmentsIn(text: string, found: Base64Text[], budget: InflateBudget): Base64Text[] {
  if (!text.includes('/')) return found;
  let out = found;
  SEGMENT.lastIndex = 0;
  for (let m = SEGMENT.exec(text); m !== null; m = SEGMENT.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (found.some((r) => r.start < end && start < r.end) || !HEAD.test(m[0])) continue;
    const read = decoded(m[0], false, budget);
    if (read && read.length === undefined) out = [...out, { start, end, ...read.text }];
  }
  return out === found ? found : out.sort((a, b) => a.start - b.start);
}

/** A wrapped run's last line, shorter than a run is, right after a line break. */
const LAST_LINE = /\r?\n([A-Za-z0-9+/_-]{2,}={0,2})(?![A-Za-z0-9+/=_-])/y;

/**
 * The lines of a wrapped run from `runs[i]` on: each but the last as wide as the first (a
 * multiple of 4, no padding), a line break after each; the last no wider, maybe shorter than a run.
 */
function wrappedLines(text: string, runs: ReadonlyArray<[number, string]>, i: number): Array<[number, string]> {
  const first = runs[i] as [number, string];
  const width = first[1].length;
  const lines = [first];
  if (width % 4 !== 0 || /[=\\]/.test(first[1])) return lines;
  let end = first[0] + width;
  for (let j = i + 1; j <= runs.length; j++) {
    const next = runs[j];
    if (next && LINE_BREAK.test(text.slice(end, next[0])) && next[1].length <= width && !next[1].includes('\\')) {
      lines.push(next);
      if (next[1].length < width || next[1].includes('=')) break;
      end = next[0] + next[1].length;
      continue;
    }
    LAST_LINE.lastIndex = end;
    const last = LAST_LINE.exec(text);
    if (last && (last[1] as string).length < 16) lines.push([end + last[0].length - (last[1] as string).length, last[1] as string]);
    break;
  }
  return lines;
}

/** The runs of a wrapped run read as one, when that spells text. */
function wrapped(text: string, lines: ReadonlyArray<[number, string]>, budget: InflateBudget): Base64Text | undefined {
  const [start, first] = lines[0] as [number, string];
  const [lastStart, last] = lines[lines.length - 1] as [number, string];
  if (!HEAD.test(first)) return undefined;
  const found = decoded(lines.map(([, written]) => written).join(''), false, budget);
  if (!found) return undefined;
  return { start, end: lastStart + last.length, ...found.text, wrap: { width: first.length, separator: text.slice(start + first.length, (lines[1] as [number, string])[0]) } };
}

/**
 * The run `written` at `start` read as text, from its start or from a later place it may start
 * (see {@link base64TextIn}); a compressed stream that ends before the run does, at a slash, is
 * followed by the runs the rest holds.
 */
function readRun(text: string, start: number, written: string, budget: InflateBudget): Base64Text[] {
  const out: Base64Text[] = [];
  // Each stream a slash follows leaves the rest of the run to read again (in a loop: a run may hold thousands).
  for (let from = 0; from < written.length; ) {
    const found = readFrom(text, start + from, written.slice(from), budget);
    if (!found) break;
    out.push(found.read);
    if (found.rest === undefined) break;
    from += found.rest;
  }
  return out;
}

/** The first reading of the run `written` at `start` (see {@link readRun}), and where what follows its stream's slash starts, if anything does. */
function readFrom(text: string, start: number, written: string, budget: InflateBudget): { read: Base64Text; rest?: number } | undefined {
  const offsets = [0];
  if ('nrt'.includes(written[0] as string) && text[start - 1] === '\\') offsets.push(1);
  for (let at = written.indexOf('/'); at !== -1; at = written.indexOf('/', at + 1)) offsets.push(at + 1);
  for (const offset of offsets) {
    const rest = written.slice(offset);
    // 16 characters or more, as every run is (the head needs them).
    if (!HEAD.test(rest)) continue;
    const found = decoded(rest, rest.includes('\\/'), budget);
    if (!found) continue;
    const end = found.length === undefined ? written.length : offset + found.length;
    const read: Base64Text = { start: start + offset, end: start + end, ...found.text };
    // What follows the slash after a stream (`/blob/H4sI.../download`).
    const after = end + (written[end] === '\\' ? 2 : 1);
    return after < written.length ? { read, rest: after } : { read };
  }
  return undefined;
}

/**
 * What base64 `written` spells, when it is JSON or text (maybe compressed), and how it was
 * written; `length`: the characters of `written` a compressed stream takes, when a slash follows
 * it before the run ends.
 *
 * @throws CodecError `ENCODED_TOO_LARGE` or `ENCODED_TOO_MANY` when it inflates past what `budget` has left (see compressed-text.ts).
 */
function decoded(written: string, escapedSlashes: boolean, budget: InflateBudget): { text: Omit<Base64Text, 'start' | 'end'>; length?: number } | undefined {
  const plain = escapedSlashes ? written.replaceAll('\\/', '/') : written;
  const compression = compressionOf(plain);
  if (compression) return decodedStream(written, plain, escapedSlashes, compression, budget);
  if (/[-_]/.test(plain) && /[+/]/.test(plain)) return undefined;
  // Base64 of 4n+1 characters decodes its last one to nothing: such a run spells no text whole.
  if (plain.replace(/=+$/, '').length % 4 === 1) return undefined;
  // Neither alphabet's own characters and no padding where the length needs it: written as
  // base64url most likely (a URL's query, a JWT-like state), which has neither + nor / to break it.
  const url = /[-_]/.test(plain) || (!/[+/=]/.test(plain) && plain.length % 4 !== 0);
  spend(budget, plain.length);
  const bytes = Buffer.from(plain, url ? 'base64url' : 'base64');
  if (!isUtf8(bytes)) return undefined;
  const text = bytes.toString('utf8');
  if (!spellsJson(plain, text) && !spellsText(bytes)) return undefined;
  return { text: { text, url, unpadded: plain.length % 4 !== 0, escapedSlashes } };
}

/**
 * A compressed stream's text (see {@link decoded}). Its base64 ends where its bytes do: after it
 * a slash may follow (a URL's path), written in the run's alphabet as it may be, or the base64
 * of other bytes (read with the stream, and not written again).
 */
function decodedStream(written: string, plain: string, escapedSlashes: boolean, compression: Compression, budget: InflateBudget): { text: Omit<Base64Text, 'start' | 'end'>; length?: number } | undefined {
  // base64url has no slash: one ends its run.
  const slash = plain.indexOf('/');
  const head = /[-_]/.test(plain.slice(0, slash === -1 ? plain.length : slash)) && slash !== -1 ? plain.slice(0, slash) : plain;
  // Its start first, in the alphabet its start shows (a long run tried from each of its slashes is not read whole each time).
  const start = head.slice(0, Math.ceil(PROBE_BYTES / 3) * 4);
  if (!mayInflate(Buffer.from(start, /[-_]/.test(start) ? 'base64url' : 'base64'), compression, budget)) return undefined;
  const found = inflated(Buffer.from(head, /[-_]/.test(head) ? 'base64url' : 'base64'), compression, budget);
  if (!found) return undefined;
  // The characters the stream's bytes take; a slash there ends the run's stream.
  const chars = found.streamBytes === undefined ? head.length : Math.ceil((found.streamBytes * 4) / 3);
  const padded = /^={1,2}/.exec(plain.slice(chars))?.[0].length ?? 0;
  const ends = chars + padded < plain.length && plain[chars + padded] === '/';
  const used = ends ? chars + padded : plain.length;
  const stream = plain.slice(0, used);
  // Its alphabet is the stream's own (what follows a slash after it may be written in the other).
  const url = /[-_]/.test(stream) || (!/[+/=]/.test(stream) && stream.length % 4 !== 0);
  const read = ends || found.streamBytes === undefined ? found.text : found.text + bytesAfter(head, found.streamBytes);
  const text = { text: read, url, unpadded: !stream.endsWith('=') && (url || stream.length % 4 !== 0), escapedSlashes, compression };
  return ends ? { text, length: writtenLength(written, used, escapedSlashes) } : { text };
}

/**
 * The text of the bytes that follow a compressed stream in its run (`from` on), read with the
 * stream's: `zcat` leaves them out, `base64 -d` shows them. A redacted reading is written back
 * compressed whole, these bytes inside. None when they are no UTF-8 text: padding to a block, or
 * what a stream corrupted inside leaves after where it seems to end (left as zcat leaves it).
 */
function bytesAfter(head: string, from: number): string {
  const rest = Buffer.from(head, /[-_]/.test(head) ? 'base64url' : 'base64').subarray(from);
  return rest.some((b) => b !== 0) && isUtf8(rest) ? rest.toString('utf8') : '';
}

/** How many characters of `written` spell the first `plain` characters of its reading (`\/` is one). */
function writtenLength(written: string, plain: number, escapedSlashes: boolean): number {
  if (!escapedSlashes) return plain;
  let at = 0;
  for (let n = 0; n < plain; n++) at += written[at] === '\\' ? 2 : 1;
  return at;
}

function spellsJson(written: string, decoded: string): boolean {
  return OPENINGS.some((o) => written.startsWith(o)) && /^\s*[[{][\s\S]*[\]}]\s*$/.test(decoded);
}

/** `text` (a redacted {@link Base64Text}) as base64 again, in the alphabet, padding and slashes `like` was written in. */
export function encodedText(text: string, like: Pick<Base64Text, 'url' | 'unpadded' | 'escapedSlashes' | 'wrap' | 'compression'>): string {
  const bytes = like.compression ? compressed(text, like.compression) : Buffer.from(text, 'utf8');
  let encoded: string;
  if (like.url) {
    encoded = bytes.toString('base64url');
    if (!like.unpadded) encoded += '='.repeat((4 - (encoded.length % 4)) % 4);
  } else {
    encoded = bytes.toString('base64');
    if (like.unpadded) encoded = encoded.replace(/=+$/, '');
    if (like.escapedSlashes) encoded = encoded.replaceAll('/', '\\/');
  }
  if (!like.wrap) return encoded;
  const { width, separator } = like.wrap;
  const lines: string[] = [];
  for (let at = 0; at < encoded.length; at += width) lines.push(encoded.slice(at, at + width));
  return lines.join(separator);
}
