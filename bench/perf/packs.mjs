// @ts-check
/**
 * Policies of a chosen detector count for the detector-count curve. Fewer than the built-in count:
 * the built-in packs cut to their first N detectors (key rules kept). More: the built-in packs plus
 * a pack of clones, each a built-in detector with a new id and a slightly varied regex (one letter
 * of its first literal word changed, or a counted repeat widened), so no two are the same.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { builtinPatternsDir } from '../../dist/config/config.js';
import { listPackFiles } from '../../dist/detect/load.js';

/** @typedef {{ id: string, regex: string, [key: string]: unknown }} RawDetector */
/** @typedef {{ pack: string, detectors: RawDetector[], [key: string]: unknown }} RawPack */

/** The built-in packs as their YAML documents, in load order. @returns {RawPack[]} */
export function builtinPacks() {
  return listPackFiles([builtinPatternsDir()]).map((f) => /** @type {RawPack} */ (YAML.parse(readFileSync(f, 'utf8'))));
}

/**
 * `source` changed a little, differently for every `k` >= 1: the last letter of its first literal
 * word (3+ letters outside classes, escapes, group syntax and counts) moves k letters on; without
 * such a word, the first counted repeat `{m}` / `{m,n}` widens by k.
 * @param {string} source @param {number} k @returns {string}
 */
export function varyRegex(source, k) {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = /** @type {string} */ (source[i]);
    if (c === '\\') {
      i += 1;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(' && source[i + 1] === '?') {
      // (?:  (?i)  (?i:  (?P<name>  (?<name>
      const close = /^\(\?(?:P?<[^>]*>|[a-zA-Z]*[:)])/.exec(source.slice(i));
      if (close) i += close[0].length - 1;
      continue;
    }
    if (c === '{') {
      i = source.indexOf('}', i);
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (j < source.length && /[A-Za-z]/.test(/** @type {string} */ (source[j]))) j += 1;
      if (j - i >= 3) {
        const at = j - 1;
        const old = /** @type {string} */ (source[at]);
        const base = old >= 'a' ? 97 : 65;
        const moved = String.fromCharCode(base + ((old.charCodeAt(0) - base + k) % 26));
        return source.slice(0, at) + moved + source.slice(at + 1);
      }
      i = j - 1;
    }
  }
  const widened = source.replace(/\{(\d+)(?:,(\d*))?\}/, (_m, lo, hi) => (hi === undefined ? `{${lo},${Number(lo) + k}}` : hi === '' ? `{${Number(lo) + k},}` : `{${lo},${Number(hi) + k}}`));
  return widened !== source ? widened : `(?:${source})(?:#v${k})?`;
}

/**
 * Writes a policy with `count` detectors into `dir` (created) and returns the directory. The
 * built-in detectors named in `keep` are always in it (at least those, when they are more than
 * `count`); the others fill it in pack order.
 * @param {string} dir @param {number} count @param {ReadonlySet<string>} [keep]
 * @returns {{ dir: string, detectors: number, clones: number }}
 */
export function writePolicyWithDetectors(dir, count, keep = new Set()) {
  mkdirSync(dir, { recursive: true });
  const packs = builtinPacks();
  const all = packs.flatMap((p) => p.detectors);
  const kept = all.filter((d) => keep.has(d.id)).length;
  let left = count;
  let others = Math.max(0, count - kept);
  for (const pack of packs) {
    const chosen = pack.detectors.filter((d) => {
      if (keep.has(d.id)) return true;
      if (others === 0) return false;
      others -= 1;
      return true;
    });
    left -= chosen.length;
    writeFileSync(join(dir, `${pack.pack}.yaml`), YAML.stringify({ ...pack, detectors: chosen }));
  }
  const clones = [];
  const seen = new Set(all.map((d) => d.regex));
  for (let n = 0; clones.length < left; n++) {
    const original = /** @type {RawDetector} */ (all[n % all.length]);
    const k = Math.floor(n / all.length) + 1;
    // A variation may land on another detector's regex (ghp_ -> ghq_ is fine, gho_ -> ghp_ is not).
    let regex = varyRegex(original.regex, k);
    for (let j = k + 1; seen.has(regex); j++) regex = varyRegex(original.regex, j);
    seen.add(regex);
    clones.push({ ...original, id: `${original.id}-v${k}`, regex });
  }
  if (clones.length > 0) {
    writeFileSync(join(dir, 'zz-bench-clones.yaml'), YAML.stringify({ pack: 'bench-clones', description: 'Built-in detectors with varied regexes (benchmark only)', detectors: clones }));
  }
  return { dir, detectors: Math.max(Math.min(count, all.length), kept) + clones.length, clones: clones.length };
}
