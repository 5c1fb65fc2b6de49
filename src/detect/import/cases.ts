/**
 * Makes the `tests.match` case an imported detector must carry: a string generated from its own
 * regex (never taken from a corpus), with a keyword in front when the string holds none, kept only
 * when `logveil patterns test` would pass it: the detector, compiled as logveil runs it, redacts the
 * expected span.
 */
import { CompiledPolicy } from '../compile.js';
import type { DetectorSpec } from '../pack.js';
import { runPackTests } from '../packtest.js';
import { scanHits } from '../scan.js';
import type { ParsedRegex } from '../re2-syntax.js';
import { sampleRegex } from './sample.js';

/** A generated case: `secret` is the span the detector redacts in `text`. */
export interface SynthesizedCase {
  text: string;
  secret: string;
}

export type CaseResult = { ok: true; case: SynthesizedCase } | { ok: false; reason: string };

const ATTEMPTS = 60;

/** FNV-1a: a stable seed per detector, so the same input gives the same pack. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Finds a case for `spec` (whose own tests are ignored). `secretCapture` is the capture group
 * (numbered in `parsed`) that the detector redacts, or undefined when it redacts the whole match.
 */
export function synthesizeCase(spec: DetectorSpec, parsed: ParsedRegex, secretCapture: number | undefined): CaseResult {
  // A private copy whose one case is swapped per attempt: the pack test runner reads it from here.
  const probe: DetectorSpec = { ...spec, tests: { match: [], nomatch: [] } };
  const policy = new CompiledPolicy({ packs: [{ id: 'import-check', file: spec.source.file, detectors: [probe], keyRules: [], allowlist: [] }], hash: '' });
  const passes = (c: SynthesizedCase): string | undefined => {
    probe.tests.match = [{ text: c.text, secret: c.secret, source: spec.source }];
    return runPackTests(policy).failures[0]?.message;
  };

  const seed = seedOf(spec.id);
  let fallback: SynthesizedCase | undefined;
  let lastMiss = 'no string could be generated from the regex';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const sample = sampleRegex(parsed.root, { seed: seed + attempt, plain: attempt === 0, maxExtra: attempt < 20 ? 4 : 24 });
    if (!sample) continue;
    const keyword = spec.keywords[attempt % Math.max(1, spec.keywords.length)];
    const lower = sample.text.toLowerCase();
    const prefix = keyword !== undefined && !spec.keywords.some((k) => lower.includes(k)) ? `${keyword} ` : '';
    const text = prefix + sample.text;
    const span = secretCapture === undefined ? [0, sample.text.length] : sample.captures.get(secretCapture);
    if (span && span[1] !== undefined && span[1] > (span[0] ?? 0)) {
      const planned = { text, secret: text.slice(prefix.length + (span[0] ?? 0), prefix.length + span[1]) };
      const miss = passes(planned);
      if (miss === undefined) return { ok: true, case: planned };
      lastMiss = miss;
    }
    // The detector may fire on another span than planned (a lazy prefix, a wider alternative).
    const first = fallback ? undefined : scanHits(policy, text, [0])[0];
    if (first) {
      const actual = { text, secret: text.slice(first.start, first.end) };
      if (passes(actual) === undefined) fallback = actual;
    }
  }
  return fallback ? { ok: true, case: fallback } : { ok: false, reason: `no generated string fires the detector (last try: ${lastMiss})` };
}
