// @ts-check
/**
 * Precision, recall and F1 per detector category (secret, credential, pii, financial, identity,
 * network), source by source, and findings per 10,000 lines of real logs per category.
 *
 * A labelled group (a gitleaks rule, a detect-secrets plugin, a Presidio entity type) belongs to
 * the category of the detectors mapped to it; when they differ, to the category most of them
 * have (ties: the order of CATEGORIES). Its counts are those its source reports for it: strict
 * case counts for gitleaks and detect-secrets (a case is one unit), span counts for the Presidio
 * sources (a span is one unit). The units differ between sources, so categories are summed
 * within a source, never across sources.
 */
import { labelledGroups } from './detectors.mjs';
import { addCounts, emptyCounts, score } from './metrics.mjs';
import { per10k } from './source-logs.mjs';

/** Every category a detector can have, most sensitive first. */
export const CATEGORIES = Object.freeze(['secret', 'credential', 'pii', 'financial', 'identity', 'network']);

/**
 * @typedef {import('./metrics.mjs').Scored & { groups: string[] }} CategoryScore
 * @typedef {{ source: string, unit: string, category: string } & CategoryScore} CategoryRow
 * @typedef {{ category: string, detectors: number, findings: number, per10k: number }} CategoryLogRow
 */

/**
 * The category a group counts under: its detectors' most common one.
 * @param {readonly string[]} ids detector ids mapped to the group
 * @param {Map<string, { category: string }>} byId
 * @returns {string | null} null when none of the ids is in the policy
 */
export function groupCategory(ids, byId) {
  /** @type {Map<string, number>} */
  const votes = new Map();
  for (const id of ids) {
    const c = byId.get(id)?.category;
    if (c) votes.set(c, (votes.get(c) ?? 0) + 1);
  }
  let best = null;
  let most = 0;
  for (const c of [...CATEGORIES, ...[...votes.keys()].filter((k) => !CATEGORIES.includes(k)).sort()]) {
    const n = votes.get(c) ?? 0;
    if (n > most) {
      best = c;
      most = n;
    }
  }
  return best;
}

/**
 * @param {{ byId: Map<string, { category: string }> }} policy
 * @param {Record<string, any>} sources the results by source name
 * @returns {{ labelled: CategoryRow[], logs: CategoryLogRow[] | null }}
 */
export function summarizeCategories(policy, sources) {
  /** @type {Map<string, Map<string, { counts: import('./metrics.mjs').Counts, groups: string[] }>>} source -> category -> sums */
  const sums = new Map();
  for (const [source, group, scores, ids] of labelledGroups(sources)) {
    const category = groupCategory(ids, policy.byId);
    if (!category || !scores) continue;
    let bySource = sums.get(source);
    if (!bySource) sums.set(source, (bySource = new Map()));
    let sum = bySource.get(category);
    if (!sum) bySource.set(category, (sum = { counts: emptyCounts(), groups: [] }));
    addCounts(sum.counts, scores);
    sum.groups.push(group);
  }
  /** @type {CategoryRow[]} */
  const labelled = [];
  for (const [source, bySource] of sums) {
    const unit = source === 'gitleaks' || source === 'detect-secrets' ? 'case' : 'span';
    for (const category of [...bySource.keys()].sort(byCategoryOrder)) {
      const sum = /** @type {{ counts: import('./metrics.mjs').Counts, groups: string[] }} */ (bySource.get(category));
      const c = sum.counts;
      labelled.push({ source, unit, category, ...score({ tp: c.tp, fp: c.fp, fn: c.fn }), groups: sum.groups.sort() });
    }
  }
  return { labelled, logs: sources.logs ? logCategories(policy, sources.logs) : null };
}

/**
 * Findings on the real logs per category, with the number of detectors that made them.
 * @param {{ byId: Map<string, { category: string }> }} policy
 * @param {any} logs the logs source result
 * @returns {CategoryLogRow[]}
 */
function logCategories(policy, logs) {
  /** @type {Map<string, { detectors: number, findings: number }>} */
  const by = new Map();
  for (const [id, d] of Object.entries(logs.byDetector)) {
    const category = policy.byId.get(id)?.category ?? /** @type {any} */ (d).category;
    const row = by.get(category) ?? { detectors: 0, findings: 0 };
    row.detectors++;
    row.findings += /** @type {any} */ (d).findings;
    by.set(category, row);
  }
  return CATEGORIES.map((category) => {
    const row = by.get(category) ?? { detectors: 0, findings: 0 };
    return { category, ...row, per10k: per10k(row.findings, logs.lines) };
  });
}

/**
 * @param {string} a
 * @param {string} b
 */
function byCategoryOrder(a, b) {
  const i = CATEGORIES.indexOf(a);
  const j = CATEGORIES.indexOf(b);
  return (i < 0 ? CATEGORIES.length : i) - (j < 0 ? CATEGORIES.length : j) || (a < b ? -1 : a > b ? 1 : 0);
}
