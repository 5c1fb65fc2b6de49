/**
 * One batch of raw lines -> redacted lines, findings events and quarantine entries. Pure CPU, no
 * I/O: the same function runs inline and inside pool workers. Most lines carry nothing sensitive;
 * a line whose raw bytes have no prefilter hit, no JSON escape and valid UTF-8 leaves byte-for-byte
 * without being decoded (the fast path). The rest take the structured path; both give the same
 * result, which the property tests check.
 */
import { isUtf8 } from 'node:buffer';
import type { RedactedBy } from '../act/edits.js';
import { embeddedValues } from '../act/embedded.js';
import { onlyAsKey } from '../act/members.js';
import { redactRecord, type RedactKeys } from '../act/redact.js';
import { replacement } from '../act/replace.js';
import { decodeLineText, encodeBody } from '../codecs/jsonl.js';
import { holdsIndexPath, indexJson, indexPath, indexPathKeys, spliceJson } from '../codecs/json-splice.js';
import type { DataKey } from '../crypto/keys/cache.js';
import { encryptToken, wrapToken } from '../crypto/token.js';
import type { CompiledPolicy } from '../detect/compile.js';
import { scanText, type KnownMatches } from '../detect/scan.js';
import type { CompiledRouting, RouteMatch } from '../route/compile.js';
import { appStreamOf } from '../route/event.js';
import { recordTimeMs } from '../route/record-time.js';
import { lineEnds, type LineFilter } from '../detect/line-filter.js';
import { markedLines, type Mark } from './marked-lines.js';
import { readEdits } from './wrapped-lines.js';
import { mayHide, prepareLines, slowLines } from './prepare.js';
import { frameValues, markFrameRepeats } from './frame-values.js';
import { Utf8Chunks } from '../util/utf8-chunks.js';
import { lineDetectors, numbersOf, type ValueDetectors } from './raw-line.js';
import { CodecError, LogveilError } from '../errors.js';
import type { Finding, JsonValue, LogRecord, SourceRef } from '../record.js';
import { findingsEvent, isoNow, type SecurityEvent } from '../telemetry/events.js';

export * from './batch-types.js';
import { DROPPED_BODY, Outcome, QUARANTINE_LABEL, type BatchContext, type BatchResult, type BatchTask, type QuarantineEntry, type RoutedRecord } from './batch-types.js';

const NL = 0x0a;
const CR = 0x0d;
const NEWLINE = Buffer.from('\n');
const CRLF = Buffer.from('\r\n');

/**
 * Calls `fn` for every line of a batch: the line's bytes without its end, the whole line with its
 * end, the end itself ('\n', '\r\n', or '' for a last line without one) and its source position.
 */
export function eachLine(
  task: BatchTask,
  fn: (bytes: Buffer, line: Buffer, eol: '' | '\n' | '\r\n', source: SourceRef) => void,
): void {
  const data = Buffer.from(task.data.buffer, task.data.byteOffset, task.data.byteLength);
  let start = 0;
  let lineNo = task.firstLine;
  while (start < data.length) {
    const nl = data.indexOf(NL, start);
    const end = nl === -1 ? data.length : nl;
    const crlf = nl !== -1 && end > start && data[end - 1] === CR;
    const next = nl === -1 ? data.length : nl + 1;
    const source: SourceRef = { file: task.file, line: lineNo, offset: task.firstOffset + start };
    fn(data.subarray(start, crlf ? end - 1 : end), data.subarray(start, next), nl === -1 ? '' : crlf ? '\r\n' : '\n', source);
    start = next;
    lineNo += 1;
  }
}

/**
 * Runs a batch through the policy. `room`, given, takes the output where it fits (a slot of the
 * run's shared arena, see arena.ts); else the output is a buffer of its own, or a view of the
 * input when every line left unchanged.
 */
