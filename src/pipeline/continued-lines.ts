/**
 * Commands continued over several lines: a shell command written with a backslash at the end of
 * each line but its last, as CI logs print the scripts they run (GitHub Actions' `run:`, a
 * Dockerfile's RUN) and as scripts echo them:
 *
 *     curl -sS https://api.example.com/v1/items \
 *       --user admin:... \
 *       -o out.json
 *
 * A detector that knows a command's password by the command (curl's `--user`, mysql's `-p`, a
 * `--password` option) finds nothing in a line alone: the command's name stands on one line, its
 * option on another. Here a run of such lines is read joined, as the command reads (each line's
 * ending backslash left out, a log prefix before a continuing line too), with every detector and
 * key rule, and what is found is replaced in the lines (see joinedEdits in part-lines.ts). A line
 * continues another only when it follows it right away; the batcher does not end a batch inside
 * a run (see {@link openContinuation}).
 *
 * Not read: a run inside a JSON logger's message, or inside a record a container runtime wrapped
 * that the batch does not read as its line; continuations other than a backslash (PowerShell's
 * backtick, cmd's caret).
 */
import type { ActionPolicy } from '../act/actions.js';
import type { CompiledPolicy } from '../detect/compile.js';
import type { LineEdit } from './line-edits.js';
import { prefixLength } from './log-prefix.js';
import { joinedEdits } from './part-lines.js';

const NL = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
/** A backslash before a line end, with or without a carriage return between: what a batch holds where it holds a continued line. */
const CONTINUED = [Buffer.from('\\\n'), Buffer.from('\\\r\n')];

/** The lines of one run read joined, and that the batcher keeps together, at most (a longer run is read in runs of so many). */
export const MAX_CONTINUED_LINES = 64;

/**
 * The edits of the lines of `data` (the batch's text; `ends[i]`, line i's end) that runs of
 * continued lines read joined give, by line; none for a batch that holds no such run (most).
 */
export function continuedEdits(data: Buffer, ends: Int32Array, policy: CompiledPolicy, actions: ActionPolicy): Map<number, LineEdit[]> | undefined {
  if (!CONTINUED.some((w) => data.indexOf(w) !== -1)) return undefined;
  let out: Map<number, LineEdit[]> | undefined;
  for (let i = 0; i + 1 < ends.length; i++) {
    if (!continuedAt(data, ends, i)) continue;
    const run: Array<{ line: number; text: string; content: number }> = [];
    let j = i;
    for (; ; j++) {
      const start = j === 0 ? 0 : (ends[j - 1] as number) + 1;
      const stop = lineStop(data, ends, j);
      const continued = j + 1 < ends.length && j - i + 1 < MAX_CONTINUED_LINES && continuedAt(data, ends, j);
      // A continued line's backslash is left out (its offsets stay those of the line); a continuing one's log prefix too.
      run.push({ line: j, text: data.toString('utf8', start, continued ? stop - 1 : stop), content: j === i ? 0 : prefixLength(data, start, stop) });
      if (!continued) break;
    }
    for (const [line, edits] of joinedEdits(run, policy, actions)) (out ??= new Map()).set(line, edits);
    i = j;
  }
  return out;
}

/** Where line i's text stops: before its line end, and a carriage return before that. */
function lineStop(data: Buffer, ends: Int32Array, i: number): number {
  const start = i === 0 ? 0 : (ends[i - 1] as number) + 1;
  const end = ends[i] as number;
  return end > start && data[end - 1] === CR ? end - 1 : end;
}

/** Whether line i ends in a backslash after a blank (` \`): the next line continues it. */
function continuedAt(data: Buffer, ends: Int32Array, i: number): boolean {
  const start = i === 0 ? 0 : (ends[i - 1] as number) + 1;
  const stop = lineStop(data, ends, i);
  return stop - start >= 2 && data[stop - 1] === BACKSLASH && (data[stop - 2] === 0x20 || data[stop - 2] === 0x09);
}

/**
 * How many of the last lines of `data` (whole lines, as written) a batch must not end after: a
 * run of continued lines whose last line is still to come, up to {@link MAX_CONTINUED_LINES}.
 */
export function openContinuation(data: Buffer): number {
  let stop = data.length > 0 && data[data.length - 1] === NL ? data.length - 1 : data.length;
  let carried = 0;
  while (carried < MAX_CONTINUED_LINES && stop > 0) {
    const end = stop > 0 && data[stop - 1] === CR ? stop - 1 : stop;
    if (!(end >= 2 && data[end - 1] === BACKSLASH && (data[end - 2] === 0x20 || data[end - 2] === 0x09))) break;
    carried += 1;
    const nl = data.lastIndexOf(NL, stop - 1);
    if (nl === -1) break;
    stop = nl;
  }
  return carried;
}
