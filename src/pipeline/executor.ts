/**
 * Where batches run: inline on this thread (small inputs, Lambda, one worker) or on a piscina pool
 * whose workers compile the policy before taking work. A crashed worker rejects its task and is
 * replaced by the pool.
 */
import { availableParallelism, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { Piscina } from 'piscina';
import { ActionPolicy } from '../act/actions.js';
import { DataKey, HashKey } from '../crypto/keys/cache.js';
import type { CompiledPolicy } from '../detect/compile.js';
import { sharedAnalyses } from '../detect/literals.js';
import { sharedAutomata } from '../detect/shared-automata.js';
import type { CompiledRouting } from '../route/compile.js';
import { LogveilError } from '../errors.js';
import { SharedArena } from './arena.js';
import { processBatch } from './batch.js';
import type { WorkerResult, WorkerSetup, WorkerTask } from './protocol.js';

export interface BatchExecutor {
  readonly threads: number;
  run(task: WorkerTask): Promise<WorkerResult>;
  /** Runs one task on a worker of its own with a larger heap (see {@link PoolExecutor.runAlone}); pools only. */
  runAlone?(task: WorkerTask): Promise<WorkerResult>;
  /** The old generation, in MiB, of the worker runAlone starts. */
  readonly aloneHeapMb?: number;
  close(): Promise<void>;
}

/** Runs batches on the calling thread with the already compiled policy. */
export class InlineExecutor implements BatchExecutor {
  readonly threads = 1;
  readonly #policy: CompiledPolicy;
  readonly #setup: WorkerSetup;
  readonly #actions: ActionPolicy;
  readonly #routing: CompiledRouting | undefined;

  /** `policy` must have been compiled with the routing rules' line patterns (see {@link CompiledRouting.linePatterns}). */
  constructor(policy: CompiledPolicy, setup: WorkerSetup, routing?: CompiledRouting) {
    // A policy compiled lazily (see openRuntime) builds its prefilters now, before the first batch.
    void policy.lineFilter;
    this.#policy = policy;
    this.#setup = setup;
    this.#actions = new ActionPolicy(setup.actions);
    this.#routing = routing;
  }

  async run(t: WorkerTask): Promise<WorkerResult> {
    // Inline, the transfers are imported and retired around the batch, like a worker would.
    const tokenKey = 'error' in t.tokenKey ? new LogveilError(t.tokenKey.error.code, t.tokenKey.error.message) : DataKey.fromTransfer(t.tokenKey);
    const quarantineKey = DataKey.fromTransfer(t.quarantineKey);
    const hashKey = t.hashKey ? HashKey.fromTransfer(t.hashKey) : undefined;
    try {
      const s = this.#setup;
      return {
        ...processBatch(t.task, {
          policy: this.#policy,
          actions: this.#actions,
          format: t.format ?? s.format,
          ...(t.frame !== undefined ? { frame: t.frame } : {}),
          limits: s.limits,
          tokenKey,
          hashKey,
          quarantineKey,
          fastPath: s.fastPath,
          ...(s.faults?.throwOnMarker !== undefined ? { throwOnMarker: s.faults.throwOnMarker } : {}),
          ...(s.examples ? { examples: s.examples } : {}),
          ...(this.#routing && s.routing ? { routing: this.#routing, appStream: s.routing.appStream } : {}),
        }, t.room),
        policyHash: this.#policy.hash,
      };
    } finally {
      if (tokenKey instanceof DataKey) tokenKey.retire();
      quarantineKey.retire();
      hashKey?.retire();
    }
  }

  async close(): Promise<void> {}
}

/**
 * The compiled worker entry (a CommonJS shim that imports worker.js, see worker-entry.cts); under
 * the test runner (TypeScript sources) the built copy in dist/.
 */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return resolve(dirname(here), '..', '..', 'dist', 'pipeline', 'worker-entry.cjs');
  return join(dirname(here), 'worker-entry.cjs');
}

/**
 * Heap limits of a pool worker. V8's default young generation and lazily grown old generation let
 * each worker's heap reach ~130 MiB on a long run; a worker holds one batch and a compiled policy,
 * which need far less. Measured with 2 workers on 200 MB of the benchmark corpus: peak RSS 388 MiB
 * with the defaults, 275 MiB with young 8 / old 128 MiB, at the same speed. A worker allocates
 * about 8 MB per MB of JSON lines, most of it dead by the end of its batch: over 100 MB with 2
 * workers (`--trace-gc`), a young generation of 8 MiB took 258 scavenges and 8 full collections,
 * 488-553 ms of the workers' time, where 4 MiB took 517 and 12-13, 828-844 ms (the CLI 3.5 % less
 * time and CPU over six runs of each, alternated); 16 MiB took 136 and 4, 382-421 ms. Peak RSS
 * of the CLI on 1 GB with 2 workers: 272-273 MiB with 8 MiB (the main thread's policy compiled
 * lazily, see openRuntime), 262-263 with 4 MiB, 303 with 16 MiB, over the 300 MB the benchmark
 * allows. It is 4 MiB now, two semi-spaces of 2 MiB (V8 gives a young generation of Y MiB
 * semi-spaces of Y/3 rounded up to a power of two: 8 MiB gave 4): the CLI runs node with
 * `--max-semi-space-size=2` for its main thread's sake (see cli/node-flags.ts), which overrides
 * these limits, and with it two workers ran no slower than with 8 (`node
 * bench/compare-node-flags.mjs "--max-semi-space-size=2"`: 32.5 against 30.7 MB/s, one worker
 * 21.1 against 20.1, six processes each way); a library that starts pools without the flag gets
 * the same young generation. The old generation is 80 MiB: one string of a 1 MiB record may hold 84,000 e-mail
 * addresses, whose findings and tokens a worker redacts in some 72 MiB; with 64 the worker ran out
 * and the record was quarantined. It is a limit, not an allocation: peak RSS of the CLI on 1 GB
 * with 2 workers read 274.3 MiB with 64 and 276.4 with 80. A batch that would exceed the limits
 * kills its worker, which is replaced, as for any crash; its records run again in halves, and one
 * that ran a worker out of memory alone runs on a larger heap (see
 * {@link PoolExecutor.runAlone}) before it is quarantined. These are
 * the limits with records of up to 1 MiB (the default maxRecordBytes); see {@link workerHeap} for
 * larger ones.
 */
export const WORKER_HEAP = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 80 };

