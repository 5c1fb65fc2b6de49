/**
 * Bind parameters a text log gives on the lines after their statement. An ORM that logs its
 * statements with placeholders writes their values on lines of their own:
 *
 * - Hibernate's binder (`org.hibernate.type.descriptor.sql.BasicBinder`, `org.hibernate.orm.jdbc.bind`
 *   at TRACE): `insert into users (email, password) values (?, ?)`, then one line for each
 *   parameter, `binding parameter [2] as [VARCHAR] - [...]` (Hibernate 5 and 6.0-6.1) or
 *   `binding parameter (2:VARCHAR) <- [...]` (6.2 and later);
 * - SQLAlchemy's engine log (`echo=True`): the statement, then its parameters as a Python tuple
 *   after a note on its cache (`[generated in 0.00021s] ('...', '...')`), a list of tuples for
 *   many rows (`[...] [('a', 1), ('b', 2)]`);
 * - Prisma's query event as its documentation prints it: `Query: ...` (or `prisma:query ...`),
 *   then `Params: ["...", ...]`;
 * - PostgreSQL's server log (`log_statement`, `log_min_duration_statement`): `LOG:  execute
 *   <unnamed>: insert into users (email, password) values ($1, $2)`, then `DETAIL:  parameters:
 *   $1 = 'a@b.c', $2 = '...'`;
 * - MyBatis's statement log: `==>  Preparing: insert into users (email, password) values (?, ?)`,
 *   then `==> Parameters: a@b.c(String), ...(String)`.
 *
 * Read alone, such a line names no column: `binding parameter [2] as [VARCHAR] - [F-pkV3bbH!uy8qM3]`
 * passes as text. Each parameter is taken by the rule of the column its placeholder stands for in
 * the statement (`?` by its rank, `$2` by its number, see placeholderColumns in act/sql-statement.ts),
 * as the statement's own value in that place would be (see act/sql.ts): the same rule, the same
 * values taken (see `takes`), a value that is one of logveil's tokens already left as it is.
 *
 * Which statement: a parameter line that holds one with placeholders before its parameters
 * (`Query: ... Params: [...]`) has that one. Else the lines above it, past the parameter lines
 * right above (Hibernate's earlier parameters), up to the nearest line that starts a statement
 * (see {@link STATEMENT}, read from its first word: a `?` of a log prefix before it counts for
 * nothing) and does not start a subquery (the lines below it close a parenthesis it is inside),
 * at most {@link LOOKBACK_LINES} lines up; the statement is that line and those below it (a
 * statement written over several lines: SQLAlchemy's SELECT, Hibernate's `format_sql`),
 * parameter lines left out. A parameter line further up (another statement's) ends the search:
 * its parameters have no statement. A statement with its values written takes them itself, and
 * the parameter lines after it take none. The lines above are read back across batches, a long
 * one as its first bytes (see lookback.ts): a batch cut between a statement and its parameters
 * changes nothing. The statement is read once for a run of parameter lines.
 *
 * A container runtime's record of a line (`{"log":"...\n","stream":"stdout"}`) is read as the line
 * it holds (see wrapped-lines.ts).
 *
 * Entity Framework Core's text log gives its parameters before their statement: see
 * command-lines.ts.
 *
 * Not read: a statement taller than the lines read back; lines inside a JSON logger's message;
 * parameters of statements of other threads logged between a statement and its own (they are
 * taken by the columns of the statement above them: a value may be redacted under the wrong
 * column, or left); a value only a detector that reads the column's name as context finds (a PIN
 * under `pin = ?`).
 */
import { takes } from '../act/members.js';
import { arrayItems, placeholderColumns, placeholderCount } from '../act/sql-statement.js';
import { pythonItems, type PythonItem } from '../codecs/python-literal.js';
import type { CompiledPolicy } from '../detect/compile.js';
import { PARAMETER_LINE } from '../detect/line-filter.js';
import type { JsonValue } from '../record.js';
import { LOOKBACK_LINES, type Lookback } from './lookback.js';
import type { Quoting } from './named-lines.js';
import type { NamedSpan } from './named-types.js';
import { isOwnToken } from './named-values.js';

