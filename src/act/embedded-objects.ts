/**
 * The JSON objects (or Python dicts) inside a text, read as a record's objects are, for key rules
 * with conditions (KeyRuleSpec.where): a rule whose condition an object meets takes its members'
 * values there (`payload {"data":"c2tfbGl2ZV8...","dataCrc32c":"3937531394"}`); and for a
 * statement's bind parameters beside it (see {@link boundMembers}). See embedded.ts, which takes
 * the values.
 */
import type { KeyRules } from '../detect/key-rules.js';
import type { KeyRuleSpec } from '../detect/pack.js';
import { containerEnd, escapedOffsets, stringEnd } from '../codecs/json-text.js';
import { pythonLiteral } from '../codecs/python-literal.js';
import type { JsonValue } from '../record.js';
import { boundParameters, boundTextValues, type SqlValue } from './sql.js';

/** A member of an object in a text that a rule with conditions takes: its value as a key-value pattern gives it (a string quoted, a number as written, an object or array by its opening bracket). */
export interface ConditionalMember {
  rule: KeyRuleSpec;
  pattern: string;
  value: string;
  valueStart: number;
}

/**
 * The members whose values rules with conditions take in the objects of `text`: an object where
 * a condition's member stands is read as a record's object is, each member by the first rule
 * that holds there and takes it. Objects inside it are read so too.
 */
export function conditionalMembers(text: string, rules: KeyRules): ConditionalMember[] {
  if (!rules.mayHoldConditions(text)) return [];
  const out: ConditionalMember[] = [];
  for (const [open, end] of objectsIn(text)) {
    const slice = text.slice(open, end);
    if (!rules.mayHoldConditions(slice)) continue;
    let object: unknown;
    try {
      object = JSON.parse(slice);
    } catch {
      // A Python dict as a log prints one (`{'kind': 'Secret', 'data': {...}}`).
      object = pythonLiteral(slice);
    }
    if (object === null || typeof object !== 'object' || Array.isArray(object)) continue;
    const holding = rules.holdingIn(object as Record<string, unknown>, Object.keys(object));
    if (holding.length === 0) continue;
    for (const member of membersOf(text, open, end)) {
      for (const held of holding) {
        const decision = held.decide(member.key);
        if (decision.mode !== 'redact' || !decision.rule) continue;
        out.push({ rule: decision.rule, pattern: decision.pattern ?? member.key, value: member.value, valueStart: member.valueStart });
        break;
      }
    }
  }
  return out;
}

