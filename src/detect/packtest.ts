/**
 * Runs the `tests` block of every detector: each `match` case must fire the detector (on the exact
 * `secret` span when one is given) and each `nomatch` case must not. A detector is tested alone, so
 * another detector winning an overlap does not hide its result.
 */
import type { CompiledPolicy } from './compile.js';
import type { SpecSource } from './pack.js';
import { scanHits } from './scan.js';

export interface PackTestFailure {
  detectorId: string;
  source: SpecSource;
  kind: 'match' | 'nomatch';
  message: string;
}

export interface PackTestReport {
  detectors: number;
  cases: number;
  passed: number;
  failures: PackTestFailure[];
}

/** Runs the tests of every detector, or of those from `onlyFile` when given. */
export function runPackTests(policy: CompiledPolicy, onlyFile?: string): PackTestReport {
  const report: PackTestReport = { detectors: 0, cases: 0, passed: 0, failures: [] };
  for (const detector of policy.detectors) {
    const { spec } = detector;
    if (onlyFile !== undefined && spec.source.file !== onlyFile) continue;
    report.detectors += 1;
    const run = (text: string): Array<{ start: number; end: number }> => {
      // A case the prefilter does not pass cannot fire in a run either.
      const inSet = policy.prefilter?.candidates(text).includes(detector.index) ?? false;
      return inSet ? scanHits(policy, text, [detector.index]) : [];
    };
    for (const c of spec.tests.match) {
      report.cases += 1;
      const found = run(c.text);
      let message: string | undefined;
      if (found.length === 0) {
        const why = explainMiss(policy, detector.index, c.text);
        message = `match case did not fire${why ? ` (${why})` : ''}`;
      } else if (c.secret !== undefined && !found.some((m) => c.text.slice(m.start, m.end) === c.secret)) {
        const spans = found.map((m) => `[${m.start},${m.end})`).join(' ');
        const at = c.text.indexOf(c.secret);
        message = `redacted span ${spans} is not the expected secret at [${at},${at + c.secret.length})`;
      }
      if (message) report.failures.push({ detectorId: spec.id, source: c.source, kind: 'match', message });
      else report.passed += 1;
    }
    for (const c of spec.tests.nomatch) {
      report.cases += 1;
      const found = run(c.text);
      if (found.length > 0) {
        const spans = found.map((m) => `[${m.start},${m.end})`).join(' ');
        report.failures.push({ detectorId: spec.id, source: c.source, kind: 'nomatch', message: `nomatch case fired at ${spans}` });
      } else {
        report.passed += 1;
      }
    }
  }
  return report;
}

function explainMiss(policy: CompiledPolicy, index: number, text: string): string | undefined {
  const trace: Parameters<typeof scanHits>[3] = [];
  scanHits(policy, text, [index], trace);
  const rejected = trace?.find((t) => t.verdict !== 'fired');
  if (rejected) return `${rejected.verdict}${rejected.detail ? `: ${rejected.detail}` : ''}`;
  return 'regex did not match';
}
