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
 * (the same values taken, see `takes`): a string's content between its quotes (or what is shown of
 * a string cut short, `'...`), or a number. Each part of a dotted name has its own corner
 * (`self.password`: one under `self`, one under `password`). Other values (an object's repr, a
 * list) are left to the detectors, as the rest of each line is.
 *
 * A value line holds only blanks and bars before its `└ ` (see {@link VALUE_LINE}); the value
 * lines under one line of code follow it, at most {@link MAX_VALUES} of them. A text log holds
 * each line as a record (see pipeline/diagnose-lines.ts); a JSON one holds the whole traceback in
 * one string (loguru's `serialize`: its `text`), read here (see {@link diagnosedValues}).
 *
 * Not read: lines with colours (loguru's `colorize`, a terminal's escapes before the bars), or
 * behind a log prefix (a syslog header, `kubectl logs --timestamps`).
 */
import type { KeyRules } from '../detect/key-rules.js';
import { pythonItems } from '../codecs/python-literal.js';
import type { EmbeddedValue } from './embedded.js';
import { takes } from './members.js';

/** A value line: blanks and bars, then the corner and a blank, then the value. */
export const VALUE_LINE = /^[ │]*└ /;
/** Value lines under one line of code, at most. */
export const MAX_VALUES = 32;
/** A name as Python writes it. */
const NAME = /[A-Za-z_]\w*/y;
const NAME_CHAR = /\w/;
/** A string cut short (its prefix and quote in group 1, what is shown of it, as written, in group 2). */
const CUT_STRING = /^([bBuU]?['"])(.+)\.\.\.$/;

/** A value a value line shows under a name: the name, where the value is written in the line, its value and how it is written. */
export interface DiagnosedValue {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly value: string | number;
  readonly written: string;
}

/**
 * The values of the value lines of `text` (a traceback in one string) that a `redact` key rule
 * takes by the name above them, with the rule (offsets in `text`).
 */
export function diagnosedValues(text: string, rules: KeyRules): EmbeddedValue[] {
  if (!text.includes('└ ') || rules.empty) return [];
  const lines = text.split('\n');
  const starts: number[] = [];
  for (let i = 0, at = 0; i < lines.length; i++) {
    starts.push(at);
    at += (lines[i] as string).length + 1;
  }
  const out: EmbeddedValue[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = stripCr(lines[i] as string);
    if (!VALUE_LINE.test(line)) continue;
    let j = i - 1;
    while (j >= 0 && i - j <= MAX_VALUES && VALUE_LINE.test(stripCr(lines[j] as string))) j--;
    if (j < 0 || i - j > MAX_VALUES) continue;
    const found = diagnosedValue(stripCr(lines[j] as string), line);
    if (!found) continue;
    const decision = rules.decide(found.name);
    if (decision.mode !== 'redact' || !decision.rule || !takes(decision.rule, found.value)) continue;
    const at = starts[i] as number;
    out.push({ start: at + found.start, end: at + found.end, rule: decision.rule, pattern: decision.pattern ?? found.name, ...(typeof found.value === 'string' && found.value !== found.written ? { value: found.value } : {}) });
  }
  return out;
}

/**
 * The name above the corner of value line `text` in `code`, and the value the line shows; undefined
 * when the corner stands under no name, or the value is no string or number. Columns count code
 * points, as Python's do (an emoji before a name is one column).
 */
export function diagnosedValue(code: string, text: string): DiagnosedValue | undefined {
  // Only blanks and bars before the corner: its index is its column.
  const corner = text.indexOf('└');
  const column = unitOffset(code, corner);
  if (column === undefined || (column > 0 && NAME_CHAR.test(code[column - 1] as string))) return undefined;
  NAME.lastIndex = column;
  const name = NAME.exec(code)?.[0];
  const read = name === undefined ? undefined : reprValue(text, corner + 2);
  return name !== undefined && read ? { name, ...read } : undefined;
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
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
