/**
 * The lines of a table a database client prints (see table-values.ts), each read alone: the line
 * that opens one (a rule under its header, or a CSV or TSV header) and a row of one.
 *
 * - `bordered`: mysql's and MariaDB's table (`+----+------+`, `| id | user |`): a border under a
 *   header, the header's bars where the border's pluses are (its cells as wide as the border's
 *   runs at most); a row as the header is, `|` first and last. The client pads each cell to its
 *   column's width, so a row's cells are read by position, between the bars that stand where the
 *   border's pluses are (a cell may hold a `|`); a row not so padded is split at its bars;
 * - `box`: sqlite3's `.mode box` (`├────┼──────┤` under `│ id │ user │`), read as `bordered`;
 * - `psql`: psql's aligned output (`----+------` under ` id | user `, or one run under one name):
 *   the header's bars where the rule's pluses are, a blank first; a row holds as many cells, none
 *   wider than its run, a blank first (`(2 rows)` has none), read by position as `bordered`'s;
 * - `column`: sqlite3's `.mode column` (`--  -----` under `id  user`): runs of dashes two blanks
 *   apart, each header name where its run starts; a row's text stands within the runs, blanks in
 *   the gaps, none past the last run;
 * - `tsv` and `csv`: mysql's batch output (`-B`) and a CSV export: a header of two names at least,
 *   each a word (`[A-Za-z_][\w.$-]*`, quoted or not in CSV) and no blank (a header has none of
 *   prose's: a blank after a `,`, a bare `"`); a row holds as many cells, of any text (CSV's quoted
 *   as RFC 4180 quotes them, a quoted cell's line ends within it: the row goes on on the next line).
 *
 * Offsets are UTF-16 units of the text after a line's log prefix.
 */
import { isWordByte } from './log-prefix.js';

export type TableFormat = 'bordered' | 'box' | 'psql' | 'column' | 'tsv' | 'csv';

/** A table's header: its format, its columns' names and, but for tsv and csv, the rule's runs (widths; column: start and end of each). */
export interface TableShape {
  readonly format: TableFormat;
  readonly columns: readonly string[];
  readonly runs: readonly number[];
}

/** A cell of a row: where its text stands, and the text (a CSV cell's quotes decoded). */
export interface Cell {
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

const CR = 0x0d;
const PLUS = 0x2b;
const DASH = 0x2d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const TAB = 0x09;
const SPACE = 0x20;
/** The last byte of `┤` in UTF-8. */
const BOX_END = 0xa4;
/** `├` in UTF-8. */
const BOX_RULE = [0xe2, 0x94, 0x9c];
/** A header longer (its bytes) opens no table. */
export const MAX_HEADER_BYTES = 4096;

/**
 * Whether the line from `start` to `stop` (its line end left out, a log prefix not read yet) may
 * open a table, by its last bytes: a rule's (`-`, `+`, `┤`, blanks between), or a CSV or TSV
 * header's (words with a `,` or a tab between, from the line's start or a blank). Most lines end
 * otherwise, and are read no further; this is a filter before {@link mayOpenTable}.
 */
export function mayOpenLine(data: Uint8Array, start: number, stop: number): boolean {
  let k = stop;
  while (k > start && (data[k - 1] === SPACE || data[k - 1] === TAB)) k--;
  if (k - start < 2) return false;
  const last = data[k - 1] as number;
  if (last === DASH || last === PLUS || last === BOX_END) return true;
  if (!isNameByte(last) && last !== QUOTE) return false;
  let separators = 0;
  for (; k > start; k--) {
    const b = data[k - 1] as number;
    if (b === COMMA || b === TAB) separators++;
    else if (!isNameByte(b) && b !== QUOTE) break;
  }
  return separators > 0 && (k === start || data[k - 1] === SPACE || data[k - 1] === TAB);
}

/**
 * Whether the line from `start` to `end` (past its log prefix) may open a table, by its first
 * bytes: a rule's `+-`, `-` or `├`, or a CSV or TSV header's words, read up to the first byte no
 * header holds (a blank, in prose).
 */
export function mayOpenTable(data: Uint8Array, start: number, end: number): boolean {
  while (end > start && data[end - 1] === CR) end--;
  if (end - start < 2 || end - start > MAX_HEADER_BYTES) return false;
  const first = data[start] as number;
  if (first === PLUS) return data[start + 1] === DASH;
  if (first === DASH) return true;
  if (first === BOX_RULE[0]) return data[start + 1] === BOX_RULE[1] && data[start + 2] === BOX_RULE[2];
  return mayBeHeader(data, start, end);
}

/** Whether the bytes from `start` to `end` may be a CSV or TSV header: words (quoted ones in CSV) with `,` or a tab between, one of the two throughout. */
function mayBeHeader(data: Uint8Array, start: number, end: number): boolean {
  let sep = 0;
  let k = start;
  for (;;) {
    const quoted = data[k] === QUOTE;
    if (quoted) k++;
    if (!isWordStart(data[k])) return false;
    k++;
    while (k < end && isNameByte(data[k])) k++;
    if (quoted) {
      if (data[k] !== QUOTE || sep === TAB) return false;
      k++;
    }
    if (k === end) return sep !== 0;
    const b = data[k] as number;
    if ((b !== COMMA && b !== TAB) || (sep !== 0 && b !== sep)) return false;
    sep = b;
    k++;
  }
}

function isWordStart(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b === 0x5f);
}

