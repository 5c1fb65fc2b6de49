/**
 * What the engine does with a batch it could not get a result for: a worker died on it, the pool
 * refused it, or the batcher read past a line too long to hold. Its lines are quarantined on the
 * main thread, encrypted, with an event each, and the reason names what happened.
 */
import { LogveilError } from '../errors.js';
import type { DataKey } from '../crypto/keys/cache.js';
import type { SourceRef } from '../record.js';
import type { QuarantineWriter } from '../sinks/quarantine.js';
import type { SecuritySink } from '../sinks/security-events.js';
import type { SecurityEvent } from '../telemetry/events.js';
import type { Accounting } from './accounting.js';
import { eachLine, Outcome, quarantineRecord, type BatchTask, type QuarantineEntry } from './batch.js';

/** True when the pool refused the run: it was closed. */
export function poolClosed(cause: unknown): boolean {
  return cause instanceof LogveilError && cause.code === 'POOL_CLOSED';
}

/** True when the worker died because its heap ran out (Node's `ERR_WORKER_OUT_OF_MEMORY`). */
export function outOfMemory(cause: unknown): boolean {
  return (cause as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
}

/**
 * Why a batch a worker died on (`cause`, what the pool said) is quarantined. `aloneHeapMb`: the
 * heap of the worker the record ran on alone last (see PoolExecutor.runAlone), when it did.
 */
export function workerFailure(task: BatchTask, cause: unknown, aloneHeapMb?: number): LogveilError {
  let n = 0;
  eachLine(task, () => (n += 1));
  const records = n === 1 ? 'the record' : `a batch of ${n} records`;
  const what = aloneHeapMb !== undefined ? `${records} on a worker of its own` : n === 1 ? 'the record, run alone' : records;
  if (poolClosed(cause)) return new LogveilError('POOL_CLOSED', `the worker pool was closed before ${what} was processed`);
  if (aloneHeapMb !== undefined && outOfMemory(cause)) {
    return new LogveilError('WORKER_FAILED', `${records} ran its worker out of memory, and again on a worker of its own with ${aloneHeapMb} MiB`);
  }
  return new LogveilError('WORKER_FAILED', `worker failed while processing ${what} (${(cause as Error)?.name ?? 'error'})`);
}

/** What {@link quarantineBatch} writes to and reports with. */
export interface QuarantineTargets {
  quarantineKey: DataKey;
  policy: { hash: string };
  security: SecuritySink;
  quarantine: QuarantineWriter;
  onProblem?: (message: string) => void;
}

/**
 * Quarantines every line of `task` on this thread for `err`, encrypted, with an event each: the
 * lines of a batch a worker died on, or a line the batcher read past (its head is `task.data`).
 */
export async function quarantineBatch(task: BatchTask, err: LogveilError, o: QuarantineTargets, acc: Accounting): Promise<{ n: number; code: string }> {
  const lines: Array<{ bytes: Buffer; source: SourceRef }> = [];
  if (task.tooLarge) lines.push({ bytes: Buffer.from(task.data.buffer, task.data.byteOffset, task.data.byteLength), source: { file: task.file, line: task.firstLine, offset: task.firstOffset } });
  else eachLine(task, (bytes, _line, _eol, source) => lines.push({ bytes, source }));
  const entries: QuarantineEntry[] = [];
  const events: SecurityEvent[] = [];
  for (const { bytes, source } of lines) {
    const r = quarantineRecord(bytes, source, err, o.quarantineKey, o.policy.hash);
    entries.push(r.quarantine as QuarantineEntry);
    events.push(r.quarantineEvent as SecurityEvent);
  }
  await o.security.write(events);
  await o.quarantine.write(entries);
  acc.addBatch(Uint8Array.from(entries, () => Outcome.Quarantined), task.tooLarge?.inputBytes ?? task.data.byteLength, {}, entries);
  const where = entries.length === 1 ? `${task.file}:${task.firstLine}` : `${task.file}:${task.firstLine}-${task.firstLine + entries.length - 1}`;
  o.onProblem?.(`${where} ${err.code}: ${err.message}; ${entries.length === 1 ? 'record' : `${entries.length} records`} quarantined`);
  return { n: entries.length, code: err.code };
}