export function processBatch(task: BatchTask, ctx: BatchContext, room?: Uint8Array): BatchResult {
  const data = Buffer.from(task.data.buffer, task.data.byteOffset, task.data.byteLength);
  const usesBefore = ctx.tokenKey instanceof LogveilError ? 0 : ctx.tokenKey.uses;
  const ends = lineEnds(data);
  const lineHits = new Map<number, number[]>();
  const slow = slowLines(data, ends, ctx, lineHits);
  // Lines the readers across lines mark, whatever their own bytes hold.
  const marks = markedLines(task, data, ends, slow, ctx);
  // The values the run's frame redacts, looked for in the lines that may repeat them.
  const carried = ctx.frame === undefined ? undefined : frameValues(ctx.frame, ctx);
  if (carried) markFrameRepeats(data, ends, slow, carried);
  const prepared = prepareLines(data, ends, lineHits, ctx.policy, ctx.format);
  const out: Uint8Array[] = [];
  const outcomes = new Uint8Array(ends.length);
  const events: SecurityEvent[] = [];
  const quarantine: QuarantineEntry[] = [];
  const routed: RoutedRecord[] = [];
  const findings: Record<string, number> = {};
  const categories: Record<string, number> = {};
  let fastPathLines = 0;
  const examples: Record<string, string[]> | undefined = ctx.examples ? {} : undefined;
  const rctx: RecordContext = {
    ...ctx,
    keys: batchKeys(ctx),
    known: prepared.known,
    ...(carried && { carried }),
    ...(examples && {
      onReplace: (id: string, text: string) => {
        const list = (examples[id] ??= []);
        if (list.length < (ctx.examples as number) && !list.includes(text)) list.push(text);
      },
    }),
  };
  const encoded = new Utf8Chunks();
  // A run of clean lines leaves as one slice of the input.
  let runStart = 0;
  const flushRun = (upTo: number): void => {
    if (upTo > runStart) out.push(data.subarray(runStart, upTo));
  };
  for (let i = 0, start = 0; i < ends.length; i++) {
    const end = ends[i] as number;
    const next = end + 1;
    if (!slow[i] && !marks.marked(i)) {
      outcomes[i] = Outcome.Unchanged;
      fastPathLines += 1;
      if (end === data.length) {
        // A last line without an end gets one.
        flushRun(end);
        out.push(NEWLINE);
        runStart = end;
      }
      start = next;
      continue;
    }
    flushRun(start);
    runStart = Math.min(next, data.length);
    const crlf = end > start && data[end - 1] === CR;
    const bytes = data.subarray(start, crlf ? end - 1 : end);
    const eol = crlf ? CRLF : NEWLINE;
    const source = { file: task.file, line: task.firstLine + i, offset: task.firstOffset + start };
    const mark = marks.mark(i);
    const r = mark ? markedLine(bytes, source, rctx, mark) : processRecord(bytes, source, rctx, lineHits.get(i), prepared.detectors.get(i));
    outcomes[i] = r.outcome;
    if (r.outcome === Outcome.Unchanged) out.push(bytes, eol);
    else if (r.outcome === Outcome.Redacted) out.push(encoded.bytes(r.line as string), eol);
    if (r.routed) routed.push(r.routed);
    if (r.quarantine) {
      quarantine.push(r.quarantine);
      events.push(r.quarantineEvent as SecurityEvent);
    }
    if (r.findings) {
      events.push(r.findings);
      for (const f of r.findings.findings) {
        findings[f.detectorId] = (findings[f.detectorId] ?? 0) + 1;
        categories[f.category] = (categories[f.category] ?? 0) + 1;
      }
    }
    start = next;
  }
  flushRun(data.length);
  return {
    seq: task.seq,
    lines: ends.length,
    output: out.length === 1 ? (out[0] as Uint8Array) : joined(out, room),
    outcomes,
    events,
    quarantine,
    findings,
    categories,
    tokenUses: ctx.tokenKey instanceof LogveilError ? 0 : ctx.tokenKey.uses - usesBefore,
    fastPathLines,
    ...(examples ? { examples } : {}),
    routed,
  };
}

