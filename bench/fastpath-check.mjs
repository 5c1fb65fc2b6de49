#!/usr/bin/env node
// @ts-check
/**
 * The fast path against the structured path on large inputs: every batch goes through the built
 * `processBatch` twice, with the fast path on and off, and both must give the same output bytes,
 * line outcomes, findings, events (timestamps aside), quarantine entries (their random envelopes
 * aside) and routed records. Two policies: the built-in packs with the routing rules folded into
 * the line prefilter (as a run compiles them), and the packs alone. Inputs: the real logs and the
 * secret and PII texts of the shared corpora (each text as a line, inside a JSON record, and split
 * into a JSON array of its lines), the Panther routing cases, and the seeded JSON-lines corpus.
 *
 *   node bench/fastpath-check.mjs [--size 40MB] [--corpora DIR]
 *
 * Prints what it compared; exits 1 after naming, for every batch that differs, the first lines
 * whose outcome or detectors differ (by number, never their text: the corpora hold live-looking
 * secrets). The property tests compare the two paths on generated lines; this compares them on
 * hundreds of thousands of real and seeded ones.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ActionPolicy } from '../dist/act/actions.js';
import { builtinPatternsDir } from '../dist/config/config.js';
import { DataKeyCache } from '../dist/crypto/keys/cache.js';
import { LocalKeyProvider } from '../dist/crypto/keys/local.js';
import { KeyRegistry } from '../dist/crypto/keys/registry.js';
import { CompiledPolicy } from '../dist/detect/compile.js';
import { loadPolicy } from '../dist/detect/load.js';
import { processBatch } from '../dist/pipeline/batch.js';
import { builtinRoutingDir } from '../dist/route/builtin.js';
import { CompiledRouting } from '../dist/route/compile.js';
import { loadRoutingRules } from '../dist/route/load.js';
import { parseSize } from './generate.mjs';
import { optionPairs } from './perf/args.mjs';
import { ensureCorpus } from './perf/corpora.mjs';

const f = optionPairs(process.argv.slice(2), ['size', 'corpora']);
const corporaDir = f.corpora ?? process.env.LOGVEIL_CORPORA ?? fileURLToPath(new URL('../../shared/corpora/', import.meta.url));
const size = parseSize(f.size ?? '40MB');

/** @param {string} path */
const gunzipText = (path) => gunzipSync(readFileSync(path)).toString('utf8');
/** @param {string} path @param {string} field @returns {string[]} */
const jsonlField = (path, field) =>
  gunzipText(path)
    .split('\n')
    .filter(Boolean)
    .map((l) => String(JSON.parse(l)[field]));

/** @type {Array<[string, Buffer]>} */
const inputs = [];
if (existsSync(corporaDir)) {
  const logs = join(corporaDir, 'logs');
  for (const name of readdirSync(logs).filter((n) => n.endsWith('.log.gz'))) inputs.push([name, gunzipSync(readFileSync(join(logs, name)))]);
  /** @type {Array<[string, string]>} */
  const texts = [
    ['gitleaks', 'secrets/gitleaks_examples.jsonl.gz'],
    ['detect-secrets', 'secrets/detect_secrets_cases.jsonl.gz'],
    ['presidio-large', 'pii/presidio_generated_large.jsonl.gz'],
    ['presidio-recognizer', 'pii/presidio_recognizer_cases.jsonl.gz'],
  ];
  for (const [name, file] of texts) {
    const values = jsonlField(join(corporaDir, file), 'text');
    const lines = (/** @type {(t: string) => string} */ line) => Buffer.from(values.map(line).join('\n') + '\n');
    inputs.push([`${name} as text`, lines((t) => t.replace(/\r?\n/g, ' '))]);
    inputs.push([`${name} in JSON`, lines((t) => JSON.stringify({ ts: '2026-11-29T00:00:00Z', msg: t, user: { note: t.slice(0, 40) } }))]);
    inputs.push([`${name} as a JSON array`, lines((t) => JSON.stringify({ lines: t.split('\n') }))]);
  }
  const panther = gunzipText(join(corporaDir, 'routing/panther_rule_cases.jsonl.gz'))
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const c = JSON.parse(l);
      return JSON.stringify(c.log ?? c.record ?? c);
    });
  inputs.push(['panther routing cases', Buffer.from(panther.join('\n') + '\n')]);
} else {
  process.stdout.write(`no shared corpora at ${corporaDir}: the seeded corpus only\n`);
}
const seeded = ensureCorpus(fileURLToPath(new URL('.data/', import.meta.url)), { format: 'jsonl', bytes: size, seed: 7 });
inputs.push([`seeded JSON lines (${(size / 1e6).toFixed(0)} MB)`, readFileSync(seeded.path)]);