/** A byte of a header's name: a word's (see log-prefix.ts), or `$`. */
function isNameByte(b: number | undefined): boolean {
  return isWordByte(b) || b === 0x24;
}

const BORDER = /^\+(?:-+\+)+$/;
const BOX = /^├(?:─+┼)*─+┤$/;
const PSQL = /^-+(?:\+-+)+$/;
const COLUMN = /^-+(?: {2}-+)*$/;
const WORD = /^[A-Za-z_][\w.$-]*$/;

/**
 * The table `text` opens (a line read by {@link mayOpenTable}), `previous` the text of the line
 * before it (its log prefix of the same shape, left out): a rule under its header, or a header.
 */
export function tableOpening(text: string, previous: string | undefined): TableShape | undefined {
  const rule = text.trimEnd();
  if (BORDER.test(rule)) return barHeader('bordered', '|', rule, '+', previous);
  if (BOX.test(rule)) return barHeader('box', '│', rule, '┼', previous);
  if (PSQL.test(rule)) return previous === undefined ? undefined : psqlHeader(rule, previous);
  if (COLUMN.test(rule) && previous !== undefined) {
    // One column: psql's header has a blank before its name, sqlite3's none.
    return !rule.includes(' ') && previous.startsWith(' ') ? psqlHeader(rule, previous) : columnHeader(rule, previous);
  }
  return csvHeader(rule);
}

/** The runs of `rule` between the `cross` characters (a border's first and last character left out). */
function runsOf(rule: string, cross: string, outer: boolean): number[] {
  const inner = outer ? rule.slice(1, -1) : rule;
  return inner.split(cross).map((run) => run.length);
}

function barHeader(format: 'bordered' | 'box', bar: string, rule: string, cross: string, previous: string | undefined): TableShape | undefined {
  if (previous === undefined) return undefined;
  const runs = runsOf(rule, cross, true);
  const cells = barCells({ format, columns: [], runs }, bar, previous.trimEnd(), runs.length);
  return named(format, cells, runs);
}

function psqlHeader(rule: string, previous: string): TableShape | undefined {
  if (!previous.startsWith(' ')) return undefined;
  const runs = runsOf(rule, '+', false);
  const cells = splitCells(previous, '|', 0, previous.length, runs);
  return named('psql', cells, runs);
}

/** The columns' names of `cells`, each a name of one line and no bar, or none. */
function named(format: TableFormat, cells: readonly Cell[] | undefined, runs: readonly number[]): TableShape | undefined {
  if (!cells || cells.some((c) => c.value === '')) return undefined;
  return { format, columns: cells.map((c) => c.value), runs };
}

