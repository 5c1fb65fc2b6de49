/**
 * The lines a batch marks for values named on other lines (named-values.ts, bound-lines.ts,
 * diagnose-lines.ts), as tests read them, and the property they all keep: a batch cut anywhere
 * marks what the whole marks, given the state the batcher carries over the cut.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { CompiledPolicy } from '../../src/detect/compile.js';
import { lineEnds } from '../../src/detect/line-filter.js';
import { Lookback } from '../../src/pipeline/lookback.js';
import type { NamedSpan } from '../../src/pipeline/named-types.js';
import { slowLines } from '../../src/pipeline/prepare.js';
import { LIMITS } from './engine.js';

/** The lines as a batch's data: none for no line. */
export const batchText = (lines: readonly string[]): string => (lines.length === 0 ? '' : lines.join('\n') + '\n');

/** The values of marked lines as `line: value as written -> value as read (pattern)`. */
export function describeMarks(lines: readonly string[], marks: Iterable<[number, readonly NamedSpan[]]>): string[] {
  const out: string[] = [];
  for (const [i, spans] of marks) for (const s of spans) out.push(`${i}: ${(lines[i] as string).slice(s.start, s.end)} -> ${s.value} (${s.pattern})`);
  return out;
}

/**
 * What a reader of the lines above (boundValues, diagnoseValues) marks in `lines` read as one
 * batch, `before` the lines before it; only the lines the prefilter marks are read, as a batch
 * reads them.
 */
export function lookbackMarks(
  lines: readonly string[],
  policy: CompiledPolicy,
  read: (lookback: Lookback, slow: Uint8Array, policy: CompiledPolicy) => Map<number, NamedSpan[]> | undefined,
  before?: readonly string[],
): string[] {
  const data = Buffer.from(batchText(lines));
  const ends = lineEnds(data);
  const slow = slowLines(data, ends, { policy, format: 'text', limits: LIMITS }, new Map());
  return describeMarks(lines, read(new Lookback(data, ends, before), slow, policy) ?? []);
}

/**
 * Checks that lines of `vocabulary`, cut into two batches anywhere, are marked as the whole is
 * (`marked`, given what `after` says the first part leaves), and leave what the whole leaves.
 */
export function expectSameMarksAtEveryCut<S>(vocabulary: readonly string[], maxLength: number, marked: (lines: readonly string[], state?: S) => string[], after: (lines: readonly string[], state?: S) => S | undefined): void {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...vocabulary), { maxLength }), fc.nat(), (lines, at) => {
      const cut = lines.length === 0 ? 0 : at % (lines.length + 1);
      const whole = marked(lines);
      const first = lines.slice(0, cut);
      const state = after(first);
      const second = marked(lines.slice(cut), state).map((m) => m.replace(/^\d+/, (n) => String(Number(n) + cut)));
      expect([...marked(first), ...second]).toEqual(whole);
      expect(after(lines.slice(cut), state)).toEqual(after(lines));
    }),
    { numRuns: 1500 },
  );
}
