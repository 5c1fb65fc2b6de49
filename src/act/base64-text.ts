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
 * identifier written in letters almost never.
 * A JWT's parts (`eyJ...` between dots) are no such value: the JWT detectors take them whole.
 */
import { isUtf8 } from 'node:buffer';
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
const TEXT_QUAD = '[C-DI-Za-f][AC-HQS-Xgi-nwy-z0-3][ABEFIJMNQRUVYZcdghklopstwx014589][A-Za-z0-9+/_-]';

/**
 * A base64 run that starts so, of 16 characters or more, not a part of a longer run or of a JWT;
 * its slashes may be escaped (`\/`, as JSON inside a text line writes them).
 */
const TOKEN = /(?<![A-Za-z0-9+/_.-])(?:[A-Za-z0-9+/_-]|\\\/){16,}={0,2}(?![A-Za-z0-9+/=_.-])/g;

/** How a run that spells text starts, for the cheap test of {@link mayHoldBase64Text}. */
const TEXT_START = new RegExp(String.raw`(?<![A-Za-z0-9+/_.-])(?:${OPENINGS.join('|')}|(?:${TEXT_QUAD}){${TEXT_BYTES / 3}})`);

/**
 * The same for the line prefilter (RE2, no look-around): a line that one of them matches may be
 * changed. They also pass a run after a dot, which the structured path leaves (a JWT's part). The
 * first, of JSON, holds the literals it needs; the second, of other text, holds none.
 */
export const BASE64_TEXT_LINES: readonly string[] = [
  String.raw`(?:^|[^A-Za-z0-9+/_-])(?:${OPENINGS.join('|')})[A-Za-z0-9+/_-]{13}`,
  String.raw`(?:^|[^A-Za-z0-9+/_-])(?:${TEXT_QUAD}){${TEXT_BYTES / 3}}`,
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
}

/** True when `text` may hold base64 of text: a cheap test before {@link base64TextIn}. */
export function mayHoldBase64Text(text: string): boolean {
  return text.length >= 16 && TEXT_START.test(text);
}

/** The base64 runs in `text` that spell a JSON object or array, or text (see above), as UTF-8, in order. */
export function base64TextIn(text: string): Base64Text[] {
  const out: Base64Text[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const escapedSlashes = m[0].includes('\\/');
    const written = escapedSlashes ? m[0].replaceAll('\\/', '/') : m[0];
    if (/[-_]/.test(written) && /[+/]/.test(written)) continue;
    // Base64 of 4n+1 characters decodes its last one to nothing: such a run spells no text whole.
    if (written.replace(/=+$/, '').length % 4 === 1) continue;
    // Neither alphabet's own characters and no padding where the length needs it: written as
    // base64url most likely (a URL's query, a JWT-like state), which has neither + nor / to break it.
    const url = /[-_]/.test(written) || (!/[+/=]/.test(written) && written.length % 4 !== 0);
    const bytes = Buffer.from(written, url ? 'base64url' : 'base64');
    if (!isUtf8(bytes)) continue;
    const decoded = bytes.toString('utf8');
    if (!spellsJson(written, decoded) && !spellsText(bytes)) continue;
    out.push({ start: m.index, end: m.index + m[0].length, text: decoded, url, unpadded: written.length % 4 !== 0, escapedSlashes });
  }
  return out;
}

function spellsJson(written: string, decoded: string): boolean {
  return OPENINGS.some((o) => written.startsWith(o)) && /^\s*[[{][\s\S]*[\]}]\s*$/.test(decoded);
}

/** `text` (a redacted {@link Base64Text}) as base64 again, in the alphabet, padding and slashes `like` was written in. */
export function encodedText(text: string, like: Pick<Base64Text, 'url' | 'unpadded' | 'escapedSlashes'>): string {
  const bytes = Buffer.from(text, 'utf8');
  if (like.url) {
    const encoded = bytes.toString('base64url');
    return like.unpadded ? encoded : encoded + '='.repeat((4 - (encoded.length % 4)) % 4);
  }
  const encoded = bytes.toString('base64');
  const padded = like.unpadded ? encoded.replace(/=+$/, '') : encoded;
  return like.escapedSlashes ? padded.replaceAll('/', '\\/') : padded;
}