/** A batch result's counts, as the engine reports them (records in = app out + dropped + quarantined). */
export function batchCounts(res: BatchResult): {
  records: number;
  appOut: number;
  dropped: number;
  quarantined: number;
  fastPathLines: number;
  findings: Record<string, number>;
  categories: Record<string, number>;
  quarantineCodes: string[];
  workerFailed: false;
} {
  let appOut = 0;
  let dropped = 0;
  for (const x of res.outcomes) {
    if (x === Outcome.Unchanged || x === Outcome.Redacted) appOut += 1;
    else if (x === Outcome.Dropped) dropped += 1;
  }
  return {
    records: res.lines,
    appOut,
    dropped,
    quarantined: res.quarantine.length,
    fastPathLines: res.fastPathLines,
    findings: res.findings,
    categories: res.categories,
    quarantineCodes: res.quarantine.map((q) => q.code),
    workerFailed: false,
  };
}

interface RecordResult {
  outcome: number;
  routed?: RoutedRecord;
  line?: string;
  findings?: ReturnType<typeof findingsEvent>;
  quarantine?: QuarantineEntry;
  quarantineEvent?: SecurityEvent;
}

type RecordContext = BatchContext & { keys: RedactKeys; known: KnownMatches; onReplace?: (id: string, text: string) => void; carried?: ReadonlyMap<string, RedactedBy> };

/** The batch's keys as records ask for them: an outage of the key provider fails the record that needs a key. */
function batchKeys(ctx: BatchContext): RedactKeys {
  return {
    tokenKey: () => {
      if (ctx.tokenKey instanceof LogveilError) throw ctx.tokenKey;
      return ctx.tokenKey;
    },
    hashKey: () => {
      if (!ctx.hashKey) throw new LogveilError('HASH_KEY_UNAVAILABLE', 'hash key was not loaded');
      return ctx.hashKey;
    },
  };
}

/** A routed record's ids, with its own time when a threshold rule matched it (see route/record-time.ts). */
function routedIds<T extends object>(ids: T, record: LogRecord, matches: readonly RouteMatch[]): T & { timeMs?: number } {
  const timeMs = matches.some((m) => m.threshold) ? recordTimeMs(record) : undefined;
  return timeMs === undefined ? ids : { ...ids, timeMs };
}

/**
 * The structured path for one line; any failure quarantines the raw line, encrypted. `hits`: what
 * the line prefilter found the raw line to match, when it ran on it; `prepared`: what lineDetectors
 * answers for it as a JSON record, when the batch worked that out (see prepare.ts).
 */
