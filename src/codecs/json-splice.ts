/**
 * Writes a redacted JSON record back by editing its original text: only the values that changed
 * are replaced, so everything else (whitespace, number spelling, big integers, escapes, key order)
 * stays exactly as it came in.
 */
import type { JsonValue } from '../record.js';

interface Span {
  start: number;
  end: number;
}

/**
 * Raw spans of every value in a JSON text, by path (segments joined by NUL); undefined when an
 * object repeats a key (the parser kept the last one, but the text still holds both).
 */
function indexValues(text: string): Map<string, Span> | undefined {
  const spans = new Map<string, Span>();
  let duplicate = false;
  let i = 0;
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      const seen = new Set<string>();
      while (text[i] !== '}') {
        ws();
        const key = string();
        if (seen.has(key)) duplicate = true;
        seen.add(key);
        ws();
        i++; // ':'
        value(`${path}\u0000${key}`);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '[') {
      i++;
      ws();
      let n = 0;
      while (text[i] !== ']') {
        value(`${path}\u0000${n++}`);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '"') {
      string();
    } else {
      while (i < text.length && !',]} \t\r\n'.includes(text[i] as string)) i++;
    }
    spans.set(path, { start, end: i });
  };
  value('');
  return duplicate ? undefined : spans;
}

/**
 * The text of `after` (a redacted copy of `before`, which was parsed from `text`) with the least
 * change to `text`: changed leaves are replaced in place; an object or array that lost members is
 * written anew.
 */
export function spliceJson(text: string, before: JsonValue, after: JsonValue): string {
  if (before === after) return text;
  const spans = indexValues(text);
  // A repeated key would leave its earlier, unredacted value in the text: write the record anew.
  if (!spans) return JSON.stringify(after);
  const edits: Array<Span & { text: string }> = [];
  const walk = (b: JsonValue, a: JsonValue, path: string): void => {
    if (b === a) return;
    const bObj = b !== null && typeof b === 'object';
    const aObj = a !== null && typeof a === 'object';
    if (bObj && aObj && Array.isArray(b) === Array.isArray(a)) {
      if (Array.isArray(b) && Array.isArray(a) && a.length === b.length) {
        for (let k = 0; k < b.length; k++) walk(b[k] as JsonValue, a[k] as JsonValue, `${path}\u0000${k}`);
        return;
      }
      if (!Array.isArray(b) && !Array.isArray(a)) {
        const bo = b as Record<string, JsonValue>;
        const ao = a as Record<string, JsonValue>;
        const keys = Object.keys(bo);
        if (keys.every((k) => k in ao) && Object.keys(ao).length === keys.length) {
          for (const k of keys) walk(bo[k] as JsonValue, ao[k] as JsonValue, `${path}\u0000${k}`);
          return;
        }
      }
    }
    const span = spans.get(path);
    if (!span) throw new Error('JSON splice: no span for a changed value');
    edits.push({ ...span, text: JSON.stringify(a) });
  };
  walk(before, after, '');
  edits.sort((x, y) => x.start - y.start);
  let out = '';
  let pos = 0;
  for (const e of edits) {
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + text.slice(pos);
}
