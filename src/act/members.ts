/** JSON values as the redaction walk builds and reads them. */
import { hasEscapes } from '../detect/escapes.js';
import { mayHideNumber } from '../detect/numbers.js';
import { readings } from '../detect/readings.js';
import { decodedForms, MIN_REPEATED_VALUE, repeatsIn, SEARCH_BUDGET, ValueSet } from '../detect/repeats.js';
import type { CompiledPolicy } from '../detect/compile.js';
import type { JsonValue } from '../record.js';

/**
 * Sets an own member, whatever its name: JSON.parse makes `__proto__` an ordinary member, and so
 * must the copy (an assignment would set the copy's prototype and drop the member).
 */
export function setMember(obj: Record<string, JsonValue>, key: string, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** The strings and numbers (as printed) inside a JSON value, and its keys with `keys`, however deep (no recursion). */
export function leaves(v: JsonValue, keys = false): string[] {
  const out: string[] = [];
  const pending: JsonValue[] = [v];
  while (pending.length > 0) {
    const x = pending.pop() as JsonValue;
    if (typeof x === 'string') out.push(x);
    else if (typeof x === 'number') out.push(String(x));
    else if (Array.isArray(x)) pending.push(...x);
    else if (x !== null && typeof x === 'object') {
      if (keys) out.push(...Object.keys(x));
      pending.push(...Object.values(x));
    }
  }
  return out;
}

/**
 * True when `key` (long enough to be searched for again, see repeats.ts), as written or as its
 * escapes read, stands alone in one of the strings or numbers `body` holds, in any of their
 * readings: a message naming the key could name a value the record has redacted
 * (`{"password":"Hunter2Secret","Hunter2Secret":[...]}`).
 */
export function standsAsValue(key: string, body: JsonValue): boolean {
  const forms = new ValueSet([key, ...decodedForms(key)]);
  return forms.values.length > 0 && leaves(body).some((leaf) => repeatsIn(leaf, forms, () => []).length > 0);
}

/**
 * True when `key` occurs in the JSON `text` (as written or with escapes decoded, see repeats.ts)
 * only where it is written as a key: the parse keeps one value of a repeated key, so `text` is
 * searched rather than the parsed record (`{"k":..,"password":"<key>","password":"x"}`).
 */
export function onlyAsKey(key: string, text: string): boolean {
  const quoted = JSON.stringify(key);
  let asKey = 0;
  for (let at = text.indexOf(quoted); at !== -1; at = text.indexOf(quoted, at + 1)) {
    let next = at + quoted.length;
    while (text[next] === ' ' || text[next] === '\t' || text[next] === '\r' || text[next] === '\n') next++;
    if (text[next] === ':') asKey++;
  }
  // The key as written, as JSON writes it (`a\tb`), and as its escapes read (`hunter2%78yz` is
  // `hunter2xyz`), stands nowhere else: each of its spellings occurs no more often than the key is
  // written as one.
  const forms = [key, quoted.slice(1, -1), ...decodedForms(key)];
  return forms.every((form) => form.length < MIN_REPEATED_VALUE || repeatsIn(text, new ValueSet([form]), () => []).length <= asKey);
}

/**
 * False when no value a record had `redacted` (each with how many times) can stand anywhere else
 * in it: `source` (its JSON text) holds each, verbatim, no more times than it was redacted. Without
 * the text, where escapes could spell a value otherwise, or where a number reads otherwise than it
 * is written, the search runs.
 */
export function mayRepeat(redacted: ReadonlyMap<string, { count: number }>, source: string | undefined, numbersReadOtherwise: boolean): boolean {
  if (redacted.size === 0) return false;
  // Counting each value costs the text's length (the search itself costs no more past that).
  if (source === undefined || source.includes('\\') || numbersReadOtherwise || redacted.size * source.length > SEARCH_BUDGET) return true;
  // The text as its other readings spell it too (`%21` decoded, `5.36274189E8` as its digits).
  const texts = hasEscapes(source) || mayHideNumber(source) ? [source, ...readings(source).map((v) => v.text)] : [source];
  for (const [value, by] of redacted) {
    if (value.length < MIN_REPEATED_VALUE) continue;
    for (const text of texts) {
      let n = 0;
      for (let at = text.indexOf(value); at !== -1 && n <= by.count; at = text.indexOf(value, at + 1)) n++;
      if (n > by.count) return true;
    }
  }
  return false;
}

export const NO_KEYS: readonly string[] = [];

/** Keys a value is read with at most, the nearest ones. */
const MAX_CONTEXT_KEYS = 3;

/** `context` (keys above a value, nearest first) with `key` in front when it can tell a detector something. */
export function contextWith(policy: CompiledPolicy, key: string, context: readonly string[]): readonly string[] {
  if (!policy.isContextKey(key) || context.includes(key)) return context;
  return [key, ...context].slice(0, MAX_CONTEXT_KEYS);
}
