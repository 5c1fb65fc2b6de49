/**
 * The streaming engine: source -> batcher -> executor (inline or worker pool) -> in-order results
 * -> sinks. At most `maxInFlight` batches are out at once; the source waits for the oldest to
 * finish before it reads on, so memory does not grow with the input. Results are taken in input
 * order. A batch whose worker died runs again in halves, down to the records a worker dies on
 * alone; one that ran its worker out of memory runs once more on a worker with a larger heap.
 * Those that still fail are quarantined, encrypted, and the run goes on.
 */
import { createReadStream } from 'node:fs';
import { ActionPolicy, type ActionOverrides } from '../act/actions.js';
import type { LineFormat } from '../codecs/jsonl.js';
import type { DataKey, DataKeyCache, KeyTransfer } from '../crypto/keys/cache.js';
import type { CompiledPolicy } from '../detect/compile.js';
import { LogveilError } from '../errors.js';
import type { LineWriter } from '../sinks/line-writer.js';
import type { QuarantineWriter } from '../sinks/quarantine.js';
import type { SecuritySink } from '../sinks/security-events.js';
import type { SecurityEvent } from '../telemetry/events.js';
import { canonicalJson } from '../util/canonical.js';
import { Accounting, type RunSummary } from './accounting.js';
import type { CompiledRouting } from '../route/compile.js';
import { admittedEvent, type AppStreamMode } from '../route/event.js';
import { ThresholdGate } from '../route/threshold.js';
import { batchCounts, Outcome, type BatchTask, type RoutedRecord } from './batch.js';
import { outputRoom, SharedArena } from './arena.js';
import { batchLines, halves, type BatchLimits } from './batcher.js';
import { InlineExecutor, PoolExecutor, type BatchExecutor } from './executor.js';
import { outOfMemory, poolClosed, quarantineBatch, workerFailure } from './failures.js';
import type { EngineFaults, WorkerResult, WorkerSetup, WorkerTask } from './protocol.js';

/** A named byte stream: a file, stdin, or anything async-iterable. */
export interface InputSource {
  name: string;
  chunks(): AsyncIterable<Buffer | string>;
}

/**
 * Chunk size of file reads: the stream default. A batch's worth (1 MiB) saved about 1 ms of main
 * thread per MB and cost 6 MiB more peak RSS on 1 GB (292 against 286 MiB), where the target is 300.
 */
export const READ_CHUNK_BYTES = 64 * 1024;

/** A file as an input. */
export function fileInput(path: string): InputSource {
  return { name: path, chunks: () => createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) };
}

export interface EngineOptions {
  policy: CompiledPolicy;
  actions: ActionOverrides;
  keys: DataKeyCache;
  /** Held for the whole run: quarantine must work while the key provider is down. */
  quarantineKey: DataKey;
  format: LineFormat;
  limits: { maxRecordBytes: number; maxDepth: number };
  /** Worker threads; 0 runs batches on this thread. */
  workers: number;
  batch?: Partial<BatchLimits>;
  /** Batches out at once (default: 2 per worker, at least 2). */
  maxInFlight?: number;
  fastPath?: boolean;
  app: LineWriter;
  security: SecuritySink;
  quarantine: QuarantineWriter;
  /** Clear, value-free messages about bad input (file:line, code). */
  onProblem?: (message: string) => void;
  /** After every batch, with the running counts. */
  onProgress?: (accounting: Accounting) => void;
  /** Telemetry: told about every batch once its results are written. */
  observer?: EngineObserver;
  faults?: EngineFaults;
  /** Bounds on running the halves of a batch whose worker died again (default: {@link RETRY_RUNS}). */
  retryRuns?: { perBatch: number; perRun: number };
  /** Keep up to this many examples of the masked form per detector (dry runs). */
  examples?: number;
  /**
   * Mark private-key body lines that have no BEGIN or END line in their batch, as a Lambda
   * invocation does (see pem-blocks.ts): saved Lambda events run so, as their handler runs them.
   */
  orphanKeyLines?: boolean;
  /**
   * Security routing rules. The policy must have been compiled with their line patterns
   * (`extraLinePatterns: routing.linePatterns`) so routed lines leave the fast path.
   */
  routing?: { compiled: CompiledRouting; salt: Uint8Array; appStream: AppStreamMode };
  /**
   * Run on this pool, opened by {@link openPool} with the same options, instead of starting one
   * (then `workers` is the pool's). The run leaves it open: a service keeps one pool, whose workers
   * have compiled the policy and warmed up, across many runs. Closing it during a run fails the
   * batches still out, as a dead worker would: their records are quarantined, not lost.
   */
  pool?: EnginePool;
  /**
   * The counts of threshold rules (default: the run's own). A service passes one gate to all its
   * runs, so that matches spread over many requests add up.
   */
  thresholds?: ThresholdGate;
  /**
   * A line the input's lines belong with (an OTLP resource's frame, which `serve` also runs as its
   * first line): every batch reads it for the values it redacts, and redacts them where its lines
   * repeat them (see frame-values.ts). Held only by the run's tasks.
   */
  frame?: string;
}

