/**
 * Field paths of routing rules: `eventName`, `requestParameters.policyArn`, `sourceIPs[0]`,
 * `annotations."authorization.k8s.io/decision"`, `@attributes.http.status`, `$` (the body itself). A path steps through
 * arrays without asking (each element is tried, as in Elastic's field semantics) and into JSON held
 * in a string (CloudTrail policies, Azure's `properties.log`), so rules read like the log they match.
 */
import type { JsonObject, JsonValue, LogRecord } from '../record.js';

export type PathStep = { key: string } | { index: number };

/** Where a path starts: the body, or the record's attributes or resource attributes. */
export type PathRoot = 'body' | 'attributes' | 'resource';

export interface FieldPath {
  root: PathRoot;
  steps: PathStep[];
  /** The last key of the path, for the prefilter's `exists` pattern. */
  lastKey?: string;
}

/** Parses a path; returns a message naming the problem when it is not valid. */
export function parsePath(text: string): FieldPath | string {
  if (text === '$') return { root: 'body', steps: [] };
  let root: PathRoot = 'body';
  let rest = text;
  const prefix = /^@(attributes|resource)(?:\.|$)/.exec(text);
  if (prefix) {
    root = prefix[1] as PathRoot;
    rest = text.slice(prefix[0].length);
  }
  const steps: PathStep[] = [];
  let i = 0;
  let expectKey = true;
  while (i < rest.length) {
    const c = rest[i];
    if (c === '[') {
      const close = rest.indexOf(']', i);
      const inner = close === -1 ? '' : rest.slice(i + 1, close);
      if (inner === '*') steps.push({ index: -1 });
      else if (/^\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else return `path "${text}": [${inner}] at character ${i + 1} is not an index or [*]`;
      i = close + 1;
      expectKey = false;
    } else if (c === '.') {
      if (expectKey) return `path "${text}": empty segment at character ${i + 1}`;
      i += 1;
      expectKey = true;
      if (i === rest.length) return `path "${text}": ends with "."`;
    } else {
      if (!expectKey) return `path "${text}": "." expected at character ${i + 1}`;
      if (c === '"') {
        const m = /^"(?:[^"\\]|\\.)*"/.exec(rest.slice(i));
        if (!m) return `path "${text}": unterminated quoted segment at character ${i + 1}`;
        steps.push({ key: JSON.parse(m[0]) as string });
        i += m[0].length;
      } else {
        const m = /^[^.[\]"]+/.exec(rest.slice(i)) as RegExpExecArray;
        steps.push({ key: m[0] });
        i += m[0].length;
      }
      expectKey = false;
    }
  }
  if (steps.length === 0 && root === 'body') return `path "${text}" is empty`;
  const keys = steps.filter((s): s is { key: string } => 'key' in s);
  const last = keys[keys.length - 1];
  return { root, steps: steps.filter((s) => !('index' in s && s.index === -1)), ...(last ? { lastKey: last.key } : {}) };
}

/** JSON parsed out of string values while one record is routed (each string parsed at most once). */
export type ParseCache = Map<string, JsonValue | undefined>;

/** Appends to `out` every value `path` selects in `record`; arrays at the end are flattened. */
export function selectValues(record: LogRecord, path: FieldPath, cache: ParseCache, out: JsonValue[]): void {
  const start: JsonValue | undefined = path.root === 'body' ? record.body : (record[path.root] as JsonObject);
  if (start === undefined) return;
  walk(start, path.steps, 0, cache, out, 0);
}

/** Nesting beyond this is not followed (JSON inside strings escapes the record depth limit). */
const MAX_WALK_DEPTH = 128;

function walk(value: JsonValue, steps: readonly PathStep[], at: number, cache: ParseCache, out: JsonValue[], depth: number): void {
  if (depth > MAX_WALK_DEPTH) return;
  const d = depth + 1;
  if (at === steps.length) {
    if (Array.isArray(value)) for (const v of value) walk(v, steps, at, cache, out, d);
    else out.push(value);
    return;
  }
  const step = steps[at] as PathStep;
  if (typeof value === 'string') {
    const inner = parseJsonString(value, cache);
    if (inner !== undefined) walk(inner, steps, at, cache, out, d);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if ('index' in step) {
      const v = value[step.index];
      if (v !== undefined) walk(v, steps, at + 1, cache, out, d);
    } else {
      for (const v of value) walk(v, steps, at, cache, out, d);
    }
    return;
  }
  if ('key' in step && Object.prototype.hasOwnProperty.call(value, step.key)) {
    walk(value[step.key] as JsonValue, steps, at + 1, cache, out, d);
  }
}

/** A JSON object or array held in a string, or undefined. */
export function parseJsonString(text: string, cache: ParseCache): JsonValue | undefined {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  if (cache.has(text)) return cache.get(text);
  let parsed: JsonValue | undefined;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch {
    parsed = undefined;
  }
  cache.set(text, parsed);
  return parsed;
}
