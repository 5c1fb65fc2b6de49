/**
 * The items of an argument vector or a list that key rules read by the items around them: an
 * option's value (`["--password","..."]`), a header's value in a list of names and values, a
 * client's password given as one argument (`["mysql","-pX"]`, `["sshpass","-p","X"]`, `curl -u
 * user:X`, `htpasswd -b file user X`), the password of a Redis `AUTH` command, and the values of
 * a map written as its entries (`[["password","..."]]`).
 */
import type { KeyRules } from '../detect/key-rules.js';
import type { KeyRuleSpec } from '../detect/pack.js';
import type { JsonValue } from '../record.js';
import { takes } from './members.js';

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
