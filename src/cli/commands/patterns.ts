/**
 * `logveil patterns test`, `logveil patterns explain` and `logveil patterns import gitleaks`.
 */
import { readFileSync } from 'node:fs';
import { resolve, relative } from 'node:path';
import { builtinPatternsDir, loadConfig, optInPackFiles } from '../../config/config.js';
import { CompiledPolicy } from '../../detect/compile.js';
import { explainKeys } from '../../act/explain-keys.js';
import { explainRecord } from '../../act/explain-record.js';
import { encodedTextsIn } from '../../act/encoded-readings.js';
import { encodedCommands } from '../../act/encoded-command.js';
import { explainText } from '../../detect/explain.js';
import { optInEntries } from '../../detect/explain-opt-in.js';
import { keepAddressRanges } from '../../detect/keep-ranges.js';
import type { GitleaksImport } from '../../detect/import/gitleaks.js';
import { listPackFiles, loadPolicy } from '../../detect/load.js';
import { runPackTests } from '../../detect/packtest.js';
import { CompiledRouting } from '../../route/compile.js';
import { loadRoutingRules } from '../../route/load.js';
import { runRoutingTests } from '../../route/routetest.js';
import { PolicyError } from '../../errors.js';
import type { Severity } from '../../record.js';
import { LineWriter } from '../../sinks/line-writer.js';
import { ExitCode } from '../exit.js';

export interface PatternsFlags {
  config?: string;
  patterns?: string[];
  pack?: string;
  json?: boolean;
  all?: boolean;
}

/**
 * The policy the flags name. `asConfigured` applies the config's policy-wide settings (the kept
 * address ranges), as a run does; the packs' own tests run without them, since they describe the
 * packs as written.
 */
function policyFor(flags: PatternsFlags, asConfigured: boolean): CompiledPolicy {
  const config = loadConfig(flags.config);
  const paths = flags.patterns?.length ? flags.patterns : config.patterns;
  const spec = loadPolicy(flags.pack ? withPack(paths, flags.pack) : paths);
  return new CompiledPolicy(asConfigured ? keepAddressRanges(spec, config.network.keepRanges) : spec);
}

/**
 * The policy's pack paths with `pack` added, unless the policy loads it already (`--pack
 * patterns/pii.yaml` with the built-in packs), which loading twice would report as duplicate
 * detector ids. Paths that cannot be read are left for loadPolicy to report.
 */
function withPack(paths: readonly string[], pack: string): string[] {
  let loaded: string[];
  try {
    loaded = listPackFiles(paths).map((f) => resolve(f));
  } catch {
    return [...paths, pack];
  }
  return loaded.includes(resolve(pack)) ? [...paths] : [...paths, pack];
}

export function patternsTestCommand(flags: PatternsFlags): number {
  const policy = policyFor(flags, false);
  const only = flags.pack ? relative(process.cwd(), resolve(flags.pack)) : undefined;
  const report = runPackTests(policy, only);
  // Routing rules carry test cases too; they run with the detectors' unless one pack is asked for.
  const routing = only === undefined ? runRoutingTests(new CompiledRouting(loadRoutingRules(loadConfig(flags.config).routing.patterns))) : undefined;
  if (routing) {
    report.cases += routing.cases;
    report.passed += routing.passed;
    for (const f of routing.failures) report.failures.push({ detectorId: `routing:${f.ruleId}`, source: f.source, kind: f.kind, message: f.message });
  }
  if (flags.json) {
    process.stdout.write(JSON.stringify({ policyHash: policy.hash, ...report }, null, 2) + '\n');
  } else {
    for (const f of report.failures) {
      process.stdout.write(`FAIL ${f.source.file}:${f.source.line} detector "${f.detectorId}": ${f.message}\n`);
    }
    const rules = routing ? `, ${routing.rules} routing rules` : '';
    process.stdout.write(`${report.detectors} detectors${rules}, ${report.cases} cases: ${report.passed} passed, ${report.failures.length} failed\n`);
  }
  return report.failures.length > 0 ? ExitCode.TestsFailed : ExitCode.Ok;
}

