/**
 * `logveil ledger verify`, `logveil ledger show` and `logveil ledger schema`: check a security
 * ledger's integrity, read its events, print the event schema. With no path they read
 * `<state>/ledger`.
 */
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/config.js';
import type { Severity } from '../../record.js';
import { matchesFilter, readLedgerEvents, type EventFilter, type LedgerEvent } from '../../sinks/ledger/reader.js';
import { verifyExport, type ExportReport } from '../../sinks/ledger/verify-export.js';
import { verifyLedger, type VerifyReport } from '../../sinks/ledger/verify.js';
import { LEDGER_ENTRY_SCHEMA, SECURITY_EVENT_SCHEMA } from '../../telemetry/events-schema.js';
import type { SecurityEvent } from '../../telemetry/events.js';
import { ExitCode } from '../exit.js';

/** Exit codes of `ledger verify` beyond {@link ExitCode}: scripts tell tampering from a crash, and both from entries no signature covers. */
export const LedgerExitCode = { Invalid: ExitCode.LedgerInvalid, Torn: ExitCode.LedgerTorn, Unsigned: ExitCode.LedgerUnsigned } as const;

interface CommonFlags {
  config?: string;
  json?: boolean;
}

export interface LedgerVerifyFlags extends CommonFlags {
  pubkey?: string[];
  allowPartial?: boolean;
  export?: boolean;
  /** Ranges of entries (`41-57`) found unsigned that someone has reviewed: no longer a reason for exit 9. */
  acceptUnsigned?: string[];
}

export interface LedgerShowFlags extends CommonFlags {
  export?: boolean;
  type?: string[];
  since?: string;
  until?: string;
  detector?: string;
  severity?: Severity;
  limit?: number;
}

function ledgerPaths(paths: string[], flags: CommonFlags): string[] {
  if (paths.length > 0) return paths;
  return [join(loadConfig(flags.config).stateDir, 'ledger')];
}

export function ledgerVerifyCommand(paths: string[], flags: LedgerVerifyFlags): number {
  const inputs = ledgerPaths(paths, flags);
  const missing = inputs.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    process.stderr.write(`logveil: no such ledger file or directory: ${missing.join(', ')}\n`);
    return ExitCode.Usage;
  }
  const pems: string[] = [];
  const badKeys: string[] = [];
  for (const f of flags.pubkey ?? []) {
    try {
      const pem = readFileSync(f, 'utf8');
      createPublicKey(pem);
      pems.push(pem);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      badKeys.push(`--pubkey ${f}: ${e.syscall ? `cannot be read (${e.code ?? 'error'})` : 'not a public key in PEM'}`);
    }
  }
  if (badKeys.length > 0) {
    for (const b of badKeys) process.stderr.write(`logveil: ${b}\n`);
    return ExitCode.Usage;
  }
  if (flags.export) {
    if (paths.length === 0) {
      process.stderr.write("logveil: --export needs the paths of the security stream's export\n");
      return ExitCode.Usage;
    }
    const exported = verifyExport(inputs, pems);
    process.stdout.write(flags.json ? JSON.stringify(exported, null, 2) + '\n' : describeExport(exported));
    return exportExitCode(exported);
  }
  const accepted: Array<{ fromSeq: number; toSeq: number }> = [];
  for (const range of flags.acceptUnsigned ?? []) {
    const m = /^(\d+)(?:-|\.\.)(\d+)$/.exec(range.trim());
    if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) {
      process.stderr.write(`logveil: --accept-unsigned ${range}: expected a range of seqs, FROM-TO (41-57)\n`);
      return ExitCode.Usage;
    }
    accepted.push({ fromSeq: Number(m[1]), toSeq: Number(m[2]) });
  }
  const report = withAccepted(verifyLedger(inputs, { ...(pems.length > 0 ? { publicKeyPems: pems } : {}), ...(flags.allowPartial ? { allowPartial: true } : {}) }), accepted);
  if (flags.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(describeReport(report, pems.length > 0));
  return exitCodeOf(report);
}

