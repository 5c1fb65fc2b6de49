/**
 * The parameters an ORM logs in text beside a statement that binds its values, each taken by the
 * column its placeholder stands for in the statement (see placeholderColumns and
 * namedPlaceholderColumns in sql-statement.ts):
 *
 * - TypeORM's query log: the statement, then its parameters as a JSON array on its line
 *   (`-- PARAMETERS: ["Ann",42]`);
 * - Entity Framework Core's command log with sensitive data logging on: the parameters' values by
 *   name before the statement (`[Parameters=[@p0='...', ...]`, see efParameters);
 * - Laravel's query log: the statement's line ends with its bindings as a JSON array (see
 *   trailingBindings);
 * - Laravel's QueryException: the statement with its bindings put in place of its placeholders as
 *   they are, without quotes (`(Connection: mysql, SQL: insert into users (email, password) values
 *   (a@example.com, S3cret!))`, see splicedBindings).
 *
 * Parameters a log record holds in a member beside the statement are read by boundParameters in
 * sql.ts.
 */
import { containerEnd } from '../codecs/json-text.js';
import { arrayItems, insertAtStart, namedPlaceholderColumns, placeholderColumns, skip, type Literal } from './sql-statement.js';

/** Each parameter logged in `text` that a statement's placeholder names, given to `take` with its column: TypeORM's, then Entity Framework Core's, then Laravel's. */
export function loggedParameters(text: string, take: (column: string, lit: Literal) => void): void {
  typeormParameters(text, take);
  efParameters(text, take);
  trailingBindings(text, (line, open, end) => takeItems(line, text, open, end, take));
  splicedBindings(text, take);
}

/** Where Laravel's QueryException gives the statement (Laravel 10 and later name the connection). */
const SPLICED = /\((?:Connection: [\w.-]{1,64}, )?SQL: /g;
/** Where the row ends: the message's end (`))`), or PostgreSQL's RETURNING after it (Eloquent's `create`). */
const ROW_END = /\)(?:\)|\s+returning\s)/gi;
/** A row's item written as SQL writes a literal. */
const SQL_LITERAL = /^(?:[NnEe]?'.*'|-?\d+(?:\.\d+)?|null)$/i;
/** A value put in place as written: a number. */
const SPLICED_NUMBER = /^-?\d+(?:\.\d+)?$/;

/**
 * Laravel's QueryException (`SQLSTATE[23000]: ... (Connection: mysql, SQL: insert into users
 * (email, password) values (a@example.com, S3cret!))`): an INSERT's values, put in place of its
 * placeholders without quotes, each taken by its column. The row ends where the message does
 * (`))`: a value that holds `))` is cut there) or at PostgreSQL's `returning`, and its values are
 * told apart by `, `: where there are more of them than columns (a value holds `, `), which value
 * is whose cannot be told, and the whole row is taken under each column whose rule takes it. A
 * row of SQL literals (quoted strings, numbers) is the statement reader's (see eachRow). An
 * UPDATE's SET clause and a statement's WHERE clause are read by {@link splicedAssignments}.
 */
function splicedBindings(text: string, take: (column: string, lit: Literal) => void): void {
  const marks = [...text.matchAll(SPLICED)];
  marks.forEach((m, k) => {
    const from = m.index + m[0].length;
    // Up to the line's end or the next statement given, so that every part of the text is read once.
    const lineEnd = text.indexOf('\n', from);
    const limit = Math.min(lineEnd === -1 ? text.length : lineEnd, marks[k + 1]?.index ?? text.length);
    const sql = text.slice(from, limit);
    const insert = insertAtStart(sql);
    if (!insert) {
      splicedAssignments(sql, from, take);
      return;
    }
    if (insert.names.length === 0) return;
    const start = insert.open + 1;
    ROW_END.lastIndex = start;
    const end = ROW_END.exec(sql)?.index;
    if (end === undefined) return;
    const items = sql.slice(start, end).split(', ');
    if (items.every((item) => SQL_LITERAL.test(item))) return;
    if (items.length === insert.names.length) {
      let at = from + start;
      items.forEach((item, i) => {
        if (item !== '') take(insert.names[i] as string, { start: at, end: at + item.length, value: SPLICED_NUMBER.test(item) ? Number(item) : item, next: at + item.length });
        at += item.length + 2;
      });
    } else if (items.length > insert.names.length) {
      const whole = { start: from + start, end: from + end, value: sql.slice(start, end), next: from + end };
      for (const name of insert.names) take(name, whole);
    }
  });
}

