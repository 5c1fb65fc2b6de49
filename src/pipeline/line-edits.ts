/**
 * What a line the batch marked before reading it has replaced first (see markedLine in batch.ts):
 * spans no detector tells from other text, found from the lines around them. A private key's
 * body line has its base64 run replaced as the policy's key-block detector replaces what it
 * finds (see pem-blocks.ts); a value whose name stands on the line before, as the key rule the
 * name selects replaces a value under that key (see named-values.ts), finding named
 * `key:<pattern>` as the structured path names it.
 */
import type { ActionPolicy, ResolvedAction } from '../act/actions.js';
import type { CompiledDetector } from '../detect/compile.js';
import { CodecError } from '../errors.js';
import type { Severity } from '../record.js';
import { encodeFor, quotedSpan } from './named-lines.js';
import type { NamedSpan } from './named-types.js';
import { bodyRun } from './pem-blocks.js';

/** A span of a marked line (UTF-16 offsets of its text): the value it holds, and what finds and replaces it. */
export interface LineEdit {
  start: number;
  end: number;
  value: string;
  id: string;
  category: string;
  severity: Severity;
  label: string;
  action: ResolvedAction;
  /** Where the value itself stands, when the span replaced is wider (a quoted value's quotes with it): the finding's offsets. */
  at?: { start: number; end: number };
  /** How the replacement is written in the line's context (a quoted string's escapes), if not as it is. */
  encode?: (replaced: string) => string;
  /** The field path of the finding, when not the line's (`$`): the member of a record that wraps the line (see wrapped-lines.ts). */
  path?: string;
  /** The rest of a value whose replacement stands in the line before it (a part of one line, see part-lines.ts): cut out, no token made. */
  continues?: boolean;
}

/** The base64 run of a key block's body line `text`, as `detector` replaces what it finds. */
export function keyBlockEdits(text: string, detector: CompiledDetector, actions: ActionPolicy): LineEdit[] {
  const { spec } = detector;
  const run = bodyRun(text);
  if (!run) throw new CodecError('KEY_BLOCK_UNREADABLE', 'a line of a private key block holds no base64 run where its block said');
  return [{ start: run.start, end: run.end, value: text.slice(run.start, run.end), id: spec.id, category: spec.category, severity: spec.severity, label: spec.label, action: actions.forDetector(spec) }];
}

/**
 * The values a line holds under names (see named-values.ts), as the key rule each name selects
 * replaces them, each replacement written as its value was (quoted and escaped, see encodeFor).
 */
export function namedEdits(spans: readonly NamedSpan[], actions: ActionPolicy): LineEdit[] {
  return spans.map(({ start, end, value, rule, pattern, quoting, outer }) => ({
    ...quotedSpan(quoting, start, end, outer),
    at: { start, end },
    value,
    id: `key:${pattern}`,
    category: rule.category,
    severity: rule.severity,
    label: rule.label,
    action: actions.forKeyRule(rule),
    encode: (replaced: string) => encodeFor(quoting, replaced),
  }));
}
