// @ts-check
/**
 * Per-detector summary across sources, and the worst-detector rankings.
 *
 * Precision is the detector's own (what it fired on). Recall and F1 belong to the group it is
 * mapped to (a gitleaks rule, a detect-secrets plugin, a Presidio entity type), because several
 * detectors may share a group (phone-us and phone-e164 both answer PHONE_NUMBER) and none of
 * them alone is responsible for the group's misses. A detector's F1 is its worst group's F1.
 *
 * False positives of a detector: its FPs on labelled data, secret findings on negative cases of
 * other rules, findings on text no label covers in the Presidio sentences, and secret/credential
 * findings in the real logs.
 */

/**
 * @typedef {{ source: string, group: string, precision: number | null, recall: number | null, f1: number | null, support: number }} GroupScore
 * @typedef {{
 *   id: string, category: string, pack: string,
 *   own: { tp: number, fp: number, precision: number | null } | null,
 *   groups: GroupScore[],
 *   worstGroup: GroupScore | null,
 *   falsePositives: { labelled: number, otherRules: number, unlabelledText: number, logSecrets: number, total: number },
 *   logFindings: number, logPer10k: number,
 * }} DetectorSummary
 */

/**
 * The labelled groups of every source, as [source label, group, scores, detector ids]; the scores
 * of a gitleaks rule or detect-secrets plugin are its strict ones (a mapped detector fired).
 * @param {Record<string, any>} sources
 * @returns {Array<[string, string, any, string[]]>}
 */
export function labelledGroups(sources) {
  /** @type {Array<[string, string, any, string[]]>} */
  const out = [];
  for (const name of ['gitleaks', 'detect-secrets']) {
    const r = sources[name];
    if (!r) continue;
    for (const [group, ids] of Object.entries(r.covered.detectors)) out.push([name, group, r.strict.byGroup[group], /** @type {string[]} */ (ids)]);
  }
  const rec = sources['presidio-recognizer'];
  if (rec) for (const [t, s] of Object.entries(rec.byType)) out.push(['presidio-recognizer', t, s, /** @type {any} */ (s).detectors]);
  for (const [set, r] of Object.entries(sources['presidio-generated']?.sets ?? {})) {
    for (const [t, s] of Object.entries(/** @type {any} */ (r).byType)) out.push([`presidio-generated/${set}`, t, s, /** @type {any} */ (s).detectors]);
  }
  return out;
}

/**
 * @param {{ detectors: Array<{ id: string, category: string, pack: string }> }} policy
 * @param {Record<string, any>} sources the results by source name
 * @returns {DetectorSummary[]}
 */
export function summarizeDetectors(policy, sources) {
  const groups = labelledGroups(sources);
  /** @type {DetectorSummary[]} */
  const out = [];
  for (const d of policy.detectors) {
    const fps = { labelled: 0, otherRules: 0, unlabelledText: 0, logSecrets: 0, total: 0 };
    let tp = 0;
    let labelled = false;
    /** @param {any} c */
    const take = (c) => {
      if (!c) return;
      labelled = true;
      tp += c.tp;
      fps.labelled += c.fp;
      fps.otherRules += c.fpOtherRules ?? 0;
    };
    take(sources.gitleaks?.perDetector?.[d.id]);
    take(sources['detect-secrets']?.perDetector?.[d.id]);
    take(sources['presidio-recognizer']?.perDetector?.[d.id]);
    for (const set of Object.values(sources['presidio-generated']?.sets ?? {})) {
      take(set.perDetector?.[d.id]);
      fps.unlabelledText += set.findingsByDetector?.[d.id]?.unlabelled ?? 0;
    }
    const log = sources.logs?.byDetector?.[d.id];
    if (log && sources.logs.secretByDetector?.[d.id]) fps.logSecrets = log.findings;
    fps.total = fps.labelled + fps.otherRules + fps.unlabelledText + fps.logSecrets;

    /** @type {GroupScore[]} */
    const mine = groups
      .filter(([, , , ids]) => ids.includes(d.id))
      .map(([source, group, s]) => ({ source, group, precision: s.precision, recall: s.recall, f1: s.f1, support: s.tp + s.fn }));
    const scored = mine.filter((g) => g.f1 !== null);
    const worstGroup = scored.length === 0 ? null : scored.reduce((a, b) => (/** @type {number} */ (b.f1) < /** @type {number} */ (a.f1) ? b : a));
    out.push({
      id: d.id,
      category: d.category,
      pack: d.pack,
      own: labelled ? { tp, fp: fps.labelled, precision: tp + fps.labelled === 0 ? null : round(tp / (tp + fps.labelled)) } : null,
      groups: mine,
      worstGroup,
      falsePositives: fps,
      logFindings: log?.findings ?? 0,
      logPer10k: log?.per10k ?? 0,
    });
  }
  return out;
}

/** @param {number} x */
function round(x) {
  return Math.round(x * 10000) / 10000;
}

/**
 * Detectors with a scored group, lowest group F1 first (then lowest own precision, most FPs).
 * @param {DetectorSummary[]} summaries
 * @param {number} [limit]
 */
export function worstByF1(summaries, limit = 10) {
  return summaries
    .filter((s) => s.worstGroup)
    .sort(
      (a, b) =>
        /** @type {number} */ (a.worstGroup?.f1) - /** @type {number} */ (b.worstGroup?.f1) ||
        (a.own?.precision ?? 1) - (b.own?.precision ?? 1) ||
        b.falsePositives.total - a.falsePositives.total ||
        (a.id < b.id ? -1 : 1),
    )
    .slice(0, limit);
}

/**
 * Detectors with false positives of any kind, most first.
 * @param {DetectorSummary[]} summaries
 * @param {number} [limit]
 */
export function worstByFalsePositives(summaries, limit = 10) {
  return summaries
    .filter((s) => s.falsePositives.total > 0)
    .sort((a, b) => b.falsePositives.total - a.falsePositives.total || (a.id < b.id ? -1 : 1))
    .slice(0, limit);
}