function columnHeader(rule: string, previous: string): TableShape | undefined {
  const runs: number[] = [];
  for (const m of rule.matchAll(/-+/g)) runs.push(m.index, m.index + m[0].length);
  const cells = columnCells(runs, previous);
  // Each name where its run starts, one word (a setext heading's `Title` over `-----` is one column of one word too).
  if (!cells || cells.some((c, j) => c.start !== runs[2 * j] || !WORD.test(c.value))) return undefined;
  return { format: 'column', columns: cells.map((c) => c.value), runs };
}

function csvHeader(text: string): TableShape | undefined {
  const tsv = text.includes('\t');
  const cells = tsv ? tsvCells(text, 0) : csvCells(text, 0);
  if (!cells || cells.length < 2 || !cells.every((c) => WORD.test(c.value))) return undefined;
  return { format: tsv ? 'tsv' : 'csv', columns: cells.map((c) => c.value), runs: [] };
}

/** A row's cells on one line: `first` the column of the first, `open` when the last is a quoted CSV cell the line ends within. */
export interface Row {
  readonly cells: Cell[];
  readonly first: number;
  readonly open: boolean;
}

/**
 * The cells of `text` as a row of `table`, or undefined when it is none of its rows; `continued`:
 * the column of a quoted CSV cell the line before ended within, which this line goes on with.
 */
export function tableRow(table: TableShape, text: string, continued?: number): Row | undefined {
  const n = table.columns.length;
  let cells: Cell[] | undefined;
  switch (table.format) {
    case 'bordered':
      cells = placedCells(table.runs, '|', text, true) ?? barCells(table, '|', text.trimEnd(), n);
      break;
    case 'box':
      cells = placedCells(table.runs, '│', text, true) ?? barCells(table, '│', text.trimEnd(), n);
      break;
    case 'psql':
      // A row has a blank before its first cell, as its header has (`(2 rows)` has none).
      if (text.startsWith(' ')) cells = placedCells(table.runs, '|', text, false) ?? splitCells(text, '|', 0, text.length, table.runs);
      break;
    case 'column':
      cells = columnCells(table.runs, text);
      break;
    case 'tsv':
      cells = tsvCells(text, n);
      break;
    case 'csv':
      return csvCells(text, n, continued);
  }
  return cells?.length === n ? { cells, first: 0, open: false } : undefined;
}

/**
 * The cells of a row of a table whose rule has `runs`, read by position: each between the `bar`s
 * that stand where the rule's crosses are (`outer`: a bar first and last too, the row as wide as
 * the rule; else no wider), whatever other bars a cell holds; undefined when a bar is not there.
 */
function placedCells(runs: readonly number[], bar: string, text: string, outer: boolean): Cell[] | undefined {
  const line = text.trimEnd();
  let width = runs.length - 1 + (outer ? 2 : 0);
  for (const r of runs) width += r;
  if (outer ? line.length !== width || line[0] !== bar || line[width - 1] !== bar : line.length > width) return undefined;
  const cells: Cell[] = [];
  let at = outer ? 1 : 0;
  for (let j = 0; j < runs.length; j++) {
    const end = at + (runs[j] as number);
    if (j < runs.length - 1 && line[end] !== bar) return undefined;
    cells.push(trimmed(line, at, Math.min(end, line.length)));
    at = end + 1;
  }
  return cells;
}

/** The cells of a line between bars, `bar` first and last, as many as `n`, none wider than its run. */
function barCells(table: TableShape, bar: string, text: string, n: number): Cell[] | undefined {
  if (text.length < 2 || text[0] !== bar || text[text.length - 1] !== bar) return undefined;
  const cells = splitCells(text, bar, 1, text.length - 1, table.runs);
  return cells?.length === n ? cells : undefined;
}

/** The cells of `text[from, to)` between `bar`s, trimmed, as many as `runs` and none wider than its run; else undefined. */
function splitCells(text: string, bar: string, from: number, to: number, runs: readonly number[]): Cell[] | undefined {
  const cells: Cell[] = [];
  let at = from;
  for (let j = 0; j < runs.length; j++) {
    let next = text.indexOf(bar, at);
    if (next === -1 || next >= to) next = to;
    if (next - at > (runs[j] as number) || (next === to) !== (j === runs.length - 1)) return undefined;
    cells.push(trimmed(text, at, next));
    at = next + 1;
  }
  return cells;
}