/** An UPDATE's start, to its SET clause. */
const SPLICED_UPDATE = /^update\s+(?:`[^`\n]{1,128}`|"[^"\n]{1,128}"|[\w.]{1,128})\s+set\s+/i;
/** A SELECT, an UPDATE or a DELETE: a statement whose WHERE clause is read. */
const SPLICED_WHERE_STATEMENT = /^(?:select|update|delete)\s/i;
const IDENTIFIER = '(`[^`\\n]{1,128}`|"[^"\\n]{1,128}"|[A-Za-z_][\\w.]{0,127})';
/** An assignment's column and its ` = `: at the clause's start, or after the `, ` that ends the value before. */
const ASSIGNMENT = new RegExp(`(?:^|, )${IDENTIFIER} = `, 'g');
/** A condition's column and its operator: at the clause's start, or after the AND or OR that ends the value before. */
const CONDITION = new RegExp(`(?:^\\(?|\\s(?:and|or)\\s+\\(?)${IDENTIFIER}\\s(?:=|!=|<>|like)\\s`, 'gi');
/** The message's end: `)`, then its context, a quote or nothing. */
const MESSAGE_END = String.raw`\)(?=$| [{[]|\\?")`;
/** Where the SET clause ends: its WHERE, or the message's end. */
const SET_END = new RegExp(` where |${MESSAGE_END}`, 'i');
/** Where the WHERE clause ends: what may follow it, or the message's end. */
const WHERE_END = new RegExp(`\\)? (?:limit|order by|group by|for update|offset) |${MESSAGE_END}`, 'i');

/**
 * An UPDATE's SET clause and a statement's WHERE clause in Laravel's QueryException (`(Connection:
 * mysql, SQL: update users set remember_token = ..., updated_at = 2024-05-01 10:00:00 where id =
 * 5)`, `select * from users where email = a@example.com and password = ... limit 1`), `sql` the
 * text after `SQL: ` (at `from` in the text): each value, put in place without quotes, taken by its
 * column. A value runs to the `, ` before the next column's ` = ` (in SET), or to the AND or OR
 * before the next condition (in WHERE), the last to the clause's end.
 */
function splicedAssignments(sql: string, from: number, take: (column: string, lit: Literal) => void): void {
  if (!SPLICED_WHERE_STATEMENT.test(sql)) return;
  let where = 0;
  const update = SPLICED_UPDATE.exec(sql);
  if (update) {
    const start = update[0].length;
    const end = SET_END.exec(sql.slice(start));
    if (!end) return;
    takePairs(sql.slice(start, start + end.index), from + start, ASSIGNMENT, take);
    where = start + end.index;
  }
  const at = sql.toLowerCase().indexOf(' where ', where);
  if (at === -1) return;
  const start = at + ' where '.length;
  const end = WHERE_END.exec(sql.slice(start));
  if (end) takePairs(sql.slice(start, start + end.index), from + start, CONDITION, take);
}

