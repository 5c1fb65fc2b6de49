/** JSON values as the redaction walk builds and reads them. */
import RE2 from 're2';
import { NAMES, VALUES } from '../detect/in-key.js';
import { hasReadings, readings } from '../detect/readings.js';
import { decodedForms, MIN_REPEATED_VALUE, repeatsIn, SEARCH_BUDGET, ValueSet } from '../detect/repeats.js';
import type { CompiledPolicy } from '../detect/compile.js';
import type { KeyDecision, KeyRules } from '../detect/key-rules.js';
import type { KeyRuleSpec } from '../detect/pack.js';
import type { JsonValue } from '../record.js';
import { LogveilError } from '../errors.js';
import { encodedTextsIn, mayHoldEncodedText } from './encoded-readings.js';

/**
 * Sets an own member, whatever its name: JSON.parse makes `__proto__` an ordinary member, and so
 * must the copy (an assignment would set the copy's prototype and drop the member).
 */
export function setMember(obj: Record<string, JsonValue>, key: string, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * The strings and numbers (as printed) inside a JSON value, however deep (no recursion); with
 * `keys`, its member names too, those that may be a value (see {@link nameMayBeValue}).
 */
export function leaves(v: JsonValue, keys = false): string[] {
  const out: string[] = [];
  const pending: JsonValue[] = [v];
  while (pending.length > 0) {
    const x = pending.pop() as JsonValue;
    if (typeof x === 'string') out.push(x);
    else if (typeof x === 'number') out.push(String(x));
    else if (Array.isArray(x)) pending.push(...x);
    else if (x !== null && typeof x === 'object') {
      if (keys) for (const k of Object.keys(x)) if (nameMayBeValue(k)) out.push(k);
      pending.push(...Object.values(x));
    }
  }
  return out;
}

/**
 * Whether a member name inside a value a rule took may itself be a value of it, to be looked for
 * again in the record (a map keyed by its secrets, `{"passwords":{"Tr0ub4dor&3":"admin"}}`): not
 * a word, or words joined as names are (snake_case, kebab-case, dotted, camelCase, PascalCase,
 * UPPER_CASE), without a digit, shorter than {@link FIELD_NAME_MAX} characters. Those are the
 * object's field names (`{"password":{"value":..., "origin":...}}`, Spring's /env), which other
 * members and messages of the record share. A longer one may be a passphrase or a base32 seed
 * (`CorrectHorseBatteryStaple`, `JBSWYTDPEHPKXPXP`), and a field name looked for again costs a
 * word of a message, where a secret left costs the secret.
 */
export function nameMayBeValue(name: string): boolean {
  return name.length > FIELD_NAME_MAX || !FIELD_NAME.test(name);
}

/** The longest member name {@link nameMayBeValue} takes for a field name: `accessKeyId`, `principalId`, `sessionToken`. */
export const FIELD_NAME_MAX = 15;

const FIELD_NAME = /^(?:[a-z]+(?:[_.-][a-z]+)*|[a-z]+(?:[A-Z][a-z]+)+|(?:[A-Z][a-z]+)+|[A-Z]+(?:_[A-Z]+)*)$/;

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

/** A field's path in an error's message (see fieldPath in record.ts): `$` and one step or more. */
const PATH_IN_MESSAGE = /\$(?:\.[A-Za-z_$][\w$-]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\]|\{key\})+/g;

/**
 * `err` with each field path its message names left out where a key on it holds a value of
 * `body` (six characters or more: as written, as JSON escapes it in the path, or as the path's own
 * escapes read). The walk names a path with its keys as redacted so far; a key that holds a
 * value the record redacts elsewhere is redacted after it (see repeats.ts), so the message of an
 * error thrown before would print that value in clear, on stderr and in the security events.
 */
