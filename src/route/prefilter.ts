/**
 * The raw-line prefilter of the routing rules. For each rule it derives patterns such that a line
 * whose record the rule matches contains at least one of them; one RE2.Set over all of them then
 * tells in one pass whether a raw line can need routing. It may say "maybe" too often, never "no"
 * wrongly, on the same terms as the detectors' prefilter: a line holding a backslash passes
 * unless it misses in each of its readings too, its escapes decoded as its strings read once
 * parsed (see escapedReadings in pipeline/prepare.ts; a line with another escape always passes),
 * and an anchored pattern also accepts the `"` that ends a JSON string in the raw line.
 */
import { widenAnchors } from '../detect/line-filter.js';
import type { ConditionGroup, FieldCondition, Scalar } from './spec.js';
import { parsePath } from './path.js';

/**
 * A raw-line pattern, and optionally another (`source`) that every line (or reading of one, as
 * above) the condition holds on also matches, and whose literals make a better gate than the
 * pattern's own: the value of `"kind": "Event"` is rarer in logs than the key. A line passes when
 * it matches the pattern and holds a literal of the source.
 */
export interface LinePattern {
  pattern: string;
  source?: string;
}

/** Alternatives (any may match), ranked: a lower rank is more selective. */
interface Need {
  patterns: LinePattern[];
  rank: number;
}

/** Escapes RE2 metacharacters. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** Numbers compare by their text, and a JSON number can be written with a fraction or an exponent. */
const NUMERIC = /^-?\d+(?:\.\d+)?$/;

/**
 * How a JSON value that compares equal to `value` can be written right after the `:` or `[` or
 * `,` before it, or read there in a line's reading with its escapes decoded: alternatives of a
 * regex, each anchored at the value's first character. A string that JSON writes with escapes
 * (`say \"hi\"`, a tab as `\t`) may be written with others (`\u0022`, `\u0009`), which only its
 * decoded reading, the string as it reads (`say "hi"`), spells.
 */
function valueForms(value: Scalar): string[] {
  const text = String(value);
  if (NUMERIC.test(text)) {
    // A JSON number (401, 401.0, 4.01e2), or the same text as a JSON string.
    const literal = text === '0' ? '-?0' : escapeRegex(text);
    const fraction = text.includes('.') ? '0*' : '(?:\\.0+)?';
    // Written with 16 digits or more, a number may not survive parsing as written: 401.00000000000001
    // is 401 once parsed.
    return [`${literal}${fraction}\\s*[,\\]}]`, escapeRegex(JSON.stringify(text)), EXPONENT_NUMBER, LONG_NUMBER];
  }
  if (/^-?[\d.]+e[-+]?\d+$/i.test(text)) {
    // A number whose text has an exponent (1e+21, 1e-7) may be written without one.
    return [escapeRegex(JSON.stringify(text)), EXPONENT_NUMBER, LONG_NUMBER, '-?0\\.0{6}'];
  }
  if (text === 'true' || text === 'false') return [`${text}\\s*[,\\]}]`, escapeRegex(JSON.stringify(text))];
  const written = JSON.stringify(text);
  const read = `"${text}"`;
  return written === read ? [escapeRegex(written)] : [escapeRegex(written), escapeRegex(read)];
}

/** Any JSON number written with an exponent (`4.01e2`): its text is not the text it compares by. */
const EXPONENT_NUMBER = '-?\\d+(?:\\.\\d+)?[eE]';
/** A number written with 16 digits or more (digits and points: a superset, and a light one). */
const LONG_NUMBER = '-?[\\d.]{16}';

/** Raw-line patterns one of which occurs wherever a field holds `value`, whatever its key. */
export function valuePatterns(value: Scalar): string[] {
  // A string form needs no delimiter before it: its quotes are its own.
  return valueForms(value).map((f) => (f.startsWith('"') ? f : `[:\\[,]\\s*${f}`));
}

/**
 * One raw-line pattern that occurs wherever the field at `key` (the last key of a path from the
 * body) holds one of `values`: the key, its colon, then the value itself, or an array (a path steps
 * through arrays), or a string holding one (a path steps into JSON held in a string; with a key
 * inside, that JSON holds escaped quotes, which the line's decoded reading spells as quotes).
 */
export function keyedValuePattern(key: string, values: readonly Scalar[]): string {
  const forms = [...new Set(values.flatMap(valueForms))];
  return `${escapeRegex(JSON.stringify(key))}\\s*:\\s*(?:${forms.join('|')}|"?\\s*\\[)`;
}

function fieldNeed(path: string, condition: FieldCondition): Need | undefined {
  const parsed = parsePath(path);
  // Only a path from the body can be found by its key in the raw line.
  const key = typeof parsed !== 'string' && parsed.root === 'body' ? parsed.lastKey : undefined;
  if ('in' in condition) {
    const shortest = Math.min(...condition.in.map((v) => String(v).length));
    const forms = [...new Set(condition.in.flatMap(valuePatterns))];
    if (key === undefined) return { patterns: forms.map((pattern) => ({ pattern })), rank: 100 - Math.min(shortest, 50) };
    // The key narrows the match; the values, where they have literals, gate it.
    const pattern = { pattern: keyedValuePattern(key, condition.in), source: `(?:${forms.join('|')})` };
    return { patterns: [pattern], rank: 100 - Math.min(shortest + key.length, 90) };
  }
  if ('regex' in condition) return { patterns: [{ pattern: widenAnchors(condition.regex) }], rank: 200 };
  if (condition.exists) {
    if (typeof parsed === 'string' || parsed.lastKey === undefined) return undefined;
    return { patterns: [{ pattern: `${escapeRegex(JSON.stringify(parsed.lastKey))}\\s*:` }], rank: 300 };
  }
  return undefined;
}

/**
 * Patterns one of which a raw line matches whenever `group` holds, or undefined when none can be
 * derived (only `not` and `exists: false`, or an `any` with such an alternative).
 */
export function groupPatterns(group: ConditionGroup): LinePattern[] | undefined {
  const needs: Need[] = [];
  for (const [path, condition] of Object.entries(group.fields ?? {})) {
    const need = fieldNeed(path, condition);
    if (need) needs.push(need);
  }
  if (group.text) needs.push({ patterns: group.text.map((t) => ({ pattern: widenAnchors(t) })), rank: 150 });
  for (const sub of group.all ?? []) {
    const patterns = groupPatterns(sub);
    if (patterns) needs.push({ patterns, rank: 400 + patterns.length });
  }
  for (const some of group.some ?? []) {
    const patterns = groupPatterns(some.where);
    if (patterns) needs.push({ patterns, rank: 450 + patterns.length });
  }
  if (group.any) {
    const alternatives = group.any.map(groupPatterns);
    if (alternatives.every((a) => a !== undefined)) {
      const patterns = alternatives.flat() as LinePattern[];
      needs.push({ patterns, rank: 500 + patterns.length });
    }
  }
  needs.sort((a, b) => a.rank - b.rank || a.patterns.length - b.patterns.length);
  return needs[0]?.patterns;
}
