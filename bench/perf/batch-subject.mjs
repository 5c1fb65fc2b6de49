// @ts-check
/**
 * One build of logveil as a function of a batch of raw lines, bound to the built-in packs, routing
 * rules and local keys (or the packs of a directory): the whole `processBatch`, or its line
 * prefilter alone. For tools that compare builds (compare-builds.mjs, instructions.mjs); the build
 * is any `dist/` directory.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** @typedef {'batch' | 'prefilter'} Stage */

/**
 * @param {string} dist @param {string} stateDir @param {Stage} [stage] @param {string} [patterns] a pack directory instead of the built-in packs
 * @returns {Promise<(data: Buffer, room?: Uint8Array) => void>} `room`: where the output goes when it fits (as the engine's arena gives it)
 */
export async function batchSubject(dist, stateDir, stage = 'batch', patterns) {
  const load = (/** @type {string} */ path) => import(pathToFileURL(join(dist, path)).href);
  const { CompiledPolicy } = await load('detect/compile.js');
  const { loadPolicy } = await load('detect/load.js');
  const { builtinPatternsDir } = await load('config/config.js');
  const { loadRoutingRules } = await load('route/load.js');
  const { CompiledRouting } = await load('route/compile.js');
  const { builtinRoutingDir } = await load('route/builtin.js');
  const routing = new CompiledRouting(loadRoutingRules([builtinRoutingDir()]));
  const policy = new CompiledPolicy(loadPolicy([patterns ?? builtinPatternsDir()]), { maxDepth: 64, extraLinePatterns: routing.linePatterns });
  if (stage === 'prefilter') {
    const { lineEnds } = await load('detect/line-filter.js');
    return (data) => {
      const ends = lineEnds(data);
      policy.lineFilter.markHits(data, ends, new Uint8Array(ends.length), new Map());
    };
  }
  const { processBatch } = await load('pipeline/batch.js');
  const { LocalKeyProvider } = await load('crypto/keys/local.js');
  const { KeyRegistry } = await load('crypto/keys/registry.js');
  const { DataKeyCache } = await load('crypto/keys/cache.js');
  const { ActionPolicy } = await load('act/actions.js');
  mkdirSync(stateDir, { recursive: true });
  const keys = new DataKeyCache(await LocalKeyProvider.open(stateDir), await KeyRegistry.open(join(stateDir, 'keys.jsonl')), {
    maxAgeMs: 3_600_000,
    maxUses: 1e9,
    context: { pipeline: 'logveil', purpose: 'tokenize' },
  });
  const tokenKey = await keys.current();
  const ctx = { policy, actions: new ActionPolicy(), format: 'auto', limits: { maxRecordBytes: 1 << 20, maxDepth: 64 }, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey, routing };
  return (data, room) => void processBatch({ seq: 0, file: 'corpus', firstLine: 1, firstOffset: 0, data }, ctx, room);
}

/** Whole-line batches of about `bytes` each. @param {Buffer} data @param {number} bytes */
export function batches(data, bytes) {
  const out = [];
  for (let s = 0; s < data.length; ) {
    let e = data.indexOf(10, Math.min(s + bytes, data.length - 1));
    if (e === -1) e = data.length - 1;
    out.push(data.subarray(s, e + 1));
    s = e + 1;
  }
  return out;
}