export function withoutValuesInPaths(err: unknown, body: JsonValue): unknown {
  if (!(err instanceof LogveilError)) return err;
  const paths = err.message.match(PATH_IN_MESSAGE);
  if (!paths) return err;
  const texts = [...new Set(leaves(body))];
  const values = texts.filter((v) => v.length >= MIN_REPEATED_VALUE).flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]);
  let message = err.message;
  for (const path of paths) {
    const readings = [path, ...decodedForms(path)];
    // A key that holds a value, or that a value holds: a password found inside a text elsewhere
    // (`login password=<it>`) is redacted in a key that is just it.
    const keys = pathKeys(path).filter((k) => k.length >= MIN_REPEATED_VALUE);
    if (values.some((v) => readings.some((r) => r.includes(v))) || keys.some((k) => texts.some((t) => t.includes(k)))) message = message.replace(path, 'a field whose key holds a value of the record');
  }
  if (message === err.message) return err;
  const Kind = err.constructor as new (code: string, message: string) => LogveilError;
  return new Kind(err.code, message);
}

/** The keys a field's path names (`$.a["b c"]{key}[2]`: a, b c). */
function pathKeys(path: string): string[] {
  const out: string[] = [];
  for (const m of path.matchAll(/\.([A-Za-z_$][\w$-]*)|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else {
      try {
        out.push(JSON.parse(m[2] as string) as string);
      } catch {
        out.push(m[2] as string);
      }
    }
  }
  return out;
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
  // An OTLP AnyValue's bytes hide a value from the count below: the search reads them decoded.
  if (source.includes('"bytesValue"') || source.includes('"bytes_value"')) return true;
  // The text as its other readings spell it too (`%21` decoded, `5.36274189E8` as its digits); and
  // what its base64 and hex runs spell, whose values add to those the text holds as written.
  const texts = hasReadings(source) ? [source, ...readings(source).map((v) => v.text)] : [source];
  const encoded = mayHoldEncodedText(source) ? encodedTextsIn(source).map((e) => e.text) : [];
  const count = (text: string, value: string, most: number): number => {
    let n = 0;
    for (let at = text.indexOf(value); at !== -1 && n <= most; at = text.indexOf(value, at + 1)) n++;
    return n;
  };
  for (const [value, by] of redacted) {
    if (value.length < MIN_REPEATED_VALUE) continue;
    const inEncoded = encoded.reduce((n, text) => n + count(text, value, by.count), 0);
    for (const text of texts) if (count(text, value, by.count) + inEncoded > by.count) return true;
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

/** Keys that name the value beside them, and those that hold it (see {@link namedValue}; text is read so too, see embedded.ts). */
export const NAME_KEYS: ReadonlySet<string> = new Set(NAMES);
export const VALUE_KEYS: ReadonlySet<string> = new Set(VALUES);

/**
 * Of an object that holds a name and a value (`{"name":"DB_PASSWORD","value":"..."}` of a
 * Kubernetes env list, `{"key":"token","value":{"stringValue":"..."}}` of an OTLP attribute,
 * `{"Key":...,"Value":...}` of AWS tags), other members beside them or not (a HAR header's
 * `comment`, a GitLab CI variable's `masked`, a CodeBuild variable's `type`): the members holding
 * the value (an audit event's `oldValue` and `newValue` both), and the name (the first name member
 * holding a string), which key rules and detectors read as the values' key.
 */
export function namedValue(v: Readonly<Record<string, JsonValue>>, keys: readonly string[]): { members: readonly string[]; name: string } | undefined {
  if (keys.length < 2) return undefined;
  const members = keys.filter((k) => VALUE_KEYS.has(k));
  if (members.length === 0) return undefined;
  const nameKey = keys.find((k) => NAME_KEYS.has(k) && typeof v[k] === 'string');
  return nameKey === undefined ? undefined : { members, name: v[nameKey] as string };
}

/**
 * The key rule a member's value answers to: its key's, unless the member holds the value of a
 * name-value object (`asNamed`, see {@link namedValue}) whose name a `redact` rule selects and the
 * key does not: a name redacts, it never makes a value skipped. A name that is a path (an SSM
 * parameter's `/prod/vendor/api_key`, a Vault path) answers as its last part does too. `byName`:
 * the name decided.
 */
export function memberDecision(rules: KeyRules, key: string, asNamed: string | undefined, holding?: readonly KeyRules[]): { decision: KeyDecision; byName: boolean } {
  const own = holding === undefined ? rules.decide(key) : rules.decideIn(key, holding);
  if (asNamed === undefined || own.mode === 'redact') return { decision: own, byName: false };
  let named = rules.decide(asNamed);
  const slash = asNamed.lastIndexOf('/');
  if (named.mode !== 'redact' && slash !== -1 && slash < asNamed.length - 1) named = rules.decide(asNamed.slice(slash + 1));
  return named.mode === 'redact' ? { decision: named, byName: true } : { decision: own, byName: false };
}

/**
 * What another program wrote in place of a value it hid (Rails' `[FILTERED]`, GitHub's `***`,
 * Ansible's no_log text, Terraform's `(sensitive value)`, CloudTrail's HIDDEN_DUE_TO_SECURITY_REASONS,
 * a redactor's `<redacted>`), or a
 * reference to one (`${DB_PASSWORD}`, `{{ vault_db_password }}`, without a default written in it),
 * or what stands for no value at all (JavaScript's `undefined` as a string, a format's `%s` left
 * unfilled): no value to redact, and a finding for it would count a secret that is not there.
 */
const MASKED =
  /^(?:\[(?:FILTERED|REDACTED|MASKED|HIDDEN|PROTECTED|SENSITIVE|REMOVED)\]|<(?:redacted|hidden|masked|filtered|sensitive|secret|removed)>|\*{3,}|REDACTED|VALUE_SPECIFIED_IN_NO_LOG_PARAMETER|NOT_LOGGING_PASSWORD|HIDDEN_DUE_TO_SECURITY_REASONS|\(sensitive(?: value)?\)|\$\{[A-Za-z_][\w.]*\}|\{\{\s*[\w.]+\s*\}\}|undefined|%[sv]|%\(\w+\)s)$/i;

/**
 * True when `rule` takes `value`: a rule with `strings` takes a string only (see
 * KeyRuleSpec.strings), and one with `matching` a string or a number its regex matches
 * (KeyRuleSpec.matching). No rule takes a mask or a reference another program wrote (see
 * {@link MASKED}): the detectors read it as any other value.
 */
export function takes(rule: KeyRuleSpec, value: JsonValue | undefined): boolean {
  if (typeof value === 'string' && MASKED.test(value)) return false;
  // A list of strings (a header's values: Go's map of them, OpenTelemetry's array attribute) is
  // taken whole where one of its strings is.
  const items = stringItems(value);
  if (items) return items.some((item) => takes(rule, item));
  if (rule.matching !== undefined) return (typeof value === 'string' || typeof value === 'number') && matcher(rule.matching).test(String(value));
  if (rule.unlessMembers !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const members = Object.keys(value);
    if (members.length > 0 && members.every((k) => (rule.unlessMembers as string[]).includes(k.toLowerCase()))) return false;
  }
  return rule.strings !== true || typeof value === 'string';
}

/** The strings of a list that holds strings only, plain (`["Bearer ..."]`) or as an OTLP ArrayValue (`{"values":[{"stringValue":"..."}]}`, in its AnyValue or not); undefined for anything else. */
function stringItems(value: JsonValue | undefined): string[] | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1) {
    const array = value['arrayValue'] ?? value['array_value'];
    if (array !== undefined) return stringItems(array);
  }
  const list = Array.isArray(value) ? value : value !== null && typeof value === 'object' && Object.keys(value).length === 1 && Array.isArray(value['values']) ? value['values'] : undefined;
  if (!list || list.length === 0) return undefined;
  const out: string[] = [];
  for (const item of list) {
    const text = typeof item === 'string' ? item : item !== null && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length === 1 ? (item['stringValue'] ?? item['string_value']) : undefined;
    if (typeof text !== 'string') return undefined;
    out.push(text);
  }
  return out;
}

const MATCHERS = new Map<string, RE2>();

function matcher(source: string): RE2 {
  let re = MATCHERS.get(source);
  if (!re) MATCHERS.set(source, (re = new RE2(source, 'u')));
  return re;
}