/**
 * A pool worker's heap limits where records may be `maxRecordBytes` long: room for the largest
 * record besides the policy. A record takes several times its size while it is worked on (its
 * text, the parsed value, the redacted text, the quarantine's base64 when it fails), so the old
 * generation grows by 8 MiB per MiB of the limit over 6 MiB: with the limit at its largest
 * (64 MiB), 544 MiB, where a 30 MB record killed every worker of 64 MiB and went to the
 * quarantine that the main thread would have redacted. A limit, not an allocation.
 */
export function workerHeap(maxRecordBytes: number): typeof WORKER_HEAP {
  const mib = Math.ceil(maxRecordBytes / 2 ** 20);
  return { ...WORKER_HEAP, maxOldGenerationSizeMb: Math.max(WORKER_HEAP.maxOldGenerationSizeMb, 32 + 8 * mib) };
}

/**
 * How much larger than a pool worker's the old generation is of the worker that runs a record
 * again alone after it ran its worker out of memory (see {@link PoolExecutor.runAlone}): 320 MiB
 * with records of up to 1 MiB, where the densest such record measured (a string of 105,000 short
 * e-mail addresses) needs about 100. It never takes more than a fourth of the machine's memory
 * (see {@link aloneHeap}).
 */
export const ALONE_HEAP_FACTOR = 4;

/**
 * The old generation, in MiB, of the worker a record runs on alone: {@link ALONE_HEAP_FACTOR}
 * times a pool worker's, at most a fourth of the memory the process may use (the machine's, or
 * the container's limit where Node reads one), at least a pool worker's. It runs beside the pool:
 * a limit the machine cannot give would have the system kill the process, not V8 the worker.
 */
export function aloneHeap(poolHeapMb: number, memoryBytes: number = processMemory()): number {
  return Math.max(poolHeapMb, Math.min(ALONE_HEAP_FACTOR * poolHeapMb, Math.floor(memoryBytes / 4 / 2 ** 20)));
}

/** The memory this process may use: the machine's, or less where Node reads a container's limit. */
function processMemory(): number {
  const limit = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  return limit !== undefined && limit > 0 ? Math.min(limit, totalmem()) : totalmem();
}

