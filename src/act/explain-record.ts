/**
 * What `redact` does to a JSON text given to `patterns explain`, read as the record a JSON line is:
 * each string and number with the keys above it that can tell a detector something (`{"sin":"..."}`
 * reads `sin: ...`), the key rules, and a value redacted in one field looked for in the others. The
 * text alone can say otherwise (a keyword of another field within a detector's window, a key the
 * text does not write beside its value), and the record is what a JSON line's redaction follows.
 * Tokens are made under a throwaway key and never shown.
 */
import { randomBytes } from 'node:crypto';
import type { CompiledPolicy } from '../detect/compile.js';
import type { TraceEntry } from '../detect/scan.js';
import { DataKey, HashKey } from '../crypto/keys/cache.js';
import type { Finding } from '../record.js';
import { ActionPolicy } from './actions.js';
import { parseObject } from './explain-keys.js';
import { redactRecord } from './redact.js';

export interface RecordEntry {
  /** A detector's id, or `key:<pattern>` for a key rule. */
  detectorId: string;
  verdict: TraceEntry['verdict'] | 'key-redact' | 'repeat';
  /** The field path (`$.customer.sin`). */
  path: string;
  /** Where in the field's string (none for a value a key rule takes whole). */
  start?: number;
  end?: number;
  /** The part of the field's string, for a finding or near miss within one. */
  text?: string;
  detail?: string;
}

export interface RecordExplanation {
  /** What the record's redaction replaces, in the order it does, then the near misses of its scans. */
  entries: RecordEntry[];
  /** How many values detectors and key rules replace. */
  redacted: { detectors: number; keyRules: number };
  /** The detector or key rule whose drop-record action drops the record, if one does. */
  droppedBy?: string;
}

/** The record `text` is, explained; undefined when the text is not a JSON object or array. */
export function explainRecord(policy: CompiledPolicy, text: string, maxDepth: number): RecordExplanation | undefined {
  const body = parseObject(text);
  if (body === undefined) return undefined;
  const scans = new Map<string, { text: string; trace: readonly TraceEntry[] }>();
  const tokenKey = DataKey.fromPlaintext('explain', randomBytes(32));
  const hashKey = HashKey.fromPlaintext('explain', randomBytes(32));
  const outcome = redactRecord(
    { body, structured: true, attributes: {}, resource: {}, source: { file: 'explain', line: 1 } },
    {
      policy,
      actions: new ActionPolicy(),
      keys: { tokenKey: () => tokenKey, hashKey: () => hashKey },
      maxDepth,
      onScan: (path, scanned, trace) => void scans.set(path, { text: scanned, trace }),
    },
  );
  const repeatsFrom = outcome.kind === 'keep' ? (outcome.repeatsFrom ?? outcome.findings.length) : outcome.findings.length;
  // A repeat in a string the first pass changed has offsets in the changed string: its text is not shown.
  const changed = new Set(outcome.findings.slice(0, repeatsFrom).map((f) => f.path));
  const entries: RecordEntry[] = outcome.findings.map((f, i) => findingEntry(f, i >= repeatsFrom ? (changed.has(f.path) ? new Map() : scans) : scans, i >= repeatsFrom));
  // What the scans nearly found, where no finding covers it.
  for (const [path, scan] of scans) {
    for (const t of scan.trace) {
      if (t.verdict === 'fired') continue;
      if (entries.some((e) => e.path === path && e.start !== undefined && e.end !== undefined && e.start <= t.start && t.end <= e.end)) continue;
      entries.push({ detectorId: t.detectorId, verdict: t.verdict, path, start: t.start, end: t.end, text: scan.text.slice(t.start, t.end), ...(t.detail ? { detail: t.detail } : {}) });
    }
  }
  const byKeyRule = outcome.findings.filter((f) => f.detectorId.startsWith('key:')).length;
  return {
    entries,
    redacted: { detectors: outcome.findings.length - byKeyRule, keyRules: byKeyRule },
    ...(outcome.kind === 'drop' ? { droppedBy: outcome.reason } : {}),
  };
}

/**
 * A finding as an entry: a detector's within the string its scan read, a key rule's on the whole
 * value (or within a string that writes the key), and one the search for repeats made.
 */
function findingEntry(f: Finding, scans: ReadonlyMap<string, { text: string; trace: readonly TraceEntry[] }>, repeat: boolean): RecordEntry {
  const scan = scans.get(f.path);
  const span = { start: f.start, end: f.end, ...(scan ? { text: scan.text.slice(f.start, f.end) } : {}) };
  if (repeat) return { detectorId: f.detectorId, verdict: 'repeat', path: f.path, ...span, detail: 'the value a finding elsewhere in the record redacted, written here again' };
  // A key rule takes a field's value whole, or a value a redact key holds inside a string.
  if (f.detectorId.startsWith('key:')) return { detectorId: f.detectorId, verdict: 'key-redact', path: f.path, ...(scan ? span : {}) };
  return { detectorId: f.detectorId, verdict: 'fired', path: f.path, ...span };
}