/** What a pool's workers are set up with: the options of the runs it can serve. */
export type PoolOptions = Pick<EngineOptions, 'policy' | 'actions' | 'format' | 'limits' | 'workers' | 'fastPath' | 'faults' | 'examples' | 'routing'>;

/** A worker pool that outlives a run; close it when done. */
export type EnginePool = PoolExecutor;

/** Starts `o.workers` workers (at least one), each compiling the policy before it takes work. */
export function openPool(o: PoolOptions): EnginePool {
  return new PoolExecutor(workerSetup(o), o.workers);
}

function workerSetup(o: PoolOptions): WorkerSetup {
  return {
    policy: o.policy.spec,
    actions: o.actions,
    format: o.format,
    limits: o.limits,
    fastPath: o.fastPath ?? true,
    ...(o.faults ? { faults: o.faults } : {}),
    ...(o.examples ? { examples: o.examples } : {}),
    ...(o.routing ? { routing: { spec: o.routing.compiled.spec, salt: o.routing.salt, appStream: o.routing.appStream } } : {}),
  };
}

/** What the engine reports per batch (telemetry hooks in here; it never sees values). */
export interface BatchReport {
  seq: number;
  file: string;
  records: number;
  bytes: number;
  appOut: number;
  dropped: number;
  quarantined: number;
  fastPathLines: number;
  /** Findings per detector id and per category. */
  findings: Readonly<Record<string, number>>;
  categories: Readonly<Record<string, number>>;
  /** Quarantine reasons (codes), one entry per quarantined record. */
  quarantineCodes: readonly string[];
  /** From dispatch to results written, in milliseconds. */
  latencyMs: number;
  /** The batch's worker died, and its records went to the quarantine. */
  workerFailed: boolean;
  /**
   * Each line's outcome (see `Outcome` in batch-types.ts), in order, and the number of the first
   * in its input: what became of which line. Always set by the engine (a half of a batch run
   * again is reported on its own).
   */
  lines?: { first: number; outcomes: Uint8Array };
}

/** One run of a batch that failed: its worker died, or the pool refused it. */
export interface WorkerFailure {
  seq: number;
  file: string;
  /** The run's first line and its bytes (a half of a batch run again holds fewer). */
  firstLine: number;
  bytes: number;
  /** `WORKER_FAILED`, or `POOL_CLOSED` for a run the pool refused. */
  code: string;
}

export interface EngineObserver {
  batch(report: BatchReport): void;
  /** Every failed run, whether its batch is then run again in halves or quarantined. */
  workerFailed?(failure: WorkerFailure): void;
}

