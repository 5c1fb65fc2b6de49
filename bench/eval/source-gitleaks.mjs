// @ts-check
/**
 * gitleaks rule examples (`secrets/gitleaks_examples.jsonl.gz`, `{rule_id, text, expected}`),
 * case-level, two ways:
 *
 * - covered only (`covered`, `loose`, `strict`, `perDetector`): the cases whose rule some detector
 *   lists in its refs as `gitleaks:<rule_id>`; the others are counted under `uncovered`.
 * - whole file (`wholeFile`): every case of the file, nothing excluded, under two policies: the
 *   policy under evaluation alone (`policy`), and that policy plus the pack
 *   `logveil patterns import gitleaks` makes of `secrets/gitleaks.toml` with ids prefixed `gl-`
 *   (`withImport`), which is what a team deploys to get gitleaks' coverage. A case whose rule no
 *   detector maps (not covered, or a rule the importer skipped) is a strict miss: a positive is a
 *   false negative. The loose view (any secret/credential finding) still scans it.
 */
import { join } from 'node:path';
import { evaluateCases } from './cases.mjs';
import { isBuiltinOnly, loadEvalPolicyWithGitleaksImport } from './policy.mjs';
import { detectorsFor, SECRET_CATEGORIES } from './refs.mjs';
import { readJsonLines } from './readers.mjs';

export const FILE = 'secrets/gitleaks_examples.jsonl.gz';
/** The gitleaks config whose import is evaluated beside the policy. */
export const CONFIG = 'secrets/gitleaks.toml';
/** Put before the imported detector ids, so that they do not collide with the policy's. */
export const IMPORT_PREFIX = 'gl-';

/**
 * @typedef {import('./policy.mjs').EvalPolicy} EvalPolicy
 * @typedef {import('./cases.mjs').Case} Case
 */

/**
 * @param {EvalPolicy} policy
 * @param {string} root corpora root
 */
export function evaluateGitleaks(policy, root) {
  const rows = readJsonLines(join(root, FILE));
  /** @type {Case[]} */
  const cases = rows.map((r, i) => ({ key: String(r.rule_id), text: String(r.text), expected: r.expected === true, row: i + 1 }));
  // Both the covered-only and the whole-file pass scan the covered cases with this policy: once is enough.
  const alone = memoized(policy);
  const result = evaluateCases(alone, cases, mappingFor(alone));
  return {
    source: 'gitleaks',
    file: FILE,
    unit: 'case',
    groupBy: 'rule_id',
    positives: cases.filter((c) => c.expected).length,
    negatives: cases.filter((c) => !c.expected).length,
    ...result,
    wholeFile: evaluateWholeFile(alone, cases, root),
  };
}

/**
 * The whole-file scores of the policy alone and of the policy with the imported gitleaks pack.
 * @param {EvalPolicy} policy
 * @param {Case[]} cases
 * @param {string} root
 */
function evaluateWholeFile(policy, cases, root) {
  const packs = isBuiltinOnly(policy.paths) ? 'built-in' : 'given packs';
  const { policy: combined, imported } = loadEvalPolicyWithGitleaksImport(policy.paths, join(root, CONFIG), { idPrefix: IMPORT_PREFIX });
  const rules = [...new Set(cases.map((c) => c.key))].sort();
  const inConfig = new Set([...imported.imported.map((r) => r.ruleId), ...imported.skipped.map((s) => s.ruleId)]);
  const mapCombined = mappingFor(combined);
  return {
    cases: cases.length,
    positives: cases.filter((c) => c.expected).length,
    negatives: cases.filter((c) => !c.expected).length,
    groups: rules.length,
    policy: {
      label: `${packs} alone`,
      detectors: policy.detectors.length,
      ...evaluateCases(policy, cases, mappingFor(policy), { wholeFile: true }),
    },
    withImport: {
      label: `${packs} + ${CONFIG.split('/').pop()} import (${IMPORT_PREFIX}*)`,
      detectors: combined.detectors.length,
      hash: combined.hash,
      import: {
        config: CONFIG,
        prefix: IMPORT_PREFIX,
        pack: imported.packId,
        rules: imported.rules,
        imported: imported.imported.length,
        // Each rule the importer left out, with what happens to its cases: they stay in the totals.
        skipped: imported.skipped.map((s) => {
          const own = cases.filter((c) => c.key === s.ruleId);
          return {
            ruleId: s.ruleId,
            category: s.category,
            reason: s.reason,
            cases: own.length,
            positives: own.filter((c) => c.expected).length,
            mappedBy: [...mapCombined(s.ruleId).detectors].sort(),
          };
        }),
        // rule ids of the examples the config does not define (their cases stay in the totals too).
        rulesNotInConfig: rules.filter((r) => !inConfig.has(r)),
      },
      ...evaluateCases(combined, cases, mapCombined, { wholeFile: true }),
    },
  };
}

/**
 * @param {EvalPolicy} policy
 * @returns {(rule: string) => import('./cases.mjs').GroupMapping}
 */
function mappingFor(policy) {
  return (rule) => ({ detectors: detectorsFor(policy, 'gitleaks', rule), categories: SECRET_CATEGORIES });
}

/**
 * The policy with its scan remembered per text.
 * @param {EvalPolicy} policy
 * @returns {EvalPolicy}
 */
function memoized(policy) {
  /** @type {Map<string, import('./policy.mjs').Finding[]>} */
  const seen = new Map();
  return {
    ...policy,
    scan: (text) => {
      let found = seen.get(text);
      if (!found) seen.set(text, (found = policy.scan(text)));
      return found;
    },
  };
}
