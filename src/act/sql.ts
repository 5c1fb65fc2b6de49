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
 * strings only leaves a number), as it would under a JSON key of that name. A tuple whose values
 * cannot all be read (an expression, a subquery) is left to the detectors: its positions are not
 * known. Identifiers may be quoted ("col", `col`, [col]) and qualified (u.password); the last part
 * names the column.
 */
import type { KeyRules } from '../detect/key-rules.js';
import type { KeyRuleSpec } from '../detect/pack.js';
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
const COMPARISON = new RegExp(String.raw`(?<![\w$])(${QUALIFIED})\s*(?:=|<>|!=|\s(?:i?like|in)\s*)\s*(?=[-+\d(NnEe']|\.\d)`, 'gi');
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
  for (const m of text.matchAll(INSERT)) {
    const columns = columnList(text, m.index + m[0].length);
    if (!columns) continue;
    let at = skip(text, columns.next);
    if (text.slice(at, at + 6).toLowerCase() !== 'values') continue;
    at = skip(text, at + 6);
    while (text[at] === '(') {
      const tuple = literalList(text, at + 1);
      if (!tuple) break;
      if (tuple.items.length === columns.names.length) tuple.items.forEach((lit, i) => take(columns.names[i] as string, lit));
      at = skip(text, tuple.next);
      if (text[at] !== ',') break;
      at = skip(text, at + 1);
    }
  }
  for (const m of text.matchAll(COMPARISON)) {
    const column = lastPart(m[1] as string);
    const at = m.index + m[0].length;
    if (text[at] === '(') {
      const list = literalList(text, at + 1);
      if (list) for (const lit of list.items) take(column, lit);
    } else {
      const lit = literal(text, at);
      if (lit) take(column, lit);
    }
  }
  return disjoint(out);
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