const state = mkdtempSync(join(tmpdir(), 'logveil-fastpath-'));
const keys = new DataKeyCache(await LocalKeyProvider.open(state), await KeyRegistry.open(join(state, 'keys.jsonl')), {
  maxAgeMs: 3_600_000,
  maxUses: 1e9,
  context: { pipeline: 'logveil', purpose: 'tokenize' },
});
const tokenKey = await keys.current();
const hashKey = await keys.hashKey();
const routing = new CompiledRouting(loadRoutingRules([builtinRoutingDir()]), { groupKeySalt: new Uint8Array(16) });
const policies = [
  { name: 'packs + routing', policy: new CompiledPolicy(loadPolicy([builtinPatternsDir()]), { maxDepth: 64, extraLinePatterns: routing.linePatterns }), routing },
  { name: 'packs', policy: new CompiledPolicy(loadPolicy([builtinPatternsDir()]), { maxDepth: 64 }), routing: undefined },
];

/** @param {import('../dist/pipeline/batch.js').BatchResult} r */
const comparable = (r) =>
  JSON.stringify({
    output: Buffer.from(r.output).toString('latin1'),
    outcomes: [...r.outcomes],
    findings: r.findings,
    events: r.events.map(({ ts: _ts, ...e }) => e),
    quarantine: r.quarantine.map(({ ts: _ts, envelope: _e, ...q }) => q),
    routed: r.routed,
  });

/** What became of each line of a batch: its outcome and the detectors of its findings. @param {import('../dist/pipeline/batch.js').BatchResult} r */
const perLine = (r) =>
  [...r.outcomes].map((outcome, i) => {
    const events = r.events.filter((e) => e.type === 'findings' && e.source?.line === i + 1);
    const detectors = events.flatMap((e) => (e.type === 'findings' ? e.findings.map((x) => x.detectorId) : []));
    return `${OUTCOMES[outcome] ?? outcome}${detectors.length > 0 ? ` [${detectors.join(', ')}]` : ''}`;
  });
const OUTCOMES = ['unchanged', 'redacted', 'dropped', 'quarantined'];

/** The first lines (by number in the batch) whose outcome or detectors differ between two results. @param {import('../dist/pipeline/batch.js').BatchResult} fast @param {import('../dist/pipeline/batch.js').BatchResult} slow */
function whereTheyDiffer(fast, slow) {
  const a = perLine(fast);
  const b = perLine(slow);
  const lines = a.flatMap((x, i) => (x !== b[i] ? [`line ${i + 1}: fast ${x}, structured ${b[i]}`] : [])).slice(0, 3);
  return lines.length > 0 ? lines.join('; ') : 'the same outcomes and detectors, other bytes, events or routing';
}

let lines = 0;
let differing = 0;
try {
  for (const { name: policyName, policy, routing: rules } of policies) {
    for (const [name, data] of inputs) {
      for (let start = 0; start < data.length; ) {
        let end = data.indexOf(10, Math.min(start + 256 * 1024, data.length - 1));
        if (end === -1) end = data.length - 1;
        const task = { seq: 0, file: name, firstLine: 1, firstOffset: start, data: data.subarray(start, end + 1) };
        const ctx = { policy, actions: new ActionPolicy(), format: /** @type {const} */ ('auto'), limits: { maxRecordBytes: 1 << 20, maxDepth: 64 }, tokenKey, hashKey, quarantineKey: tokenKey, ...(rules ? { routing: rules, appStream: /** @type {const} */ ('keep') } : {}) };
        const fast = processBatch(task, { ...ctx, fastPath: true });
        const slow = processBatch(task, { ...ctx, fastPath: false });
        lines += fast.lines;
        if (comparable(fast) !== comparable(slow)) {
          differing += 1;
          process.stdout.write(`DIFFERS: ${policyName}, ${name}, batch at byte ${start}: ${whereTheyDiffer(fast, slow)}\n`);
        }
        start = end + 1;
      }
    }
  }
} finally {
  rmSync(state, { recursive: true, force: true });
}
process.stdout.write(`${lines} lines compared (${inputs.length} inputs, ${policies.length} policies): ${differing} differing batches\n`);
process.exitCode = differing > 0 ? 1 : 0;
