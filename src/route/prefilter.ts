/**
 * The raw-line prefilter of the routing rules. For each rule it derives patterns such that a line
 * whose record the rule matches contains at least one of them; one RE2.Set over all of them then
 * tells in one pass whether a raw line can need routing. It may say "maybe" too often, never "no"
 * wrongly, on the same terms as the detectors' prefilter: a line holding a backslash (a JSON
 * escape can hide anything) always passes, and an anchored pattern also accepts the `"` that ends
 * a JSON string in the raw line.
 */
import { widenAnchors } from '../detect/line-filter.js';
import type { ConditionGroup, FieldCondition, Scalar } from './spec.js';
import { parsePath } from './path.js';

/** Alternatives (any may match), ranked: a lower rank is more selective. */
interface Need {
  patterns: string[];
  rank: number;
}

/** Escapes RE2 metacharacters. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** Numbers compare by their text, and a JSON number can be written with a fraction or an exponent. */
const NUMERIC = /^-?\d+(?:\.\d+)?$/;

/** Any JSON number written with an exponent (`4.01e2`): its text is not the text it compares by. */
const EXPONENT_NUMBER = '[:\\[,]\\s*-?\\d+(?:\\.\\d+)?[eE]';

/** Raw-line patterns one of which occurs wherever a field holds `value`. */
export function valuePatterns(value: Scalar): string[] {
  const text = String(value);
  if (NUMERIC.test(text)) {
    // A JSON number (401, 401.0, 4.01e2) after ':', '[' or ',', or the same text as a JSON string.
    const literal = text === '0' ? '-?0' : escapeRegex(text);
    const fraction = text.includes('.') ? '0*' : '(?:\\.0+)?';
    const out = [`[:\\[,]\\s*${literal}${fraction}\\s*[,\\]}]`, escapeRegex(JSON.stringify(text)), EXPONENT_NUMBER];
    // More than 15 digits may not survive parsing as written.
    if (text.replace(/\D/g, '').length > 15) out.push('\\d{16}');
    return out;
  }
  if (/^-?[\d.]+e[-+]?\d+$/i.test(text)) {
    // A number whose text has an exponent (1e+21, 1e-7) may be written without one.
    return [escapeRegex(JSON.stringify(text)), EXPONENT_NUMBER, '\\d{16}', '[:\\[,]\\s*-?0\\.0{6}'];
  }
  if (text === 'true' || text === 'false') return [`[:\\[,]\\s*${text}\\s*[,\\]}]`, escapeRegex(JSON.stringify(text))];
  return [escapeRegex(JSON.stringify(text))];
}

function fieldNeed(path: string, condition: FieldCondition): Need | undefined {
  if ('in' in condition) {
    const shortest = Math.min(...condition.in.map((v) => String(v).length));
    return { patterns: condition.in.flatMap(valuePatterns), rank: 100 - Math.min(shortest, 50) };
  }
  if ('regex' in condition) return { patterns: [widenAnchors(condition.regex)], rank: 200 };
  if (condition.exists) {
    const parsed = parsePath(path);
    if (typeof parsed === 'string' || parsed.lastKey === undefined) return undefined;
    return { patterns: [`${escapeRegex(JSON.stringify(parsed.lastKey))}\\s*:`], rank: 300 };
  }
  return undefined;
}

/**
 * Patterns one of which a raw line matches whenever `group` holds, or undefined when none can be
 * derived (only `not` and `exists: false`, or an `any` with such an alternative).
 */
export function groupPatterns(group: ConditionGroup): string[] | undefined {
  const needs: Need[] = [];
  for (const [path, condition] of Object.entries(group.fields ?? {})) {
    const need = fieldNeed(path, condition);
    if (need) needs.push(need);
  }
  if (group.text) needs.push({ patterns: group.text.map(widenAnchors), rank: 150 });
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
      const patterns = alternatives.flat() as string[];
      needs.push({ patterns, rank: 500 + patterns.length });
    }
  }
  needs.sort((a, b) => a.rank - b.rank || a.patterns.length - b.patterns.length);
  return needs[0]?.patterns;
}