function processRecord(bytes: Buffer, source: SourceRef, ctx: RecordContext, hits?: readonly number[], prepared?: ValueDetectors): RecordResult {
  try {
    if (ctx.throwOnMarker !== undefined && bytes.includes(ctx.throwOnMarker)) {
      throw new LogveilError('INJECTED_FAULT', 'injected fault while processing the record');
    }
    const decoded = decodeLineText(bytes, source, ctx.format, ctx.limits);
    const record: LogRecord = decoded.record;
    const text = record.structured ? decoded.text : undefined;
    const index = text === undefined ? undefined : indexJson(text, ctx.limits.maxDepth);
    if (index?.repeated !== undefined && mayHide(bytes, ctx.policy)) {
      // The parser keeps a repeated key's last value; an earlier one would pass unscanned.
      const redacted = (): JsonValue | undefined => {
        try {
          const out = redactRecord(record, { policy: ctx.policy, actions: ctx.actions, maxDepth: ctx.limits.maxDepth, keys: ctx.keys });
          return out.kind === 'drop' ? undefined : (out.body as JsonValue);
        } catch {
          return undefined;
        }
      };
      throw new LogveilError('DUPLICATE_KEY', `an object repeats the key${cleanPath(ctx.policy, index.repeated, text ?? '', redacted)}; the record is ambiguous`);
    }
    // What the raw line says each value can match (a value read with its key before it, see
    // scanText, is read with every detector: the prefilter passes no line with such a key).
    const valueDetectors = prepared && record.structured ? prepared : ctx.policy.lineFilter && ctx.fastPath !== false ? lineDetectors(bytes, ctx.policy.lineFilter, ctx.policy.detectors.length, record.structured, hits) : undefined;
    const outcome = redactRecord(record, {
      policy: ctx.policy,
      actions: ctx.actions,
      maxDepth: ctx.limits.maxDepth,
      ...(valueDetectors ? { valueDetectors, knownMatches: ctx.known } : {}),
      ...(text !== undefined && index?.spans ? { numbers: numbersOf(text, index.spans), source: text } : {}),
      ...(ctx.onReplace ? { onReplace: ctx.onReplace } : {}),
      ...(ctx.carried ? { carried: ctx.carried } : {}),
      keys: ctx.keys,
    });
    const ids = { ...(record.traceId ? { traceId: record.traceId } : {}), ...(record.spanId ? { spanId: record.spanId } : {}) };
    const findings = outcome.findings.length > 0 ? findingsEvent(ctx.policy.hash, source, outcome.findings, ids) : undefined;
    const withFindings: { findings?: ReturnType<typeof findingsEvent>; routed?: RoutedRecord } = findings ? { findings } : {};
    // The routing prefilter first: matching every rule against every decoded record is costly.
    const rules = ctx.routing ? routingCandidates(ctx.routing, bytes, ctx.policy.lineFilter, hits) : undefined;
    const matches = rules ? (ctx.routing as CompiledRouting).route(record, rules) : [];
    if (outcome.kind === 'drop') {
      // A record the policy drops still counts for the security rules; its body is not kept.
      if (matches.length > 0) withFindings.routed = { source, matches, body: DROPPED_BODY, removed: true, ...routedIds(ids, record, matches) };
      return { outcome: Outcome.Dropped, ...withFindings };
    }
    if (matches.length > 0) {
      // Threshold rules fire in the engine, in input order: their records stay in the app stream.
      const removed = !matches.some((m) => m.threshold) && appStreamOf(matches, ctx.appStream) === 'remove';
      const routedRecord: RoutedRecord = { source, matches, body: outcome.body, removed, ...routedIds(ids, record, matches) };
      if (removed) return { outcome: Outcome.Dropped, routed: routedRecord, ...withFindings };
      withFindings.routed = routedRecord;
    }
    if (!outcome.changed) return { outcome: Outcome.Unchanged, ...withFindings };
    const line = text !== undefined && index ? decoded.lead + spliceJson(text, record.body as JsonValue, outcome.body, index) : encodeBody(outcome.body, false);
    return { outcome: Outcome.Redacted, line, ...withFindings };
  } catch (err) {
    return quarantineRecord(bytes, source, err, ctx.quarantineKey, ctx.policy.hash);
  }
}

/**
 * The routing rules that can match a line: read from the line prefilter's hits when it ran on the
 * line and holds the routing patterns (as the engine compiles it), else from the routing's own set.
 */
function routingCandidates(routing: CompiledRouting, bytes: Buffer, filter: LineFilter | undefined, hits: readonly number[] | undefined): readonly number[] | undefined {
  if (!hits || filter?.extra !== routing.linePatterns) return routing.candidates(bytes);
  const from = filter.extraStart;
  return routing.rulesOfPatterns(hits.filter((i) => i >= from).map((i) => i - from));
}

/**
 * A line the batch marked before reading it, whose spans no detector tells from other text (see
 * line-edits.ts and marked-lines.ts): a key block's body line, the value of a name on the line
 * before. Each span `edits` gives in the line's text is replaced as its action says (the rest of
 * a value cut in parts, cut out), then the line so changed goes through the structured path like
 * any other (what else it holds, the routing and drop rules, a strict format), its findings
 * after these. `read`: how the batch read the line (a record that wraps it, without its terminal
 * sequences; see wrapped-lines.ts), as `edits` is given it. A failure quarantines the raw line;
 * `what` names it.
 */
