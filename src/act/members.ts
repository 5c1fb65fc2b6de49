/** JSON values as the redaction walk builds and reads them. */
import { MIN_REPEATED_VALUE, repeatsIn, standalone } from '../detect/repeats.js';
import type { JsonValue } from '../record.js';

/**
 * Sets an own member, whatever its name: JSON.parse makes `__proto__` an ordinary member, and so
 * must the copy (an assignment would set the copy's prototype and drop the member).
 */
export function setMember(obj: Record<string, JsonValue>, key: string, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** The strings and numbers (as printed) inside a JSON value, however deep (no recursion). */
export function leaves(v: JsonValue): string[] {
  const out: string[] = [];
  const pending: JsonValue[] = [v];
  while (pending.length > 0) {
    const x = pending.pop() as JsonValue;
    if (typeof x === 'string') out.push(x);
    else if (typeof x === 'number') out.push(String(x));
    else if (x !== null && typeof x === 'object') pending.push(...(Array.isArray(x) ? x : Object.values(x)).reverse());
  }
  return out;
}

/**
 * True when `key` (long enough to be searched for again, see repeats.ts) stands alone in one of
 * the strings or numbers `body` holds: a message naming the key could name a value the record
 * has redacted (`{"password":"Hunter2Secret","Hunter2Secret":[...]}`).
 */
export function standsAsValue(key: string, body: JsonValue): boolean {
  return key.length >= MIN_REPEATED_VALUE && leaves(body).some((leaf) => standalone(leaf, [key], []).length > 0);
}

/**
 * True when `key` occurs in the JSON `text` (as written or with escapes decoded, see repeats.ts)
 * only where it is written as a key: the parse keeps one value of a repeated key, so `text` is
 * searched rather than the parsed record (`{"k":..,"password":"<key>","password":"x"}`).
 */
export function onlyAsKey(key: string, text: string): boolean {
  if (key.length < MIN_REPEATED_VALUE) return true;
  const all = repeatsIn(text, [key], () => []).length;
  const quoted = JSON.stringify(key);
  let asKey = 0;
  for (let at = text.indexOf(quoted); at !== -1; at = text.indexOf(quoted, at + 1)) {
    let next = at + quoted.length;
    while (text[next] === ' ' || text[next] === '\t' || text[next] === '\r' || text[next] === '\n') next++;
    if (text[next] === ':') asKey++;
  }
  return all <= asKey;
}
