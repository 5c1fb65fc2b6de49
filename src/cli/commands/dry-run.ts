/**
 * `logveil redact --dry-run [--compare PACKS]`: what a policy would change, per detector, with
 * counts and examples of the masked form, writing no output; with a second policy, which findings
 * it would add and which it would lose. Keys are made in a throwaway state directory, so a dry run
 * leaves nothing behind; both policies' runs share it, so a key both redact is named by one token.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LogveilConfig } from '../../config/config.js';
import { maskedText } from '../../act/masked-text.js';
import type { DataKeyCache } from '../../crypto/keys/cache.js';
import { decryptToken, findTokens } from '../../crypto/token.js';
import type { CompiledPolicy } from '../../detect/compile.js';
import type { RunSummary } from '../../pipeline/accounting.js';
import { fileInput, redactStreams } from '../../pipeline/engine.js';
import { SavedEvents, type SavedEventFormat } from '../../lambda/replay.js';
import { runExitCode } from '../exit.js';
import { openRuntime } from '../../pipeline/runtime.js';
import { readLedgerEvents } from '../../sinks/ledger/reader.js';
import { LineWriter } from '../../sinks/line-writer.js';
import { QuarantineSink } from '../../sinks/quarantine.js';
import type { FindingsSecurityEvent } from '../../telemetry/events.js';

/** Examples and places shown per detector, unless --examples says otherwise. */
const EXAMPLES = 3;

export interface DryRunOptions {
  workers: number;
  compare?: string[];
  json?: boolean;
  /** Examples of the masked form, and places of new and lost findings, shown per detector. */
  examples?: number;
  /** The inputs are saved Lambda events of this kind (see lambda/replay.ts). */
  events?: SavedEventFormat;
}

interface PolicyRun {
  policy: CompiledPolicy;
  policyHash: string;
  summary: RunSummary;
  /** `file:line path [start,end)` of every finding, by detector. */
  findings: Map<string, Set<string>>;
}

export async function dryRunCommand(files: string[], config: LogveilConfig, o: DryRunOptions): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'logveil-dry-run-'));
  try {
    let inputs = files;
    if (inputs.length === 0) {
      // Read stdin once into the scratch directory: a comparison runs the input twice.
      const copy = join(scratch, 'stdin');
      await pipeline(process.stdin, createWriteStream(copy, { mode: 0o600 }));
      inputs = [copy];
    }
    // What the input holds that cannot be processed (file:line CODE), said once, by the first policy's run.
    const say = (message: string): void => void process.stderr.write(`logveil: ${message}\n`);
    const state = join(scratch, 'state');
    const shown = o.examples ?? EXAMPLES;
    const a = await runPolicy(inputs, config, state, join(scratch, 'a'), o, shown, say);
    const b = o.compare ? await runPolicy(inputs, { ...config, patterns: o.compare }, state, join(scratch, 'b'), o, shown) : undefined;
    const report = b ? { policy: describe(a), compare: describe(b), changes: diff(a, b, shown) } : { policy: describe(a) };
    process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(a, b, shown));
    // As the run of the policy would exit: 3 when it would quarantine records (1 when its counts do not balance).
    return runExitCode(a.summary, (line) => process.stderr.write(line));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** One policy's run over `files`, with the keys of `stateDir`; its ledger and quarantine are written under `runDir`. */
async function runPolicy(files: string[], config: LogveilConfig, stateDir: string, runDir: string, o: DryRunOptions, examples: number, onProblem?: (message: string) => void): Promise<PolicyRun> {
  const ledgerDir = join(runDir, 'ledger');
  // A policy compared with the config's may lack a detector the config sets an action for.
  const runtime = await openRuntime({ ...config, stateDir }, { ledgerDir, checkActions: onProblem !== undefined });
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  const quarantine = new QuarantineSink(join(runDir, 'quarantine.jsonl'));
  try {
    const quarantineKey = await runtime.quarantineKey();
    const app = LineWriter.forStream(discard);
    const replay = o.events ? new SavedEvents({ format: o.events, policy: runtime.policy, quarantineKey, security: runtime.security, quarantine, app, onProblem: onProblem ?? (() => undefined) }) : undefined;
    const engineSummary = await redactStreams(
      replay ? replay.inputs(files) : files.map(fileInput),
      {
        policy: runtime.policy,
        actions: config.actions,
        keys: runtime.keys,
        quarantineKey,
        workers: o.workers,
        format: config.format,
        limits: config.limits,
        app: replay ? replay.output.engineOutput : app,
        security: replay ? replay.output.security(runtime.security) : runtime.security,
        quarantine: replay ? replay.output.quarantine(quarantine) : quarantine,
        examples,
        routing: runtime.routing,
        ...(onProblem ? { onProblem: replay ? replay.output.problems(onProblem) : onProblem } : {}),
        ...(replay ? { observer: replay.output.observer(), orphanKeyLines: true } : {}),
      },
    );
    await replay?.output.finish();
    const summary = replay ? replay.summary(engineSummary) : engineSummary;
    // The ledger is read closed (signed, as a reader expects it), and the keys open: a key the policy
    // tokenized is named by its keyed hash (keyedPath), whose key is made, if need be, while the
    // ledger can still record that.
    await runtime.keys.hashKey();
    await runtime.security.close();
    const findings = new Map<string, Set<string>>();
    for (const { event } of readLedgerEvents([ledgerDir])) {
      if (event.type !== 'findings') continue;
      const e = event as FindingsSecurityEvent;
      for (const f of e.findings) {
        const path = f.path.includes('[[') ? await keyedPath(f.path, runtime.keys) : f.path;
        const where = `${e.source?.file ?? '-'}:${e.source?.line ?? 0} ${path} [${f.start},${f.end})`;
        const set = findings.get(f.detectorId) ?? new Set<string>();
        set.add(where);
        findings.set(f.detectorId, set);
      }
    }
    return { policy: runtime.policy, policyHash: runtime.policy.hash, summary, findings };
  } finally {
    await quarantine.close();
    await runtime.close();
  }
}

