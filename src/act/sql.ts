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
 * {@link boundParameters}) or after it in the text (TypeORM's `-- PARAMETERS: [...]`, Laravel's
 * array that ends the statement's line), or before it by name (Entity Framework Core's
 * `[Parameters=[@p0='...', ...]`, see efParameters), are taken by their column's rule too. A tuple whose values
 * cannot all be read (an expression, a subquery) is left to the detectors: its positions are not
 * known. Identifiers may be quoted ("col", `col`, [col]) and qualified (u.password); the last part
 * names the column.
 */
import { containerEnd, stringEnd } from '../codecs/json-splice.js';
import type { KeyRules } from '../detect/key-rules.js';
import type { KeyRuleSpec } from '../detect/pack.js';
import type { JsonValue } from '../record.js';
import { takes } from './members.js';

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

/** A quick test that `text` may hold a statement with values this module reads (the line prefilter's SQL_LINE in line-filter.ts holds more). */
const HINT = /\b(?:insert|set|where)\b/i;

const IDENT = String.raw`(?:[A-Za-z_][\w$]*|"[^"\n]{1,128}"|` + '`[^`\\n]{1,128}`' + String.raw`|\[[^\]\n]{1,128}\])`;
const QUALIFIED = String.raw`${IDENT}(?:\s*\.\s*${IDENT}){0,3}`;
const INSERT = new RegExp(String.raw`\binsert\s+(?:ignore\s+)?into\s+${QUALIFIED}\s*\(`, 'gi');
/**
 * A column, a comparison and what starts its operand (a literal, or the list of IN). A column
 * starts where a word does: tried inside a long run of word characters, the search would go back
 * over the run from each of its characters (quadratic time).
 */
const COMPARISON = new RegExp(String.raw`(?<![\w$])(${QUALIFIED})\s*(?:=|<>|!=|\s(?:i?like|in)\s*)\s*(?=[-+\d(NnEe'?$@]|\.\d)`, 'gi');
/** A literal: a string (N'', E'' prefixes; '' and \' inside) or a number. */
const STRING = /[NnEe]?'(?:[^'\\]|''|\\.)*'/y;
const NUMBER = /[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])/y;
/** A value read but not taken: NULL, a boolean, DEFAULT, a bind placeholder. */
const OTHER = /(?:null|true|false|default|\?|\$\d+|[:@][A-Za-z_]\w*)(?![\w$])/iy;
const SPACE = /\s*/y;
/** A column of an INSERT's list, and what follows it (a comma or the list's end). */
const COLUMN = new RegExp(String.raw`\s*(${QUALIFIED})\s*([,)])`, 'y');
const IDENTS = new RegExp(IDENT, 'g');

/** A literal read: where its content is written, and what it reads. */
interface Literal {
  start: number;
  end: number;
  /** The content as SQL reads it; undefined for a value that is none (NULL, a placeholder). */
  value?: string | number;
  /** Where reading stopped, past the literal. */
  next: number;
}

/** The values a `redact` key rule takes in `text`, in order of their place in it (they may overlap none). */
export function sqlValues(text: string, rules: KeyRules): SqlValue[] {
  if (rules.empty || !HINT.test(text)) return [];
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
  // Each statement is the line before its parameters, since the parameters before it: every part of the text is read once.
  let from = 0;
  for (const m of text.matchAll(LOGGED_PARAMETERS)) {
    if (m.index < from) continue;
    const open = m.index + m[0].length - 1;
    const end = containerEnd(text, open);
    if (end === undefined) break;
    const before = text.slice(from, m.index);
    const columns = placeholderColumns(before.slice(before.lastIndexOf('\n') + 1));
    from = end;
    arrayItems(text, open, end).forEach((lit, i) => {
      const column = columns.get(i);
      if (column !== undefined) take(column, lit);
    });
  }
  efParameters(text, take);
  trailingBindings(text, (line, open, end) => {
    const columns = placeholderColumns(line);
    arrayItems(text, open, end).forEach((lit, i) => {
      const column = columns.get(i);
      if (column !== undefined) take(column, lit);
    });
  });
  return disjoint(out);
}

