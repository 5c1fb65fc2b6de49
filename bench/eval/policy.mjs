// @ts-check
/**
 * The policy under evaluation, loaded from the compiled library in `dist/`, with an index from
 * `refs` (`gitleaks:github-pat`, `presidio:EMAIL_ADDRESS`) to detector ids and a scan function
 * that returns plain findings.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { builtinPatternsDir } from '../../dist/config/config.js';
import { CompiledPolicy } from '../../dist/detect/compile.js';
import { importGitleaks } from '../../dist/detect/import/gitleaks.js';
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
 * True when `paths` are the built-in packs alone (no `--patterns`).
 * @param {readonly string[]} paths
 */
export function isBuiltinOnly(paths) {
  return paths.length === 1 && resolve(/** @type {string} */ (paths[0])) === resolve(builtinPatternsDir());
}

/**
 * The packs in `paths` plus the pack `logveil patterns import gitleaks <configFile>` makes, as a
 * team would deploy them side by side. The imported pack is generated now into a fresh temp
 * directory (never into the project), loaded from there like any pack file, and removed.
 * @param {string[]} paths the packs of the policy under evaluation
 * @param {string} configFile a gitleaks config (TOML)
 * @param {{ idPrefix: string, packId?: string }} options idPrefix keeps the imported ids apart from the others
 * @returns {{ policy: EvalPolicy, imported: import('../../dist/detect/import/gitleaks.js').GitleaksImport }}
 */
export function loadEvalPolicyWithGitleaksImport(paths, configFile, options) {
  const imported = importGitleaks(readFileSync(configFile, 'utf8'), {
    file: basename(configFile),
    idPrefix: options.idPrefix,
    ...(options.packId ? { packId: options.packId } : {}),
  });
  const dir = mkdtempSync(join(tmpdir(), 'logveil-eval-gitleaks-'));
  try {
    const file = join(dir, `${imported.packId}.yaml`);
    writeFileSync(file, imported.yaml);
    return { policy: loadEvalPolicy([...paths, file]), imported };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