export function patternsExplainCommand(text: string, flags: PatternsFlags): number {
  const policy = policyFor(flags, true);
  const explanation = explainText(policy, text, { all: flags.all ?? false });
  const keyRules = explainKeys(policy, text);
  // A JSON text is also read as the record a JSON line is, which is what redact follows for one.
  const record = explainRecord(policy, text, loadConfig(flags.config).limits.maxDepth);
  // What the policy redacts already, by detector or by key rule, needs no opt-in pack.
  // (A key rule's value in a string of a JSON text is placed within that string, not the text.)
  const taken = [
    ...explanation.redacted,
    ...keyRules.flatMap((e) => (e.verdict !== 'key-redact' ? [] : e.at ? [e.at] : e.path === '$' && e.start !== undefined && e.end !== undefined ? [{ start: e.start, end: e.end }] : [])),
  ];
  const optIn = optInEntries(policy, text, taken, optInPackFiles());
  // A PowerShell encoded command's script, as redact reads it: decoded, with every detector.
  const encoded = encodedCommands(text).map((c) => ({ start: c.start, end: c.end, encoding: c.script.encoding, script: c.script.text, ...explainText(policy, c.script.text, { all: flags.all ?? false }) }));
  // Base64 or hex of text, as redact reads it: decoded, with every detector and key rule.
  const texts = encodedTextsIn(text).map((b) => ({ start: b.start, end: b.end, kind: b.kind, ...(b.compression ? { compression: b.compression } : {}), text: b.text, ...explainText(policy, b.text, { all: flags.all ?? false }), keyRules: explainKeys(policy, b.text) }));
  if (flags.json) {
    process.stdout.write(JSON.stringify({ ...explanation, keyRules, optIn, ...(encoded.length > 0 ? { encodedCommands: encoded } : {}), ...(texts.length > 0 ? { encodedTexts: texts } : {}), ...(record ? { record } : {}) }, null, 2) + '\n');
    return ExitCode.Ok;
  }
  if (explanation.entries.length === 0 && keyRules.length === 0 && optIn.length === 0 && encoded.length === 0 && texts.length === 0) {
    process.stdout.write('no detector or key rule matched or nearly matched\n');
  }
  const spanOf = (e: { start?: number; end?: number }, within: string): string =>
    e.start !== undefined && e.end !== undefined ? ` [${e.start},${e.end}) ${JSON.stringify(within.slice(e.start, e.end))}` : '';
  for (const e of explanation.entries) {
    process.stdout.write(`${e.verdict.padEnd(17)} ${e.detectorId}${spanOf(e, text)}${e.detail ? `: ${e.detail}` : ''}  (${e.source})\n`);
  }
  for (const e of keyRules) {
    const where = e.path === '$' ? spanOf(e, text) : ` ${e.path}${e.start !== undefined ? ` [${e.start},${e.end})` : ''}`;
    process.stdout.write(`${e.verdict.padEnd(17)} ${e.detectorId}${where}: ${e.detail}  (${e.source})\n`);
  }
  for (const e of optIn) process.stdout.write(`${e.verdict.padEnd(17)} ${e.detectorId}${spanOf(e, text)}: ${e.detail}  (${e.source})\n`);
  for (const c of encoded) {
    process.stdout.write(`${'encoded-command'.padEnd(17)} [${c.start},${c.end}): a PowerShell encoded command, read decoded (${c.encoding}) as ${JSON.stringify(c.script)}; within it:\n`);
    for (const e of c.entries) process.stdout.write(`  ${e.verdict.padEnd(17)} ${e.detectorId}${spanOf(e, c.script)}${e.detail ? `: ${e.detail}` : ''}  (${e.source})\n`);
  }
  for (const b of texts) {
    const of = b.compression ? `${b.compression} text` : 'text';
    process.stdout.write(`${`${b.kind}-text`.padEnd(17)} [${b.start},${b.end}): ${b.kind} of ${of}, read decoded as ${JSON.stringify(b.text)}; within it:\n`);
    for (const e of b.entries) process.stdout.write(`  ${e.verdict.padEnd(17)} ${e.detectorId}${spanOf(e, b.text)}${e.detail ? `: ${e.detail}` : ''}  (${e.source})\n`);
    for (const e of b.keyRules) process.stdout.write(`  ${e.verdict.padEnd(17)} ${e.detectorId}${e.path === '$' ? spanOf(e, b.text) : ` ${e.path}`}: ${e.detail}  (${e.source})\n`);
  }
  const n = explanation.redacted.length + encoded.reduce((sum, c) => sum + c.redacted.length, 0) + texts.reduce((sum, b) => sum + b.redacted.length, 0);
  const fields = keyRules.filter((e) => e.verdict === 'key-redact').length + texts.reduce((sum, b) => sum + b.keyRules.filter((e) => e.verdict === 'key-redact').length, 0);
  process.stdout.write(`${n} span${n === 1 ? '' : 's'} would be redacted${fields > 0 ? `, and ${fields} value${fields === 1 ? '' : 's'} by key rules` : ''}\n`);
  if (record) {
    // The key rules' fields are listed above; here what the detectors do to the record's values.
    process.stdout.write('as a JSON record, read as redact reads a JSON line (each value with the keys above it):\n');
    for (const e of record.entries) {
      if (e.verdict === 'key-redact') continue;
      const span = e.start !== undefined && e.end !== undefined ? ` [${e.start},${e.end})${e.text !== undefined ? ` ${JSON.stringify(e.text)}` : ''}` : '';
      process.stdout.write(`${e.verdict.padEnd(17)} ${e.detectorId} ${e.path}${span}${e.detail ? `: ${e.detail}` : ''}\n`);
    }
    const { detectors, keyRules: byRules } = record.redacted;
    process.stdout.write(
      `${detectors} value${detectors === 1 ? '' : 's'} of the record would be redacted by detectors${byRules > 0 ? `, and ${byRules} by key rules` : ''}${record.droppedBy ? `; the record would be dropped (${record.droppedBy})` : ''}\n`,
    );
  }
  return ExitCode.Ok;
}