/**
 * Entity Framework Core's command log with sensitive data logging on: the parameters' values
 * before the statement that names them (`Executed DbCommand (4ms) [Parameters=[@p0='...',
 * @p1='...' (Nullable = false) (Size = 4000)], ...]`, then `INSERT INTO [Users] ([Id],
 * [Password]) VALUES (@p0, @p1)` in the same message), each taken by the column its name stands
 * for in the statement after it (up to the next command's parameters). EF Core writes a value
 * between quotes as it is, a quote in it not doubled: a value ends at the quote its facets, then
 * the next parameter or the list's end, follow. A list (`{ 'a', 'b' }`) is passed over.
 */
function efParameters(text: string, take: (column: string, lit: Literal) => void): void {
  for (let at = text.indexOf(EF_PARAMETERS); at !== -1; ) {
    const items: Array<[string, Literal]> = [];
    let k = at + EF_PARAMETERS.length;
    for (;;) {
      EF_NAME.lastIndex = k;
      const name = EF_NAME.exec(text);
      if (!name) break;
      const value = k + name[0].length;
      const ended = efValueEnd(text, value);
      if (ended === undefined) break;
      if (text[value] === "'") {
        const written = text.slice(value + 1, ended.close);
        items.push([name[1] as string, { start: value + 1, end: ended.close, value: written, next: ended.close + 1 }]);
      }
      k = ended.next;
      if (text[k] !== ',') break;
      k = skip(text, k + 1);
    }
    const next = text.indexOf(EF_PARAMETERS, k);
    if (items.length > 0) {
      const columns = namedPlaceholderColumns(text.slice(k, next === -1 ? text.length : next));
      for (const [name, lit] of items) {
        const column = columns.get(name);
        // Without sensitive data logging, EF Core writes each value as '?'.
        if (column !== undefined && lit.value !== '?') take(column, lit);
      }
    }
    at = next;
  }
}

/**
 * Where the value EF Core wrote at `at` ends: for a quoted one or a list, its closing quote or
 * brace (`close`), the one after which its facets and then the next parameter or the list's end
 * stand; `next`, past its facets. A value of another form (NULL, a number) ends at its facets.
 */
function efValueEnd(text: string, at: number): { close: number; next: number } | undefined {
  const open = text[at];
  if (open === "'" || open === '{') {
    const closing = open === "'" ? "'" : '}';
    for (let close = text.indexOf(closing, at + 1), n = 0; close !== -1 && n < MAX_VALUE_CLOSES; close = text.indexOf(closing, close + 1), n++) {
      EF_AFTER.lastIndex = close + 1;
      const after = EF_AFTER.exec(text);
      if (after) return { close, next: close + 1 + (after[1] as string).length };
    }
    return undefined;
  }
  EF_BARE.lastIndex = at;
  const bare = EF_BARE.exec(text);
  if (!bare) return undefined;
  EF_AFTER.lastIndex = at + bare[0].length;
  const after = EF_AFTER.exec(text);
  return after ? { close: at + bare[0].length, next: at + bare[0].length + (after[1] as string).length } : undefined;
}

/** An OUTPUT clause, then where VALUES stands after it (within a few hundred characters). */
const OUTPUT = /^output\s/i;
const VALUES_AFTER = /[^;]{0,512}?\bvalues\b/iy;
const EF_PARAMETERS = '[Parameters=[';
/** A parameter's name and its `=` (`@p0=`, `@__email_0=`). */
const EF_NAME = /(@[A-Za-z_]\w{0,127})=/y;
/** What follows a value: its facets (` (Nullable = false) (Size = -1) (DbType = String)`, in group 1), then the next parameter or the list's end. */
const EF_AFTER = /((?: \([A-Za-z]{1,32} = -?[\w.]{1,64}\)){0,8})(?:, @[A-Za-z_]|\])/y;
/** A value written without quotes: NULL, a number. */
const EF_BARE = /[\w.+-]{1,64}/y;
/** Quotes (or braces) tried as a value's end, at most: a value may hold a quote. */
const MAX_VALUE_CLOSES = 64;

/** The column each named placeholder (`@p1`, `:email`) of `text`'s statements stands for. */
function namedPlaceholderColumns(text: string): Map<string, string> {
  const out = new Map<string, string>();
  eachValue(text, (column, lit) => {
    if (lit.value !== undefined) return;
    const written = text.slice(lit.start, lit.end);
    if ((written[0] === '@' || written[0] === ':') && !out.has(written)) out.set(written, column);
  });
  return out;
}

/** ` [` places tried as the start of a line's bindings array, at most: a string in them may hold ` [` too. */
const MAX_BINDING_STARTS = 16;