/** A member named as a statement's parameters are (see boundParameters), quoted: a text without one holds no object with them. */
const MAY_BIND = /["'](?:params|parameters|bindings|binds?|args|arguments|values|bind_?values|bind_?params|query_?params|replacements)["'][ \t\r\n]*:/i;

/**
 * The bind parameters that `redact` key rules take in the JSON objects (not Python dicts) of
 * `text` that hold a statement and its parameters side by side (see boundParameters in sql.ts), as in a record's
 * own object: a query event of Prisma's logged as the line of a container's record
 * (`{"query":"... $1 ...","params":"[\"...\"]"}` in a `log` string), a query logger's JSON after
 * a text prefix. Each parameter is where `text` writes it: inside the array, or inside the string
 * that holds the array as JSON (escapes and all: its value is the one the string reads).
 */
export function boundMembers(text: string, rules: KeyRules): SqlValue[] {
  if (rules.empty || !MAY_BIND.test(text)) return [];
  const out: SqlValue[] = [];
  for (const [open, end] of objectsIn(text)) {
    const slice = text.slice(open, end);
    if (!MAY_BIND.test(slice)) continue;
    let object: unknown;
    try {
      object = JSON.parse(slice);
    } catch {
      continue;
    }
    if (object === null || typeof object !== 'object' || Array.isArray(object)) continue;
    const bound = boundParameters(rules, object as Record<string, JsonValue>, Object.keys(object));
    if (!bound) continue;
    // The member JSON reads: the last of that key.
    const member = membersOf(text, open, end).filter((m) => m.key === bound.key).at(-1);
    if (member) {
      if (member.value === '[') {
        const close = containerEnd(text, member.valueStart) as number;
        for (const v of boundTextValues(text.slice(member.valueStart, close), bound.items)) out.push({ ...v, start: v.start + member.valueStart, end: v.end + member.valueStart });
      } else if (member.value.startsWith('"')) {
        // Parsed with its object: a JSON string.
        const held = JSON.parse(member.value) as string;
        const at = escapedOffsets(text, member.valueStart, held.length);
        for (const v of boundTextValues(held, bound.items)) {
          const start = at[v.start] as number;
          const stop = at[v.end] as number;
          const value = v.value ?? held.slice(v.start, v.end);
          out.push({ start, end: stop, rule: v.rule, pattern: v.pattern, ...(text.slice(start, stop) !== value ? { value } : {}) });
        }
      }
    }
  }
  return out;
}

/** How deep inside others an object of a text is still read for conditions (each level reads the text inside it once more). */
const MAX_OBJECT_DEPTH = 64;

/**
 * Where each object of `text` opens and ends (past its closing brace), outer ones first, down to
 * {@link MAX_OBJECT_DEPTH} levels of brackets (the detectors still read what lies deeper). JSON's
 * strings are skipped, and a Python dict's in apostrophes inside brackets; outside any, an
 * apostrophe is prose's and opens none (`it's {"kind": ...}`).
 */
function objectsIn(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || (c === "'" && open.length > 0)) i = stringEnd(text, i) - 1;
    else if (c === '{' || c === '[') open.push(c === '{' && open.length < MAX_OBJECT_DEPTH ? i : -1);
    else if (c === '}' || c === ']') {
      const at = open.pop();
      if (at !== undefined && at >= 0 && c === '}') out.push([at, i + 1]);
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/**
 * The members of the object of valid JSON (or a Python dict) that opens at `open` and ends at
 * `end` in `text`: each key read, and its value as {@link PAIR} gives it to {@link takeValue} (a
 * string quoted, a number or literal as written, an object or array by its opening bracket). A
 * Python dict's key that is no string (`1`, `None`, a tuple) is its text, and a value that is
 * neither string nor container runs to the comma or brace after it, past any brackets and
 * strings it holds (a tuple, `datetime.datetime(2024, 5, 14, tzinfo=tzutc())`).
 */
function membersOf(text: string, open: number, end: number): Array<{ key: string; value: string; valueStart: number }> {
  const out: Array<{ key: string; value: string; valueStart: number }> = [];
  const skip = (i: number): number => {
    while (i < end && /[\s,]/.test(text[i] as string)) i++;
    return i;
  };
  // Past a Python string's `u` or `b` prefix, at its quote.
  const quoteAt = (i: number): number => (/[uUbB]/.test(text[i] as string) && /["']/.test(text[i + 1] as string) ? i + 1 : i);
  const quoted = (i: number): boolean => text[i] === '"' || text[i] === "'";
  for (let i = skip(open + 1); i < end - 1; i = skip(i)) {
    const keyQuote = quoteAt(i);
    const keyEnd = quoted(keyQuote) ? stringEnd(text, keyQuote) : plainEnd(text, i, end, ':');
    const key = quoted(keyQuote) ? (unquoted(text.slice(keyQuote, keyEnd)) ?? '') : text.slice(i, keyEnd);
    if (text[skipSpaces(text, keyEnd)] !== ':') break;
    const valueStart = skip(skipSpaces(text, keyEnd) + 1);
    const c = text[valueStart] as string;
    if (c === '{' || c === '[') {
      out.push({ key, value: c, valueStart });
      i = containerEnd(text, valueStart) ?? end;
    } else {
      const quote = quoteAt(valueStart);
      i = quoted(quote) ? stringEnd(text, quote) : plainEnd(text, valueStart, end, ',');
      out.push({ key, value: text.slice(valueStart, i), valueStart });
    }
  }
  return out;
}

/** Past spaces from `i`. */
function skipSpaces(text: string, i: number): number {
  while (/\s/.test(text[i] ?? '')) i++;
  return i;
}

/**
 * Where a key or value that is no quoted string ends: before `stop` (or the closing brace) outside
 * brackets and strings, its trailing spaces left out.
 */
function plainEnd(text: string, from: number, end: number, stop: string): number {
  let depth = 0;
  let i = from;
  // An object's repr (`<V1ObjectMeta name=db, namespace=prod>`): to its closing bracket first.
  if (text[from] === '<') {
    const close = text.indexOf('>', from);
    if (close !== -1 && close < end) i = close + 1;
  }
  for (; i < end; i++) {
    const c = text[i] as string;
    if (c === '"' || c === "'") i = stringEnd(text, i) - 1;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && c === stop) break;
  }
  while (i > from && /\s/.test(text[i - 1] as string)) i--;
  return i;
}

/** The content of a quoted string: JSON's escapes decoded for double quotes, `\'` for single ones; undefined when a double-quoted one is not valid JSON. */
export function unquoted(quoted: string): string | undefined {
  const body = quoted.slice(1, -1);
  if (!body.includes('\\')) return body;
  if (quoted.startsWith("'")) return body.replace(/\\(['\\])/g, '$1');
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return undefined;
  }
}
