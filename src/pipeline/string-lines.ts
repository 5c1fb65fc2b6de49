/**
 * The lines of a string that holds several: a JSON logger's message or a container record's log
 * that holds a manifest, a configuration dump or a debugging print (`"Config {\n    password:
 * Some(\n        \"...\",\n    ),\n}"` from Rust's tracing, `"loaded:\n  password: |\n    ..."`),
 * read as named-values.ts reads the lines of a text log: a value named on the line before it is
 * taken by the rule its name selects. The string's first line opens nothing (it starts the
 * message: `Config {`, `loaded config:`) and holds no value (nothing is open before it); the
 * others are read in order, nothing open at the first.
 *
 * The line prefilter cannot tell such a string from others, and the batch sends a JSON line
 * down the structured path when one of its strings may hold one (see {@link mayNameInStrings}):
 * a line between two of a string's line ends that may open something, read by its first and last
 * bytes as a text log's line is (see named-bytes.ts).
 */
import type { EmbeddedValue } from '../act/embedded.js';
import type { CompiledPolicy } from '../detect/compile.js';
import { lineEnds } from '../detect/line-filter.js';
import { prefixLength } from './log-prefix.js';
import { mayOpen } from './named-bytes.js';
import { namedValues } from './named-values.js';

const NL = 0x0a;
const CR = 0x0d;

/** The values that the lines of `text` name on the line before them and a `redact` key rule takes, in order (see the module notes). */
export function stringLineValues(text: string, policy: CompiledPolicy): EmbeddedValue[] {
  const first = text.indexOf('\n');
  // An opening line and a value line after the first line: two line ends at least.
  if (first === -1 || text.indexOf('\n', first + 1) === -1 || policy.keyRules.empty) return [];
  const rest = text.slice(first + 1);
  const data = Buffer.from(rest, 'utf8');
  const found = namedValues(data, lineEnds(data), undefined, policy);
  if (!found) return [];
  // Where each line of the rest starts in `text` (UTF-16 units).
  const starts = [first + 1];
  for (let at = rest.indexOf('\n'); at !== -1; at = rest.indexOf('\n', at + 1)) starts.push(first + 2 + at);
  const out: EmbeddedValue[] = [];
  for (const [i, spans] of found.lines) {
    const base = starts[i] as number;
    for (const s of spans) {
      const start = base + s.start;
      const end = base + s.end;
      out.push({ start, end, rule: s.rule, pattern: s.pattern, ...(text.slice(start, end) !== s.value && { value: s.value }) });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * Whether a line of `reading` between two of its line ends may open something (see mayOpen in
 * named-bytes.ts): `reading` is a JSON line with its strings as they read once parsed (see
 * controlEscapesDecoded), whose line ends are those its strings hold. Each line between two of
 * them is one of a string's lines after its first and before its last, or the last line of one
 * string and the first of the next: the first opens nothing, and what the last opens has no line
 * after it. Without such a line, {@link stringLineValues} takes nothing from any of its strings.
 */
export function mayNameInStrings(reading: Buffer): boolean {
  let start = reading.indexOf(NL);
  if (start === -1) return false;
  for (let end = reading.indexOf(NL, start + 1); end !== -1; end = reading.indexOf(NL, end + 1)) {
    const lineStart = start + 1;
    const stop = end > lineStart && reading[end - 1] === CR ? end - 1 : end;
    if (mayOpen(reading, lineStart + prefixLength(reading, lineStart, stop), end)) return true;
    start = end;
  }
  return false;
}
