/**
 * SQL statements read for the values they name by column, for the key rules of sql.ts: an
 * INSERT's rows, each literal by the place of its column in the list (an OUTPUT clause between
 * them passed over), and a comparison's literals (`=`, `<>`, `!=`, LIKE, IN) by the column before
 * it. A literal is a string (N'' and E'' prefixes; '' and \' inside, read as SQL reads them) or a
 * number; NULL, a boolean, DEFAULT and a bind placeholder are read as values that are none, and a
 * placeholder is read for the column it stands for (`?` by its rank outside strings, `$2` by its
 * number, `@p0` and `:email` by name), so that the parameters logged apart from the statement can
 * be taken by it. A tuple whose values cannot all be read (an expression, a subquery) yields none:
 * its positions are not known. Identifiers may be quoted ("col", `col`, [col]) and qualified
 * (u.password); the last part names the column.
 */
import { containerEnd, stringEnd } from '../codecs/json-text.js';

/** A quick test that `text` may hold a statement with values this module reads (the line prefilter's SQL_LINE in line-filter.ts holds more). */
export const HINT = /\b(?:insert|set|where)\b|\busing\s*\(\s*values\b/i;

const IDENT = String.raw`(?:[A-Za-z_][\w$]*|"[^"\n]{1,128}"|` + '`[^`\\n]{1,128}`' + String.raw`|\[[^\]\n]{1,128}\])`;
const QUALIFIED = String.raw`${IDENT}(?:\s*\.\s*${IDENT}){0,3}`;
const INSERT = new RegExp(String.raw`\binsert\s+(?:ignore\s+)?into\s+${QUALIFIED}\s*\(`, 'gi');
const INSERT_AT = new RegExp(String.raw`insert\s+(?:ignore\s+)?into\s+${QUALIFIED}\s*\(`, 'iy');
/**
 * A column, a comparison and what starts its operand (a literal, or the list of IN). A column
 * starts where a word does: tried inside a long run of word characters, the search would go back
 * over the run from each of its characters (quadratic time).
 */
const COMPARISON = new RegExp(String.raw`(?<![\w$])(${QUALIFIED})\s*(?:=|<>|!=|\s(?:i?like|in)\s*)\s*(?=[-+\d(NnEe'?$@%]|\.\d)`, 'gi');
/** A literal: a string (N'', E'' prefixes; '' and \' inside) or a number. */
const STRING = /[NnEe]?'(?:[^'\\]|''|\\.)*'/y;
const NUMBER = /[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])/y;
/** A value read but not taken: NULL, a boolean, DEFAULT, a bind placeholder. */
const OTHER = /(?:null|true|false|default|\?|%s|\$\d+|[:@][A-Za-z_]\w*)(?![\w$])/iy;
const SPACE = /\s*/y;
/** PostgreSQL's cast (`::VARCHAR`, `::numeric(10, 2)`, `::text[]`). */
const CAST = /::[A-Za-z_]\w*(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\[\])?/y;
/** A column of an INSERT's list, and what follows it (a comma or the list's end). */
const COLUMN = new RegExp(String.raw`\s*(${QUALIFIED})\s*([,)])`, 'y');
const IDENTS = new RegExp(IDENT, 'g');
/** A MERGE's source given as rows, up to its first row's parenthesis. */
const MERGE_SOURCE = /\busing\s*\(\s*values\s*(?=\()/gi;
/** The alias of a MERGE's source, up to the parenthesis of its column names. */
const MERGE_ALIAS = new RegExp(String.raw`(?:as\s+)?${IDENT}\s*\(`, 'iy');
/** An OUTPUT clause, then where VALUES stands after it (within a few hundred characters). */
const OUTPUT = /^output\s/i;
const VALUES_AFTER = /[^;]{0,512}?\bvalues\b/iy;

/** A literal read: where its content is written, and what it reads. */
export interface Literal {
  start: number;
  end: number;
  /** The content as SQL reads it; undefined for a value that is none (NULL, a placeholder). */
  value?: string | number;
  /** Where reading stopped, past the literal. */
  next: number;
}

/**
 * Each row of `text`'s INSERTs whose literals can all be read, one for each column named, with the
 * column names; and of a MERGE's rows given as its source (`MERGE [Users] USING (VALUES (@p0,
 * @p1, 0), (@p2, @p3, 1)) AS i ([Email], [Password], _Position) ON 1=0 ...`, Entity Framework
 * Core's insert of several rows on SQL Server), named after the rows.
 */
export function eachRow(text: string, visit: (names: readonly string[], items: readonly Literal[]) => void): void {
  eachInsert(text, (names, open) => {
    for (const items of rows(text, open).rows) if (items.length === names.length) visit(names, items);
  });
  for (const m of text.matchAll(MERGE_SOURCE)) {
    const source = rows(text, m.index + m[0].length);
    // The source's end, its alias, then the names of its columns.
    let at = skip(text, source.next);
    if (text[at] !== ')') continue;
    MERGE_ALIAS.lastIndex = skip(text, at + 1);
    if (!MERGE_ALIAS.test(text)) continue;
    at = MERGE_ALIAS.lastIndex;
    const columns = columnList(text, at);
    if (!columns) continue;
    for (const items of source.rows) if (items.length === columns.names.length) visit(columns.names, items);
  }
}

/** The rows of a VALUES list whose first opens at `open` (its parenthesis), up to one that cannot be read; `next`, past the last read. */
function rows(text: string, open: number): { rows: Literal[][]; next: number } {
  const out: Literal[][] = [];
  let next = open;
  for (let at = open; text[at] === '('; ) {
    const tuple = literalList(text, at + 1);
    if (!tuple) break;
    out.push(tuple.items);
    next = tuple.next;
    at = skip(text, tuple.next);
    if (text[at] !== ',') break;
    at = skip(text, at + 1);
  }
  return { rows: out, next };
}

/** Each INSERT of `text` with a column list and VALUES: the columns' names, and where its first row opens (its parenthesis). */
export function eachInsert(text: string, visit: (names: readonly string[], open: number) => void): void {
  for (const m of text.matchAll(INSERT)) {
    const insert = insertRows(text, m.index + m[0].length);
    if (insert) visit(insert.names, insert.open);
  }
}

/** The INSERT that starts `text`, read as {@link eachInsert} reads one; undefined when none does. */
export function insertAtStart(text: string): { names: readonly string[]; open: number } | undefined {
  INSERT_AT.lastIndex = 0;
  const m = INSERT_AT.exec(text);
  return m ? insertRows(text, m[0].length) : undefined;
}

/** An INSERT's column list, which starts at `at` (past its parenthesis), then its VALUES: the names, and where its first row opens. */
function insertRows(text: string, at: number): { names: readonly string[]; open: number } | undefined {
  const columns = columnList(text, at);
  if (!columns) return undefined;
  let k = skip(text, columns.next);
  // SQL Server's OUTPUT clause between the columns and their values (EF Core: OUTPUT INSERTED.[Id]).
  if (OUTPUT.test(text.slice(k, k + 7))) {
    VALUES_AFTER.lastIndex = k;
    if (!VALUES_AFTER.exec(text)) return undefined;
    k = VALUES_AFTER.lastIndex - 6;
  }
  if (text.slice(k, k + 6).toLowerCase() !== 'values') return undefined;
  k = skip(text, k + 6);
  return text[k] === '(' ? { names: columns.names, open: k } : undefined;
}

/** Each value of `text`'s statements with its column: an INSERT's by position, a comparison's by the column before it. */
export function eachValue(text: string, visit: (column: string, lit: Literal) => void): void {
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

/**
 * The column of each bind parameter of `text`'s statements that stands where a value does, by the
 * parameter's place among them (from 0): `?` (or `%s`, Python's DB-API format) by its rank among
 * the statement's placeholders outside strings, `$2` by its number. Named parameters (`:dob`,
 * `@dob`) are bound by name, as a key rule reads them.
 */
export function placeholderColumns(text: string): Map<number, string> {
  const marks = placeholderMarks(text);
  const out = new Map<number, string>();
  eachValue(text, (column, lit) => {
    if (lit.value !== undefined) return;
    const written = text.slice(lit.start, lit.end);
    const i = written === '?' || written === '%s' ? (marks.get(lit.start) ?? -1) : /^\$\d+$/.test(written) ? Number(written.slice(1)) - 1 : -1;
    if (i >= 0 && !out.has(i)) out.set(i, column);
  });
  return out;
}

/** How many `?` (or `%s`) placeholders `text` holds outside quoted strings and identifiers. */
export function placeholderCount(text: string): number {
  return placeholderMarks(text).size;
}

/** The rank (from 0) of each `?` (or `%s`) of `text` outside a quoted string or identifier, by where it stands. */
function placeholderMarks(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      const close = text.indexOf(c, i + 1);
      if (close === -1) break;
      i = close;
    } else if (c === '?' || (c === '%' && text[i + 1] === 's')) out.set(i, out.size);
  }
  return out;
}

/** The column each named placeholder (`@p1`, `:email`) of `text`'s statements stands for. */
export function namedPlaceholderColumns(text: string): Map<string, string> {
  const out = new Map<string, string>();
  eachValue(text, (column, lit) => {
    if (lit.value !== undefined) return;
    const written = text.slice(lit.start, lit.end);
    if ((written[0] === '@' || written[0] === ':') && !out.has(written)) out.set(written, column);
  });
  return out;
}

/**
 * The items of the JSON array that opens at `open` and ends at `end` in `text`, as literals: a
 * string's content inside its quotes (read as JSON reads it), a number; any other item (null, an
 * object) as a value that is none.
 */
export function arrayItems(text: string, open: number, end: number): Literal[] {
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
    // A cast after a placeholder (`$1::VARCHAR`, asyncpg's).
    CAST.lastIndex = at;
    if (CAST.test(text)) at = skip(text, CAST.lastIndex);
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

/** Where the white space that starts at `at` ends. */
export function skip(text: string, at: number): number {
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
