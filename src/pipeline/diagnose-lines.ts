/**
 * Values a Python traceback shows under the names of its lines of code. loguru (whose `diagnose`
 * is on by default) and better_exceptions write, below a line of the traceback's code, the value
 * each name on it held, one line each, a `└` under the name's first character and a `│` under
 * each name whose value comes on a later line:
 *
 *     user = authenticate(username, password)
 *            │            │         └ 'MaplePurple3638.'
 *            │            └ 'wendy'
 *            └ <function authenticate at 0x7f3c2a1b4d30>
 *
 * Read alone, `│ └ 'MaplePurple3638.'` names nothing. Here the value under a name a `redact` key
 * rule selects is taken by that rule, as the structured path takes a member's value under its key
 * (the same values taken, see `takes`; one of logveil's tokens left as it is): a string's content
 * between its quotes (or what is shown of a string cut short, `'...`), or a number. Each part of
 * a dotted name has its own corner (`self.password`: one under `self`, one under `password`).
 * Other values (an object's repr, a list) are left to the detectors, as the rest of each line is.
 *
 * Not read: lines with colours (loguru's `colorize`, a terminal's escapes before the bars), or
 * behind a log prefix (a syslog header, `kubectl logs --timestamps`).
 *
 * Which lines: a value line holds only blanks and bars before its `└ ` (see {@link VALUE_LINE});
 * the value lines under one line of code follow it, at most {@link MAX_VALUES} of them. A batch
 * reads the value lines its prefilter marks (every line with a `└ `, see DIAGNOSE_LINE in
 * line-filter.ts) and looks back over the value lines above each to the line of code, across
 * batches (see lookback.ts): a cut between them changes nothing.
 */
import { takes } from '../act/members.js';
import { pythonItems } from '../codecs/python-literal.js';
import type { CompiledPolicy } from '../detect/compile.js';
import type { Lookback } from './lookback.js';
import { isOwnToken, type NamedSpan } from './named-values.js';

/** A value line: blanks and bars, then the corner and a blank, then the value. */
export const VALUE_LINE = /^[ │]*└ /;
/** Value lines under one line of code, at most. */
const MAX_VALUES = 32;
/** A name as Python writes it. */
const NAME = /[A-Za-z_]\w*/y;
const NAME_CHAR = /\w/;
/** A string cut short (its prefix and quote in group 1, what is shown of it, as written, in group 2). */
const CUT_STRING = /^([bBuU]?['"])(.+)\.\.\.$/;

/**
 * The value lines of a batch whose values a `redact` key rule of `policy` takes by the name above
 * them, with those values' spans, by line index: `lines`, the batch's lines and those before it;
 * `slow` marks the lines the prefilter marked (only those may be value lines). Undefined when
 * there is none.
 */
export function diagnoseValues(lines: Lookback, slow: Uint8Array, policy: CompiledPolicy): Map<number, NamedSpan[]> | undefined {
  let out: Map<number, NamedSpan[]> | undefined;
  for (let i = 0; i < slow.length; i++) {
    if (!slow[i]) continue;
    const text = lines.whole(i);
    if (!VALUE_LINE.test(text)) continue;
    // Back over the value lines above it to the line of code.
    let j = i - 1;
    for (let above = lines.line(j); j >= i - MAX_VALUES && above !== undefined && VALUE_LINE.test(above); above = lines.line(--j));
    const code = j >= i - MAX_VALUES ? lines.line(j) : undefined;
    const span = code === undefined ? undefined : valueUnder(policy, code, text);
    if (span) (out ??= new Map()).set(i, [span]);
  }
  return out;
}

/**
 * The value of value line `text` as the key rule of the name above its corner in `code` takes it;
 * undefined when none does. Columns count code points, as Python's do (an emoji before a name
 * is one column).
 */
function valueUnder(policy: CompiledPolicy, code: string, text: string): NamedSpan | undefined {
  // Only blanks and bars before the corner: its index is its column.
  const corner = text.indexOf('└');
  const column = unitOffset(code, corner);
  if (column === undefined || (column > 0 && NAME_CHAR.test(code[column - 1] as string))) return undefined;
  NAME.lastIndex = column;
  const key = NAME.exec(code)?.[0];
  if (key === undefined) return undefined;
  const decision = policy.keyRules.decide(key);
  if (decision.mode !== 'redact' || !decision.rule) return undefined;
  const read = reprValue(text, corner + 2);
  if (!read || !takes(decision.rule, read.value) || isOwnToken(policy, read.written)) return undefined;
  return { start: read.start, end: read.end, value: typeof read.value === 'number' ? read.written : read.value, rule: decision.rule, pattern: decision.pattern ?? key, quoting: 'word' };
}

/** The UTF-16 offset in `text` of its code point number `column` (from 0); undefined past its end. */
function unitOffset(text: string, column: number): number | undefined {
  let at = 0;
  for (let n = 0; n < column; n++) {
    if (at >= text.length) return undefined;
    at += (text.codePointAt(at) as number) > 0xffff ? 2 : 1;
  }
  return at < text.length ? at : undefined;
}

/** The string or number Python's repr wrote at `at` to the end of `text` (a string's content inside its quotes); undefined for another value. */
function reprValue(text: string, at: number): { start: number; end: number; value: string | number; written: string } | undefined {
  const end = text.trimEnd().length;
  // Read as the only item of a tuple: the reader gives where a string's content is written.
  const item = pythonItems(`(${text.slice(at, end)})`, 0);
  const only = item?.items.length === 1 && item.end === end - at + 2 ? item.items[0] : undefined;
  if (!only) {
    // A string longer than the traceback shows is cut, `...` in place of its end and its quote.
    const cut = CUT_STRING.exec(text.slice(at, end));
    if (!cut) return undefined;
    const start = at + (cut[1] as string).length;
    return { start, end: end - 3, value: cut[2] as string, written: cut[2] as string };
  }
  if (!((only.string && typeof only.value === 'string') || typeof only.value === 'number')) return undefined;
  const start = at + only.start - 1;
  const stop = at + only.end - 1;
  return { start, end: stop, value: only.value as string | number, written: text.slice(start, stop) };
}
