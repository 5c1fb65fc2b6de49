/** The replacements a string gets: by detectors, and by key rules inside it (see embedded.ts). */
import type { Severity } from '../record.js';
import type { CompiledDetector } from '../detect/compile.js';
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
  /** Values held inside the one replaced (an object a key rule took), looked for again too. */
  leaves?: readonly string[];
}

/**
 * What redacts a detector's findings, one object per detector and action: a string of 80,000
 * findings shares it rather than holding as many copies.
 */
const byDetector = new WeakMap<CompiledDetector, Omit<RedactedBy, 'count'>>();

function detectorBy(detector: CompiledDetector, action: ResolvedAction): Omit<RedactedBy, 'count'> {
  const known = byDetector.get(detector);
  if (known?.action === action) return known;
  const { id, category, severity, label } = detector.spec;
  const by = { id, category, severity, label, action };
  byDetector.set(detector, by);
  return by;
}

/** `decoded`: a value found with its escapes decoded is tokenized decoded, so it joins with its plain spelling. */
export function detectorEdit(m: Match, action: ResolvedAction, decoded: boolean): Edit {
  const by = detectorBy(m.detector, action);
  return decoded && m.value !== undefined ? { start: m.start, end: m.end, by, value: m.value } : { start: m.start, end: m.end, by };
}

export function keyRuleEdit(v: EmbeddedValue, action: ResolvedAction): Edit {
  const { category, severity, label } = v.rule;
  return {
    start: v.start,
    end: v.end,
    by: { id: `key:${v.pattern}`, category, severity, label, action },
    ...(v.value !== undefined ? { value: v.value } : {}),
    ...(v.leaves ? { leaves: v.leaves } : {}),
  };
}

/**
 * The detectors' edits and the key rules' together, none overlapping: a key rule takes the whole
 * value, and where a detector's match reaches past it, the key rule takes what both cover; a
 * detector's match that holds the whole value is kept instead.
 */
export function withKeyRules(edits: readonly Edit[], byKey: readonly Edit[]): Edit[] {
  let detectors = [...edits];
  const keys: Edit[] = [];
  for (const k of byKey) {
    const overlapping = detectors.filter((e) => e.start < k.end && k.start < e.end);
    if (overlapping.some((e) => e.start <= k.start && e.end >= k.end)) continue;
    detectors = detectors.filter((e) => !overlapping.includes(e));
    const start = Math.min(k.start, ...overlapping.map((e) => e.start));
    const end = Math.max(k.end, ...overlapping.map((e) => e.end));
    // Wider than the value: its token is made of the text as written.
    keys.push(start === k.start && end === k.end ? k : { start, end, by: k.by });
  }
  const merged = [...detectors, ...keys].sort((a, b) => a.start - b.start);
  // Key edits widened into each other are one.
  const out: Edit[] = [];
  for (const e of merged) {
    const last = out[out.length - 1];
    if (last && e.start < last.end) out[out.length - 1] = { start: last.start, end: Math.max(last.end, e.end), by: last.by };
    else out.push(e);
  }
  return out;
}
