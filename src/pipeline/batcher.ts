/**
 * Cuts a byte stream into batches at line ends, by records and by bytes, without decoding it. A
 * line longer than a batch becomes a batch of its own.
 */
import type { BatchTask } from './batch.js';

export interface BatchLimits {
  maxBatchRecords: number;
  maxBatchBytes: number;
}

const NL = 0x0a;

/** More pending chunks than this (a long line arriving in small pieces) are merged into one. */
const MAX_PENDING_CHUNKS = 64;

/**
 * Each batch's bytes are copied once, straight from the read chunks into a buffer the batch owns
 * whole (it is cloned to a worker, and a clone of a view copies its entire backing buffer). Every
 * large buffer counts towards V8's external memory, whose growth alone starts full collections of
 * the main thread's heap: a copy per batch less is fewer of them. `alloc`, given, provides that
 * buffer (a slot of the run's shared arena, see arena.ts) where it can.
 */
export async function* batchLines(
  file: string,
  chunks: AsyncIterable<Buffer | string>,
  limits: BatchLimits,
  nextSeq: () => number,
  alloc?: (n: number) => Uint8Array | undefined,
): AsyncGenerator<BatchTask> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let pendingLines = 0;
  let line = 1;
  let offset = 0;

  /** Where the next batch ends: bytes up to its last line end, and its lines. */
  function nextCut(): { bytes: number; lines: number } {
    let lines = 0;
    let end = 0;
    let base = 0;
    for (const c of pending) {
      for (let from = 0; lines < limits.maxBatchRecords; ) {
        const nl = c.indexOf(NL, from);
        if (nl === -1) break;
        // Whole lines, not past the byte limit (but at least one line).
        if (base + nl + 1 > limits.maxBatchBytes && lines > 0) return { bytes: end, lines };
        end = base + nl + 1;
        lines += 1;
        from = nl + 1;
      }
      if (lines === limits.maxBatchRecords) break;
      base += c.length;
    }
    return { bytes: end, lines };
  }

  /** The first `n` pending bytes, copied into a buffer of their own. */
  function take(n: number): Uint8Array {
    const out = alloc?.(n) ?? new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = pending[0] as Buffer;
      const k = Math.min(c.length, n - filled);
      out.set(k === c.length ? c : c.subarray(0, k), filled);
      filled += k;
      if (k === c.length) pending.shift();
      else pending[0] = c.subarray(k);
    }
    pendingBytes -= n;
    return out;
  }

  function* cut(final: boolean): Generator<BatchTask> {
    while (pendingBytes > 0) {
      const enough = final || pendingBytes >= limits.maxBatchBytes;
      const { bytes, lines } = nextCut();
      if (lines === limits.maxBatchRecords || (enough && bytes > 0)) {
        yield task(take(bytes), lines);
      } else if (final) {
        // A last line without an end.
        yield task(take(pendingBytes), 1);
      } else {
        if (pending.length > MAX_PENDING_CHUNKS) pending = [Buffer.concat(pending, pendingBytes)];
        return;
      }
    }
  }

  function task(data: Uint8Array, lines: number): BatchTask {
    const t: BatchTask = { seq: nextSeq(), file, firstLine: line, firstOffset: offset, data };
    line += lines;
    offset += data.length;
    return t;
  }

  for await (const chunk of chunks) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (b.length === 0) continue;
    pending.push(b);
    pendingBytes += b.length;
    // Count line ends only up to the record limit: enough to know a batch is full.
    pendingLines += countUpTo(b, limits.maxBatchRecords - pendingLines);
    if (pendingBytes >= limits.maxBatchBytes || pendingLines >= limits.maxBatchRecords || pending.length > MAX_PENDING_CHUNKS) {
      yield* cut(false);
      pendingLines = 0;
      for (const c of pending) pendingLines += countUpTo(c, limits.maxBatchRecords - pendingLines);
    }
  }
  yield* cut(true);
}

function countUpTo(buf: Buffer, max: number): number {
  let n = 0;
  for (let pos = buf.indexOf(NL); pos !== -1 && n < max; pos = buf.indexOf(NL, pos + 1)) n += 1;
  return n;
}

/**
 * The batch cut in two at the line end nearest its middle line, each half in a buffer of its own
 * (a half sent to a worker would otherwise take the whole buffer along); undefined for one line.
 */
export function halves(task: BatchTask): [BatchTask, BatchTask] | undefined {
  const data = Buffer.from(task.data.buffer, task.data.byteOffset, task.data.byteLength);
  const starts: number[] = [0];
  for (let nl = data.indexOf(NL); nl !== -1 && nl + 1 < data.length; nl = data.indexOf(NL, nl + 1)) starts.push(nl + 1);
  if (starts.length < 2) return undefined;
  const middle = starts.length >> 1;
  const cut = starts[middle] as number;
  return [
    { seq: task.seq, file: task.file, firstLine: task.firstLine, firstOffset: task.firstOffset, data: Uint8Array.prototype.slice.call(data, 0, cut) },
    { seq: task.seq, file: task.file, firstLine: task.firstLine + middle, firstOffset: task.firstOffset + cut, data: Uint8Array.prototype.slice.call(data, cut) },
  ];
}