/**
 * Batches of 512 KiB: up to two per worker are out at once, each held as read and as its output
 * (in the run's shared arena, see arena.ts; in buffers of their own when it is full). Measured
 * with the CLI over 1 GB and 2 workers, before the arena: peak RSS 266-267 MiB, against 288-290 MiB
 * with 1 MiB batches, at the same speed (200 MB runs alternated: 15.4-17.7 against 15.2-19.3 MB/s).
 */
export const DEFAULT_BATCH: BatchLimits = { maxBatchRecords: 4096, maxBatchBytes: 512 * 1024 };

/**
 * Runs of the halves of batches whose worker died, and of records (or batches) run again on a
 * worker of their own after they ran theirs out of memory: per failed batch, enough to find two
 * records that kill a worker among 4,096 (each takes about two runs per halving); per run, a
 * bound on the workers a policy that kills every worker can cost before batches are quarantined
 * whole again (a worker dies and is replaced in about 140 ms here: 160 runs cost ~23 s once).
 */
export const RETRY_RUNS = { perBatch: 48, perRun: 160 };

interface InFlight {
  task: BatchTask;
  /** The batch's output room in the arena, when it had some. */
  room: Uint8Array | undefined;
  started: number;
  tokenKey: DataKey | undefined;
  transfers: KeyTransfer[];
  /** Run on a worker of its own with a larger heap (see PoolExecutor.runAlone). */
  alone?: boolean;
  result: Promise<{ ok: WorkerResult } | { failed: unknown } | { tooLarge: true }>;
}

