/**
 * The typed messages between the engine and its workers.
 */
import type { ActionOverrides } from '../act/actions.js';
import type { LineFormat } from '../codecs/jsonl.js';
import type { KeyTransfer } from '../crypto/keys/cache.js';
import type { sharedAnalyses } from '../detect/literals.js';
import type { SharedAutomaton } from '../detect/shared-automata.js';
import type { PolicySpec } from '../detect/pack.js';
import type { AppStreamMode } from '../route/event.js';
import type { RoutingSpec } from '../route/spec.js';
import type { BatchResult, BatchTask } from './batch.js';

/** Cloned into every worker at start; holds no key material. */
export interface WorkerSetup {
  policy: PolicySpec;
  actions: ActionOverrides;
  format: LineFormat;
  limits: { maxRecordBytes: number; maxDepth: number };
  fastPath: boolean;
  faults?: EngineFaults;
  /** Examples of the masked form to keep per detector (dry runs); 0 or absent: none. */
  examples?: number;
  /** Security routing rules; the salt of threshold group keys is shared with the engine's gate. */
  routing?: RoutingSetup;
  /** The main thread's pattern analyses (see `sharedAnalyses` in detect/literals.ts), so that a worker compiles the policy without making them again. */
  analyses?: ReturnType<typeof sharedAnalyses>;
  /** The main thread's literal automata (see detect/shared-automata.ts), in shared memory: a worker neither builds nor copies them. */
  automata?: SharedAutomaton[];
}

export interface RoutingSetup {
  spec: RoutingSpec;
  salt: Uint8Array;
  /** Whether a routed record also stays in the app stream (`keep`, the default) or leaves it. */
  appStream: AppStreamMode;
}

/** Fault injection for tests; unset in production. */
export interface EngineFaults {
  /** A record containing this text throws while it is processed. */
  throwOnMarker?: string;
  /** A batch containing this text kills the worker that runs it. */
  crashOnMarker?: string;
  /**
   * A validator asked about a value holding this text throws (a detector that fails mid-scan).
   * Workers compile it into their policy; an inline run's policy is compiled with `validatorFault`.
   */
  throwInValidator?: string;
  /**
   * The old generation of each worker's heap, in MiB, in place of the one the limits give (see
   * workerHeap): a record that outgrows it runs its worker out of memory for real.
   */
  workerHeapMb?: number;
  /**
   * The old generation, in MiB, of the worker a record that ran its worker out of memory runs on
   * again alone, in place of four times a pool worker's (see PoolExecutor.runAlone).
   */
  aloneHeapMb?: number;
}

export interface WorkerTask {
  task: BatchTask;
  /** The token key, or the error that stands for it during a key-provider outage. */
  tokenKey: KeyTransfer | { error: { code: string; message: string } };
  quarantineKey: KeyTransfer;
  hashKey?: KeyTransfer;
  /** Room for the batch's output in the run's shared arena (see arena.ts), when it had some. */
  room?: Uint8Array;
  /** How the run reads its lines, where it differs from the pool's setup (a pool that serves runs of either kind: serve's OTLP and its lines). */
  format?: LineFormat;
  /** The run's frame, which its lines belong with (see BatchContext.frame). */
  frame?: string;
}

/**
 * A batch's result as the engine receives it. From a pool worker, `eventsCanonical` holds every
 * event of the batch in canonical JSON, in line order, and `events` only its quarantine events (the
 * engine reports those on stderr): decoding every event object on the main thread, to encode it
 * again for the ledger, cost it more than the worker pays to encode it once.
 */
export type WorkerResult = BatchResult & { policyHash: string; eventsCanonical?: string[] };
