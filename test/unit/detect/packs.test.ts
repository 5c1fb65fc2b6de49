import { describe, expect, it } from 'vitest';
import { builtinPatternsDir } from '../../../src/config/config.js';
import { CompiledPolicy } from '../../../src/detect/compile.js';
import { loadPolicy } from '../../../src/detect/load.js';
import { runPackTests } from '../../../src/detect/packtest.js';
import { policyFromYaml } from '../../helpers/policy.js';

// Every built-in detector's tests.match / tests.nomatch cases, one test per detector.
const policy = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
const report = runPackTests(policy);

describe('built-in pattern packs', () => {
  it('hold at least 30 detectors, each with match and nomatch cases', () => {
    expect(policy.detectors.length).toBeGreaterThanOrEqual(30);
    for (const d of policy.detectors) {
      expect(d.spec.tests.match.length, d.spec.id).toBeGreaterThan(0);
      expect(d.spec.tests.nomatch.length, d.spec.id).toBeGreaterThan(0);
    }
  });

  it.each(policy.detectors.map((d) => [d.spec.id, d.spec.source.file] as const))('%s (%s) passes its own cases', (id) => {
    const failures = report.failures.filter((f) => f.detectorId === id).map((f) => `${f.source.file}:${f.source.line} ${f.message}`);
    expect(failures).toEqual([]);
  });
});

describe('pack test runner', () => {
  it('reports a failing match and a failing nomatch case with the line of the case', () => {
    const broken = policyFromYaml(`
pack: b
detectors:
  - id: digits
    name: Digits
    category: pii
    severity: low
    regex: '\\d{4}'
    action: mask
    tests:
      match:
        - 'abcd'
        - text: 'id 12345'
          secret: '2345'
      nomatch:
        - '1234'
`);
    const r = runPackTests(broken);
    expect(r.passed).toBe(0);
    expect(r.failures.map((f) => [f.kind, f.source.line, f.message])).toEqual([
      ['match', 12, 'match case did not fire (regex did not match)'],
      ['match', 13, 'redacted span [3,7) is not the expected secret at [4,8)'],
      ['nomatch', 16, 'nomatch case fired at [0,4)'],
    ]);
  });
});
