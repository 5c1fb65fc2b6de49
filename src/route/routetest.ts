/**
 * Runs the `tests` block of every routing rule: each `match` case must make the rule match (and
 * pass the raw-line prefilter), each `nomatch` case must not. Threshold rules are tested on the
 * per-record condition; counting is {@link ThresholdGate}'s and has tests of its own.
 */
import { decodeLine } from '../codecs/jsonl.js';
import type { SpecSource } from '../detect/pack.js';
import type { JsonValue, LogRecord } from '../record.js';
import type { CompiledRouting } from './compile.js';

export interface RoutingTestFailure {
  ruleId: string;
  source: SpecSource;
  kind: 'match' | 'nomatch';
  message: string;
}

export interface RoutingTestReport {
  rules: number;
  cases: number;
  passed: number;
  failures: RoutingTestFailure[];
}

/** A test case as the engine would see it: a raw line and the record decoded from it. */
export function caseRecord(record: string | JsonValue, source: SpecSource): { line: Buffer; record: LogRecord } {
  const text = typeof record === 'string' ? record : JSON.stringify(record);
  const line = Buffer.from(text, 'utf8');
  return { line, record: decodeLine(line, { file: source.file, line: source.line }, 'auto', { maxRecordBytes: Number.MAX_SAFE_INTEGER }) };
}

/** Runs the tests of every rule, or of those from `onlyFile` when given. */
export function runRoutingTests(routing: CompiledRouting, onlyFile?: string): RoutingTestReport {
  const report: RoutingTestReport = { rules: 0, cases: 0, passed: 0, failures: [] };
  for (const rule of routing.rules) {
    if (onlyFile !== undefined && rule.source.file !== onlyFile) continue;
    report.rules += 1;
    const fail = (kind: 'match' | 'nomatch', source: SpecSource, message: string): void => {
      report.failures.push({ ruleId: rule.id, source, kind, message });
    };
    for (const c of rule.tests.match) {
      report.cases += 1;
      const { line, record } = caseRecord(c.record, c.source);
      const matched = routing.route(record).some((m) => m.ruleId === rule.id);
      if (!matched) fail('match', c.source, 'match case did not match');
      else if (!routing.mightMatch(line)) fail('match', c.source, 'the raw-line prefilter rejects a case the rule matches');
      else report.passed += 1;
    }
    for (const c of rule.tests.nomatch) {
      report.cases += 1;
      const { record } = caseRecord(c.record, c.source);
      if (routing.route(record).some((m) => m.ruleId === rule.id)) fail('nomatch', c.source, 'nomatch case matched');
      else report.passed += 1;
    }
  }
  return report;
}
