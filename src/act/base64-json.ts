/**
 * JSON written as base64 inside a log (`"payload":"eyJwYXNzd29yZCI6...`, a Kinesis or SQS record's
 * data dumped by a consumer, a webhook's encoded body, an OAuth state): base64 hides the members
 * of the object it spells from every detector and key rule. The structured path reads such a
 * value decoded (see encoded-readings.ts), redacts what the JSON holds and encodes the result
 * again in the alphabet and padding it was written in; the line prefilter sends a line that holds
 * one down that path ({@link BASE64_JSON_LINE}). A JWT's parts (`eyJ...` between dots) are no such
 * value: the JWT detectors take them whole.
 */
import { isUtf8 } from 'node:buffer';

/**
 * How base64 of a JSON text starts: `{"` is `eyJ`, `{` and a line break `ewo` or `ew0K`, `[{`
 * `W3s`, `["` `WyJ`, `[` and a line break `Wwo`.
 */
const OPENINGS = ['eyJ', 'ewo', 'ew0K', 'W3s', 'WyJ', 'Wwo'];

/**
 * A base64 run that starts so, of 16 characters or more, not a part of a longer run or of a JWT;
 * its slashes may be escaped (`\/`, as JSON inside a text line writes them).
 */
const TOKEN = new RegExp(String.raw`(?<![A-Za-z0-9+/_.-])(?:${OPENINGS.join('|')})(?:[A-Za-z0-9+/_-]|\\/){13,}={0,2}(?![A-Za-z0-9+/=_.-])`, 'g');

/** The same for the line prefilter (RE2, no look-around): a line that holds one may be changed. */
export const BASE64_JSON_LINE = String.raw`(?:^|[^A-Za-z0-9+/_.-])(?:${OPENINGS.join('|')})[A-Za-z0-9+/_-]{13}`;

/** A base64 run in a text that spells JSON: where it stands, the JSON, and how to write it again. */
export interface Base64Json {
  start: number;
  end: number;
  json: string;
  /** Written with `-` and `_` (base64url), or unpadded with neither alphabet's own characters. */
  url: boolean;
  /** Written without the `=` padding its length needs. */
  unpadded: boolean;
  /** Its slashes written escaped (`\/`). */
  escapedSlashes: boolean;
}

/** True when `text` may hold base64 of JSON: a cheap test before {@link base64JsonIn}. */
export function mayHoldBase64Json(text: string): boolean {
  return text.length >= 16 && OPENINGS.some((o) => text.includes(o));
}

/** The base64 runs in `text` that spell a JSON object or array as UTF-8 text, in order. */
export function base64JsonIn(text: string): Base64Json[] {
  const out: Base64Json[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const escapedSlashes = m[0].includes('\\/');
    const written = escapedSlashes ? m[0].replaceAll('\\/', '/') : m[0];
    if (/[-_]/.test(written) && /[+/]/.test(written)) continue;
    // Neither alphabet's own characters and no padding where the length needs it: written as
    // base64url most likely (a URL's query, a JWT-like state), which has neither + nor / to break it.
    const url = /[-_]/.test(written) || (!/[+/=]/.test(written) && written.length % 4 !== 0);
    const bytes = Buffer.from(written, url ? 'base64url' : 'base64');
    if (!isUtf8(bytes)) continue;
    const json = bytes.toString('utf8');
    // Base64 of 4n+1 characters decodes its last one to nothing: such a run spells no text whole.
    if (written.replace(/=+$/, '').length % 4 === 1 || !/^\s*[[{][\s\S]*[\]}]\s*$/.test(json)) continue;
    out.push({ start: m.index, end: m.index + m[0].length, json, url, unpadded: written.length % 4 !== 0, escapedSlashes });
  }
  return out;
}

/** `json` (a redacted {@link Base64Json}) as base64 again, in the alphabet, padding and slashes `like` was written in. */
export function encodedJson(json: string, like: Pick<Base64Json, 'url' | 'unpadded' | 'escapedSlashes'>): string {
  const bytes = Buffer.from(json, 'utf8');
  if (like.url) {
    const encoded = bytes.toString('base64url');
    return like.unpadded ? encoded : encoded + '='.repeat((4 - (encoded.length % 4)) % 4);
  }
  const encoded = bytes.toString('base64');
  const padded = like.unpadded ? encoded.replace(/=+$/, '') : encoded;
  return like.escapedSlashes ? padded.replaceAll('/', '\\/') : padded;
}
