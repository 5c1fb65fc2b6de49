/** JSON values as the redaction walk builds and reads them. */
import RE2 from 're2';
import { hasEscapes } from '../detect/escapes.js';
import { NAMES, VALUES } from '../detect/in-key.js';
import { mayHideNumber } from '../detect/numbers.js';
import { readings } from '../detect/readings.js';
import { decodedForms, MIN_REPEATED_VALUE, repeatsIn, SEARCH_BUDGET, ValueSet } from '../detect/repeats.js';
import type { CompiledPolicy } from '../detect/compile.js';
import type { KeyDecision, KeyRules } from '../detect/key-rules.js';
import type { KeyRuleSpec } from '../detect/pack.js';
import type { JsonValue } from '../record.js';

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
 * key does not: a name redacts, it never makes a value skipped. `byName`: the name decided.
 */
export function memberDecision(rules: KeyRules, key: string, asNamed: string | undefined, holding?: readonly KeyRules[]): { decision: KeyDecision; byName: boolean } {
  const own = holding === undefined ? rules.decide(key) : rules.decideIn(key, holding);
  if (asNamed === undefined || own.mode === 'redact') return { decision: own, byName: false };
  const named = rules.decide(asNamed);
  return named.mode === 'redact' ? { decision: named, byName: true } : { decision: own, byName: false };
}

/**
 * What another program wrote in place of a value it hid (Rails' `[FILTERED]`, GitHub's `***`,
 * Ansible's no_log text, Terraform's `(sensitive value)`, a redactor's `<redacted>`), or a
 * reference to one (`${DB_PASSWORD}`, `{{ vault_db_password }}`, without a default written in it):
 * no value to redact, and a finding for it would count a secret that is not there.
 */
const MASKED =
  /^(?:\[(?:FILTERED|REDACTED|MASKED|HIDDEN|PROTECTED|SENSITIVE|REMOVED)\]|<(?:redacted|hidden|masked|filtered|sensitive|secret|removed)>|\*{3,}|REDACTED|VALUE_SPECIFIED_IN_NO_LOG_PARAMETER|NOT_LOGGING_PASSWORD|\(sensitive(?: value)?\)|\$\{[A-Za-z_][\w.]*\}|\{\{\s*[\w.]+\s*\}\})$/i;

/**
 * True when `rule` takes `value`: a rule with `strings` takes a string only (see
 * KeyRuleSpec.strings), and one with `matching` a string or a number its regex matches
 * (KeyRuleSpec.matching). No rule takes a mask or a reference another program wrote (see
 * {@link MASKED}): the detectors read it as any other value.
 */
export function takes(rule: KeyRuleSpec, value: JsonValue | undefined): boolean {
  if (typeof value === 'string' && MASKED.test(value)) return false;
  if (rule.matching !== undefined) return (typeof value === 'string' || typeof value === 'number') && matcher(rule.matching).test(String(value));
  if (rule.unlessMembers !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const members = Object.keys(value);
    if (members.length > 0 && members.every((k) => (rule.unlessMembers as string[]).includes(k.toLowerCase()))) return false;
  }
  return rule.strings !== true || typeof value === 'string';
}

const MATCHERS = new Map<string, RE2>();

function matcher(source: string): RE2 {
  let re = MATCHERS.get(source);
  if (!re) MATCHERS.set(source, (re = new RE2(source, 'u')));
  return re;
}

/**
 * The `redact` rule a command-line option (`--password`, `-storepass`, not `--password=...`)
 * selects by its name without the dashes, for the item after it in an array of arguments
 * (`"args":["--password","..."]` of a container spec or `docker inspect`).
 */
export function optionRule(rules: KeyRules, item: JsonValue): { rule: KeyRuleSpec; pattern: string } | undefined {
  if (typeof item !== 'string' || !OPTION.test(item)) return undefined;
  const name = item.replace(/^--?/, '');
  const decision = rules.decide(name);
  return decision.mode === 'redact' && decision.rule ? { rule: decision.rule, pattern: decision.pattern ?? name } : undefined;
}

const OPTION = /^--?[A-Za-z][\w.-]*$/;

/**
 * The `redact` rule that the item before `i` in `items` selects: an option (see
 * {@link optionRule}), or the name of a header in a list of names and values, as Node's
 * `rawHeaders` and ASGI's header pairs write them (`["X-Api-Key","..."]`): the name at an even
 * place of a list of even length, spelled as a header is (`x-api-key`, `Authorization`), and the
 * item itself no header name a rule names (`["authorization","cookie"]` lists two names; a value
 * such as `Bearer MySuperSecret`, which the glob `*secret` takes, is still a value).
 */
