// @ts-check
/**
 * gitleaks rule examples (`secrets/gitleaks_examples.jsonl.gz`, `{rule_id, text, expected}`),
 * case-level, over the cases whose rule some detector lists in its refs as `gitleaks:<rule_id>`.
 */
import { join } from 'node:path';
import { evaluateCases } from './cases.mjs';
import { detectorsFor, SECRET_CATEGORIES } from './refs.mjs';
import { readJsonLines } from './readers.mjs';

export const FILE = 'secrets/gitleaks_examples.jsonl.gz';

/**
 * @param {import('./policy.mjs').EvalPolicy} policy
 * @param {string} root corpora root
 */
export function evaluateGitleaks(policy, root) {
  const rows = readJsonLines(join(root, FILE));
  const cases = rows.map((r, i) => ({ key: String(r.rule_id), text: String(r.text), expected: r.expected === true, row: i + 1 }));
  const result = evaluateCases(policy, cases, (rule) => ({
    detectors: detectorsFor(policy, 'gitleaks', rule),
    categories: SECRET_CATEGORIES,
  }));
  return {
    source: 'gitleaks',
    file: FILE,
    unit: 'case',
    groupBy: 'rule_id',
    positives: cases.filter((c) => c.expected).length,
    negatives: cases.filter((c) => !c.expected).length,
    ...result,
  };
}