/**
 * Laravel's query log (a `DB::listen` handler, Telescope, `DB::getQueryLog()` printed): each line
 * a statement with `?` or `$1` placeholders, then its bindings as a JSON array that ends the line
 * (`select * from users where api_token = ? limit 1 ["..."]`). `visit` is given the statement's
 * text and where the array opens and ends in `text`. A line TypeORM wrote (`-- PARAMETERS:`) is
 * read as such, not here.
 */
function trailingBindings(text: string, visit: (statement: string, open: number, end: number) => void): void {
  for (let start = 0; start < text.length; ) {
    let stop = text.indexOf('\n', start);
    if (stop === -1) stop = text.length;
    const lineStart = start;
    start = stop + 1;
    let last = stop;
    while (last > lineStart && (text[last - 1] === ' ' || text[last - 1] === '\t' || text[last - 1] === '\r')) last--;
    if (text[last - 1] !== ']') continue;
    const line = text.slice(lineStart, last);
    const mark = PLACEHOLDER.exec(line);
    if (!mark || LOGGED_PARAMETERS_AT.test(line)) continue;
    for (let at = line.indexOf(' [', mark.index), n = 0; at !== -1 && n < MAX_BINDING_STARTS; at = line.indexOf(' [', at + 1), n++) {
      if (containerEnd(line, at + 1) === line.length) {
        visit(line.slice(0, at), lineStart + at + 1, last);
        break;
      }
    }
  }
}

/** A bind placeholder: `?` or `$1`. */
const PLACEHOLDER = /\?|\$\d/;
const LOGGED_PARAMETERS_AT = /--\s*PARAMETERS:/i;

/** Each row of `text`'s INSERTs whose literals can all be read, one for each column named, with the column names. */
function eachRow(text: string, visit: (names: readonly string[], items: readonly Literal[]) => void): void {
  for (const m of text.matchAll(INSERT)) {
    const columns = columnList(text, m.index + m[0].length);
    if (!columns) continue;
    let at = skip(text, columns.next);
    // SQL Server's OUTPUT clause between the columns and their values (EF Core: OUTPUT INSERTED.[Id]).
    if (OUTPUT.test(text.slice(at, at + 7))) {
      VALUES_AFTER.lastIndex = at;
      if (!VALUES_AFTER.exec(text)) continue;
      at = VALUES_AFTER.lastIndex - 6;
    }
    if (text.slice(at, at + 6).toLowerCase() !== 'values') continue;
    at = skip(text, at + 6);
    while (text[at] === '(') {
      const tuple = literalList(text, at + 1);
      if (!tuple) break;
      if (tuple.items.length === columns.names.length) visit(columns.names, tuple.items);
      at = skip(text, tuple.next);
      if (text[at] !== ',') break;
      at = skip(text, at + 1);
    }
  }
}

/** Each value of `text`'s statements with its column: an INSERT's by position, a comparison's by the column before it. */
function eachValue(text: string, visit: (column: string, lit: Literal) => void): void {
  eachRow(text, (names, items) => items.forEach((lit, i) => visit(names[i] as string, lit)));
  for (const m of text.matchAll(COMPARISON)) {
    const column = lastPart(m[1] as string);
    const at = m.index + m[0].length;
    if (text[at] === '(') {
      const list = literalList(text, at + 1);
      if (list) for (const lit of list.items) visit(column, lit);
    } else {
      const lit = literal(text, at);
      if (lit) visit(column, lit);
    }
  }
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

/** TypeORM's query log: the statement, then its parameters as a JSON array (`-- PARAMETERS: ["Ann",42]`). */
const LOGGED_PARAMETERS = /--\s*PARAMETERS:\s*\[/gi;

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
  const key = keys.find((k) => Array.isArray(object[k]) && PARAMETER_KEYS.has(k.toLowerCase()));
  if (key === undefined) return undefined;
  const params = object[key] as JsonValue[];
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
 * The column of each bind parameter of `text`'s statements that stands where a value does, by the
 * parameter's place among them (from 0): `?` by its rank among the statement's question marks
 * outside strings, `$2` by its number. Named parameters (`:dob`, `@dob`) are bound by name, as a
 * key rule reads them.
 */
function placeholderColumns(text: string): Map<number, string> {
  const marks = questionMarks(text);
  const out = new Map<number, string>();
  eachValue(text, (column, lit) => {
    if (lit.value !== undefined) return;
    const written = text.slice(lit.start, lit.end);
    const i = written === '?' ? (marks.get(lit.start) ?? -1) : /^\$\d+$/.test(written) ? Number(written.slice(1)) - 1 : -1;
    if (i >= 0 && !out.has(i)) out.set(i, column);
  });
  return out;
}

/** The rank (from 0) of each `?` of `text` outside a quoted string or identifier, by where it stands. */
function questionMarks(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      const close = text.indexOf(c, i + 1);
      if (close === -1) break;
      i = close;
    } else if (c === '?') out.set(i, out.size);
  }
  return out;
}

