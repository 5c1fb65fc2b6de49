// @ts-check
/**
 * The policy under evaluation, loaded from the compiled library in `dist/`, with an index from
 * `refs` (`gitleaks:github-pat`, `presidio:EMAIL_ADDRESS`) to detector ids and a scan function
 * that returns plain findings.
 */
import { builtinPatternsDir } from '../../dist/config/config.js';
import { CompiledPolicy } from '../../dist/detect/compile.js';
import { loadPolicy } from '../../dist/detect/load.js';
import { scanText } from '../../dist/detect/scan.js';
import { normalizeRef } from './refs.mjs';

/**
 * @typedef {{ id: string, category: string, severity: string, label: string, refs: string[], pack: string }} DetectorInfo
 * @typedef {{ id: string, category: string, start: number, end: number }} Finding
 * @typedef {{
 *   hash: string,
 *   paths: string[],
 *   packs: Array<{ id: string, file: string, detectors: number }>,
 *   detectors: DetectorInfo[],
 *   byId: Map<string, DetectorInfo>,
 *   byRef: Map<string, Set<string>>,
 *   scan: (text: string) => Finding[],
 * }} EvalPolicy
 */

/** The built-in pattern packs directory of the compiled library. */
export function defaultPatternPaths() {
  return [builtinPatternsDir()];
}

/**
 * Loads and compiles the packs in `paths` (files or directories). Throws the library's
 * PolicyError (with every problem) when a pack is invalid.
 * @param {string[]} paths
 * @returns {EvalPolicy}
 */
export function loadEvalPolicy(paths) {
  const spec = loadPolicy(paths);
  const compiled = new CompiledPolicy(spec);
  /** @type {DetectorInfo[]} */
  const detectors = [];
  for (const pack of spec.packs) {
    for (const d of pack.detectors) {
      detectors.push({ id: d.id, category: d.category, severity: d.severity, label: d.label, refs: [...d.refs], pack: pack.id });
    }
  }
  const byId = new Map(detectors.map((d) => [d.id, d]));
  /** @type {Map<string, Set<string>>} */
  const byRef = new Map();
  for (const d of detectors) {
    for (const ref of d.refs) {
      const key = normalizeRef(ref);
      let ids = byRef.get(key);
      if (!ids) byRef.set(key, (ids = new Set()));
      ids.add(d.id);
    }
  }
  return {
    hash: spec.hash,
    paths,
    packs: spec.packs.map((p) => ({ id: p.id, file: p.file, detectors: p.detectors.length })),
    detectors,
    byId,
    byRef,
    scan: (text) =>
      scanText(compiled, text).map((m) => ({
        id: m.detector.spec.id,
        category: m.detector.spec.category,
        start: m.start,
        end: m.end,
      })),
  };
}
