/**
 * Values a text log holds in the rows of a table a database client printed. A query's result, in
 * a CI job's or an operator's log, names its columns once, in its header; each row below holds
 * values only: `|  1 | bob   | S3cr3tPass!  |` reads as text, where the header above it says the
 * third cell is a password. So the batch follows the tables it reads, as it follows a name whose
 * value the next line holds (see named-values.ts): the batcher carries the table open after a
 * batch to the next (input order, see batcher.ts), and a batch marks the rows whose cells the key
 * rules take, each redacted as a value under its column's name would be (see batch.ts), then read
 * as usual.
 *
 * The forms read (each line's shape in table-lines.ts): mysql's table (`+----+` borders), sqlite3's
 * `.mode box` and `.mode column`, psql's aligned output, mysql's batch output (`-B`, a tab between
 * cells) and a CSV export. A table opens at the rule under its header (`+----+------+`,
 * `----+------`, `├────┼──────┤`, `--  -----`), the header the line before it; at its header for
 * TSV and CSV, which have no rule. Each following line that is a row of it (as many cells, the
 * same separators, within the rule's widths) is one of its rows; any other line closes it (a
 * border, `(2 rows)`, a blank line), and may open another (but mysql's border under its last row,
 * whose line above is no header). A row of mysql's, sqlite3's box or psql's table is read by
 * position (the clients pad each cell to its column's width): a cell holding a `|` is read, the
 * row is one. A CSV row whose quoted cell holds a line end goes on on the next line: that line's
 * cells are the row's next ones, its first the quoted cell's rest (up to 64 lines of one row).
 *
 * Which cells are taken is the key rules' answer, as for a member of an object: the rule the
 * column's name selects, if it redacts, and the values it takes (see `takes`: not a mask, its
 * `matching` pattern); an empty cell, mysql's `NULL` and a value that is one of logveil's tokens
 * already are left. A header naming no column a rule redacts marks no row, though the table stays
 * open (the batcher, which has no policy, cannot tell).
 *
 * Behind a log prefix (see log-prefix.ts), the line is what follows it: a table opened behind a
 * prefix takes only rows behind a prefix of the same shape (the header's and the rule's alike),
 * and one opened with none, rows with none.
 *
 * Cost: most lines open no table and none is open. Such a line is read by its last bytes (see
 * mayOpenLine: a rule's or a header's), then by its prefix and first bytes (see mayOpenTable); only
 * a rule or a header is decoded. A JSON object's line and a blank line are no row: the batcher
 * reads a batch that ends with one no further, and most batches of JSON lines do.
 *
 * A line that cannot be read as a row of the open table closes it, and the lines below it are no
 * table's (they are read as any text is, and a cell's value only by what it holds): a bordered
 * or psql row not padded to the rule whose cell holds a `|`, a cell wider than its column, a row
 * of another number of cells (a TSV cell holding a tab, a CSV row's unquoted `,` in a value), a
 * blank or JSON line within a CSV quoted cell. Not read either: psql's wrapped or expanded (`\x`)
 * output; a TSV or CSV header whose names hold blanks; a row cut in parts by a container runtime.
 */
import { takes } from '../act/members.js';
import type { CompiledPolicy } from '../detect/compile.js';
import type { KeyDecision } from '../detect/key-rules.js';
import { lineEnds } from '../detect/line-filter.js';
import { prefixLength, prefixShape } from './log-prefix.js';
import type { NamedSpan } from './named-types.js';
import { isOwnToken } from './named-values.js';
import { mayOpenLine, mayOpenTable, tableOpening, tableRow, type Cell, type Row, type TableShape } from './table-lines.js';

/**
 * A table open after a line: its header, the shape of the log prefix its lines have ('' for none)
 * and, when the line ended within a quoted CSV cell, that cell's column and the row's lines so far.
 */
export interface TableState extends TableShape {
  readonly prefix: string;
  readonly quoted?: { readonly column: number; readonly lines: number };
}

/** A CSV row spanning more lines than this closes its table (an unclosed quote is no cell of a table). */
const MAX_ROW_LINES = 64;

const CR = 0x0d;
const NL = 0x0a;
const BRACE = 0x7b;

/**
 * The rows of `data` (whole lines; `ends[i]` is line i's `\n`, or the end of the data) whose cells
 * a `redact` key rule of `policy` takes, by line index; `state`: the table open before it,
 * `previous` the line before it (see lookback.ts). Undefined when it marks none.
 */
export function tableValues(data: Buffer, ends: Int32Array, state: TableState | undefined, previous: string | undefined, policy: CompiledPolicy): Map<number, NamedSpan[]> | undefined {
  let out: Map<number, NamedSpan[]> | undefined;
  let decided: { columns: readonly string[]; decisions: readonly (KeyDecision | undefined)[] } | undefined;
  readTables(data, ends, state, previous, (i, table, row, prefix) => {
    if (decided?.columns !== table.columns) decided = { columns: table.columns, decisions: table.columns.map((c) => redacting(policy, c)) };
    const spans: NamedSpan[] = [];
    for (let j = 0; j < row.cells.length; j++) {
      const decision = decided.decisions[row.first + j];
      const cell = row.cells[j] as Cell;
      if (!decision?.rule || cell.value === '' || cell.value === 'NULL') continue;
      if (!takes(decision.rule, cell.value) || isOwnToken(policy, cell.value)) continue;
      // Written as a block scalar's line is: literal text (a CSV cell's quotes stay around it).
      spans.push({ start: prefix + cell.start, end: prefix + cell.end, value: cell.value, rule: decision.rule, pattern: decision.pattern ?? (table.columns[row.first + j] as string), quoting: 'block' });
    }
    if (spans.length > 0) (out ??= new Map()).set(i, spans);
  });
  return out;
}