export class PoolExecutor implements BatchExecutor {
  readonly threads: number;
  /** The old generation, in MiB, of the worker {@link PoolExecutor.runAlone} starts. */
  readonly aloneHeapMb: number;
  readonly #pool: Piscina;
  readonly #setup: WorkerSetup;
  readonly #workerData: WorkerSetup;
  /** The pool of {@link PoolExecutor.runAlone}'s worker while it runs. */
  #alone: Piscina | undefined;
  #closed = false;
  #arena: SharedArena | undefined;

  /** `setup` without `analyses` and `automata`: the main thread's pattern analyses and literal automata are added here. */
  constructor(setup: WorkerSetup, threads: number = availableParallelism()) {
    this.threads = Math.max(1, threads);
    this.#setup = setup;
    this.#workerData = { ...setup, analyses: sharedAnalyses(), automata: sharedAutomata() };
    const heap = setup.faults?.workerHeapMb ? { ...WORKER_HEAP, maxOldGenerationSizeMb: setup.faults.workerHeapMb } : workerHeap(setup.limits.maxRecordBytes);
    this.aloneHeapMb = setup.faults?.aloneHeapMb ?? aloneHeap(heap.maxOldGenerationSizeMb);
    this.#pool = new Piscina({
      filename: pathToFileURL(workerFile()).href,
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: Infinity,
      workerData: this.#workerData,
      resourceLimits: heap,
    });
  }

  /**
   * Whether the workers were set up as a run with `setup` needs (same policy, actions, limits...);
   * the format aside, which each task carries (see WorkerTask.format).
   */
  serves(setup: WorkerSetup): boolean {
    return isDeepStrictEqual({ ...this.#setup, format: setup.format }, setup);
  }

  /**
   * Rejects once the pool is closed: piscina would start a worker again for a late task. A run
   * the closing stops (piscina terminates its worker) is refused the same way: its worker may
   * still be writing into the task's output room, and halves of it would find the pool closed.
   */
  run(t: WorkerTask): Promise<WorkerResult> {
    if (this.#closed) return Promise.reject(new LogveilError('POOL_CLOSED', 'the worker pool is closed'));
    return (this.#pool.run(t) as Promise<WorkerResult>).catch((err: unknown) => {
      throw this.#closed ? new LogveilError('POOL_CLOSED', 'the worker pool was closed while the batch ran', { cause: err }) : err;
    });
  }

  /**
   * Runs one task on a worker of its own, started for it with {@link PoolExecutor.aloneHeapMb} of
   * old generation and stopped after it: a record that ran a pool worker out of memory gets this
   * one more run before it is quarantined. The larger heap is held only while the record runs.
   */
  async runAlone(t: WorkerTask): Promise<WorkerResult> {
    if (this.#closed) throw new LogveilError('POOL_CLOSED', 'the worker pool is closed');
    const pool = new Piscina({
      filename: pathToFileURL(workerFile()).href,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Infinity,
      workerData: this.#workerData,
      resourceLimits: { ...WORKER_HEAP, maxOldGenerationSizeMb: this.aloneHeapMb },
    });
    this.#alone = pool;
    try {
      return (await pool.run(t)) as WorkerResult;
    } catch (err) {
      // Stopped by closing this pool: refused as a closed pool's runs are (its slots stay taken).
      throw this.#closed ? new LogveilError('POOL_CLOSED', 'the worker pool was closed while a record ran on a worker of its own', { cause: err }) : err;
    } finally {
      this.#alone = undefined;
      await pool.destroy();
    }
  }

  /**
   * The shared memory the runs on this pool cut their batches into (see arena.ts), at least `size`
   * bytes: one for all of them. Each run making its own cost a service about 2 ms of its main
   * thread per request, most of it in sending a new SharedArrayBuffer to a worker the first time.
   * Runs at once share it as one run's batches do (a slot is reused once those before it are
   * given back); a run that wants a larger one gets it, kept for those after it.
   */
  arena(size: number): SharedArena {
    if (!this.#arena || this.#arena.size < size) this.#arena = new SharedArena(size);
    return this.#arena;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([this.#pool.destroy(), this.#alone?.destroy()]);
  }
}