/** The text of `text[from, to)` without its blanks, where it stands. */
function trimmed(text: string, from: number, to: number): Cell {
  let start = from;
  let end = to;
  while (start < end && text[start] === ' ') start++;
  while (end > start && text[end - 1] === ' ') end--;
  return { start, end, value: text.slice(start, end) };
}

/** The cells of a line of `.mode column` (runs: each column's start and end): blanks in the gaps, nothing past the last run, not blank. */
function columnCells(runs: readonly number[], text: string): Cell[] | undefined {
  const line = text.trimEnd();
  if (line.length === 0 || line.length > (runs[runs.length - 1] as number)) return undefined;
  const cells: Cell[] = [];
  for (let j = 0; j < runs.length; j += 2) {
    const start = runs[j] as number;
    const end = Math.min(runs[j + 1] as number, line.length);
    const gap = j === 0 ? 0 : (runs[j - 1] as number);
    for (let k = gap; k < Math.min(start, line.length); k++) if (line[k] !== ' ') return undefined;
    cells.push(start >= line.length ? { start: line.length, end: line.length, value: '' } : trimmed(line, start, end));
  }
  return cells;
}

/** The cells of a TSV line, `n` of them when `n` is not 0. */
function tsvCells(text: string, n: number): Cell[] | undefined {
  const cells: Cell[] = [];
  let at = 0;
  for (;;) {
    const tab = text.indexOf('\t', at);
    const end = tab === -1 ? text.length : tab;
    cells.push({ start: at, end, value: text.slice(at, end) });
    if (tab === -1 || (n !== 0 && cells.length > n)) break;
    at = tab + 1;
  }
  return n === 0 || cells.length === n ? cells : undefined;
}

/** The cells of a CSV header (RFC 4180: a quoted cell's `""` read as `"`), prose's lines left: a cell starting with a blank or holding a bare `"`. */
function csvCells(text: string, n: 0): Cell[] | undefined;
/** The cells of a row of `n` columns, of any text, `continued` the column of a quoted cell the line goes on with. */
function csvCells(text: string, n: number, continued?: number): Row | undefined;
function csvCells(text: string, n: number, continued?: number): Cell[] | Row | undefined {
  const header = n === 0;
  const first = continued ?? 0;
  const cells: Cell[] = [];
  let column = first;
  let at = 0;
  let quoted = continued !== undefined;
  for (;; column++) {
    let next: number;
    if (quoted || text[at] === '"') {
      const from = quoted ? at : at + 1;
      const close = closingQuote(text, from);
      if (close === -1) {
        // The line ends within the cell: the row goes on on the next line.
        if (header) return undefined;
        cells.push({ start: from, end: text.length, value: text.slice(from).replaceAll('""', '"') });
        return column < n ? { cells, first, open: true } : undefined;
      }
      cells.push({ start: from, end: close, value: text.slice(from, close).replaceAll('""', '"') });
      next = close + 1;
      quoted = false;
      if (next < text.length && text[next] !== ',') return undefined;
    } else {
      next = text.indexOf(',', at);
      if (next === -1) next = text.length;
      const value = text.slice(at, next);
      if (header) {
        // Prose's comma has a blank after it; a header's cell does not start with one (nor hold a quote).
        if (value.startsWith(' ') || value.startsWith('\t') || value.includes('"')) return undefined;
        cells.push({ start: at, end: next, value });
      } else cells.push(trimmed(text, at, next));
    }
    if (next >= text.length || (!header && column >= n)) break;
    at = next + 1;
  }
  if (header) return cells;
  return column === n - 1 ? { cells, first, open: false } : undefined;
}

/** The index of the quote closing a quoted cell whose text starts at `from` (a `""` within it is none), or -1. */
function closingQuote(text: string, from: number): number {
  for (let k = from; ; ) {
    const q = text.indexOf('"', k);
    if (q === -1 || text[q + 1] !== '"') return q;
    k = q + 2;
  }
}
