/**
 * Why a string is or is not redacted: for every detector that fired or nearly fired, the verdict
 * and its reason. Runs the same scan code as redaction, with tracing on.
 */
import RE2 from 're2';
import type { CompiledDetector, CompiledPolicy } from './compile.js';
import { keywordPrefix } from './keyword-prefix.js';
import { foldCase } from './literals.js';
import { readings } from './readings.js';
import { scanHits, scanWithViews, type TraceEntry } from './scan.js';

export interface ExplainEntry {
  detectorId: string;
  name: string;
  category: string;
  source: string;
  verdict: TraceEntry['verdict'] | 'no-prefilter-hit' | 'regex-no-match' | 'opt-in';
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
    const base = baseOf(d);
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
  for (const d of policy.detectors) {
    const base = baseOf(d);
    const seen = trace.filter((t) => t.detectorId === d.spec.id);
    for (const near of keywordNearMisses(policy, d, text, lower)) {
      // A value the detector traced already, or that another finding redacts anyway, is no near miss.
      if (seen.some((t) => t.start === near.start && t.end === near.end)) continue;
      if (matches.some((m) => m.start <= near.start && near.end <= m.end)) continue;
      entries.push({ ...base, verdict: 'keyword-missing', ...near });
    }
  }
  return {
    policyHash: policy.hash,
    entries,
    redacted: matches.map((m) => ({ detectorId: m.detector.spec.id, start: m.start, end: m.end })),
  };
}

function baseOf(d: CompiledDetector): Pick<ExplainEntry, 'detectorId' | 'name' | 'category' | 'source'> {
  return { detectorId: d.spec.id, name: d.spec.name, category: d.spec.category, source: `${d.spec.source.file}:${d.spec.source.line}` };
}

/**
 * The values a detector that writes its keywords into its regex (see keywordPrefix) would take,
 * valid and not allowlisted, where none of those keywords stands near enough before them: how far
 * the nearest one is, or that the text holds none. Detectors with a `keywords` field are traced by
 * the scan itself.
 */
function keywordNearMisses(policy: CompiledPolicy, d: CompiledDetector, text: string, lower: string): Array<{ start: number; end: number; detail: string }> {
  const prefix = keywordPrefix(d.spec.regex);
  if (!prefix) return [];
  let re: RE2;
  try {
    re = new RE2(prefix.value, 'gud');
  } catch {
    return [];
  }
  const out: Array<{ start: number; end: number; detail: string }> = [];
  const words = prefix.keywords.map((k) => foldCase(k));
  for (let m = re.exec(text); m !== null; m = re.lastIndex < text.length ? re.exec(text) : null) {
    if (m[0].length === 0) {
      re.lastIndex = m.index + 1;
      continue;
    }
    const [start, end] = m.indices?.groups?.['secret'] ?? [m.index, m.index + m[0].length];
    if (end <= start) continue;
    const verdict = policy.verdictOf(d, text.slice(start, end));
    if (verdict.allowedBy || policy.allowedAround(d, text, { matchStart: m.index, matchEnd: m.index + m[0].length, start, end }) || (d.validate && !verdict.validation().ok)) continue;
    // The nearest keyword that ends before the value's match: the regex's gap runs from its end
    // to the match (which may open with a character of context); the text says how far the value is.
    let nearest: { word: string; gap: number; before: number } | undefined;
    for (const [i, word] of words.entries()) {
      const at = lower.lastIndexOf(word, m.index - word.length);
      if (at >= 0 && at + word.length <= m.index && (!nearest || m.index - (at + word.length) < nearest.gap)) {
        nearest = { word: prefix.keywords[i] as string, gap: m.index - (at + word.length), before: start - (at + word.length) };
      }
    }
    const list = prefix.keywords.length <= 6 ? prefix.keywords.join(', ') : `${prefix.keywords.slice(0, 6).join(', ')}, … (${prefix.keywords.length - 6} more)`;
    const detail = !nearest
      ? `the value matches, but none of [${list}] stands before it`
      : nearest.gap > prefix.window
        ? `the value matches, but its nearest keyword "${nearest.word}" ends ${nearest.before} chars before it, and the regex's gap takes at most ${prefix.window}`
        : `the value matches and "${nearest.word}" ends ${nearest.before} chars before it, but the text between them holds what the regex does not allow there`;
    out.push({ start, end, detail });
  }
  return out;
}
