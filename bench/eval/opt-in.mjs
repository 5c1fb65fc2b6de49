// @ts-check
/**
 * The opt-in packs (`patterns/opt-in/`): detectors the built-in policy leaves out because of what
 * they cost on ordinary logs. Each is measured as a team would turn it on, the built-in packs plus
 * that one pack: what it gains on the labelled PII sources, and its findings on the real logs.
 */
import { relative, resolve } from 'node:path';
import { builtinPatternsDir, optInPackFiles } from '../../dist/config/config.js';
import { loadEvalPolicy } from './policy.mjs';
import { evaluateLogs } from './source-logs.mjs';
import { evaluatePresidioGenerated } from './source-presidio-generated.mjs';
import { evaluatePresidioRecognizer } from './source-presidio-recognizer.mjs';

/**
 * Scores of the labelled types the pack's detectors answer, without and with the pack.
 * @param {Record<string, any>} before `byType` of a span source on the built-in policy
 * @param {Record<string, any>} after the same with the pack added
 * @param {Set<string>} types
 */
function typeDeltas(before, after, types) {
  /** @type {Record<string, { before: number | null, after: number | null, fpBefore: number, fpAfter: number }>} */
  const out = {};
  for (const t of types) {
    const a = before[t];
    const b = after[t];
    if (!a || !b) continue;
    out[t] = { before: a.f1, after: b.f1, fpBefore: a.fp, fpAfter: b.fp };
  }
  return out;
}

/**
 * What `policy` (the built-in packs plus opt-in packs) changes against the built-in policy on
 * the sources of `sources` that were run: the recognizer cases' and the labelled sentences' whole
 * scores, those of the labelled types the added detectors answer, and the added detectors'
 * findings on the real logs (each part is left out when its source was not run).
 * @param {import('./policy.mjs').EvalPolicy} builtin the built-in policy
 * @param {Record<string, any>} sources the built-in policy's results, by source name
 * @param {import('./policy.mjs').EvalPolicy} policy the built-in packs and the opt-in packs measured
 * @param {string} root corpora root
 */
function measureWith(builtin, sources, policy, root) {
  const recognizer = sources['presidio-recognizer'];
  const generated = sources['presidio-generated'];
  const added = policy.detectors.filter((d) => !builtin.byId.has(d.id));
  const types = new Set(added.flatMap((d) => d.refs.filter((r) => r.startsWith('presidio:')).map((r) => r.slice('presidio:'.length))));
  const ids = new Set(added.map((d) => d.id));
  /** @type {Record<string, any>} */
  const out = { detectors: [...ids] };
  if (recognizer) {
    const after = evaluatePresidioRecognizer(policy, root);
    out.presidioRecognizer = typeDeltas(recognizer.byType, after.byType, types);
    out.presidioRecognizerOverall = overallDelta(recognizer.overall, after.overall);
  }
  if (generated) {
    const withGenerated = evaluatePresidioGenerated(policy, root);
    out.presidioGenerated = Object.fromEntries(
      ['small', 'large'].map((size) => [size, typeDeltas(generated.sets[size].byType, withGenerated.sets[size].byType, types)]),
    );
    // Whole, too: a pack's finding that outranks another type's on the same span takes its label.
    out.presidioGeneratedOverall = Object.fromEntries(['small', 'large'].map((size) => [size, overallDelta(generated.sets[size].overall, withGenerated.sets[size].overall)]));
  }
  if (sources.logs) {
    const logs = evaluateLogs(policy, root);
    /** @type {Record<string, number>} */
    const byDetector = {};
    for (const [id, d] of Object.entries(logs.byDetector)) if (ids.has(id) && d.findings > 0) byDetector[id] = d.findings;
    const findings = Object.values(byDetector).reduce((n, x) => n + x, 0);
    out.logs = {
      lines: logs.lines,
      findings,
      per10k: logs.lines === 0 ? 0 : Math.round((findings / logs.lines) * 100000) / 10,
      byDetector,
      byFile: Object.fromEntries(
        Object.entries(logs.byFile)
          .map(([name, f]) => [name, Object.entries(f.detectors).filter(([id]) => ids.has(id)).reduce((n, [, d]) => n + d.findings, 0)])
          .filter(([, n]) => Number(n) > 0),
      ),
    };
  }
  return out;
}

/**
 * A source's whole score without and with the added packs.
 * @param {{ precision: number | null, recall: number | null, f1: number | null }} before
 * @param {{ precision: number | null, recall: number | null, f1: number | null }} after
 */
function overallDelta(before, after) {
  return {
    before: { precision: before.precision, recall: before.recall, f1: before.f1 },
    after: { precision: after.precision, recall: after.recall, f1: after.f1 },
  };
}

/**
 * The opt-in packs measured on the sources of `sources` that they answer, each pack with the
 * built-in packs, and all of them together (`together`, when there are several).
 * @param {import('./policy.mjs').EvalPolicy} builtin the built-in policy
 * @param {Record<string, any>} sources the built-in policy's results, by source name
 * @param {string} root corpora root
 * @returns {{ packs: Array<Record<string, any>>, together?: Record<string, any> }}
 */
export function evaluateOptInPacks(builtin, sources, root) {
  const files = optInPackFiles();
  const packs = files.map((file) => {
    const policy = loadEvalPolicy([builtinPatternsDir(), file]);
    return {
      file: relative(builtinPatternsDir(), file),
      pack: policy.packs.find((p) => resolve(p.file) === resolve(file))?.id ?? file,
      ...measureWith(builtin, sources, policy, root),
    };
  });
  if (files.length < 2) return { packs };
  const all = loadEvalPolicy([builtinPatternsDir(), ...files]);
  return { packs, together: { files: files.map((f) => relative(builtinPatternsDir(), f)), ...measureWith(builtin, sources, all, root) } };
}
