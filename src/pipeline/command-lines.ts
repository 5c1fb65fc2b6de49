/**
 * Entity Framework Core's command log in a text log, with sensitive data logging on: the message
 * gives the parameters' values on its first line and the statement that names them on the lines
 * after it, each a record of its own (the console logger indents them; Serilog and NLog write
 * them as they are):
 *
 *     info: Microsoft.EntityFrameworkCore.Database.Command[20101]
 *           Executed DbCommand (4ms) [Parameters=[@p0='...', @p1='...' (Nullable = false) (Size = 4000)], CommandType='Text', CommandTimeout='30']
 *           INSERT INTO [Users] ([Email], [Password])
 *           VALUES (@p0, @p1);
 *
 * Read alone, the first line names no column. A batch reads the parameter line with the lines
 * after it up to the message's end (see {@link continues}), at most {@link COMMAND_LINES} lines,
 * as one message (see efParameters in act/sql-logged.ts): each value is taken by the rule of the
 * column its name stands for in the statement, and one of logveil's tokens already is left. The
 * batcher cuts no batch inside such a message: a batch that would end inside one ends before its
 * parameter line (see {@link openCommand}), so a batch always holds the statement after its
 * parameters (but for a message longer than a batch, than {@link COMMAND_LINES} lines or than
 * {@link COMMAND_BYTES}).
 *
 * A JSON record's message holds the whole command and is read as one text (see act/sql.ts).
 */
import { sqlValues } from '../act/sql.js';
import type { CompiledPolicy } from '../detect/compile.js';
import type { Lookback } from './lookback.js';
import { prefixLength, prefixShape } from './log-prefix.js';
import type { NamedSpan } from './named-types.js';
import { isOwnToken } from './named-values.js';

/** Where EF Core's list of parameters opens, with its first parameter's name (the prefilter's EF_PARAMETERS_LINE). */
const PARAMETERS = '[Parameters=[@';
const PARAMETERS_BYTES = Buffer.from(PARAMETERS);
/**
 * Words one of which the raw bytes of a batch hold wherever {@link openCommand} of their text finds
 * a message: the parameter list's opening, a `\u` escape, which a record's text may decode into
 * it, or an ESC, whose terminal sequence the text leaves out (see wrapped-lines.ts). The batcher
 * looks for them before it copies the bytes to read.
 */
export const COMMAND_WORDS: readonly Buffer[] = [PARAMETERS_BYTES, Buffer.from('\\u'), Buffer.from([0x1b])];
/** Lines of a command's message read after its parameter line, at most (EF Core's batch of many rows writes one or more a row). */
export const COMMAND_LINES = 512;
/** The last bytes of a batch the batcher reads for a command's message it would cut (see {@link openCommand}). */
export const COMMAND_BYTES = 256 * 1024;
/** A line that starts a log entry of Microsoft.Extensions.Logging's console and systemd formats (`info: `, `<6>`), or of Serilog's (`[10:09:25 INF] `). */
const ENTRY = /^(?:(?:trce|dbug|info|warn|fail|crit): |<[0-7]>|\[\d)/;
const NL = 0x0a;
const CR = 0x0d;

/** A line read behind its log prefix (see log-prefix.ts): the prefix's shape ('' for none) and length, and the text after it. */
export interface Behind {
  readonly shape: string;
  readonly length: number;
  readonly rest: string;
}

/** `text` behind its log prefix, if it has one. */
export function behind(text: string): Behind {
  const bytes = Buffer.from(text.slice(0, 256), 'utf8');
  const length = prefixLength(bytes, 0, bytes.length);
  return length === 0 ? { shape: '', length: 0, rest: text } : { shape: prefixShape(bytes, 0, length), length, rest: text.slice(length) };
}

/**
 * Whether `line` (after the parameter line `head`) is one of its message's lines, and no blank
 * line nor another command's parameters: a line behind no prefix that starts no log entry (see
 * {@link ENTRY}; a logger that prefixes an entry writes its message's later lines bare), or one
 * behind a prefix of the parameter line's shape (a Compose service's, `kubectl logs --prefix`'s)
 * whose text is indented as the console logger indents a message's lines (a prefix of that shape
 * before text that is not is another entry's: the next line of a file logger's timestamps).
 */
export function continues(head: Behind, line: Behind): boolean {
  if (line.rest.trim() === '' || line.rest.includes(PARAMETERS)) return false;
  return line.shape === '' ? !ENTRY.test(line.rest) : line.shape === head.shape && /^[ \t]/.test(line.rest);
}

/**
 * The parameter lines of a batch whose values a `redact` key rule of `policy` takes by their
 * column, with those values' spans, by line index: `lines`, the batch's lines; `slow` marks the
 * lines the prefilter marked (only those may be parameter lines). Undefined when there is none.
 */
export function commandValues(lines: Lookback, slow: Uint8Array, policy: CompiledPolicy): Map<number, NamedSpan[]> | undefined {
  let out: Map<number, NamedSpan[]> | undefined;
  for (let i = 0; i < slow.length; i++) {
    if (!slow[i]) continue;
    const first = lines.whole(i);
    if (!first.includes(PARAMETERS)) continue;
    const head = behind(first);
    const parts = [head.rest];
    for (let j = i + 1; j < slow.length && j <= i + COMMAND_LINES; j++) {
      const line = behind(lines.whole(j));
      if (!continues(head, line)) break;
      parts.push(line.rest);
    }
    // The statement on the parameters' own line (a message written on one line) is read with them.
    const values = sqlValues(parts.join('\n'), policy.keyRules).filter((v) => v.end <= head.rest.length);
    const spans: NamedSpan[] = [];
    for (const v of values) {
      const written = head.rest.slice(v.start, v.end);
      if (isOwnToken(policy, written)) continue;
      spans.push({ start: head.length + v.start, end: head.length + v.end, value: v.value ?? written, rule: v.rule, pattern: v.pattern, quoting: 'word' });
    }
    if (spans.length > 0) (out ??= new Map()).set(i, spans);
  }
  return out;
}

/**
 * How many of the last lines of a batch of `data` (whole lines; its text as its readers read it,
 * see wrapped-lines.ts) should go to the next batch instead, so that a command's message the
 * batch ends inside goes whole to the next one: its parameter line and those after it, when each
 * line after it {@link continues} the message and it is one of the last {@link COMMAND_LINES}
 * lines (all of them when that line is the data's first: then no batch can hold the message whole
 * but one that goes on past the data); 0 when the data ends no message early.
 */
export function openCommand(data: Uint8Array): number {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // Most batches: one native search.
  if (bytes.lastIndexOf(PARAMETERS_BYTES) === -1) return 0;
  const below: Behind[] = [];
  let stop = bytes[bytes.length - 1] === NL ? bytes.length - 1 : bytes.length;
  for (let n = 1; n <= COMMAND_LINES + 1; n++) {
    const nl = stop === 0 ? -1 : bytes.lastIndexOf(NL, stop - 1);
    const start = nl + 1;
    const line = behind(bytes.toString('utf8', start, stop > start && bytes[stop - 1] === CR ? stop - 1 : stop));
    if (line.rest.includes(PARAMETERS)) return below.every((b) => continues(line, b)) ? n : 0;
    // A line that ends any message above it.
    if (line.rest.trim() === '' || ENTRY.test(line.rest) || start === 0) return 0;
    below.push(line);
    stop = nl;
  }
  return 0;
}
