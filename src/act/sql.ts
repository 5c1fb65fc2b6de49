/**
 * Key rules in SQL. A statement logged with its literals (a trace's `db.statement`, a database's
 * statement log, an ORM's debug line) names each value by its column, as JSON names a value by
 * its key:
 *
 * - `INSERT INTO users (name, password) VALUES ('bob', 'S3cr3t'), (...)`: by position;
 * - `UPDATE users SET password = 'S3cr3t'`, `WHERE api_key = 'x'`, `first_name IN ('a', 'b')`,
 *   `last_name LIKE 'Sm%'`: by the column before the comparison.
 *
 * A `redact` key rule for the column's name takes the value, string or number (a rule that takes
 * strings only leaves a number), as it would under a JSON key of that name. A statement that binds
 * its values (`VALUES (?, ?)`, `WHERE dob = $2`) names them by their place: the parameters an ORM
 * or driver logs beside it, in a member of the same object (`{"sql":...,"bindings":[...]}`, see
 * {@link boundParameters}) or in the text around it (TypeORM's, Entity Framework Core's and
 * Laravel's logs, see sql-logged.ts), are taken by their column's rule too. How statements and
 * their literals are read (quoted and qualified identifiers, a tuple that cannot be read) is told
 * in sql-statement.ts.
 */
import { containerEnd } from '../codecs/json-text.js';
import type { KeyRules } from '../detect/key-rules.js';
import type { KeyRuleSpec } from '../detect/pack.js';
import type { JsonValue } from '../record.js';
import { takes } from './members.js';
import { loggedParameters } from './sql-logged.js';
import { arrayItems, eachRow, eachValue, HINT, placeholderColumns, type Literal } from './sql-statement.js';

/** A value a key rule takes in SQL text: where it is written (inside its quotes), and the rule. */
export interface SqlValue {
  start: number;
  end: number;
  rule: KeyRuleSpec;
  /** The key pattern that matched (`password`). */
  pattern: string;
  /** The value as SQL reads it, when that is not the text as written (`O''Brien` is `O'Brien`). */
  value?: string;
}

/** The values a `redact` key rule takes in `text`, in order of their place in it (they may overlap none). */
export function sqlValues(text: string, rules: KeyRules): SqlValue[] {
  if (rules.empty || !(HINT.test(text) || text.includes('[Parameters=['))) return [];
  const out: SqlValue[] = [];
  const take = (column: string, lit: Literal): void => {
    if (lit.value === undefined) return;
    const decision = rules.decide(column);
    if (decision?.mode !== 'redact' || !decision.rule || !takes(decision.rule, lit.value)) return;
    const written = text.slice(lit.start, lit.end);
    out.push({ start: lit.start, end: lit.end, rule: decision.rule, pattern: decision.pattern ?? column, ...(typeof lit.value === 'string' && lit.value !== written ? { value: lit.value } : {}) });
  };
  eachValue(text, take);
  eachSetting(text, take);
  loggedParameters(text, take);
  return disjoint(out);
}

/** The columns of a settings table that name a row's value (Magento's core_config_data names it by its path), and those that hold it. */
const NAME_COLUMNS = new Set(['name', 'key', 'path', 'setting', 'setting_name', 'setting_key', 'config_key', 'config_name', 'option_name', 'option_key', 'param', 'parameter', 'param_name', 'property', 'property_name', 'variable', 'var_name']);
const VALUE_COLUMNS = new Set(['value', 'val', 'setting_value', 'config_value', 'option_value', 'param_value', 'property_value', 'var_value', 'data']);

/**
 * Each value of a settings table with the name its row gives it, as a column's name would: a row
 * inserted as `(name, value) VALUES ('smtp_password', '...')`, or set as `SET value = '...' WHERE
 * name = 'smtp_password'` (a statement that compares one name only).
 */