/** Each value of `clause` (at `offset` in the text) after a column and its operator `pairs` finds, to the next one or the clause's end, taken by its column. */
function takePairs(clause: string, offset: number, pairs: RegExp, take: (column: string, lit: Literal) => void): void {
  const found = [...clause.matchAll(pairs)];
  found.forEach((p, i) => {
    const valueStart = p.index + p[0].length;
    const valueEnd = found[i + 1]?.index ?? clause.length;
    const written = clause.slice(valueStart, valueEnd);
    if (written === '' || SQL_LITERAL.test(written)) return;
    const column = (p[1] as string).replace(/^[`"]|[`"]$/g, '');
    const at = offset + valueStart;
    take(column.slice(column.lastIndexOf('.') + 1), { start: at, end: at + written.length, value: SPLICED_NUMBER.test(written) ? Number(written) : written, next: at + written.length });
  });
}

/** TypeORM's query log: the statement, then its parameters as a JSON array (`-- PARAMETERS: ["Ann",42]`). */
const LOGGED_PARAMETERS = /--\s*PARAMETERS:\s*\[/gi;

/** TypeORM's parameters (see {@link LOGGED_PARAMETERS}), each with the column of the statement on the line before them. */
function typeormParameters(text: string, take: (column: string, lit: Literal) => void): void {
  // Each statement is the line before its parameters, since the parameters before it: every part of the text is read once.
  let from = 0;
  for (const m of text.matchAll(LOGGED_PARAMETERS)) {
    if (m.index < from) continue;
    const open = m.index + m[0].length - 1;
    const end = containerEnd(text, open);
    if (end === undefined) break;
    const before = text.slice(from, m.index);
    from = end;
    takeItems(before.slice(before.lastIndexOf('\n') + 1), text, open, end, take);
  }
}

/** The items of the JSON array that opens at `open` and ends at `end` in `text`, each given to `take` with the column its place stands for in `statement`. */
function takeItems(statement: string, text: string, open: number, end: number, take: (column: string, lit: Literal) => void): void {
  const columns = placeholderColumns(statement);
  arrayItems(text, open, end).forEach((lit, i) => {
    const column = columns.get(i);
    if (column !== undefined) take(column, lit);
  });
}

/**
 * Entity Framework Core's command log with sensitive data logging on: the parameters' values
 * before the statement that names them (`Executed DbCommand (4ms) [Parameters=[@p0='...',
 * @p1='...' (Nullable = false) (Size = 4000)], ...]`, then `INSERT INTO [Users] ([Id],
 * [Password]) VALUES (@p0, @p1)` in the same message), each taken by the column its name stands
 * for in the statement after it (up to the next command's parameters; a text log's lines after
 * the parameters' line are read with it, see pipeline/command-lines.ts). EF Core writes a value
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
        // A query's parameter is named after the variable it captured (`@__apiKey_0`): without the statement (a text log's next lines), by that name.
        const column = columns.get(name) ?? (columns.size === 0 ? EF_CAPTURED.exec(name)?.[1] : undefined);
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

/** Where EF Core's list of parameters opens. */
const EF_PARAMETERS = '[Parameters=[';
/** The variable a query's parameter is named after (`@__apiKey_0`, `@__user_Password_1`), in group 1. */
const EF_CAPTURED = /^@__(\w+?)_\d+$/;
/** A parameter's name and its `=` (`@p0=`, `@__email_0=`). */
const EF_NAME = /(@[A-Za-z_]\w{0,127})=/y;
/** What follows a value: its facets (` (Nullable = false) (Size = -1) (DbType = String)`, in group 1), then the next parameter or the list's end. */
const EF_AFTER = /((?: \([A-Za-z]{1,32} = -?[\w.]{1,64}\)){0,8})(?:, @[A-Za-z_]|\])/y;
/** A value written without quotes: NULL, a number. */
const EF_BARE = /[\w.+-]{1,64}/y;
/** Quotes (or braces) tried as a value's end, at most: a value may hold a quote. */
const MAX_VALUE_CLOSES = 64;

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
/** A line TypeORM wrote its parameters on (see {@link LOGGED_PARAMETERS}). */
const LOGGED_PARAMETERS_AT = /--\s*PARAMETERS:/i;
