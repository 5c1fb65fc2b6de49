// @ts-check
/**
 * The scaling ceiling: the engine's batch function (`processBatch`, the work a pool worker does)
 * alone in k plain worker threads, each reading its own share of the corpus from the file, with
 * the pool workers' heap limits and no engine around it: no main thread cutting batches, no
 * reorder, no sink. What k of these get through against one is what k pool workers can reach on
 * this machine; the rest of a gap between the engine's 2-worker/1-worker ratio and the target is
 * the machine's (cores that slow each other down, V8's GC helper threads that a busy worker shares
 * its core with), not the engine's.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { roundRatio, roundRatioRange } from './measure.mjs';

/** Batches as the engine cuts them by default (engine.ts DEFAULT_BATCH). */
export const CEILING_BATCH_BYTES = 512 * 1024;

/**
 * @param {number} threads
 * @param {{ stateDir: string, heap?: import('node:worker_threads').ResourceLimits }} options `stateDir`: where the
 *   threads keep their local keys (one directory each under it); `heap`: the pool workers' heap limits
 * @returns {import('./measure.mjs').Subject}
 */
export function threadCeiling(threads, options) {
  /** @type {Worker[] | undefined} */
  let workers;
  const start = async () => {
    const started = Array.from(
      { length: threads },
      (_, index) => new Worker(new URL('./ceiling-worker.mjs', import.meta.url), { workerData: { index, stateDir: join(options.stateDir, `thread-${index}`) }, ...(options.heap ? { resourceLimits: options.heap } : {}) }),
    );
    await Promise.all(started.map((w) => once(w)));
    return started;
  };
  return {
    id: `ceiling-t${threads}`,
    label: `ceiling: batch function alone, ${threads} thread${threads > 1 ? 's' : ''}`,
    group: 'ceiling',
    note: 'processBatch over the corpus in plain threads, each reading its own batches; no engine around it',
    run: async (slice, deadline) => {
      workers ??= await start();
      // Worker threads have clocks of their own: the deadline goes to them in epoch time.
      const deadlineEpoch = Date.now() + (deadline - performance.now());
      const parts = await Promise.all(
        workers.map((w, index) => {
          const done = once(w);
          w.postMessage({ path: slice.path, bytes: slice.bytes, threads, index, batchBytes: CEILING_BATCH_BYTES, deadlineEpoch });
          return done;
        }),
      );
      const sum = (/** @type {'bytes' | 'records'} */ k) => parts.reduce((n, p) => n + /** @type {number} */ (p[k]), 0);
      return { bytes: sum('bytes'), records: sum('records'), stoppedEarly: parts.some((p) => p.stoppedEarly), detail: { threads } };
    },
    close: async () => {
      await Promise.all((workers ?? []).map((w) => w.terminate()));
      workers = undefined;
    },
  };
}

/**
 * The ceiling of the 2-worker/1-worker ratio: 2 threads against 1, the median of their rounds run
 * side by side with the lowest and highest; undefined when they did not run.
 * @param {Map<string, import('./measure.mjs').Measurement>} byId
 * @returns {{ value: number, range?: [number, number] } | undefined}
 */
export function ceilingScaling(byId) {
  const [two, one] = [byId.get('ceiling-t2'), byId.get('ceiling-t1')];
  const value = roundRatio(two, one);
  if (value === undefined) return undefined;
  const range = roundRatioRange(two, one);
  return { value, ...(range ? { range } : {}) };
}

/**
 * Below this, two threads of the batch function alone did not get two cores' worth of the machine
 * (seen here on a shared host: 1.29 in one run, 1.7-2.0 in quiet ones).
 */
export const BUSY_HOST_BELOW = 1.5;

/**
 * A note for the results when the ceiling says the machine was busy: every figure with two
 * workers is bounded by what two threads got. Undefined otherwise.
 * @param {{ value: number, range?: [number, number] } | undefined} ceiling @returns {string | undefined}
 */
export function busyHostNote(ceiling) {
  if (!ceiling || ceiling.value >= BUSY_HOST_BELOW) return undefined;
  const range = ceiling.range ? ` (rounds ${ceiling.range[0].toFixed(2)}-${ceiling.range[1].toFixed(2)})` : '';
  return `the batch function alone ran ${ceiling.value.toFixed(2)} times as fast in 2 threads as in 1${range}: the machine gave this run less than two cores' worth, and the figures with 2 workers (throughput, the worker ratio) are bounded by that`;
}

/** The worker's next message; its error or an exit before it rejects. @param {Worker} w @returns {Promise<any>} */
function once(w) {
  return new Promise((resolve, reject) => {
    const onMessage = (/** @type {any} */ m) => {
      cleanup();
      if (m && typeof m === 'object' && 'error' in m) reject(new Error(`ceiling thread: ${m.error}`));
      else resolve(m);
    };
    const onError = (/** @type {Error} */ err) => {
      cleanup();
      reject(err);
    };
    const onExit = (/** @type {number} */ code) => {
      cleanup();
      reject(new Error(`ceiling thread exited with code ${code}`));
    };
    const cleanup = () => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
  });
}