function eachSetting(text: string, visit: (column: string, lit: Literal) => void): void {
  eachRow(text, (names, items) => {
    const lower = names.map((c) => c.toLowerCase());
    const named = items[lower.findIndex((c) => NAME_COLUMNS.has(c))]?.value;
    const held = items[lower.findIndex((c) => VALUE_COLUMNS.has(c))];
    if (typeof named === 'string' && held) visit(named, held);
  });
  // One statement a line: a name compared on one line says nothing of a value set on another.
  let offset = 0;
  for (const line of text.split('\n')) {
    const at = offset;
    offset += line.length + 1;
    if (!/\bset\b/i.test(line)) continue;
    const names: string[] = [];
    const values: Literal[] = [];
    eachValue(line, (column, lit) => {
      const lower = column.toLowerCase();
      if (NAME_COLUMNS.has(lower) && typeof lit.value === 'string') names.push(lit.value);
      else if (VALUE_COLUMNS.has(lower)) values.push(lit);
    });
    if (names.length === 1) for (const lit of values) visit(names[0] as string, { ...lit, start: lit.start + at, end: lit.end + at, next: lit.next + at });
  }
}

/**
 * The names of a member that holds a statement's bind parameters beside it, in an ORM's or a
 * driver's log record (knex's `bindings`, Sequelize's `bind`, node-postgres' `values`).
 */
const PARAMETER_KEYS = new Set(['params', 'parameters', 'bindings', 'binds', 'bind', 'args', 'arguments', 'values', 'bindvalues', 'bind_values', 'bindparams', 'bind_params', 'queryparams', 'query_params', 'replacements']);

/** A bind parameter a `redact` key rule takes, by its column: the rule, its key pattern, and why (for explain). */
export interface BoundParameter {
  rule: KeyRuleSpec;
  pattern: string;
  why: string;
}

/**
 * The bind parameters that `redact` key rules take in an object holding a statement and its
 * parameters side by side (`{"sql":"insert into users (name, dob) values (?, ?)","bindings":
 * ["Ann Lee","1984-03-17"]}`): the member that holds them, and by position the rule of each one's
 * column. Undefined when there is none.
 */
export function boundParameters(rules: KeyRules, object: Readonly<Record<string, JsonValue>>, keys: readonly string[]): { key: string; items: ReadonlyMap<number, BoundParameter> } | undefined {
  if (rules.empty) return undefined;
  let params: JsonValue[] | undefined;
  const key = keys.find((k) => PARAMETER_KEYS.has(k.toLowerCase()) && (params = parameterArray(object[k] as JsonValue)) !== undefined);
  if (key === undefined || params === undefined) return undefined;
  const items = new Map<number, BoundParameter>();
  for (const k of keys) {
    const statement = object[k];
    if (typeof statement !== 'string' || !HINT.test(statement)) continue;
    for (const [i, column] of placeholderColumns(statement)) {
      const item = params[i];
      const decision = rules.decide(column);
      if (item === undefined || items.has(i) || decision.mode !== 'redact' || !decision.rule || !takes(decision.rule, item)) continue;
      items.set(i, { rule: decision.rule, pattern: decision.pattern ?? column, why: `the bind parameter of column "${column}" is redacted whole` });
    }
  }
  return items.size > 0 ? { key, items } : undefined;
}

/**
 * The parameters a member holds: an array, or a string that holds one as JSON (Prisma's query
 * event gives its `params` so: `"[\"ann@example.com\",\"S3cr3t!\"]"`).
 */
function parameterArray(value: JsonValue): JsonValue[] | undefined {
  if (Array.isArray(value)) return value;
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return Array.isArray(parsed) ? (parsed as JsonValue[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The items `items` names (see {@link boundParameters}) of the JSON array string `text` holds,
 * each as the rule of its column takes it: where it is written in `text` (a string's content
 * inside its quotes, an array or an object whole), and its value where JSON reads it otherwise.
 */
export function boundTextValues(text: string, items: ReadonlyMap<number, BoundParameter>): SqlValue[] {
  const open = text.indexOf('[');
  const end = containerEnd(text, open);
  if (open === -1 || end !== text.trimEnd().length) return [];
  return arrayItems(text, open, end).flatMap((lit, i) => {
    const p = items.get(i);
    const written = text.slice(lit.start, lit.end);
    // An array or an object is taken whole, as in an array of parameters.
    if (!p || (lit.value === undefined && !/^[[{]/.test(written))) return [];
    return [{ start: lit.start, end: lit.end, rule: p.rule, pattern: p.pattern, ...(typeof lit.value === 'string' && lit.value !== written ? { value: lit.value } : {}) }];
  });
}

/** The spans in order, each one that overlaps an earlier one left out. */
function disjoint(values: SqlValue[]): SqlValue[] {
  values.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: SqlValue[] = [];
  for (const v of values) if (out.length === 0 || v.start >= (out[out.length - 1] as SqlValue).end) out.push(v);
  return out;
}
