/**
 * Why a string is or is not redacted: for every detector that fired or nearly fired, the verdict
 * and its reason. Runs the same scan code as redaction, with tracing on.
 */
import type { CompiledPolicy } from './compile.js';
import { foldCase } from './literals.js';
import { readings } from './readings.js';
import { scanHits, scanWithViews, type TraceEntry } from './scan.js';

export interface ExplainEntry {
  detectorId: string;
  name: string;
  category: string;
  source: string;
  verdict: TraceEntry['verdict'] | 'no-prefilter-hit' | 'regex-no-match';
  start?: number;
  end?: number;
  detail?: string;
}

export interface Explanation {
  policyHash: string;
  entries: ExplainEntry[];
  /** The spans that would be redacted, in order. */
  redacted: Array<{ detectorId: string; start: number; end: number }>;
}

/**
 * Explains `text`. Detectors with no prefilter hit are listed only when one of their keywords
 * occurs in the text (a near miss a pattern author wants to see) or when `all` is set.
 */
export function explainText(policy: CompiledPolicy, text: string, options: { all?: boolean } = {}): Explanation {
  // The detectors whose regex matches somewhere (the prefilter narrows the search; the literal
  // gates may name detectors that do not match).
  const matching = (t: string): number[] =>
    (policy.prefilter?.candidates(t) ?? []).filter((i) => {
      const regex = policy.detectors[i]?.regex;
      if (!regex) return false;
      regex.lastIndex = 0;
      const found = regex.test(t);
      regex.lastIndex = 0;
      return found;
    });
  const hits = matching(text);
  const trace: TraceEntry[] = [];
  const views = readings(text);
  const matches = views.length > 0 ? scanWithViews(policy, text, views, hits, trace) : scanHits(policy, text, hits, trace);
  const entries: ExplainEntry[] = [];
  // Folded as the keywords are (see foldCase).
  const lower = foldCase(text);
  // A detector that matches only a decoded view counts as hit too.
  const hitSet = new Set([...hits, ...views.flatMap((v) => matching(v.text))]);
  for (const d of policy.detectors) {
    const base = {
      detectorId: d.spec.id,
      name: d.spec.name,
      category: d.spec.category,
      source: `${d.spec.source.file}:${d.spec.source.line}`,
    };
    if (!hitSet.has(d.index)) {
      const keyword = d.spec.keywords.find((k) => lower.includes(k));
      if (keyword || options.all) {
        entries.push({ ...base, verdict: 'no-prefilter-hit', ...(keyword ? { detail: `keyword "${keyword}" present but the regex does not match` } : {}) });
      }
      continue;
    }
    const own = trace.filter((t) => t.detectorId === d.spec.id);
    if (own.length === 0) entries.push({ ...base, verdict: 'regex-no-match', detail: 'prefilter hit but no positional match' });
    for (const t of own) {
      entries.push({ ...base, verdict: t.verdict, start: t.start, end: t.end, ...(t.detail ? { detail: t.detail } : {}) });
    }
  }
  return {
    policyHash: policy.hash,
    entries,
    redacted: matches.map((m) => ({ detectorId: m.detector.spec.id, start: m.start, end: m.end })),
  };
}
