/**
 * `logveil patterns test` and `logveil patterns explain`.
 */
import { resolve, relative } from 'node:path';
import { loadConfig } from '../../config/config.js';
import { CompiledPolicy } from '../../detect/compile.js';
import { explainText } from '../../detect/explain.js';
import { loadPolicy } from '../../detect/load.js';
import { runPackTests } from '../../detect/packtest.js';
import { CompiledRouting } from '../../route/compile.js';
import { loadRoutingRules } from '../../route/load.js';
import { runRoutingTests } from '../../route/routetest.js';
import { ExitCode } from '../exit.js';

export interface PatternsFlags {
  config?: string;
  patterns?: string[];
  pack?: string;
  json?: boolean;
  all?: boolean;
}

function policyFor(flags: PatternsFlags): CompiledPolicy {
  const config = loadConfig(flags.config);
  const paths = flags.patterns?.length ? flags.patterns : config.patterns;
  return new CompiledPolicy(loadPolicy(flags.pack ? [...new Set([...paths, flags.pack])] : paths));
}

export function patternsTestCommand(flags: PatternsFlags): number {
  const policy = policyFor(flags);
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
  const policy = policyFor(flags);
  const explanation = explainText(policy, text, { all: flags.all ?? false });
  if (flags.json) {
    process.stdout.write(JSON.stringify(explanation, null, 2) + '\n');
    return ExitCode.Ok;
  }
  if (explanation.entries.length === 0) {
    process.stdout.write('no detector matched or nearly matched\n');
  }
  for (const e of explanation.entries) {
    const span = e.start !== undefined && e.end !== undefined ? ` [${e.start},${e.end}) ${JSON.stringify(text.slice(e.start, e.end))}` : '';
    process.stdout.write(`${e.verdict.padEnd(17)} ${e.detectorId}${span}${e.detail ? `: ${e.detail}` : ''}  (${e.source})\n`);
  }
  const n = explanation.redacted.length;
  process.stdout.write(`${n} span${n === 1 ? '' : 's'} would be redacted\n`);
  return ExitCode.Ok;
}