function markedLine(bytes: Buffer, source: SourceRef, ctx: RecordContext, { what, read, edits }: Mark): RecordResult {
  let changed: string;
  const found: Finding[] = [];
  try {
    if (!isUtf8(bytes)) throw new CodecError('INVALID_UTF8', `invalid UTF-8 in ${what}`);
    const text = bytes.toString('utf8');
    const parts: string[] = [];
    let pos = 0;
    const lineEdits = readEdits(text, read.wrapped, read.plain, edits, read.whole);
    if (!lineEdits) throw new CodecError('UNREADABLE_WRAPPED_LINE', `the line holding ${what} could not be read again as the batch read it`);
    for (const e of lineEdits) {
      // The rest of a value cut in parts: its replacement stands in the part before.
      const replaced: { text: string; kid?: string } = e.continues ? { text: '' } : replacement(e.action, e.label, e.value, ctx.keys);
      if (!e.continues) ctx.onReplace?.(e.id, replaced.text);
      found.push({ detectorId: e.id, category: e.category, severity: e.severity, label: e.label, path: e.path ?? '$', start: (e.at ?? e).start, end: (e.at ?? e).end, action: e.action.type, ...(replaced.kid ? { kid: replaced.kid } : {}) });
      if (e.action.type === 'drop-record') return { outcome: Outcome.Dropped, findings: findingsEvent(ctx.policy.hash, source, found) };
      parts.push(text.slice(pos, e.start), e.encode ? e.encode(replaced.text) : replaced.text);
      pos = e.end;
    }
    parts.push(text.slice(pos));
    changed = parts.join('');
  } catch (err) {
    return quarantineRecord(bytes, source, err, ctx.quarantineKey, ctx.policy.hash);
  }
  const r = processRecord(Buffer.from(changed, 'utf8'), source, ctx);
  if (r.outcome === Outcome.Quarantined) return r;
  const findings = findingsEvent(ctx.policy.hash, source, [...found, ...((r.findings?.findings ?? []) as Finding[])]);
  return { ...r, findings, ...(r.outcome === Outcome.Unchanged ? { outcome: Outcome.Redacted, line: changed } : {}) };
}

/**
 * ` at <path>` for an index path, or nothing when a key on the path holds something a detector
 * or a key rule finds (in JSON it holds), read as the record holds it or as the message would
 * spell it, or stands anywhere in the record's JSON text but as a key (it may repeat a value the
 * record redacts), or is not in the record as redacted (`redacted()`; undefined when that fails):
 * a key inside a value a rule takes whole (`{"password":{"<secret>":...}}`, the value of an
 * environment entry named DB_PASSWORD) is part of that value.
 */
function cleanPath(policy: CompiledPolicy, path: string, source: string, redacted: () => JsonValue | undefined): string {
  const shown = indexPath(path);
  const keys = indexPathKeys(path);
  const clean = (text: string): boolean => scanText(policy, text).length === 0 && embeddedValues(text, policy.keyRules).length === 0;
  if (!([shown, ...keys].every(clean) && keys.every((k) => onlyAsKey(k, source)))) return '';
  const body = redacted();
  return body !== undefined && holdsIndexPath(body, path) ? ` at ${shown}` : '';
}

/** Encrypts a whole raw record for the quarantine; the event names the reason, never the content. */
export function quarantineRecord(bytes: Uint8Array, source: SourceRef, err: unknown, key: DataKey, policyHash: string): RecordResult {
  const code = err instanceof LogveilError ? err.code : 'PROCESSING_FAILED';
  const message = err instanceof LogveilError ? err.message : `record processing failed (${(err as Error)?.name ?? 'error'})`;
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const envelope = wrapToken(QUARANTINE_LABEL, encryptToken(key, QUARANTINE_LABEL, raw, 'randomized'));
  const ts = isoNow();
  return {
    outcome: Outcome.Quarantined,
    quarantine: { ts, source, code, kid: key.kid, envelope },
    quarantineEvent: { type: 'quarantine', ts, policyHash, source, code, message, kid: key.kid },
  };
}

/** The parts as one buffer: copied into `room` where they fit, else concatenated. */
function joined(parts: readonly Uint8Array[], room: Uint8Array | undefined): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  if (!room || n > room.length) return Buffer.concat(parts, n);
  let at = 0;
  for (const p of parts) {
    room.set(p, at);
    at += p.length;
  }
  return room.subarray(0, n);
}
