/**
 * Values a Python traceback shows under the names of its lines of code (see act/diagnosed.ts), in
 * a text log, each of its lines a record. A batch reads the value lines its prefilter marks
 * (every line with a `└ `, see DIAGNOSE_LINE in line-filter.ts) and looks back over the value
 * lines above each to the line of code, across batches (see lookback.ts): a cut between them
 * changes nothing. A value that is one of logveil's tokens already is left as it is.
 */
import { diagnosedValue, MAX_VALUES, VALUE_LINE } from '../act/diagnosed.js';
import { takes } from '../act/members.js';
import type { CompiledPolicy } from '../detect/compile.js';
import type { Lookback } from './lookback.js';
import type { NamedSpan } from './named-types.js';
import { isOwnToken } from './named-values.js';

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
    const found = code === undefined ? undefined : diagnosedValue(code, text);
    if (!found) continue;
    const decision = policy.keyRules.decide(found.name);
    if (decision.mode !== 'redact' || !decision.rule || !takes(decision.rule, found.value) || isOwnToken(policy, found.written)) continue;
    const value = typeof found.value === 'number' ? found.written : found.value;
    (out ??= new Map()).set(i, [{ start: found.start, end: found.end, value, rule: decision.rule, pattern: decision.pattern ?? found.name, quoting: 'word' }]);
  }
  return out;
}