/**
 * The items of the JSON array that opens at `open` and ends at `end` in `text`, as literals: a
 * string's content inside its quotes (read as JSON reads it), a number; any other item (null, an
 * object) as a value that is none.
 */
function arrayItems(text: string, open: number, end: number): Literal[] {
  const out: Literal[] = [];
  for (let i = skip(text, open + 1); i < end - 1; ) {
    const c = text[i];
    let next: number;
    let value: string | number | undefined;
    if (c === '"') {
      next = stringEnd(text, i);
      try {
        value = JSON.parse(text.slice(i, next)) as string;
      } catch {
        return out;
      }
      out.push({ start: i + 1, end: next - 1, value, next });
    } else {
      next = c === '{' || c === '[' ? (containerEnd(text, i) ?? end) : i + (/^[^,\]\s]*/.exec(text.slice(i, end))?.[0].length ?? 0);
      const written = text.slice(i, next);
      value = /^-?\d/.test(written) && Number.isFinite(Number(written)) ? Number(written) : undefined;
      out.push({ start: i, end: next, ...(value === undefined ? {} : { value }), next });
    }
    i = skip(text, next);
    if (text[i] !== ',') break;
    i = skip(text, i + 1);
  }
  return out;
}

/** The column names of an INSERT's list, which starts at `at` (past its parenthesis). */
function columnList(text: string, at: number): { names: string[]; next: number } | undefined {
  const names: string[] = [];
  for (;;) {
    COLUMN.lastIndex = at;
    const m = COLUMN.exec(text);
    if (!m) return undefined;
    names.push(lastPart(m[1] as string));
    at = COLUMN.lastIndex;
    if (m[2] === ')') return { names, next: at };
  }
}

/** The literals of a parenthesised list that starts at `at` (past its parenthesis); undefined where one is no literal. */
function literalList(text: string, at: number): { items: Literal[]; next: number } | undefined {
  const items: Literal[] = [];
  for (;;) {
    const lit = literal(text, skip(text, at));
    if (!lit) return undefined;
    items.push(lit);
    at = skip(text, lit.next);
    if (text[at] === ')') return { items, next: at + 1 };
    if (text[at] !== ',') return undefined;
    at += 1;
  }
}

/** The literal at `at`: a string, a number, or a value that is none; undefined for anything else. */
function literal(text: string, at: number): Literal | undefined {
  STRING.lastIndex = at;
  const s = STRING.exec(text);
  if (s) {
    const open = at + s[0].indexOf("'");
    const end = at + s[0].length - 1;
    const written = text.slice(open + 1, end);
    return { start: open + 1, end, value: written.replace(/''|\\(.)/g, (e, c: string | undefined) => c ?? "'"), next: at + s[0].length };
  }
  NUMBER.lastIndex = at;
  const n = NUMBER.exec(text);
  if (n) return { start: at, end: at + n[0].length, value: Number(n[0]), next: at + n[0].length };
  OTHER.lastIndex = at;
  const o = OTHER.exec(text);
  if (o) return { start: at, end: at + o[0].length, next: at + o[0].length };
  return undefined;
}

function skip(text: string, at: number): number {
  SPACE.lastIndex = at;
  SPACE.exec(text);
  return SPACE.lastIndex;
}

/** The last part of a qualified identifier, unquoted (`"u"."Password"` is `Password`). */
function lastPart(qualified: string): string {
  const parts = qualified.match(IDENTS) ?? [qualified];
  const last = parts[parts.length - 1] as string;
  return /^["`[]/.test(last) ? last.slice(1, -1) : last;
}

/** The spans in order, each one that overlaps an earlier one left out. */
function disjoint(values: SqlValue[]): SqlValue[] {
  values.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: SqlValue[] = [];
  for (const v of values) if (out.length === 0 || v.start >= (out[out.length - 1] as SqlValue).end) out.push(v);
  return out;
}
