/**
 * A pool worker's task runner: compiles the policy once, before it takes any work, then runs
 * batches. Keys arrive with each task as transferred copies; a worker keeps those of its last task
 * (by kid, so that a key's deterministic tokens stay memoized across batches), and zeroes one as
 * soon as a task comes without it: a key the main thread has rotated out does not live on in the
 * workers.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { ActionPolicy } from '../act/actions.js';
import { DataKey, HashKey, type KeyTransfer } from '../crypto/keys/cache.js';
import { CompiledPolicy } from '../detect/compile.js';
import { seedAnalyses } from '../detect/literals.js';
import { seedAutomata } from '../detect/shared-automata.js';
import { CompiledRouting } from '../route/compile.js';
import { LogveilError } from '../errors.js';
import { canonicalJson } from '../util/canonical.js';
import { processBatch } from './batch.js';
import type { WorkerResult, WorkerSetup, WorkerTask } from './protocol.js';

/** The task runner of a worker set up with `s` (the pool's workerData). */
export function taskRunner(s: WorkerSetup): (t: WorkerTask) => unknown {
  if (s.analyses) seedAnalyses(s.analyses);
  if (s.automata) seedAutomata(s.automata);
  const routing = s.routing ? new CompiledRouting(s.routing.spec, { groupKeySalt: s.routing.salt }) : undefined;
  const fault = s.faults?.throwInValidator;
  const policy = new CompiledPolicy(s.policy, { maxDepth: s.limits.maxDepth, extraLinePatterns: routing?.linePatterns ?? [], ...(fault !== undefined ? { validatorFault: fault } : {}) });
  const actions = new ActionPolicy(s.actions);
  const dataKeys = new Map<string, DataKey>();
  let hashKey: HashKey | undefined;

  const dataKey = (t: KeyTransfer): DataKey => {
    const known = dataKeys.get(t.kid);
    if (known) {
      for (const k of t.keys) k.fill(0);
      return known;
    }
    const key = DataKey.fromTransfer(t);
    dataKeys.set(t.kid, key);
    return key;
  };
  /** Zeroes the kept keys the task does not use. */
  const keepOnly = (kids: ReadonlySet<string>): void => {
    for (const [kid, key] of dataKeys) {
      if (kids.has(kid)) continue;
      dataKeys.delete(kid);
      key.retire();
    }
  };

  return (t: WorkerTask) => {
    if (s.faults?.crashOnMarker !== undefined && Buffer.from(t.task.data.buffer, t.task.data.byteOffset, t.task.data.byteLength).includes(s.faults.crashOnMarker)) {
      process.exit(70);
    }
    keepOnly(new Set(['error' in t.tokenKey ? t.quarantineKey.kid : t.tokenKey.kid, t.quarantineKey.kid]));
    const tokenKey = 'error' in t.tokenKey ? new LogveilError(t.tokenKey.error.code, t.tokenKey.error.message) : dataKey(t.tokenKey);
    if (t.hashKey && hashKey?.kid !== t.hashKey.kid) {
      hashKey?.retire();
      hashKey = HashKey.fromTransfer(t.hashKey);
    } else if (t.hashKey) {
      for (const k of t.hashKey.keys) k.fill(0);
    }
    const processed = processBatch(t.task, {
      policy,
      actions,
      format: t.format ?? s.format,
      ...(t.frame !== undefined ? { frame: t.frame } : {}),
      limits: s.limits,
      tokenKey,
      hashKey,
      quarantineKey: dataKey(t.quarantineKey),
      fastPath: s.fastPath,
      ...(s.faults?.throwOnMarker !== undefined ? { throwOnMarker: s.faults.throwOnMarker } : {}),
      ...(s.examples ? { examples: s.examples } : {}),
      ...(routing && s.routing ? { routing, appStream: s.routing.appStream } : {}),
    }, t.room);
    const result: WorkerResult = {
      ...processed,
      events: processed.events.filter((e) => e.type === 'quarantine'),
      eventsCanonical: processed.events.map(canonicalJson),
      policyHash: policy.hash,
    };
    const { output } = result;
    // Shared memory (the arena) is posted as it is. Transfer only a buffer the output owns whole:
    // small Buffers share a pooled slab.
    if (output.buffer instanceof SharedArrayBuffer || output.byteOffset !== 0 || output.buffer.byteLength !== output.byteLength) return result;
    return move({
      get [transferableSymbol]() {
        return [output.buffer];
      },
      get [valueSymbol]() {
        return result;
      },
    });
  };
}