/** A parameter line (the prefilter's PARAMETER_LINE, which marks every one). */
const PARAMETERS = new RegExp(PARAMETER_LINE);
/**
 * What starts a statement: SELECT; INSERT INTO, UPDATE ... SET, DELETE FROM, MERGE INTO; or one of
 * these words alone at the end of a line (a statement written over several lines: Hibernate's
 * `format_sql`). A word of prose (`Cache update complete`) is none.
 */
const STATEMENT = /\b(?:select\b|insert\s+(?:ignore\s+)?into\b|update\s+[\w."`[\]]+\s+set\b|delete\s+from\b|merge\s+into\b|upsert\b|(?:insert|update|delete|merge)\s*$)/i;
/** Hibernate's binder line, its parameter's place (from 1) in group 1 or 3 and its type in 2 or 4, up to the value's bracket. */
const BINDING = /binding parameter (?:\[(\d{1,4})\] as \[([\w ]{1,32})\] - \[|\((\d{1,4}):([\w ]{1,32})\) <- \[)/;
/** SQL types whose values Hibernate writes as numbers. */
const NUMERIC_TYPES = new Set(['BIGINT', 'INTEGER', 'INT', 'SMALLINT', 'TINYINT', 'NUMERIC', 'DECIMAL', 'DOUBLE', 'FLOAT', 'REAL']);
/** SQLAlchemy's note between many rows' tuples when it shows some of them (`  ... displaying 10 of 100 total bound parameter sets ...  `). */
const ELIDED = /^\s*\.\.\. displaying \d+ of \d+ total bound parameter sets \.\.\.\s*/;

/** A parameter a line gives: its place (from 0), its value, where it is written, and how. */
interface Parameter {
  readonly place: number;
  readonly value: string | number;
  readonly written: string;
  readonly start: number;
  readonly end: number;
  readonly quoting: Quoting;
}

/**
 * The parameter lines of a batch whose values a `redact` key rule of `policy` takes by their
 * column, with those values' spans, by line index: `lines`, the batch's lines and those before
 * it; `slow` marks the lines the prefilter marked (only those may be parameter lines). Undefined
 * when there is none.
 */
export function boundValues(lines: Lookback, slow: Uint8Array, policy: CompiledPolicy): Map<number, NamedSpan[]> | undefined {
  let out: Map<number, NamedSpan[]> | undefined;
  // The statement the last parameter line found above it: the next line of its run has the same.
  let last: { line: number; statement: Statement | undefined } | undefined;
  for (let i = 0; i < slow.length; i++) {
    if (!slow[i]) continue;
    const text = lines.whole(i);
    const marker = PARAMETERS.exec(text);
    if (!marker) continue;
    let statement = ownStatement(text.slice(0, marker.index));
    if (statement === undefined) {
      statement = last?.line === i - 1 && PARAMETERS.test(lines.line(i - 1) ?? '') ? last.statement : statementAbove(lines, i);
      last = { line: i, statement };
    }
    if (statement === undefined) continue;
    const found = parameters(text, marker);
    // MyBatis's items read past a value that holds `(Type), `: each may stand that many places on.
    const slack = found.count === undefined ? 0 : Math.max(0, found.count - statement.marks);
    const spans = taken(policy, found.parameters, statement.columns, slack);
    if (spans.length > 0) (out ??= new Map()).set(i, spans);
  }
  return out;
}

/** A statement's placeholders: the column each stands for, by place, and how many `?` it holds. */
interface Statement {
  readonly columns: ReadonlyMap<number, string>;
  readonly marks: number;
}

/** The statement whose columns `text` holds, if it holds placeholders. */
function statementOf(text: string): Statement | undefined {
  const columns = placeholderColumns(text);
  return columns.size > 0 ? { columns, marks: placeholderCount(text) } : undefined;
}

/** The statement a parameter line holds before its parameters (`Query: ... Params: [...]`), if it holds one with placeholders. */
function ownStatement(before: string): Statement | undefined {
  const own = STATEMENT.exec(before);
  return own ? statementOf(before.slice(own.index)) : undefined;
}

/**
 * The statement above the parameters of line `i` (see the module notes); undefined when none is
 * found, or it has no placeholders.
 */
function statementAbove(lines: Lookback, i: number): Statement | undefined {
  const parts: string[] = [];
  let j = i - 1;
  // Past the parameter lines right above it.
  for (let text = lines.line(j); j >= i - LOOKBACK_LINES && text !== undefined && PARAMETERS.test(text); text = lines.line(--j));
  // Parentheses the lines below the one read close that they do not open: a statement word there starts a subquery.
  let depth = 0;
  for (; j >= i - LOOKBACK_LINES; j--) {
    const text = lines.line(j);
    if (text === undefined || PARAMETERS.test(text)) return undefined;
    const start = STATEMENT.exec(text);
    const part = start ? text.slice(start.index) : text;
    depth += parenthesesOpened(part);
    parts.push(start && depth < 0 ? text : part);
    if (start && depth >= 0) return statementOf(parts.reverse().join('\n'));
    if (start) depth += parenthesesOpened(text.slice(0, start.index));
  }
  return undefined;
}

/** Opening parentheses of `text` less closing ones, those in quotes left out. */
function parenthesesOpened(text: string): number {
  let n = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (c === "'" || c === '"' || c === '`') {
      const close = text.indexOf(c, k + 1);
      if (close === -1) break;
      k = close;
    } else if (c === '(') n++;
    else if (c === ')') n--;
  }
  return n;
}

/**
 * The parameters a parameter line gives (see the module notes; `marker`, where PARAMETERS matched
 * it), none for one not read; `count`, for MyBatis's, how many items the line was read as.
 */
function parameters(text: string, marker: RegExpExecArray): { parameters: Parameter[]; count?: number } {
  if (marker[0].startsWith('==>')) return mybatisParameters(text, marker.index + marker[0].length);
  return { parameters: placedParameters(text, marker) };
}

/** The parameters of a line that gives each its place. */
function placedParameters(text: string, marker: RegExpExecArray): Parameter[] {
  const binding = BINDING.exec(text);
  if (binding) {
    // The value runs to the bracket that ends the line: it may hold brackets.
    const start = binding.index + binding[0].length;
    const end = text.trimEnd().length - 1;
    if (end < start || text[end] !== ']') return [];
    const written = text.slice(start, end);
    const type = (binding[2] ?? binding[4] ?? '').toUpperCase();
    if (written === 'null' || written === '<null>') return [];
    const value = NUMERIC_TYPES.has(type) && written !== '' && Number.isFinite(Number(written)) ? Number(written) : written;
    return [{ place: Number(binding[1] ?? binding[3]) - 1, value, written, start, end, quoting: 'word' }];
  }
  if (/^[Pp]arameters: /.test(marker[0])) return postgresParameters(text, marker.index + 'parameters: '.length);
  const open = marker.index + marker[0].length - 1;
  if (marker[0].startsWith('Params: ')) {
    const end = text.trimEnd().length;
    if (text[end - 1] !== ']') return [];
    return arrayItems(text, open, end).flatMap((lit, place) =>
      lit.value === undefined ? [] : [{ place, value: lit.value, written: text.slice(lit.start, lit.end), start: lit.start, end: lit.end, quoting: typeof lit.value === 'number' ? 'number' : 'json' }],
    );
  }
  return sqlalchemyParameters(text, open);
}

/** SQLAlchemy's parameters, whose tuple or list opens at `open` (after its note, `[generated in 0.00021s] (...)`): one tuple, or a list of tuples, each item by place. */
function sqlalchemyParameters(text: string, open: number): Parameter[] {
  const one = text[open] === '(';
  let at = one ? open : open + 1;
  const out: Parameter[] = [];
  for (;;) {
    while (text[at] === ' ') at++;
    const tuple = text[at] === '(' ? pythonItems(text, at) : undefined;
    if (!tuple) return out;
    tuple.items.forEach((item, place) => {
      const p = pythonParameter(text, item, place);
      if (p) out.push(p);
    });
    if (one) return out;
    at = tuple.end;
    const elided = ELIDED.exec(text.slice(at, at + 96));
    if (elided) at += elided[0].length;
    else if (text[at] === ',') at += 1;
    else return out;
  }
}

/**
 * PostgreSQL's parameters from `at` (`$1 = 'a@b.c', $2 = NULL`), each by its number: a value in
 * single quotes, doubled inside (the server writes every one so, numbers too), or NULL.
 */
function postgresParameters(text: string, at: number): Parameter[] {
  const out: Parameter[] = [];
  for (;;) {
    PG_PARAMETER.lastIndex = at;
    const m = PG_PARAMETER.exec(text);
    if (!m) return out;
    at += m[0].length;
    const place = Number(m[1]) - 1;
    if (text.startsWith('NULL', at)) at += 4;
    else {
      if (text[at] !== "'") return out;
      const close = quoteEnd(text, at + 1);
      // Unclosed: the line ends inside the value (a value over lines, or cut short).
      if (close === -1) return out;
      const written = text.slice(at + 1, close);
      if (written !== '') out.push({ place, value: written.replaceAll("''", "'"), written, start: at + 1, end: close, quoting: 'single' });
      at = close + 1;
    }
    if (!text.startsWith(', ', at)) return out;
    at += 2;
  }
}

/** Where the single-quoted string whose content starts at `from` closes (a doubled quote is one inside it), or -1. */
function quoteEnd(text: string, from: number): number {
  for (let k = from; k < text.length; k++) {
    if (text[k] !== "'") continue;
    if (text[k + 1] !== "'") return k;
    k++;
  }
  return -1;
}

/** One of PostgreSQL's parameters, up to its value: its number in group 1. */
const PG_PARAMETER = /\$(\d{1,5}) = /y;

/**
 * MyBatis's parameters from `at` (`a@b.c(String), 42(Integer), null`), each by its place: a value
 * and its Java type in parentheses, or null; items joined by a comma and a space. A value that
 * holds `(Type), ` is read cut there, the items after it each a place further on than it stands:
 * `count`, the items read, tells the caller by how many places at most.
 */
function mybatisParameters(text: string, at: number): { parameters: Parameter[]; count: number } {
  const out: Parameter[] = [];
  const end = text.trimEnd().length;
  let place = 0;
  for (; at < end; place++) {
    let next: number;
    if (text.startsWith('null', at) && (at + 4 === end || text.startsWith(', ', at + 4))) next = at + 4;
    else {
      MYBATIS_TYPE.lastIndex = at;
      const typed = MYBATIS_TYPE.exec(text);
      if (!typed || typed.index + typed[0].length > end) break;
      const written = text.slice(at, typed.index);
      const numeric = MYBATIS_NUMBERS.has(typed[1] as string) && written !== '' && Number.isFinite(Number(written));
      if (written !== '') out.push({ place, value: numeric ? Number(written) : written, written, start: at, end: typed.index, quoting: 'block' });
      next = typed.index + typed[0].length - (typed[0].endsWith(', ') ? 2 : 0);
    }
    if (next >= end || !text.startsWith(', ', next)) {
      place += 1;
      break;
    }
    at = next + 2;
  }
  return { parameters: out, count: place };
}

/** A MyBatis parameter's type after its value, then the next item's comma or the line's end: the type in group 1. */
const MYBATIS_TYPE = /\(([A-Z][\w$]{0,40}(?:\[\])?)\)(?=, |\s*$)/g;
/** Java types whose values MyBatis writes as numbers. */
const MYBATIS_NUMBERS = new Set(['Integer', 'Long', 'Short', 'Byte', 'Double', 'Float', 'BigDecimal', 'BigInteger']);

/** A Python item as a parameter: a string or a number, none for another value. */
function pythonParameter(text: string, item: PythonItem, place: number): Parameter | undefined {
  const value: JsonValue = item.value;
  if (!(item.string && typeof value === 'string') && typeof value !== 'number') return undefined;
  return { place, value, written: text.slice(item.start, item.end), start: item.start, end: item.end, quoting: 'word' };
}

/**
 * The parameters of `found` a `redact` key rule takes by their column, none of them one of
 * logveil's tokens already. `slack`: how many places before its own a parameter may stand for (see
 * mybatisParameters): the first column of those whose rule takes it.
 */
function taken(policy: CompiledPolicy, found: readonly Parameter[], columns: ReadonlyMap<number, string>, slack = 0): NamedSpan[] {
  const rules = policy.keyRules;
  const out: NamedSpan[] = [];
  for (const p of found) {
    for (let place = p.place; place >= Math.max(0, p.place - slack); place--) {
      const column = columns.get(place);
      if (column === undefined) continue;
      const decision = rules.decide(column);
      if (decision.mode !== 'redact' || !decision.rule || !takes(decision.rule, p.value) || isOwnToken(policy, p.written)) continue;
      out.push({ start: p.start, end: p.end, value: typeof p.value === 'number' ? p.written : p.value, rule: decision.rule, pattern: decision.pattern ?? column, quoting: p.quoting });
      break;
    }
  }
  return out;
}
