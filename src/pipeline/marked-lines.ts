/**
 * The lines of a batch that the readers across lines mark before the structured path reads them
 * (see line-edits.ts): a private key's body line (pem-blocks.ts), a value named on a line above
 * or below it (named-values.ts, bound-lines.ts, diagnose-lines.ts, command-lines.ts), the values
 * across the parts of a line a container runtime cut (part-lines.ts). Each reads the batch's
 * text, a record that wraps a line read as that line (wrapped-lines.ts). A marked line has its
 * edits made, then takes the structured path (markedLine in batch.ts).
 */
import type { CompiledDetector } from '../detect/compile.js';
import type { BatchContext, BatchTask } from './batch-types.js';
import { boundValues } from './bound-lines.js';
import { commandValues } from './command-lines.js';
import { continuedEdits } from './continued-lines.js';
import { diagnoseValues } from './diagnose-lines.js';
import { keyBlockEdits, namedEdits, type LineEdit } from './line-edits.js';
import { Lookback } from './lookback.js';
import { namedValues } from './named-values.js';
import { partEdits, withPartEdits } from './part-lines.js';
import { pemBodies } from './pem-blocks.js';
import { tableValues } from './table-values.js';
import { batchText } from './wrapped-lines.js';

/** What a line's mark is: what it holds (named in a failure's message), how the batch read the line, and its edits given the line's text as read. */
export interface Mark {
  what: string;
  /** `whole`: the record's `log` string read whole (see readEdits in wrapped-lines.ts). */
  read: { wrapped: boolean; plain: boolean; whole?: boolean };
  edits: (text: string) => readonly LineEdit[];
}

export interface MarkedLines {
  /** True when line i is marked whether or not its own bytes hold anything (it cannot take the fast path). */
  marked(i: number): boolean;
  /** Line i's mark, if any (a line `slow` gave may be marked besides). */
  mark(i: number): Mark | undefined;
}

/** The marks of a batch's lines (`ends[i]`, line i's end in `data`); `slow`, the lines that take the structured path anyway (see prepare.ts). */
export function markedLines(task: BatchTask, data: Buffer, ends: Int32Array, slow: Uint8Array, ctx: BatchContext): MarkedLines {
  const { policy, actions } = ctx;
  const keyBlock = policy.keyBlockDetector;
  // Whether a record the batch reads no line from may be a part (see part-lines.ts).
  const seen = { openRecord: false };
  const text = batchText(data, ends, seen);
  const lines = text?.data ?? data;
  const lineEnds = text?.ends ?? ends;
  const pem = keyBlock ? pemBodies(lines, lineEnds, task.pem, task.orphanKeyLines === true) : undefined;
  const named = policy.keyRules.empty ? undefined : namedValues(lines, lineEnds, task.named, policy)?.lines;
  // The cells of a table's rows, under its header's names.
  const tables = policy.keyRules.empty ? undefined : tableValues(lines, lineEnds, task.table, task.before?.[task.before.length - 1], policy);
  const parted = partEdits(data, ends, text, policy, actions, seen.openRecord);
  // Commands continued over lines, read joined as parts are.
  const continued = continuedEdits(lines, lineEnds, policy, actions);
  // Values named on a line above them, past the batch's first line if need be.
  const lookback = policy.keyRules.empty ? undefined : new Lookback(lines, lineEnds, task.before);
  const bound = lookback && boundValues(lookback, slow, policy);
  const diagnosed = lookback && diagnoseValues(lookback, slow, policy);
  // And on lines below them (the batcher keeps those in the batch, see command-lines.ts).
  const commands = lookback && commandValues(lookback, slow, policy);
  return {
    marked: (i) => pem?.body[i] === 1 || named?.has(i) === true || tables?.has(i) === true || parted?.has(i) === true || continued?.has(i) === true,
    mark: (i) => {
      const read = { wrapped: text?.wrapped[i] === 1, plain: text?.plain[i] === 1 };
      if (pem?.body[i]) return { what: 'a line of a private key block', read, edits: (line) => keyBlockEdits(line, keyBlock as CompiledDetector, actions) };
      const part = parted?.get(i);
      // A part read whole is no line the other readers read: its record holds its values.
      if (part?.whole) return { what: 'a value across the parts of a line', read: { wrapped: true, plain: false, whole: true }, edits: () => part.edits };
      const parts = joined(part?.edits, continued?.get(i));
      const spans = named?.get(i);
      if (spans) return { what: 'the value of a name on the line before', read, edits: () => withPartEdits(namedEdits(spans, actions), parts) };
      const cells = tables?.get(i);
      if (cells) return { what: 'a cell of a table under its header', read, edits: () => withPartEdits(namedEdits(cells, actions), parts) };
      const parameters = bound?.get(i) ?? diagnosed?.get(i) ?? commands?.get(i);
      if (parameters) return { what: 'a value named on a line before', read, edits: () => withPartEdits(namedEdits(parameters, actions), parts) };
      return parts ? { what: 'a value across the parts of a line', read, edits: () => parts } : undefined;
    },
  };
}

/** A line's edits from reading it joined with others, as parts of a line and as a continued command: where two overlap, the first's. */
function joined(parts: readonly LineEdit[] | undefined, continued: readonly LineEdit[] | undefined): readonly LineEdit[] | undefined {
  if (!continued) return parts;
  return parts ? withPartEdits(parts, continued) : continued;
}