/**
 * The report with the unsigned ranges someone reviewed and accepted (`--accept-unsigned`, the
 * entries a process that died left unsigned, say) set apart: each range wholly inside an accepted
 * one is listed under `acceptedRanges` and counts no more for exit 9; the rest still does.
 */
function withAccepted(report: VerifyReport, accepted: ReadonlyArray<{ fromSeq: number; toSeq: number }>): VerifyReport & { acceptedRanges?: Array<{ fromSeq: number; toSeq: number }> } {
  if (accepted.length === 0) return report;
  const covered = (r: { fromSeq: number; toSeq: number }): boolean => accepted.some((a) => a.fromSeq <= r.fromSeq && r.toSeq <= a.toSeq);
  const adopted = (report.adoptedRanges ?? []).filter((r) => !covered(r));
  const tail = report.unsignedRange && covered(report.unsignedRange) ? undefined : report.unsignedRange;
  const acceptedRanges = [...(report.adoptedRanges ?? []).filter(covered).map(({ fromSeq, toSeq }) => ({ fromSeq, toSeq })), ...(report.unsignedRange && !tail ? [report.unsignedRange] : [])];
  const rest: VerifyReport = { ...report };
  delete rest.unsignedRange;
  const out = { ...rest, adoptedRanges: adopted, unsignedEntries: tail ? report.unsignedEntries : 0, ...(tail ? { unsignedRange: tail } : {}), acceptedRanges };
  return { ...out, ok: report.firstProblem === undefined && adopted.length === 0 && tail === undefined };
}

/**
 * The exit code of a verification: 7 tampered or damaged, 8 torn tail only, 2 nothing to verify or
 * no key, 9 intact but with entries no signature covers, 0 ok.
 */
export function exitCodeOf(report: VerifyReport): number {
  const kind = report.firstProblem?.kind;
  if (kind === 'torn') return LedgerExitCode.Torn;
  if (kind === 'empty' || kind === 'no-public-key') return ExitCode.Usage;
  if (kind !== undefined) return LedgerExitCode.Invalid;
  if (report.unsignedEntries > 0 || (report.adoptedRanges?.length ?? 0) > 0) return LedgerExitCode.Unsigned;
  return report.ok ? ExitCode.Ok : LedgerExitCode.Invalid;
}

function describeReport(r: VerifyReport, trustedKey: boolean): string {
  const size = `${r.entries} entries (${r.events} events) in ${r.segments} segment${r.segments === 1 ? '' : 's'}, ${r.checkpoints} checkpoint${r.checkpoints === 1 ? '' : 's'}`;
  const out: string[] = [];
  const p = r.firstProblem;
  const unsigned = unsignedLines(r);
  const whole = `${size}; last seq ${r.lastSeq}, head ${r.head.slice(0, 16)}…, ledger ${r.ledgerId ?? '-'}`;
  if (p) {
    out.push(`ledger INVALID: ${p.kind}${p.seq !== null ? ` at seq ${p.seq}` : ''}, ${p.file}:${p.line}: ${p.message}`);
    out.push(`checked before it: ${size}`);
    // A torn tail is reported with the whole ledger checked, its unsigned entries too.
    if (p.kind === 'torn') out.push(...unsigned.map((u) => `also: ${u}`));
  } else if (unsigned.length > 0) {
    out.push(...unsigned.map((u) => `ledger UNSIGNED: ${u}`));
    out.push(`intact otherwise: ${whole}`);
  } else {
    out.push(`ledger OK: ${whole}`);
  }
  for (const a of (r as { acceptedRanges?: Array<{ fromSeq: number; toSeq: number }> }).acceptedRanges ?? []) out.push(`accepted: entries ${a.fromSeq}..${a.toSeq} carry no signature of their writer (--accept-unsigned)`);
  for (const k of r.keyProblems ?? []) out.push(`warning: ${k}`);
  if (r.checkpoints > 0 && !trustedKey) out.push(`note: checkpoints verified with the public key(s) found next to the ledger (${r.keyIds.join(', ')}); pass --pubkey with a trusted copy`);
  return out.join('\n') + '\n';
}