export interface ImportFlags {
  out?: string;
  packId?: string;
  prefix?: string;
  category?: string;
  severity?: Severity;
  report?: string;
}

/**
 * `logveil patterns import gitleaks <config>`: the pack goes to `--out` (or stdout), the report to
 * stderr and, with `--report`, as JSON to a file.
 */
export async function patternsImportGitleaksCommand(file: string, flags: ImportFlags): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PolicyError([{ file, line: 0, message: `cannot read: ${(err as Error).message}` }], 'gitleaks config');
  }
  // Loaded here: the importer brings a YAML writer no other command needs at start.
  const { importGitleaks } = await import('../../detect/import/gitleaks.js');
  const result = importGitleaks(text, {
    file,
    ...(flags.packId !== undefined ? { packId: flags.packId } : {}),
    ...(flags.prefix !== undefined ? { idPrefix: flags.prefix } : {}),
    ...(flags.category !== undefined ? { category: flags.category } : {}),
    ...(flags.severity !== undefined ? { severity: flags.severity } : {}),
  });
  const pack = LineWriter.open(flags.out, { mode: 0o644, what: `--out ${flags.out}` });
  await pack.write(result.yaml.replace(/\n$/, ''));
  await pack.close();
  const clashes = idClashes(result);
  process.stderr.write(formatImportReport(file, result, flags.out));
  if (clashes.length > 0) {
    process.stderr.write(
      `warning: ${clashes.length} imported detector id${clashes.length === 1 ? ' is the id' : 's are ids'} of built-in detectors (${clashes.slice(0, 5).join(', ')}${clashes.length > 5 ? ', ...' : ''}): ` +
        'the pack cannot be loaded beside them; import with --prefix (--prefix gl-, say)\n',
    );
  }
  if (flags.report) {
    const report = LineWriter.open(flags.report, { mode: 0o644, what: `--report ${flags.report}` });
    await report.write(JSON.stringify({ ...importReportJson(file, result, flags.out), idClashes: clashes }, null, 2));
    await report.close();
  }
  return ExitCode.Ok;
}

/** The imported detector ids that detectors of the built-in packs have already (none when they cannot be loaded). */
function idClashes(result: GitleaksImport): string[] {
  let ids: Set<string>;
  try {
    ids = new Set(loadPolicy([builtinPatternsDir()]).packs.flatMap((p) => p.detectors.map((d) => d.id)));
  } catch {
    return [];
  }
  return result.imported.map((r) => r.detectorId).filter((id) => ids.has(id));
}

function skippedByCategory(result: GitleaksImport): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of result.skipped) counts[s.category] = (counts[s.category] ?? 0) + 1;
  return counts;
}

function importReportJson(file: string, result: GitleaksImport, out: string | undefined): object {
  return {
    input: file,
    output: out ?? null,
    pack: result.packId,
    rules: result.rules,
    imported: result.imported.length,
    notImported: result.skipped.length,
    notImportedByCategory: skippedByCategory(result),
    skipped: result.skipped,
    detectors: result.imported,
    warnings: result.warnings,
    notes: result.notes,
  };
}

/** The human-readable report: counts, every rule not imported with its reason, every difference. */
export function formatImportReport(file: string, result: GitleaksImport, out: string | undefined): string {
  const lines: string[] = [];
  const by = Object.entries(skippedByCategory(result)).map(([k, n]) => `${k} ${n}`);
  lines.push(`${file}: ${result.rules} rules: ${result.imported.length} imported, ${result.skipped.length} not imported${by.length ? ` (${by.join(', ')})` : ''}`);
  if (result.skipped.length > 0) {
    lines.push('not imported:');
    for (const s of result.skipped) lines.push(`  ${s.ruleId} [${s.category}]: ${s.reason}`);
  }
  const warned = result.imported.filter((r) => r.warnings.length > 0);
  if (warned.length > 0 || result.warnings.length > 0) {
    lines.push('imported with differences (may redact what gitleaks would not report):');
    for (const w of result.warnings) lines.push(`  config: ${w}`);
    for (const r of warned) for (const w of r.warnings) lines.push(`  ${r.ruleId}: ${w}`);
  }
  const noted = result.imported.filter((r) => r.notes.length > 0);
  if (noted.length > 0 || result.notes.length > 0) {
    lines.push('left out, no effect on log lines:');
    for (const n of result.notes) lines.push(`  config: ${n}`);
    for (const r of noted) for (const n of r.notes) lines.push(`  ${r.ruleId}: ${n}`);
  }
  lines.push(`pack "${result.packId}" with ${result.imported.length} detectors written to ${out ?? 'stdout'}`);
  return lines.join('\n') + '\n';
}
