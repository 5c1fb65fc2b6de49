/**
 * The loaded, validated form of routing rules (`patterns/routing/*.yaml`, see
 * docs/security-events.md). Plain data: it crosses the worker boundary by structured clone.
 */
import type { SpecSource } from '../detect/pack.js';
import type { JsonValue, Severity } from '../record.js';

/** A value a field is compared with; numbers and booleans compare by their text (`401` = `"401"`). */
export type Scalar = string | number | boolean;

/**
 * One condition on the values a field path selects (any value may satisfy it):
 * `in` (equal to one of), `regex` (an RE2 that a string value matches), `exists` (some value is
 * present and not null, or none is).
 */
export type FieldCondition = { in: Scalar[] } | { regex: string } | { exists: boolean };

/** Every member present must hold. */
export interface ConditionGroup {
  /** Field path -> condition. Paths step through objects, arrays and JSON held in strings. */
  fields?: Record<string, FieldCondition>;
  /** RE2 patterns; one must match the text body, or a string value of a structured body. */
  text?: string[];
  /** At least one group holds. */
  any?: ConditionGroup[];
  /** Every group holds. */
  all?: ConditionGroup[];
  /** No group holds. */
  not?: ConditionGroup[];
  /** For each: some value selected by one of `path` (an array element, a policy statement) satisfies `where`, its paths relative to that value. */
  some?: SomeCondition[];
}

export interface SomeCondition {
  path: string[];
  where: ConditionGroup;
}

/** A group-by key part: a field path, or a named capture group of the rule's `text` patterns. */
export type GroupBy = { field: string } | { capture: string };

/** The rule fires once `count` records with the same group-by values match within `windowSeconds`. */
export interface ThresholdSpec {
  count: number;
  windowSeconds: number;
  groupBy: GroupBy[];
}

/** A test case: a raw line (decoded like input) or a structured body. */
export interface RouteCase {
  record: string | JsonValue;
  source: SpecSource;
}

export interface RoutingRuleSpec {
  id: string;
  name: string;
  description?: string;
  category: string;
  severity: Severity;
  /** MITRE ATT&CK technique ids. */
  mitre: string[];
  /** Overrides the configured default: does a matched record stay in the app stream? */
  appStream?: 'keep' | 'remove';
  when: ConditionGroup;
  threshold?: ThresholdSpec;
  /** The same detection in other tools (`panther:AWS.CloudTrail.Stopped`), for the eval. */
  refs: string[];
  tests: { match: RouteCase[]; nomatch: RouteCase[] };
  source: SpecSource;
}

export interface RoutingPackSpec {
  id: string;
  description?: string;
  file: string;
  rules: RoutingRuleSpec[];
}

/** The routing rules of a run; `hash` is the SHA-256 of their canonical content. */
export interface RoutingSpec {
  packs: RoutingPackSpec[];
  hash: string;
}

/** The text patterns a group-by capture may come from: all of the rule's, except under `not` and `some`. */
export function capturePatterns(group: ConditionGroup): string[] {
  return [...(group.text ?? []), ...[...(group.all ?? []), ...(group.any ?? [])].flatMap(capturePatterns)];
}
