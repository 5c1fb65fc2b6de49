// @ts-check
/**
 * detect-secrets plugin test cases (`secrets/detect_secrets_cases.jsonl.gz`, `{plugin, text,
 * expected}`), case-level, per plugin. Which plugins are covered comes from the fixed table in
 * mappings.mjs, resolved against the detectors of the loaded policy.
 */
import { join } from 'node:path';
import { evaluateCases } from './cases.mjs';
import { DETECT_SECRETS_PLUGINS } from './mappings.mjs';
import { detectorsFor, SECRET_CATEGORIES } from './refs.mjs';
import { readJsonLines } from './readers.mjs';

export const FILE = 'secrets/detect_secrets_cases.jsonl.gz';

/**
 * The detectors of `policy` that address a detect-secrets plugin (see mappings.mjs).
 * @param {import('./policy.mjs').EvalPolicy} policy
 * @param {string} pluginName the `plugin` field
 * @returns {{ detectors: Set<string>, categories: readonly string[] }}
 */
export function pluginDetectors(policy, pluginName) {
  const m = /** @type {Record<string, import('./mappings.mjs').PluginMapping>} */ (DETECT_SECRETS_PLUGINS)[pluginName];
  /** @type {Set<string>} */
  const ids = new Set(detectorsFor(policy, 'detect-secrets', pluginName));
  if (!m) return { detectors: ids, categories: SECRET_CATEGORIES };
  for (const id of detectorsFor(policy, 'detect-secrets', m.className)) ids.add(id);
  for (const ref of m.refs) {
    const i = ref.indexOf(':');
    for (const id of detectorsFor(policy, ref.slice(0, i), ref.slice(i + 1))) ids.add(id);
  }
  if (m.ids) {
    for (const d of policy.detectors) if (m.ids.test(d.id) && m.categories.includes(d.category)) ids.add(d.id);
  }
  return { detectors: ids, categories: m.categories };
}

/**
 * @param {import('./policy.mjs').EvalPolicy} policy
 * @param {string} root corpora root
 */
export function evaluateDetectSecrets(policy, root) {
  const rows = readJsonLines(join(root, FILE));
  const cases = rows.map((r, i) => ({ key: String(r.plugin), text: String(r.text), expected: r.expected === true, row: i + 1 }));
  /** @type {Map<string, ReturnType<typeof pluginDetectors>>} */
  const cache = new Map();
  const mappingOf = (/** @type {string} */ p) => {
    let m = cache.get(p);
    if (!m) cache.set(p, (m = pluginDetectors(policy, p)));
    return m;
  };
  const result = evaluateCases(policy, cases, mappingOf);
  const unmapped = [...new Set(cases.map((c) => c.key))].filter((p) => !(p in DETECT_SECRETS_PLUGINS)).sort();
  return {
    source: 'detect-secrets',
    file: FILE,
    unit: 'case',
    groupBy: 'plugin',
    positives: cases.filter((c) => c.expected).length,
    negatives: cases.filter((c) => !c.expected).length,
    /** Plugins in the file that mappings.mjs does not know (so can only be covered through refs). */
    unmappedPlugins: unmapped,
    ...result,
  };
}
