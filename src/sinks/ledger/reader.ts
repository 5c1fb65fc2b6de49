/**
 * Reading a ledger for people: its events in order, with their seq and file:line, filtered by
 * type, time, detector or rule, and severity. Reading does not verify (that is `ledger verify`);
 * lines that are not entries are counted and skipped. The security stream's export (see
 * verify-export.ts) reads the same way, file by file, gzipped or not, folders recursively: there
 * checkpoints and quarantine entries share the lines, and are passed over without a count.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SEVERITY_RANK, type Severity } from '../../record.js';
import type { SecurityEvent } from '../../telemetry/events.js';
import { entryShapeProblem, segmentNumber, type LedgerEntry } from './entry.js';
import { endsTorn, fileLines, scanBytes, type ScannedLine } from './scan.js';
import { exportContent, exportFiles } from './verify-export.js';
import { eventSchemaProblem } from './event-check.js';

export interface LedgerEvent {
  seq: number;
  /** When the entry was appended. */
  ts: string;
  file: string;
  line: number;
  event: SecurityEvent;
}

export interface EventFilter {
  types?: readonly string[];
  /** Inclusive bounds on the event's own `ts` (ISO 8601 compares as text once normalized). */
  since?: Date;
  until?: Date;
  /** A detector id (findings events) or a routing rule id (routed events). */
  detector?: string;
  /** Events at or above this severity (findings: their most severe finding; routed: the rule's). */
  minSeverity?: Severity;
}

/** The segment files of `paths` (directories are listed), in ledger order. */
export function ledgerFiles(paths: readonly string[]): string[] {
  const out: Array<{ file: string; n: number }> = [];
  for (const p of paths) {
    if (existsSync(p) && statSync(p).isDirectory()) {
      for (const name of readdirSync(p)) {
        const n = segmentNumber(name);
        if (n !== undefined) out.push({ file: join(p, name), n });
      }
    } else {
      out.push({ file: p, n: Number.MAX_SAFE_INTEGER });
    }
  }
  return out.sort((a, b) => a.n - b.n || (a.file < b.file ? -1 : 1)).map((f) => f.file);
}

/**
 * Every event entry of the ledger in `paths`; `skipped` counts lines that are not entries, and
 * entries whose event does not have its type's shape, which `skipped.malformed` (when given)
 * names as `file:line: what is wrong`.
 */
export function* readLedgerEvents(paths: readonly string[], skipped: Skipped = { lines: 0 }, options: { export?: boolean } = {}): Generator<LedgerEvent> {
  if (options.export) {
    for (const file of exportFiles(paths)) {
      const content = exportContent(file);
      if (typeof content === 'string') {
        skipped.lines += 1;
        skipped.malformed?.push(`${file}: ${content}`);
        continue;
      }
      const scanned = scanBytes(content);
      if (scanned.tornBytes > 0) skipped.lines += 1;
      for (const line of scanned.lines) {
        // Checkpoints and quarantine entries: JSON objects of the export that are not entries.
        if (line.value !== null && typeof line.value === 'object' && !Array.isArray(line.value) && entryShapeProblem(line.value)) continue;
        const e = eventOf(file, line, skipped);
        if (e) yield e;
      }
    }
    return;
  }
  for (const file of ledgerFiles(paths)) {
    // A torn last line counts before the file's events, as a caller may stop before its end (a
    // pipe, which reads once, tells only there).
    const torn = endsTorn(file);
    if (torn) skipped.lines += 1;
    // A line at a time: a segment holds up to 64 MiB.
    const lines = fileLines(file);
    try {
      for (let r = lines.next(); ; r = lines.next()) {
        if (r.done) {
          if (torn === undefined && r.value.tornBytes > 0) skipped.lines += 1;
          break;
        }
        const e = eventOf(file, r.value, skipped);
        if (e) yield e;
      }
    } finally {
      // Closes the file when the caller stops early.
      lines.return(undefined as never);
    }
  }
}

/** Lines skipped: how many, and what is wrong with those whose event is malformed (`file:line: what`). */
export interface Skipped {
  lines: number;
  malformed?: string[];
}

/** The event of an entry line; undefined (counted in `skipped` unless it is a segment entry) otherwise. */
function eventOf(file: string, line: ScannedLine, skipped: Skipped): LedgerEvent | undefined {
  if (line.value === undefined || entryShapeProblem(line.value)) {
    skipped.lines += 1;
    return undefined;
  }
  const entry = line.value as LedgerEntry;
  if (entry.kind !== 'event') return undefined;
  const problem = eventSchemaProblem(entry.event);
  if (problem) {
    skipped.lines += 1;
    skipped.malformed?.push(`${file}:${line.line}: ${entry.event.type} event: ${problem}`);
    return undefined;
  }
  return { seq: entry.seq, ts: entry.ts, file, line: line.line, event: entry.event };
}

/** The severity of an event, where it has one. */
export function eventSeverity(event: SecurityEvent): Severity | undefined {
  if (event.type === 'routed') return event.severity;
  if (event.type === 'findings') {
    return event.findings.reduce<Severity | undefined>((top, f) => (top === undefined || SEVERITY_RANK[f.severity] > SEVERITY_RANK[top] ? f.severity : top), undefined);
  }
  return undefined;
}

/** True when the event passes every filter given. */
export function matchesFilter(event: SecurityEvent, filter: EventFilter): boolean {
  if (filter.types && filter.types.length > 0 && !filter.types.includes(event.type)) return false;
  if (filter.since || filter.until) {
    const t = Date.parse(event.ts);
    if (Number.isNaN(t)) return false;
    if (filter.since && t < filter.since.getTime()) return false;
    if (filter.until && t > filter.until.getTime()) return false;
  }
  if (filter.detector !== undefined) {
    const ids = event.type === 'findings' ? event.findings.map((f) => f.detectorId) : event.type === 'routed' ? event.rules.map((r) => r.id) : [];
    if (!ids.includes(filter.detector)) return false;
  }
  if (filter.minSeverity) {
    const s = eventSeverity(event);
    if (!s || SEVERITY_RANK[s] < SEVERITY_RANK[filter.minSeverity]) return false;
  }
  return true;
}