export function itemRule(rules: KeyRules, items: readonly JsonValue[], i: number): { rule: KeyRuleSpec; pattern: string; why?: string } | undefined {
  const item = items[i];
  if (i === 0 || (typeof item !== 'string' && typeof item !== 'number')) return undefined;
  const why = i === authPasswordAt(items) ? 'the password of a Redis AUTH command is redacted whole' : clientPassword(items, i);
  if (why !== undefined) {
    const decision = rules.decide('password');
    if (decision.mode === 'redact' && decision.rule) return { rule: decision.rule, pattern: decision.pattern ?? 'password', why };
  }
  const before = items[i - 1] as JsonValue;
  const option = optionRule(rules, before);
  if (option || i % 2 === 0 || items.length % 2 !== 0 || typeof before !== 'string' || !HEADER.test(before)) return option && takes(option.rule, item) ? option : undefined;
  const decision = rules.decide(before);
  if (decision.mode !== 'redact' || !decision.rule || (typeof item === 'string' && HEADER.test(item) && namesKey(rules, item)) || !takes(decision.rule, item)) return undefined;
  return { rule: decision.rule, pattern: decision.pattern ?? before };
}

/**
 * The rules a list of entries selects for their values, by pair: `[key, value]` pairs, as
 * `Object.entries` or `[...map]` writes a map (`[["password","..."],["host","db"]]`), each string
 * value by the `redact` rule its key selects, as a member of an object with those members (a rule
 * with conditions holds as it would there: `[["grant_type","authorization_code"],["code","..."]]`).
 * Pairs of a key and a count or a flag (`[["password",120],["timeout",4]]`) are more often a
 * tally than a map, and are left to the detectors. Undefined when `items` is no such list (every
 * item a pair whose key is a string) or no key selects a rule.
 */