/**
 * `path` with each tk1 token (a key the policy redacts) named by the keyed hash of its value
 * instead: each run tokenizes under a data key of its own, while the hash key is the one of the
 * state directory both runs share, so a key is named alike in both. A token that does not decrypt
 * stays as it is.
 */
async function keyedPath(path: string, keys: DataKeyCache): Promise<string> {
  let out = '';
  let from = 0;
  for (const ref of findTokens(path)) {
    if (ref.kind !== 'tk1' || ref.kid === undefined || ref.body === undefined) continue;
    let value: string;
    try {
      value = decryptToken(await keys.forKid(ref.kid), ref.label, ref.body);
    } catch {
      continue;
    }
    const mac = (await keys.hashKey()).mac(value).toString('base64url');
    out += `${path.slice(from, ref.start)}[[${ref.label}:h1.${mac}]]`;
    from = ref.end;
  }
  return out + path.slice(from);
}

function describe(run: PolicyRun): Record<string, unknown> {
  const s = run.summary;
  return {
    policyHash: run.policyHash,
    records: { in: s.recordsIn, changed: countChanged(run), dropped: s.dropped, quarantined: s.quarantined },
    detectors: Object.fromEntries(
      [...run.findings]
        .sort((x, y) => y[1].size - x[1].size)
        .map(([id, set]) => [id, { findings: set.size, examples: (s.examples?.[id] ?? []).map(shortenToken) }]),
    ),
  };
}

/** Throwaway-key ciphertext tells nothing: show the token's shape only. */
function shortenToken(example: string): string {
  return example.replace(/(tk1\.[A-Za-z0-9_-]+\.)[A-Za-z0-9_-]+/g, '$1…').replace(/(h1\.)[A-Za-z0-9_-]+/g, '$1…');
}

function countChanged(run: PolicyRun): number {
  const records = new Set<string>();
  for (const set of run.findings.values()) for (const w of set) records.add(w.slice(0, w.indexOf(' ')));
  return records.size;
}

function diff(a: PolicyRun, b: PolicyRun, examples: number): Record<string, { new: number; lost: number; newAt: string[]; lostAt: string[] }> {
  const out: Record<string, { new: number; lost: number; newAt: string[]; lostAt: string[] }> = {};
  // Records where either run redacts a key (its finding's path ends in {key}) or names one by a
  // token: a key one policy redacts (as a value it repeats, say; with a mask text, `***`, as much
  // as with a token) the other may name as written.
  const renamed = new Set<string>();
  for (const run of [a, b]) for (const set of run.findings.values()) for (const w of set) if (w.includes('[[') || w.includes('{key}')) renamed.add(w.slice(0, w.indexOf(' ')));
  for (const id of new Set([...a.findings.keys(), ...b.findings.keys()])) {
    const before = a.findings.get(id) ?? new Set<string>();
    const after = b.findings.get(id) ?? new Set<string>();
    const added = [...after].filter((w) => !before.has(w));
    const lost = [...before].filter((w) => !after.has(w));
    const shown = (list: string[]): string[] => list.slice(0, examples).map((w) => maskedWhere(w, [a.policy, b.policy], renamed));
    if (added.length || lost.length) out[id] = { new: added.length, lost: lost.length, newAt: shown(added), lostAt: shown(lost) };
  }
  return out;
}

/**
 * A finding's `file:line path [start,end)` with what either policy detects in its field path masked:
 * each run names keys as its own policy redacts them, so a key only the other policy detects would
 * otherwise be shown as written. In a record of `renamed` the path is withheld.
 */
function maskedWhere(where: string, policies: readonly CompiledPolicy[], renamed: ReadonlySet<string>): string {
  const at = where.indexOf(' ');
  const end = where.lastIndexOf(' [');
  if (renamed.has(where.slice(0, at))) return `${where.slice(0, at)} (path withheld)${where.slice(end)}`;
  let path = where.slice(at + 1, end);
  for (const policy of policies) path = maskedText(policy, path);
  return where.slice(0, at + 1) + path + where.slice(end);
}

function formatReport(a: PolicyRun, b: PolicyRun | undefined, examples: number): string {
  const lines: string[] = [];
  const show = (title: string, run: PolicyRun): void => {
    const d = describe(run) as { records: Record<string, number>; detectors: Record<string, { findings: number; examples: string[] }> };
    lines.push(`${title} ${run.policyHash.slice(0, 12)}: ${d.records.in} records, ${d.records.changed} would change, ${d.records.dropped} dropped, ${d.records.quarantined} quarantined`);
    for (const [id, v] of Object.entries(d.detectors)) lines.push(`  ${id.padEnd(32)} ${String(v.findings).padStart(7)}  ${v.examples.join('  ')}`);
  };
  show('policy', a);
  if (b) {
    show('compare', b);
    lines.push('changes (compare vs policy):');
    const changes = Object.entries(diff(a, b, examples));
    if (changes.length === 0) lines.push('  none');
    for (const [id, c] of changes) {
      lines.push(`  ${id.padEnd(32)} +${c.new} -${c.lost}`);
      for (const w of c.newAt) lines.push(`    + ${w}`);
      if (c.new > c.newAt.length) lines.push(`    + ... ${c.new - c.newAt.length} more (--examples N shows more)`);
      for (const w of c.lostAt) lines.push(`    - ${w}`);
      if (c.lost > c.lostAt.length) lines.push(`    - ... ${c.lost - c.lostAt.length} more`);
    }
  }
  return lines.join('\n') + '\n';
}
