// @ts-check
/**
 * Runs the selected sources against one policy and assembles the report object.
 */
import { performance } from 'node:perf_hooks';
import { summarizeCategories } from './categories.mjs';
import { summarizeDetectors, worstByF1, worstByFalsePositives } from './detectors.mjs';
import { evaluateOptInPacks } from './opt-in.mjs';
import { defaultPatternPaths, isBuiltinOnly, loadEvalPolicy } from './policy.mjs';
import { corporaRoot } from './readers.mjs';
import { evaluateDetectSecrets } from './source-detect-secrets.mjs';
import { evaluateGitleaks } from './source-gitleaks.mjs';
import { evaluateLogs } from './source-logs.mjs';
import { evaluatePresidioGenerated } from './source-presidio-generated.mjs';
import { evaluatePresidioRecognizer } from './source-presidio-recognizer.mjs';
import { evaluateRouting } from './routing.mjs';

/** @type {Readonly<Record<string, (policy: import('./policy.mjs').EvalPolicy, root: string) => object>>} */
export const SOURCES = Object.freeze({
  gitleaks: evaluateGitleaks,
  'detect-secrets': evaluateDetectSecrets,
  'presidio-recognizer': evaluatePresidioRecognizer,
  'presidio-generated': evaluatePresidioGenerated,
  logs: evaluateLogs,
  routing: evaluateRouting,
});

/** Names `--only` accepts besides the source names. */
export const SOURCE_ALIASES = Object.freeze({
  all: Object.keys(SOURCES),
  secrets: ['gitleaks', 'detect-secrets'],
  presidio: ['presidio-recognizer', 'presidio-generated'],
  pii: ['presidio-recognizer', 'presidio-generated'],
  'presidio-sentences': ['presidio-generated'],
  'detect_secrets': ['detect-secrets'],
});

/**
 * Expands a comma-separated `--only` value to source names, in the canonical order.
 * Throws on an unknown name.
 * @param {string | undefined} only
 * @returns {string[]}
 */
export function selectSources(only) {
  if (!only) return Object.keys(SOURCES);
  /** @type {Set<string>} */
  const wanted = new Set();
  for (const raw of only.split(',')) {
    const name = raw.trim();
    if (name.length === 0) continue;
    const alias = /** @type {Record<string, readonly string[]>} */ (SOURCE_ALIASES)[name];
    if (alias) for (const n of alias) wanted.add(n);
    else if (name in SOURCES) wanted.add(name);
    else {
      const known = [...Object.keys(SOURCES), ...Object.keys(SOURCE_ALIASES)].join(', ');
      throw new UsageError(`unknown source "${name}" (known: ${known})`);
    }
  }
  return Object.keys(SOURCES).filter((n) => wanted.has(n));
}

/** A bad command line: reported without a stack, exit code 2. */
export class UsageError extends Error {}

/**
 * @param {{ sources?: string[], patterns?: string[], root?: string }} [options]
 */
export function runEval(options = {}) {
  const started = performance.now();
  const root = options.root ?? corporaRoot();
  const patterns = options.patterns && options.patterns.length > 0 ? options.patterns : defaultPatternPaths();
  const policy = loadEvalPolicy(patterns);
  const names = options.sources ?? Object.keys(SOURCES);
  /** @type {Record<string, any>} */
  const sources = {};
  /** @type {Record<string, number>} */
  const timings = {};
  for (const name of names) {
    const run = SOURCES[name];
    if (!run) throw new UsageError(`unknown source "${name}"`);
    const t0 = performance.now();
    sources[name] = run(policy, root);
    timings[name] = Math.round(performance.now() - t0);
  }
  // The opt-in packs are measured against the built-in policy, with the PII sources they answer.
  const withOptIn = isBuiltinOnly(patterns) && ['presidio-recognizer', 'presidio-generated', 'logs'].some((n) => names.includes(n));
  /** @type {ReturnType<typeof evaluateOptInPacks> | undefined} */
  let optIn;
  if (withOptIn) {
    const t0 = performance.now();
    optIn = evaluateOptInPacks(policy, sources, root);
    timings['opt-in'] = Math.round(performance.now() - t0);
  }
  const detectors = summarizeDetectors(policy, sources);
  /** @type {Record<string, number>} */
  const byCategory = {};
  for (const d of policy.detectors) byCategory[d.category] = (byCategory[d.category] ?? 0) + 1;
  return {
    schema: 'logveil-eval/1',
    generatedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - started),
    timingsMs: timings,
    node: process.version,
    corpora: root,
    policy: {
      paths: patterns,
      hash: policy.hash,
      packs: policy.packs,
      detectors: policy.detectors.length,
      byCategory,
      withRefs: policy.detectors.filter((d) => d.refs.length > 0).length,
    },
    sources,
    ...(optIn ? { optIn } : {}),
    categories: summarizeCategories(policy, sources),
    detectors,
    worst: {
      byF1: worstByF1(detectors).map((d) => d.id),
      byFalsePositives: worstByFalsePositives(detectors).map((d) => d.id),
    },
  };
}
