/**
 * The handlers' redaction step, thin over the batch core: every log event (one line each, see
 * codecs/log-events.ts) and every plain line of an invocation go through one `processBatch` call;
 * the results are mapped back to the unit (event or record) they came from, with each finding and
 * quarantine event quoting that unit's source (log group, stream, event id, record id).
 */
import type { ActionPolicy } from '../act/actions.js';
import type { CloudWatchLogEvent, CloudWatchPayload } from '../codecs/cloudwatch.js';
import type { LineFormat } from '../codecs/jsonl.js';
import { envelopeLine, messageFromLine, messageLine, messagePath, type LineShape } from '../codecs/log-events.js';
import type { CompiledPolicy } from '../detect/compile.js';
import { LogveilError } from '../errors.js';
import { batchCounts, Outcome, processBatch, quarantineRecord, type QuarantineEntry } from '../pipeline/batch.js';
import type { BatchReport } from '../pipeline/engine.js';
import type { SourceRef } from '../record.js';
import type { CompiledRouting } from '../route/compile.js';
import { admittedEvent, type AppStreamMode } from '../route/event.js';
import type { ThresholdGate } from '../route/threshold.js';
import type { RecentSet } from '../util/bounded-map.js';
import type { SecurityEvent } from '../telemetry/events.js';
import type { BatchKeys } from './runtime.js';

/** One log event, or one record's plain lines; `owner` is the index of the input record it came from. */
export type Unit =
  | { kind: 'event'; payload: CloudWatchPayload; event: CloudWatchLogEvent; source: SourceRef; owner: number }
  | {
      kind: 'lines';
      bytes: Buffer;
      source: SourceRef;
      owner: number;
      /** Event lines a transform re-ingested (see allEnvelopeLines): routed once already, when they first came. */
      reingested?: boolean;
    };

/** What became of one unit: its app lines (no newline), and counts per outcome. */
export interface UnitResult {
  lines: string[];
  recordsIn: number;
  appOut: number;
  dropped: number;
  quarantined: number;
}

/** A value with the input record it belongs to (partial batch responses need it). */
export interface Owned<T> {
  value: T;
  owner: number;
}

/** The batch's results per unit, its events and quarantine entries, and its report. */
export interface RedactResult {
  units: UnitResult[];
  /** Findings and quarantine events in input order, then routed events. */
  events: Owned<SecurityEvent>[];
  quarantine: Owned<QuarantineEntry>[];
  /** The sources of the records routed (see RedactSetup.routing's `seen`), as JSON. */
  routedIds: string[];
  /** For the engine's telemetry (the same counters every entry point emits). */
  report: Omit<BatchReport, 'seq' | 'file' | 'latencyMs'>;
}

/**
 * Security routing rules (the policy compiled with their line patterns), the threshold counts of
 * the instance (a rule counts matches across the invocations one instance serves), and the
 * sources of the records it routed lately.
 */
export interface LambdaRouting {
  compiled: CompiledRouting;
  appStream: AppStreamMode;
  gate: ThresholdGate;
  seen: RecentSet;
}

/** What the redaction needs from the runtime. */
export interface RedactSetup {
  policy: CompiledPolicy;
  actions: ActionPolicy;
  format: LineFormat;
  limits: { maxRecordBytes: number; maxDepth: number };
  routing?: LambdaRouting;
}

/** Where a line of the batch comes from: its unit, and what {@link appLine} needs to write it back. */
export interface LineInfo {
  unit: number;
  /** Events: how the message was put on the line. */
  shape?: LineShape;
  suffix?: string;
  /** Plain lines: 1-based line number within the record. */
  line?: number;
}

const NL = 0x0a;
const NEWLINE = Buffer.from('\n');