export function entryRules(rules: KeyRules, items: readonly JsonValue[]): Map<readonly JsonValue[], { rule: KeyRuleSpec; pattern: string; why: string }> | undefined {
  if (rules.empty || items.length === 0 || !items.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string')) return undefined;
  const pairs = items as unknown as ReadonlyArray<readonly [string, JsonValue]>;
  const keys = pairs.map(([key]) => key);
  const holding = rules.holdingIn(Object.fromEntries(pairs), keys);
  let out: Map<readonly JsonValue[], { rule: KeyRuleSpec; pattern: string; why: string }> | undefined;
  for (const pair of pairs) {
    const [key, value] = pair;
    const decision = rules.decideIn(key, holding);
    if (decision.mode !== 'redact' || !decision.rule || typeof value !== 'string' || namesKey(rules, value) || !takes(decision.rule, value)) continue;
    (out ??= new Map()).set(pair, { rule: decision.rule, pattern: decision.pattern ?? key, why: `the value of an entry under "${key}" is redacted whole` });
  }
  return out;
}

/**
 * True when `value` is itself a key a `redact` rule names as it is written (`token` in
 * `["password","token"]`, a pair of two field names), not one a glob takes (`MySuperSecret` ends
 * in `secret` and is a value).
 */
export function namesKey(rules: KeyRules, value: string): boolean {
  const decision = rules.decide(value);
  return decision.mode === 'redact' && decision.pattern !== undefined && !decision.pattern.includes('*');
}

/**
 * Where a Redis command given as a list of its arguments holds its password, by the name the
 * `password` key rule has: the last of `AUTH [user] password`, alone (`["AUTH","default","..."]`)
 * or in `HELLO 3 AUTH user password`; -1 for another list. Clients name commands in capitals, and
 * a list of words in small letters is often something else (`["auth","db","cache"]`).
 */
function authPasswordAt(items: readonly JsonValue[]): number {
  const first = items[0];
  if (first === 'AUTH') return items.length === 2 || items.length === 3 ? items.length - 1 : -1;
  if (first !== 'HELLO') return -1;
  const at = items.indexOf('AUTH');
  return at > 0 && at + 2 < items.length ? at + 2 : -1;
}

/**
 * Why `items[i]` is a client's password given as an argument, after the client's name (or its
 * path) in the same list, or undefined:
 * - a MySQL or MariaDB client's `-p` with its value (`["mysql","-u","app","-pS3cret","shop"]`, a
 *   container's command); the client reads `-p` alone as "ask for it";
 * - sshpass's `-p`, with the value in the next item or on it (`["sshpass","-p","S3cret","ssh",...]`),
 *   among its options, before the command it runs (whose own `-p` is a port);
 * - curl's `-u`, `--user`, `-U` or `--proxy-user` followed by `user:password` (the item whole);
 * - redis-cli's (valkey-cli's) `-a` or `--pass` with the value in the next item
 *   (`["redis-cli","-h","cache","-a","S3cret","ping"]`);
 * - htpasswd's password given on the command line with `-b`: after the file and the user, or
 *   after the user alone with `-n` (`["htpasswd","-b","/etc/nginx/.htpasswd","ops","S3cret"]`).
 */
function clientPassword(items: readonly JsonValue[], i: number): string | undefined {
  const item = items[i];
  if (typeof item !== 'string') return undefined;
  const before = items[i - 1];
  if (/^-p[^\s]/.test(item) && namedBefore(items, i, MYSQL_CLIENT)) return "a MySQL client's -p argument is redacted whole";
  // Only an item after -p or on it can be sshpass's password: the list is walked for those alone.
  if ((before === '-p' || /^-p./.test(item)) && i === sshpassPasswordAt(items)) return "sshpass's -p argument is redacted whole";
  if (typeof before === 'string' && CURL_USER.test(before) && /^[^:]*:./.test(item) && namedBefore(items, i - 1, CURL)) return "curl's user:password argument is redacted whole";
  if ((before === '-a' || before === '--pass') && namedBefore(items, i - 1, REDIS_CLI)) return "redis-cli's -a argument is redacted whole";
  if (i === htpasswdPasswordAt(items)) return "htpasswd's -b password argument is redacted whole";
  return undefined;
}

/**
 * Where htpasswd's password stands in `items` when `-b` gives it on the command line: after its
 * options, the password file (none with `-n`) and the user; -1 for none.
 */
function htpasswdPasswordAt(items: readonly JsonValue[]): number {
  // Asked of each item of a list: worked out once per list (a list of 30,000 items was read
  // 30,000 times over).
  let at = HTPASSWD_AT.get(items);
  if (at === undefined) HTPASSWD_AT.set(items, (at = htpasswdPasswordOf(items)));
  return at;
}

const HTPASSWD_AT = new WeakMap<readonly JsonValue[], number>();

function htpasswdPasswordOf(items: readonly JsonValue[]): number {
  const k = items.findIndex((x) => typeof x === 'string' && HTPASSWD.test(x));
  if (k < 0) return -1;
  let j = k + 1;
  let flags = '';
  for (; j < items.length; j++) {
    const x = items[j];
    if (typeof x !== 'string') return -1;
    if (!/^-[a-zA-Z]+$/.test(x)) break;
    flags += x.slice(1);
    // -C takes the bcrypt cost, -r the rounds of SHA.
    if (/[Cr]$/.test(x)) j++;
  }
  if (!flags.includes('b')) return -1;
  const at = j + (flags.includes('n') ? 1 : 2);
  return at < items.length ? at : -1;
}

/**
 * Where sshpass's password stands in `items`: after its `-p` or on it (`-pS3cret`), among the
 * options between sshpass and the command it runs (`-f`, `-d` and `-P` take a value); -1 for none.
 */
function sshpassPasswordAt(items: readonly JsonValue[]): number {
  const k = items.findIndex((x) => typeof x === 'string' && SSHPASS.test(x));
  if (k < 0) return -1;
  for (let j = k + 1; j < items.length; j++) {
    const x = items[j];
    if (typeof x !== 'string' || !x.startsWith('-')) return -1;
    if (x === '-p') return j + 1 < items.length ? j + 1 : -1;
    if (/^-p./.test(x)) return j;
    if (/^-[fdP]$/.test(x)) j++;
  }
  return -1;
}

/** True when an item before `i` names a program `name` matches. */
function namedBefore(items: readonly JsonValue[], i: number, name: RegExp): boolean {
  for (let k = 0; k < i; k++) {
    const x = items[k];
    if (typeof x === 'string' && name.test(x)) return true;
  }
  return false;
}

/** The clients by their names or paths (the line prefilter looks for them, CLIENT_LINE in line-filter.ts). */
const MYSQL_CLIENT = /(?:^|[\\/])(?:mysql(?:dump|admin|import|sh|check|pump|slap|binlog)?|mariadb(?:-?(?:dump|admin|import|check|slap|binlog))?)(?:\.exe)?$/i;
const SSHPASS = /(?:^|\/)sshpass$/;
const CURL = /(?:^|[\\/])curl(?:\.exe)?$/i;
const CURL_USER = /^(?:-u|--user|-U|--proxy-user)$/;
const REDIS_CLI = /(?:^|[\\/])(?:redis|valkey)-cli(?:\.exe)?$/i;
const HTPASSWD = /(?:^|[\\/])htpasswd(?:\.exe)?$/i;

const HEADER = /^(?:[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+|[Aa]uthorization|AUTHORIZATION|[Cc]ookie|COOKIE)$/;

/** The member of an OTLP `AnyValue` holding a scalar (`{"stringValue":"..."}`, `{"string_value":"..."}`), or undefined. */
export function anyValueMember(v: JsonValue): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const keys = Object.keys(v);
  const only = keys[0];
  if (keys.length !== 1 || only === undefined || !ANY_VALUE_MEMBER.test(only)) return undefined;
  const inner = v[only];
  return inner === null || typeof inner !== 'object' ? only : undefined;
}

/** True when `v` is an OTLP `AnyValue` that holds a list or a map (`{"arrayValue":{...}}`, `{"kvlistValue":{...}}`). */
export function anyValueContainer(v: JsonValue): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'arrayValue' || keys[0] === 'kvlistValue' || keys[0] === 'array_value' || keys[0] === 'kvlist_value');
}