/** What the report says of entries no signature covers, a line each. */
function unsignedLines(r: VerifyReport): string[] {
  const out: string[] = [];
  for (const a of r.adoptedRanges ?? []) {
    out.push(
      `entries ${a.fromSeq}..${a.toSeq} were found unsigned when the ledger was opened at ${a.ts} (seq ${a.seq}): the checkpoints after cover them only because that writer went on from them; they cannot be told from a forgery`,
    );
  }
  const u = r.unsignedRange;
  if (u) {
    const one = u.fromSeq === u.toSeq;
    const which = one ? `the last entry (seq ${u.toSeq}) carries` : `the last ${u.toSeq - u.fromSeq + 1} entries (seq ${u.fromSeq}..${u.toSeq}) carry`;
    out.push(`${which} no signature: a process that is still writing or died before its checkpoint, or a rewrite; ${one ? 'it' : 'they'} cannot be told from a forgery`);
  }
  return out;
}

/** As {@link exitCodeOf}: 0 ok, 2 nothing to verify or no public key for the checkpoints, 7 otherwise. */
function exportExitCode(r: ExportReport): number {
  if (r.ok) return ExitCode.Ok;
  if (r.problems.every((p) => p.kind === 'empty' || p.kind === 'no-public-key')) return ExitCode.Usage;
  return LedgerExitCode.Invalid;
}

function describeExport(r: ExportReport): string {
  const out: string[] = [];
  const size = `${r.entries} entries in ${r.chains.length} chain${r.chains.length === 1 ? '' : 's'}, ${r.checkpoints} checkpoint${r.checkpoints === 1 ? '' : 's'}, from ${r.files} file${r.files === 1 ? '' : 's'}`;
  const extra = [r.duplicates > 0 ? `${r.duplicates} duplicate lines counted once` : '', r.otherLines > 0 ? `${r.otherLines} other lines (quarantine entries) skipped` : ''].filter(Boolean);
  out.push(`${r.ok ? 'export OK' : `export INVALID: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`}: ${size}${extra.length > 0 ? `; ${extra.join(', ')}` : ''}`);
  for (const p of r.problems) out.push(`  ${p.kind}${p.seq !== null ? ` at seq ${p.seq}` : ''}, ${p.where}: ${p.message}`);
  for (const c of r.chains) out.push(`  chain ${c.ledgerId}: ${c.entries} entries, last seq ${c.lastSeq}, head ${c.head.slice(0, 16)}…${c.unsignedEntries > 0 ? `, ${c.unsignedEntries} after its last checkpoint` : ''}`);
  if (r.chains.some((c) => c.unsignedEntries > 0)) out.push('warning: entries after a chain\'s last checkpoint could be cut off unseen');
  return out.join('\n') + '\n';
}

export function ledgerShowCommand(paths: string[], flags: LedgerShowFlags): number {
  const inputs = ledgerPaths(paths, flags);
  const missing = inputs.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    process.stderr.write(`logveil: no such ledger file or directory: ${missing.join(', ')}\n`);
    return ExitCode.Usage;
  }
  const filter: EventFilter = {};
  if (flags.type?.length) filter.types = flags.type.flatMap((t) => t.split(',')).filter(Boolean);
  try {
    if (flags.since) filter.since = parseTime(flags.since, '--since');
    if (flags.until) filter.until = parseTime(flags.until, '--until');
  } catch (err) {
    process.stderr.write(`logveil: ${(err as Error).message}\n`);
    return ExitCode.Usage;
  }
  if (flags.detector) filter.detector = flags.detector;
  if (flags.severity) filter.minSeverity = flags.severity;
  const skipped = { lines: 0, malformed: [] as string[] };
  let shown = 0;
  for (const e of readLedgerEvents(inputs, skipped, flags.export ? { export: true } : {})) {
    if (!matchesFilter(e.event, filter)) continue;
    if (flags.limit !== undefined && shown >= flags.limit) break;
    process.stdout.write(flags.json ? JSON.stringify({ seq: e.seq, file: e.file, line: e.line, event: e.event }) + '\n' : textLine(e));
    shown += 1;
  }
  for (const m of skipped.malformed.slice(0, MAX_MALFORMED_SHOWN)) process.stderr.write(`logveil: ${m}; skipped\n`);
  if (skipped.malformed.length > MAX_MALFORMED_SHOWN) process.stderr.write(`logveil: ${skipped.malformed.length - MAX_MALFORMED_SHOWN} more malformed event(s) skipped\n`);
  const notEntries = skipped.lines - skipped.malformed.length;
  if (notEntries > 0) process.stderr.write(`logveil: ${notEntries} line(s) are not ledger entries and were skipped; run \`logveil ledger verify${flags.export ? ' --export' : ''}\`\n`);
  if (!flags.json) process.stderr.write(`${shown} event${shown === 1 ? '' : 's'}\n`);
  return ExitCode.Ok;
}