/** Redacts every unit in one batch; synchronous, so the keys are used before any rotation. */
export function redactUnits(units: readonly Unit[], setup: RedactSetup, keys: BatchKeys, seq = 0): RedactResult {
  const parts: Buffer[] = [];
  const info: LineInfo[] = [];
  units.forEach((u, unit) => unitLines(u, unit, parts, info));
  const data = Buffer.concat(parts);
  const res = processBatch(
    // An invocation may hold the middle of a key logged a line per event, neither its BEGIN nor its END.
    { seq, file: 'lambda', firstLine: 1, firstOffset: 0, data, orphanKeyLines: true },
    { policy: setup.policy, actions: setup.actions, format: setup.format, limits: setup.limits, ...(setup.routing ? { routing: setup.routing.compiled, appStream: setup.routing.appStream } : {}), ...keys },
  );
  if (res.lines !== info.length) throw new LogveilError('BATCH_MISMATCH', `batch core returned ${res.lines} lines for ${info.length}`);

  const results: UnitResult[] = units.map(() => ({ lines: [], recordsIn: 0, appOut: 0, dropped: 0, quarantined: 0 }));
  const out = Buffer.from(res.output.buffer, res.output.byteOffset, res.output.byteLength);
  let pos = 0;
  info.forEach((li, i) => {
    const r = results[li.unit] as UnitResult;
    const u = units[li.unit] as Unit;
    const outcome = res.outcomes[i];
    r.recordsIn += 1;
    if (outcome === Outcome.Unchanged || outcome === Outcome.Redacted) {
      const nl = out.indexOf(NL, pos);
      const text = out.toString('utf8', pos, nl);
      pos = nl + 1;
      r.appOut += 1;
      r.lines.push(appLine(u, li, outcome === Outcome.Unchanged, text));
    } else if (outcome === Outcome.Dropped) r.dropped += 1;
    else r.quarantined += 1;
  });

  const sourceOf = (line: number | undefined): { li: LineInfo; unit: Unit; source: SourceRef } => {
    const li = info[(line ?? 1) - 1] as LineInfo;
    const unit = units[li.unit] as Unit;
    return { li, unit, source: li.line !== undefined ? { ...unit.source, line: li.line } : unit.source };
  };
  const events: Owned<SecurityEvent>[] = [];
  const quarantine: Owned<QuarantineEntry>[] = [];
  for (const e of res.events) {
    const { li, unit, source } = sourceOf(e.source?.line);
    if (e.type === 'findings') {
      const findings = li.shape === 'wrapped' ? e.findings.map((f) => ({ ...f, path: messagePath(f.path, 'wrapped') })) : e.findings;
      events.push({ value: { ...e, source, findings }, owner: unit.owner });
    } else if (e.type === 'quarantine') {
      // The quarantine holds what came in: the event's message, or the record's line.
      const raw = unit.kind === 'event' ? Buffer.from(unit.event.message) : lineBytes(data, e.source?.offset ?? 0);
      const q = quarantineRecord(raw, source, new LogveilError(e.code, e.message), keys.quarantineKey, setup.policy.hash);
      events.push({ value: q.quarantineEvent as SecurityEvent, owner: unit.owner });
      quarantine.push({ value: q.quarantine as QuarantineEntry, owner: unit.owner });
    } else {
      events.push({ value: { ...e, source }, owner: unit.owner });
    }
  }
  const routedIds: string[] = [];
  if (setup.routing) {
    const { compiled, gate, seen } = setup.routing;
    const hashes = { routingHash: compiled.hash, policyHash: setup.policy.hash };
    for (const r of res.routed) {
      const { unit, source } = sourceOf(r.source.line);
      // Routed when it first came; one removed now is routed (it would leave without an event).
      if (unit.kind === 'lines' && unit.reingested && !r.removed) continue;
      // A record this instance routed before (an input sent again after a delivery it could not
      // confirm): its event was delivered or waits to be, and its matches were counted. It is
      // remembered once its event is sealed (see Intake.deliver).
      const id = JSON.stringify(source);
      if (seen.has(id)) continue;
      routedIds.push(id);
      // Without a time of its own, a log event's time (a backlog is not a burst).
      const timeMs = r.timeMs ?? (unit.kind === 'event' ? unit.event.timestamp : undefined);
      const event = admittedEvent(timeMs === undefined ? r : { ...r, timeMs }, gate, hashes, source);
      if (event) events.push({ value: event, owner: unit.owner });
    }
  }
  return { units: results, events, quarantine, routedIds, report: { ...batchCounts(res), bytes: data.length } };
}

/**
 * Appends the lines of unit number `unit` for the batch core to `parts`, ended by newlines, and
 * where each comes from to `info`: an event's message as one line (see codecs/log-events.ts), a
 * record's plain lines as they are.
 */
export function unitLines(u: Unit, unit: number, parts: Buffer[], info: LineInfo[]): void {
  if (u.kind === 'event') {
    const el = messageLine(u.event.message);
    parts.push(Buffer.from(el.line), NEWLINE);
    info.push({ unit, shape: el.shape, suffix: el.suffix });
    return;
  }
  if (u.bytes.length === 0) return;
  parts.push(u.bytes);
  if (u.bytes[u.bytes.length - 1] !== NL) parts.push(NEWLINE);
  let line = 0;
  for (let pos = u.bytes.indexOf(NL); pos !== -1; pos = u.bytes.indexOf(NL, pos + 1)) info.push({ unit, line: ++line });
  if (u.bytes[u.bytes.length - 1] !== NL) info.push({ unit, line: line + 1 });
}

/**
 * The app line of one line the batch core wrote (`text`, without its newline; `unchanged` when
 * it left as it came): a plain line as it is, an event as its envelope around the redacted message
 * (the message as it came when nothing changed, pretty-printed JSON included).
 */
export function appLine(u: Unit, li: LineInfo, unchanged: boolean, text: string): string {
  if (u.kind === 'lines') return text;
  const message = unchanged ? u.event.message : messageFromLine(text, li.shape as LineShape, li.suffix ?? '');
  return envelopeLine(u.payload, u.event, message);
}

/** The bytes of the line that starts at `offset`, without its end. */
function lineBytes(data: Buffer, offset: number): Buffer {
  const nl = data.indexOf(NL, offset);
  const end = nl === -1 ? data.length : nl;
  return data.subarray(offset, end > offset && data[end - 1] === 0x0d ? end - 1 : end);
}

/**
 * A whole input that could not be decoded (bad base64, gzip, JSON, or a damaged payload),
 * encrypted as it came, with its quarantine event. `err` names the problem; the bytes never leave
 * in clear.
 */
export function quarantineInput(raw: Uint8Array, source: SourceRef, err: unknown, keys: Pick<BatchKeys, 'quarantineKey'>, policyHash: string): { entry: QuarantineEntry; event: SecurityEvent } {
  const q = quarantineRecord(raw, source, err, keys.quarantineKey, policyHash);
  return { entry: q.quarantine as QuarantineEntry, event: q.quarantineEvent as SecurityEvent };
}