/** The decision of the key rules on a column's name, when a rule redacts under it. */
function redacting(policy: CompiledPolicy, column: string): KeyDecision | undefined {
  const decision = policy.keyRules.decide(column);
  return decision.mode === 'redact' && decision.rule ? decision : undefined;
}

/** The table open after `data` (whole lines), `state` the one open before it, `before` the lines before it (see linesAfter in lookback.ts). */
export function tableStateAfter(data: Uint8Array, state: TableState | undefined, before: readonly string[] | undefined): TableState | undefined {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // Most batches end with a line that closes any table and opens none (a JSON object's, a blank one): nothing is read.
  let stop = bytes.length > 0 && bytes[bytes.length - 1] === NL ? bytes.length - 1 : bytes.length;
  if (stop > 0 && bytes[stop - 1] === CR) stop--;
  const last = stop === 0 ? 0 : bytes.lastIndexOf(NL, stop - 1) + 1;
  if (bytes.length > 0 && (bytes[last] === BRACE || isBlank(bytes, last, stop))) return undefined;
  return readTables(bytes, lineEnds(bytes), state, before?.[before.length - 1]);
}

/**
 * Reads the lines of `data` from `state`, telling `row` of each row of an open table (its cells'
 * offsets those of its text after a log prefix of `prefix` units); returns the table open after
 * them. `previous`: the text of the line before the data.
 */
function readTables(data: Buffer, ends: Int32Array, state: TableState | undefined, previous: string | undefined, row?: (line: number, table: TableState, cells: Row, prefix: number) => void): TableState | undefined {
  let open = state;
  const first = previous === undefined ? undefined : Buffer.from(previous, 'utf8');
  let prevStart = -1;
  let prevStop = -1;
  for (let i = 0, start = 0; i < ends.length; i++) {
    const end = ends[i] as number;
    const lineStart = start;
    start = end + 1;
    const stop = end > lineStart && data[end - 1] === CR ? end - 1 : end;
    const lastStart = prevStart;
    const lastStop = prevStop;
    prevStart = lineStart;
    prevStop = stop;
    // Most lines: none is open, and the line's last bytes are no rule's or header's.
    if (open === undefined && (data[lineStart] === BRACE || !mayOpenLine(data, lineStart, stop))) continue;
    const prefix = prefixLength(data, lineStart, stop);
    const content = lineStart + prefix;
    let closed: TableState | undefined;
    if (open !== undefined) {
      const table = open;
      closed = table;
      open = undefined;
      // A JSON object's line and a blank one are no row (the batcher reads no further back, see tableStateAfter).
      if (data[lineStart] !== BRACE && !isBlank(data, content, stop) && shapeOf(data, lineStart, prefix) === table.prefix) {
        const cells = tableRow(table, data.toString('utf8', content, stop), table.quoted?.column);
        const lines = (table.quoted?.lines ?? 0) + 1;
        if (cells && (!cells.open || lines < MAX_ROW_LINES)) {
          open = cells.open ? { ...unquoted(table), quoted: { column: cells.first + cells.cells.length - 1, lines } } : unquoted(table);
          row?.(i, table, cells, prefix);
          continue;
        }
      }
    }
    // mysql's border under its last row closes the table, and opens none (the row is no header).
    if (closed?.format === 'bordered' || !mayOpenTable(data, content, stop)) continue;
    const shape = shapeOf(data, lineStart, prefix);
    const before = i === 0 ? first && previousText(first, 0, first.length, shape) : previousText(data, lastStart, lastStop, shape);
    const opened = tableOpening(data.toString('utf8', content, stop), before);
    if (opened) open = { ...opened, prefix: shape };
  }
  return open;
}

/** The text of the line before, `bytes` from `start` to `end`, past a log prefix of the shape `shape`; undefined for one behind another. */
function previousText(bytes: Buffer, start: number, end: number, shape: string): string | undefined {
  const prefix = prefixLength(bytes, start, end);
  if (shapeOf(bytes, start, prefix) !== shape) return undefined;
  return bytes.toString('utf8', start + prefix, end);
}

/** The shape of the log prefix of `prefix` bytes at `start` ('' for none). */
function shapeOf(data: Uint8Array, start: number, prefix: number): string {
  return prefix === 0 ? '' : prefixShape(data, start, prefix);
}

/** `table` with no quoted cell open. */
function unquoted(table: TableState): TableState {
  return table.quoted === undefined ? table : { format: table.format, columns: table.columns, runs: table.runs, prefix: table.prefix };
}

/** True when the bytes from `start` to `stop` are blanks only, or none. */
function isBlank(data: Uint8Array, start: number, stop: number): boolean {
  for (let k = start; k < stop; k++) if (data[k] !== 0x20 && data[k] !== 0x09) return false;
  return true;
}