/** Malformed events named one by one on stderr; past this many, counted. */
const MAX_MALFORMED_SHOWN = 20;

export function ledgerSchemaCommand(flags: { entry?: boolean }): number {
  process.stdout.write(JSON.stringify(flags.entry ? LEDGER_ENTRY_SCHEMA : SECURITY_EVENT_SCHEMA, null, 2) + '\n');
  return ExitCode.Ok;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An ISO 8601 time, or a duration back from now (`30m`, `12h`, `7d`). */
export function parseTime(text: string, flag: string, now = Date.now()): Date {
  const rel = /^(\d+)([smhd])$/.exec(text.trim());
  if (rel) return new Date(now - Number(rel[1]) * (UNITS[rel[2] as string] as number));
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`${flag}: expected an ISO 8601 time or a duration such as 30m, 12h, 7d`);
  return new Date(t);
}

/** One line per event: seq, time, type and what it names (ids, never values). */
function textLine(e: LedgerEvent): string {
  return `${String(e.seq).padStart(7)}  ${e.event.ts}  ${e.event.type.padEnd(15)}  ${summary(e.event)}\n`;
}

function summary(e: SecurityEvent): string {
  const at = e.source ? `${e.source.file ?? e.source.logGroup ?? '-'}${e.source.line !== undefined ? `:${e.source.line}` : ''}` : '';
  switch (e.type) {
    case 'findings':
      return `${at} ${e.findings.map((f) => `${f.detectorId}(${f.severity})@${f.path}`).join(' ')}`;
    case 'routed':
      return `${at} ${e.severity} ${e.rules.map((r) => r.id).join(' ')}${e.threshold ? ` (${e.threshold.count} in ${e.threshold.windowSeconds}s)` : ''}`;
    case 'quarantine':
      return `${at} ${e.code} kid=${e.kid}${e.entry ? ` entry ${e.entry}` : ''}`;
    case 'records-dropped':
      return `${e.records} records ${e.reason} (${e.code})${e.invocationId ? ` invocation ${e.invocationId}` : ''}`;
    case 'key-created':
      return `kid=${e.kid} ${e.provider} ${e.purpose}`;
    case 'detokenize':
      return `${e.outcome} principal=${e.principal ?? '-'} tokens=${e.tokens} failed=${e.failed}`;
    case 'run-start':
    case 'run-stop':
      return `v${e.version} config=${e.configHash.slice(0, 12)}${e.deploymentId ? ` deployment=${e.deploymentId}` : ''}${e.counts ? ` in=${e.counts.recordsIn} out=${e.counts.appOut} quarantined=${e.counts.quarantined}` : ''}`;
    case 'heartbeat':
      return `beat ${e.beat} every ${e.intervalSeconds}s, up ${e.uptimeSeconds}s`;
    case 'ledger-recovery':
      return `${e.segment}:${e.line} ${e.tornBytes} torn bytes cut after seq ${e.lastSeq}`;
    case 'ledger-unsigned':
      return `entries ${e.fromSeq}..${e.toSeq} found unsigned on open (no checkpoint of this writer's key signs them)`;
    default:
      // A type a newer version writes: its members are not known here.
      return at;
  }
}