/** The name of an OTLP `AnyValue`'s one member (the line prefilter looks for it before an item, see line-filter.ts). */
const ANY_VALUE_MEMBER = /^[a-z]+(?:Value|_value)$/;

/**
 * The items of an OTLP `arrayValue` as a plain array holds them
 * (`[{"stringValue":"--db-password"},{"stringValue":"..."}]` reads as `["--db-password","..."]`),
 * for the rules that read an item by the items around it (see {@link itemRule}): a command line
 * in the `process.command_args` resource attribute, a Redis command, a list of header names and
 * values. Each item is the scalar its AnyValue holds, or null for one that holds a list, a map or
 * nothing. Undefined when some item is no AnyValue, or the list has fewer than two.
 */
export function anyValueItems(items: readonly JsonValue[]): JsonValue[] | undefined {
  if (items.length < 2) return undefined;
  const plain: JsonValue[] = [];
  for (const item of items) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined;
    const keys = Object.keys(item);
    if (keys.length > 1 || (keys.length === 1 && !ANY_VALUE_MEMBER.test(keys[0] as string))) return undefined;
    const member = anyValueMember(item);
    plain.push(member === undefined ? null : (item[member] as JsonValue));
  }
  return plain;
}

/**
 * The name an OTLP `kvlistValue` gives its value when its entries make a name-value object (see
 * {@link namedValue}). An environment list written as an array of kvlists holds such entries:
 * `[{"key":"name","value":{"stringValue":"DB_PASSWORD"}},{"key":"value","value":{"stringValue":"..."}}]`
 * reads as `{"name":"DB_PASSWORD","value":"..."}`. Gives the entries holding the value, by their
 * place in `items`, and the name, which key rules read as the key of what those entries hold.
 * Undefined when some item is no entry (a string `key`, a `value` or none, nothing else) or the
 * entries name no value.
 */
export function kvlistName(items: readonly JsonValue[]): { entries: readonly number[]; name: string } | undefined {
  if (items.length < 2) return undefined;
  const object: Record<string, JsonValue> = {};
  for (const item of items) {
    if (item === null || typeof item !== 'object' || Array.isArray(item) || typeof item.key !== 'string') return undefined;
    if (Object.keys(item).some((k) => k !== 'key' && k !== 'value')) return undefined;
    const held = item.value === undefined ? undefined : anyValueMember(item.value);
    setMember(object, item.key, held === undefined ? null : ((item.value as Record<string, JsonValue>)[held] as JsonValue));
  }
  const named = namedValue(object, Object.keys(object));
  if (named === undefined) return undefined;
  const entries: number[] = [];
  items.forEach((item, i) => {
    if (named.members.includes((item as Record<string, JsonValue>).key as string)) entries.push(i);
  });
  return { entries, name: named.name };
}
