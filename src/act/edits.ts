/** The replacements a string gets: by detectors, and by key rules inside it (see embedded.ts). */
import type { Severity } from '../record.js';
import type { Match } from '../detect/scan.js';
import type { ResolvedAction } from './actions.js';
import type { EmbeddedValue } from './embedded.js';

/** What redacted a value: its repeats elsewhere in the record get the same. */
export interface RedactedBy {
  id: string;
  category: string;
  severity: Severity;
  label: string;
  action: ResolvedAction;
  /** How many times the first pass redacted the value. */
  count: number;
}

/** One replacement in a string: where, what redacts it, and the value its token is made of when not the text as written. */
export interface Edit {
  start: number;
  end: number;
  by: Omit<RedactedBy, 'count'>;
  value?: string;
}

/** `decoded`: a value found with its escapes decoded is tokenized decoded, so it joins with its plain spelling. */
export function detectorEdit(m: Match, action: ResolvedAction, decoded: boolean): Edit {
  const { id, category, severity, label } = m.detector.spec;
  return { start: m.start, end: m.end, by: { id, category, severity, label, action }, ...(decoded && m.value !== undefined ? { value: m.value } : {}) };
}

export function keyRuleEdit(v: EmbeddedValue, action: ResolvedAction): Edit {
  const { category, severity, label } = v.rule;
  return { start: v.start, end: v.end, by: { id: `key:${v.pattern}`, category, severity, label, action }, ...(v.value !== undefined ? { value: v.value } : {}) };
}

/** The edits of the key rules, and the detectors' edits outside them (a key rule takes the whole value). */
export function withKeyRules(edits: readonly Edit[], byKey: readonly Edit[]): Edit[] {
  const outside = edits.filter((e) => !byKey.some((k) => e.start < k.end && k.start < e.end));
  return [...outside, ...byKey].sort((a, b) => a.start - b.start);
}
