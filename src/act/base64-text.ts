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
 * identifier written in letters almost never. So is one that inflates to JSON or text (gzip or
 * zlib, see compressed-text.ts). In a URL's query base64 has its `+`, `/` and `=` percent-encoded
 * (`state=eyJ...%2F...%3D`): it is read so, and written again so.
 * A JWT's parts (`eyJ...` between dots) are no such value: the JWT detectors take them whole.
 */
import { isUtf8 } from 'node:buffer';
import { compressed, compressionOf, COMPRESSED_HEADS, inflateBudget, inflated, type Compression, type InflateBudget } from './compressed-text.js';
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

/**
 * A base64 character, its slash maybe escaped (`\/`, as JSON inside a text line writes one), or
 * `+` and `/` percent-encoded (`%2B`, `%2F`, as a URL's query writes them; `=` is `%3D`).
 */
const RUN_CHAR = String.raw`(?:[A-Za-z0-9+/_-]|\\\/|%2[BbFf])`;

/**
 * A run of 16 base64 characters or more and its padding, not a part of a longer run or of a JWT
 * (after or before a dot that touches another run); after its padding a slash may follow (a URL's
 * path goes on). The run is matched whole first (the lookahead is atomic): a long run that ends
 * badly is not tried again shorter, character by character.
 */
const TOKEN = new RegExp(String.raw`(?<![A-Za-z0-9+/_-])(?<![A-Za-z0-9+/=_-]\.)(?=(${RUN_CHAR}{16,}))\1(?:(?:={1,2}|(?:%3[Dd]){1,2})(?![A-Za-z0-9+=_-]|%3[Dd]|\.[A-Za-z0-9+/_-])|(?![A-Za-z0-9+/=_-]|\.[A-Za-z0-9+/_-]))`, 'g');

/**
 * Where a run that spells text may start, for the cheap test of {@link mayHoldBase64Text}: where
 * a run does, after a slash (a URL's path segment: `/unsubscribe/Ym9i...`), after an escape of a
 * line break or a tab written out (`line1\nZXhw...`) and after a percent-escape
 * (`redirect_uri=...%3Fstate%3DeyJ...`), which {@link base64TextIn} also tries.
 */
const TEXT_START = new RegExp(String.raw`(?:(?<![A-Za-z0-9+_-])|(?<=\\[nrt]|%[0-9A-Fa-f]{2}))(?:${[...OPENINGS, ...COMPRESSED_HEADS].join('|')}|(?:${TEXT_TRIPLE}${RUN_CHAR}){${TEXT_BYTES / 3}})`);

/**
 * The same for the line prefilter (RE2, no look-around): a line that one of them matches may be
 * changed. They pass a run after a dot too, which the structured path leaves (a JWT's part); a
 * line with a backslash (`\/`, `\n`) takes the structured path anyway (see pipeline/prepare.ts).
 * The first, of JSON and of compressed text, holds the literals it needs (a run is 16 characters
 * or more: 12 after a head of 4 at least); the second, of other text, holds none. A line with a
 * percent-escape (`%2F` in a run) takes the structured path anyway too.
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
  /** Its slashes written escaped (`\/`), or its `+`, `/` and `=` percent-encoded. */
  escaped?: 'slashes' | 'percent';
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

/** How a URL's query writes the base64 characters it escapes. */
const PERCENT = { '+': '%2B', '/': '%2F', '=': '%3D' } as const;

/** Where in `written` the next percent-encoded slash at or after `from` stands, or -1. */
function nextSlash(written: string, from: number): number {
  const at = written.slice(from).search(/%2[Ff]/);
  return at === -1 ? -1 : from + at;
}

/** A line break between the lines of a wrapped run. */
const LINE_BREAK = /^\r?\n$/;