/** Runs every input through the policy; returns the run's counts (records in = out + dropped + quarantined). */
export async function redactStreams(inputs: readonly InputSource[], o: EngineOptions): Promise<RunSummary> {
  const acc = new Accounting();
  const setup = workerSetup(o);
  if (o.pool?.closed) throw new LogveilError('POOL_CLOSED', 'the worker pool is closed');
  if (o.pool && !o.pool.serves(setup)) throw new LogveilError('POOL_MISMATCH', 'the worker pool was opened with another policy or other options than this run');
  const executor: BatchExecutor = o.pool ?? (o.workers > 0 ? new PoolExecutor(setup, o.workers) : new InlineExecutor(o.policy, setup, o.routing?.compiled));
  const gate = o.thresholds ?? new ThresholdGate();
  const maxInFlight = o.maxInFlight ?? Math.max(2, executor.threads * 2);
  // A line longer than a record may be is never held whole: a worker could not even quarantine it.
  const limits: BatchLimits = { ...DEFAULT_BATCH, maxLineBytes: o.limits.maxRecordBytes, ...o.batch };
  const hashKey = needsHashKey(o.policy, new ActionPolicy(o.actions)) ? await o.keys.hashKey() : undefined;
  let seq = 0;
  const inflight: InFlight[] = [];
  // Room for the batches out, the one being cut, their outputs, and outputs still being written.
  const arenaSize = (maxInFlight + 2) * (limits.maxBatchBytes + outputRoom(limits.maxBatchBytes));
  const arena = o.pool ? o.pool.arena(arenaSize) : new SharedArena(arenaSize);
  /** Gives a batch's arena slots back (views of other buffers are ignored). */
  const release = (f: InFlight): void => {
    arena.release(f.task.data);
    if (f.room) arena.release(f.room);
  };

  const dispatch = async (task: BatchTask, alone = false): Promise<InFlight> => {
    let tokenKey: DataKey | undefined;
    let tokenTransfer: WorkerTask['tokenKey'];
    try {
      tokenKey = await o.keys.current();
      tokenTransfer = tokenKey.toTransfer();
    } catch (err) {
      const e = err instanceof LogveilError ? err : new LogveilError('KEY_UNAVAILABLE', 'no data key');
      tokenTransfer = { error: { code: e.code, message: e.message } };
    }
    const transfers = [o.quarantineKey.toTransfer(), ...(hashKey ? [hashKey.toTransfer()] : [])];
    if (!('error' in tokenTransfer)) transfers.push(tokenTransfer);
    const room = arena.alloc(outputRoom(task.data.byteLength));
    const message: WorkerTask = {
      task,
      tokenKey: tokenTransfer,
      quarantineKey: transfers[0] as KeyTransfer,
      ...(hashKey ? { hashKey: transfers[1] as KeyTransfer } : {}),
      ...(room ? { room } : {}),
      format: o.format,
      ...(o.frame !== undefined ? { frame: o.frame } : {}),
    };
    const result = (alone && executor.runAlone ? executor.runAlone(message) : executor.run(message)).then(
      (ok) => ({ ok }),
      (failed: unknown) => ({ failed }),
    );
    return { task, room, started: performance.now(), tokenKey, transfers, ...(alone ? { alone } : {}), result };
  };

  /** A line the batcher read past (see BatchTask.tooLarge): quarantined on this thread, in its turn. */
  const readPast = (task: BatchTask): InFlight => ({ task, room: undefined, started: performance.now(), tokenKey: undefined, transfers: [], result: Promise.resolve({ tooLarge: true }) });

  const report = (f: InFlight, r: Omit<BatchReport, 'seq' | 'file' | 'bytes' | 'latencyMs' | 'lines'>, outcomes: Uint8Array): void => {
    o.observer?.batch({ seq: f.task.seq, file: f.task.file, bytes: f.task.tooLarge?.inputBytes ?? f.task.data.byteLength, latencyMs: performance.now() - f.started, ...r, lines: { first: f.task.firstLine, outcomes } });
  };

  const retry = o.retryRuns ?? RETRY_RUNS;
  let retryRuns = retry.perRun;

  /**
   * Writes one batch's results. A batch whose worker died runs again in halves, each on a live
   * worker, down to the records that kill a worker alone; of those, one that ran its worker out of
   * memory runs once more on a worker of its own with a larger heap. Only what still fails is
   * quarantined (within the retry budgets; past them, what failed is quarantined whole).
   */
  const settle = async (f: InFlight, budget: { runs: number }): Promise<void> => {
    const r = await f.result;
    for (const t of f.transfers) for (const k of t.keys) k.fill(0);
    if ('tooLarge' in r) {
      const { lineBytes } = f.task.tooLarge as NonNullable<BatchTask['tooLarge']>;
      const err = new LogveilError('RECORD_TOO_LARGE', `record of ${lineBytes} bytes exceeds maxRecordBytes ${o.limits.maxRecordBytes}; its first ${f.task.data.byteLength} bytes are quarantined`);
      const { n, code } = await quarantineBatch(f.task, err, o, acc);
      report(f, { records: n, appOut: 0, dropped: 0, quarantined: n, fastPathLines: 0, findings: {}, categories: {}, quarantineCodes: [code], workerFailed: false }, new Uint8Array(n).fill(Outcome.Quarantined));
      return;
    }
    if ('failed' in r) {
      o.observer?.workerFailed?.({ seq: f.task.seq, file: f.task.file, firstLine: f.task.firstLine, bytes: f.task.data.byteLength, code: poolClosed(r.failed) ? 'POOL_CLOSED' : 'WORKER_FAILED' });
      // Halves are no use once the pool is closed: nothing will run them.
      const parts = budget.runs >= 2 && retryRuns >= 2 && !poolClosed(r.failed) ? halves(f.task) : undefined;
      if (parts) {
        // The halves are copies: the batch's slots are free once they are made.
        release(f);
        budget.runs -= 2;
        retryRuns -= 2;
        const first = await dispatch(parts[0]);
        const second = await dispatch(parts[1]);
        await settle(first, budget);
        await settle(second, budget);
        return;
      }
      if (!f.alone && outOfMemory(r.failed) && executor.runAlone && !(executor instanceof PoolExecutor && executor.closed) && budget.runs >= 1 && retryRuns >= 1) {
        // The same task again (its data stays where it is), with a new output room.
        if (f.room) arena.release(f.room);
        budget.runs -= 1;
        retryRuns -= 1;
        await settle(await dispatch(f.task, true), budget);
        return;
      }
      const { n, code } = await quarantineBatch(f.task, workerFailure(f.task, r.failed, f.alone ? executor.aloneHeapMb : undefined), o, acc);
      // A worker that died has stopped; one stopped by closing the pool may still be writing into
      // the batch's room while its task is already rejected: those slots are not given back.
      if (!poolClosed(r.failed)) release(f);
      report(f, { records: n, appOut: 0, dropped: 0, quarantined: n, fastPathLines: 0, findings: {}, categories: {}, quarantineCodes: Array<string>(n).fill(code), workerFailed: true }, new Uint8Array(n).fill(Outcome.Quarantined));
      return;
    }
    const res = r.ok;
    if (res.policyHash !== o.policy.hash) {
      throw new LogveilError('POLICY_MISMATCH', `worker compiled policy ${res.policyHash}, expected ${o.policy.hash}`);
    }
    if (f.tokenKey && !f.tokenKey.retired) f.tokenKey.addUses(res.tokenUses);
    const routed = res.routed.length > 0 ? routedEvents(res.routed, gate, o) : [];
    if (res.eventsCanonical) await o.security.writeCanonical(routed.length > 0 ? [...res.eventsCanonical, ...routed.map(canonicalJson)] : res.eventsCanonical);
    else await o.security.write(routed.length > 0 ? [...res.events, ...routed] : res.events);
    await o.quarantine.write(res.quarantine);
    // The output may be a view of the batch's slots: they are given back once it is written.
    if (res.output.byteLength > 0) await o.app.writeChunk(res.output, () => release(f));
    else release(f);
    acc.addBatch(res.outcomes, f.task.data.byteLength, res.findings, res.quarantine);
    if (res.examples && o.examples) acc.addExamples(res.examples, o.examples);
    for (const e of res.events) if (e.type === 'quarantine') o.onProblem?.(problemLine(e));
    report(f, batchCounts(res), res.outcomes);
  };

  const settleHead = async (): Promise<void> => {
    await settle(inflight.shift() as InFlight, { runs: retry.perBatch });
    o.onProgress?.(acc);
  };

  try {
    for (const input of inputs) {
      for await (const task of batchLines(input.name, input.chunks(), limits, () => seq++, (n) => arena.alloc(n))) {
        while (inflight.length >= maxInFlight) await settleHead();
        inflight.push(task.tooLarge ? readPast(task) : await dispatch(o.orphanKeyLines ? { ...task, orphanKeyLines: true } : task));
      }
    }
    while (inflight.length > 0) await settleHead();
  } finally {
    // On a fatal error, let the batches still out finish before the pool goes.
    await Promise.allSettled(inflight.map((f) => f.result));
    if (executor !== o.pool) await executor.close();
  }
  return acc.summary();
}

/** Routed events for a batch's routed records; threshold rules fire here, in input order. */
function routedEvents(records: readonly RoutedRecord[], gate: ThresholdGate, o: EngineOptions): SecurityEvent[] {
  const routing = o.routing;
  if (!routing) return [];
  const hashes = { routingHash: routing.compiled.hash, policyHash: o.policy.hash };
  return records.flatMap((r) => admittedEvent(r, gate, hashes) ?? []);
}

function problemLine(e: SecurityEvent & { type: 'quarantine' }): string {
  return `${e.source?.file ?? '-'}:${e.source?.line ?? 0} ${e.code}: ${e.message}; record quarantined`;
}

export function needsHashKey(policy: CompiledPolicy, actions: ActionPolicy): boolean {
  return (
    policy.detectors.some((d) => actions.forDetector(d.spec).type === 'hash') ||
    policy.spec.packs.some((p) => p.keyRules.some((r) => r.mode === 'redact' && actions.forKeyRule(r).type === 'hash'))
  );
}
