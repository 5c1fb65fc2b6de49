// @ts-check
/**
 * Helpers over a loaded policy that do not need the compiled library: refs lookup and the
 * secret/credential categories. (policy.mjs loads the policy; this module stays importable
 * without dist/, for tests.)
 */

/** Categories whose findings answer "did the secret get redacted". */
export const SECRET_CATEGORIES = Object.freeze(['secret', 'credential']);

/**
 * Refs are compared as `tool:NAME` with the tool lower-cased; the name keeps its case
 * (`presidio:EMAIL_ADDRESS`, `gitleaks:github-pat`).
 * @param {string} ref
 */
export function normalizeRef(ref) {
  const i = ref.indexOf(':');
  return i < 0 ? ref : `${ref.slice(0, i).trim().toLowerCase()}:${ref.slice(i + 1).trim()}`;
}

/**
 * Ids of the detectors whose refs include `tool:name`.
 * @param {{ byRef: Map<string, Set<string>> }} policy
 * @param {string} tool
 * @param {string} name
 * @returns {Set<string>}
 */
export function detectorsFor(policy, tool, name) {
  return policy.byRef.get(normalizeRef(`${tool}:${name}`)) ?? new Set();
}

/**
 * The names some detector's refs give for `tool` (`presidio:CA_SIN` gives `CA_SIN`), sorted.
 * @param {{ byRef: Map<string, Set<string>> }} policy
 * @param {string} tool
 * @returns {string[]}
 */
export function referencedNames(policy, tool) {
  const prefix = `${tool.toLowerCase()}:`;
  return [...policy.byRef.keys()].filter((r) => r.startsWith(prefix)).map((r) => r.slice(prefix.length)).sort();
}

/**
 * True when the finding's category is a secret/credential category.
 * @param {{ category: string }} f
 */
export function isSecretFinding(f) {
  return SECRET_CATEGORIES.includes(f.category);
}