/**
 * The base64 runs in `text` that spell a JSON object or array, or text (see text-bytes.ts), as
 * UTF-8, in order. A run that does not is read again from after each of its slashes (a URL's
 * path, `/` or `%2F`), or from after the letter of an escape it starts with (`\n`) or the digits
 * of a percent-escape before it (`%3D`). Runs on lines of one width
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
        const found = readRun(text, ...(runs[j] as [number, string]), budget);
        if (found) out.push(found);
      }
    }
    i = next;
  }
  return out;
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
  if (width % 4 !== 0 || /[=\\%]/.test(first[1])) return lines;
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
  const found = decoded(lines.map(([, written]) => written).join(''), budget);
  if (!found) return undefined;
  return { start, end: lastStart + last.length, ...base64Text(found), wrap: { width: first.length, separator: text.slice(start + first.length, (lines[1] as [number, string])[0]) } };
}

/** The run `written` at `start` read as text, from its start or from a later place it may start (see {@link base64TextIn}). */
function readRun(text: string, start: number, written: string, budget: InflateBudget): Base64Text | undefined {
  const offsets = [0];
  if ('nrt'.includes(written[0] as string) && text[start - 1] === '\\') offsets.push(1);
  // After a percent-escape (`state%3DeyJ...`, `%22c2tf...%22`: a query or JSON encoded in a URL).
  if (text[start - 1] === '%' && /^[0-9A-Fa-f]{2}/.test(written)) offsets.push(2);
  for (let at = written.indexOf('/'); at !== -1; at = written.indexOf('/', at + 1)) offsets.push(at + 1);
  for (let at = written.search(/%2[Ff]/); at !== -1; at = nextSlash(written, at + 3)) offsets.push(at + 3);
  for (const offset of offsets) {
    const rest = written.slice(offset);
    // 16 characters or more, as every run is (the head needs them).
    if (!HEAD.test(rest)) continue;
    const found = decoded(rest, budget);
    if (!found) continue;
    // A compressed run with bytes after its stream: a URL's path may go on after it (`.../download`).
    const cut = found.clean ? -1 : rest.lastIndexOf('/');
    const before = cut > 16 ? decoded(rest.slice(0, cut), budget) : undefined;
    const [read, length] = before?.clean ? [before, cut] : [found, rest.length];
    return { start: start + offset, end: start + offset + length, ...base64Text(read) };
  }
  return undefined;
}

/** What {@link decoded} found, as {@link Base64Text} holds it. */
function base64Text({ clean: _clean, ...found }: Decoded): Omit<Base64Text, 'start' | 'end'> {
  return found;
}

/** A run read as text; `clean`: a compressed run inflated cleanly to its end (see compressed-text.ts). */
type Decoded = Omit<Base64Text, 'start' | 'end'> & { clean: boolean };

/**
 * What base64 `written` spells, when it is JSON or text (maybe compressed), and how it was written.
 *
 * @throws CodecError `ENCODED_TOO_LARGE` when it inflates past what `budget` has left (see compressed-text.ts).
 */
function decoded(written: string, budget: InflateBudget): Decoded | undefined {
  const slashes = written.includes('\\/');
  const percent = written.includes('%');
  if (slashes && percent) return undefined;
  const plain = slashes ? written.replaceAll('\\/', '/') : percent ? written.replace(/%(2[BbFf]|3[Dd])/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : written;
  if (/[-_]/.test(plain) && /[+/]/.test(plain)) return undefined;
  // Neither alphabet's own characters and no padding where the length needs it: written as
  // base64url most likely (a URL's query, a JWT-like state), which has neither + nor / to break it.
  const url = /[-_]/.test(plain) || (!/[+/=]/.test(plain) && plain.length % 4 !== 0);
  // base64url is padded only where it was (its length may need none where it comes back needing some).
  const unpadded = url ? !plain.endsWith('=') : plain.length % 4 !== 0;
  const shape = { url, unpadded, ...(slashes ? { escaped: 'slashes' as const } : percent ? { escaped: 'percent' as const } : {}) };
  const raw = Buffer.from(plain, url ? 'base64url' : 'base64');
  const compression = compressionOf(plain);
  if (compression) {
    // A stream cut short may end in a character that decodes to nothing: it is read as far as it goes.
    const found = inflated(raw, compression, budget);
    return found && { text: found.text, ...shape, compression, clean: found.clean };
  }
  // Base64 of 4n+1 characters decodes its last one to nothing: such a run spells no text whole.
  if (plain.replace(/=+$/, '').length % 4 === 1 || !isUtf8(raw)) return undefined;
  const text = raw.toString('utf8');
  if (!(OPENINGS.some((o) => plain.startsWith(o)) && spellsJson(text)) && !spellsText(raw)) return undefined;
  return { text, ...shape, clean: true };
}

function spellsJson(decoded: string): boolean {
  return /^\s*[[{][\s\S]*[\]}]\s*$/.test(decoded);
}

/** `text` (a redacted {@link Base64Text}) as base64 again, in the alphabet, padding and slashes `like` was written in. */
export function encodedText(text: string, like: Pick<Base64Text, 'url' | 'unpadded' | 'escaped' | 'wrap' | 'compression'>): string {
  const bytes = like.compression ? compressed(text, like.compression) : Buffer.from(text, 'utf8');
  let encoded: string;
  if (like.url) {
    encoded = bytes.toString('base64url');
    if (!like.unpadded) encoded += '='.repeat((4 - (encoded.length % 4)) % 4);
  } else {
    encoded = bytes.toString('base64');
    if (like.unpadded) encoded = encoded.replace(/=+$/, '');
    if (like.escaped === 'slashes') encoded = encoded.replaceAll('/', '\\/');
    else if (like.escaped === 'percent') encoded = encoded.replace(/[+/=]/g, (c) => PERCENT[c as '+' | '/' | '=']);
  }
  if (!like.wrap) return encoded;
  const { width, separator } = like.wrap;
  const lines: string[] = [];
  for (let at = 0; at < encoded.length; at += width) lines.push(encoded.slice(at, at + width));
  return lines.join(separator);
}
