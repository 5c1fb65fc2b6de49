/**
 * The raw-line prefilter. A line it passes holds no detector match in any of its string fields, no
 * key a `redact` rule selects, no nesting deeper than the limit: it cannot change, so it leaves
 * byte-for-byte without being decoded. It may say "look closer" too often, never "clean" wrongly
 * (the property tests compare it with the structured path).
 */
import { SplitSet } from './split-set.js';
import type { KeyRuleSpec } from './pack.js';

const NL = 0x0a;

export class LineFilter {
  /**
   * The patterns in a few separate sets (detectors, key rules and depth, extra): one RE2 automaton
   * over all of them grows far larger than the sum of its parts and falls off its fast path.
   */
  readonly sets: readonly SplitSet[];

  private constructor(groups: string[][]) {
    this.sets = groups.filter((g) => g.length > 0).map((g) => new SplitSet(g));
  }

  /** True when some pattern matches the line. */
  test(line: Buffer): boolean {
    for (const set of this.sets) if (set.test(line)) return true;
    return false;
  }

  /** Undefined when there is nothing to look for. */
  static build(
    detectorRegexes: readonly string[],
    keyRules: readonly KeyRuleSpec[],
    maxDepth?: number,
    extra: readonly string[] = [],
  ): LineFilter | undefined {
    const keys = keyRules.filter((r) => r.mode === 'redact').flatMap((r) => r.keys.map(jsonKeyPattern));
    const depth = maxDepth !== undefined ? [`(?:[\\[{][^\\[{]*){${maxDepth + 1}}`] : [];
    const groups = [detectorRegexes.map(widenAnchors), [...keys, ...depth], [...extra]];
    return groups.some((g) => g.length > 0) ? new LineFilter(groups) : undefined;
  }

  /**
   * Marks (in `hit`) every line of `data` that some pattern matches. `ends[i]` is the offset of
   * line i's `\n` (or the data length for a last line without one).
   */
  markHits(data: Buffer, ends: Int32Array, hit: Uint8Array): void {
    // Line by line: patterns such as [^"]* would run across line ends in one pass over the batch.
    for (let i = 0, start = 0; i < ends.length; i++) {
      const end = ends[i] as number;
      if (!hit[i] && this.test(data.subarray(start, end))) hit[i] = 1;
      start = end + 1;
    }
  }
}

/** Marks the lines holding `byte` (e.g. a backslash: JSON escapes can hide a match). */
export function markByte(data: Buffer, ends: Int32Array, byte: number | string, hit: Uint8Array): void {
  for (let pos = data.indexOf(byte); pos !== -1; ) {
    const line = lineAt(ends, pos);
    hit[line] = 1;
    pos = data.indexOf(byte, (ends[line] as number) + 1);
  }
}

/** Offsets of each line's end in `data`. */
export function lineEnds(data: Buffer): Int32Array {
  const ends: number[] = [];
  let pos = data.indexOf(NL);
  while (pos !== -1) {
    ends.push(pos);
    pos = data.indexOf(NL, pos + 1);
  }
  const last = ends.length > 0 ? (ends[ends.length - 1] as number) + 1 : 0;
  if (last < data.length) ends.push(data.length);
  return Int32Array.from(ends);
}

/** Index of the line holding byte `pos` (binary search over the line ends). */
export function lineAt(ends: Int32Array, pos: number): number {
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ends[mid] as number) < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A key a rule selects, as it appears in a JSON line, case-insensitive: `"password":` for an exact
 * key; for a glob, its literal ends only (`_token":` for `*_token`), which holds for every key the
 * glob matches (a wider net is fine for a prefilter, and `"[^"]*` runs make the automaton explode).
 */
function jsonKeyPattern(key: string): string {
  const esc = (part: string): string => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const parts = key.split('*');
  if (parts.length === 1) return `"(?i:${esc(key)})"\\s*:`;
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (last.length > 0) return `(?i:${esc(last)})"\\s*:`;
  if (first.length > 0) return `"(?i:${esc(first)})`;
  return '"\\s*:';
}

/**
 * The raw-line form of a detector regex. Inside a JSON line a string field is delimited by `"`, so
 * an anchor that holds at the edge of the field (^ $ \A \z) is widened to also accept that quote.
 * The result matches a raw line whenever the original matches one of its string fields.
 */
export function widenAnchors(source: string): string {
  return rewrite(source, {
    anchor: (a) => (a === '^' ? '(?:^|")' : a === '$' ? '(?:$|")' : a === '\\A' ? '(?:\\A|")' : '(?:\\z|")'),
  });
}

/** Walks a regex outside character classes and escapes, rewriting its anchors. */
function rewrite(source: string, how: { anchor: (a: string) => string }): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      i += 1;
      if (!inClass && (next === 'A' || next === 'z')) out += how.anchor(c + next);
      else out += c + next;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A leading ^ (negation) or ] belongs to the class.
      if (source[i + 1] === '^') out += source[++i];
      if (source[i + 1] === ']') out += source[++i];
      continue;
    }
    if (c === '^' || c === '$') {
      out += how.anchor(c);
      continue;
    }
    out += c;
  }
  return out;
}
