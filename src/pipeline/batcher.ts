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

export async function* batchLines(
  file: string,
  chunks: AsyncIterable<Buffer | string>,
  limits: BatchLimits,
  nextSeq: () => number,
): AsyncGenerator<BatchTask> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 1;
  let offset = 0;

  function* cut(final: boolean): Generator<BatchTask> {
    if (pendingBytes === 0) return;
    let buf = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    while (buf.length > 0) {
      const enough = final || buf.length >= limits.maxBatchBytes;
      // Whole lines, up to the record limit, not past the byte limit (but at least one line).
      let lines = 0;
      let end = 0;
      while (lines < limits.maxBatchRecords) {
        const nl = buf.indexOf(NL, end);
        if (nl === -1 || (nl + 1 > limits.maxBatchBytes && lines > 0)) break;
        end = nl + 1;
        lines += 1;
      }
      if (lines === limits.maxBatchRecords || (enough && end > 0)) {
        yield task(buf.subarray(0, end), lines);
        buf = buf.subarray(end);
      } else if (final) {
        // A last line without an end.
        yield task(buf, 1);
        return;
      } else {
        pending = [buf];
        pendingBytes = buf.length;
        return;
      }
    }
  }

  function task(data: Buffer, lines: number): BatchTask {
    // Copy out of the shared chunk so the batch owns its bytes (it crosses to a worker).
    const t: BatchTask = { seq: nextSeq(), file, firstLine: line, firstOffset: offset, data: new Uint8Array(data) };
    line += lines;
    offset += data.length;
    return t;
  }

  let pendingLines = 0;
  for await (const chunk of chunks) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (b.length === 0) continue;
    pending.push(b);
    pendingBytes += b.length;
    // Count line ends only up to the record limit: enough to know a batch is full.
    for (let pos = b.indexOf(NL); pos !== -1 && pendingLines < limits.maxBatchRecords; pos = b.indexOf(NL, pos + 1)) pendingLines += 1;
    if (pendingBytes >= limits.maxBatchBytes || pendingLines >= limits.maxBatchRecords || pending.length > 64) {
      yield* cut(false);
      pendingLines = pendingBytes === 0 ? 0 : countUpTo(pending[0] as Buffer, limits.maxBatchRecords);
    }
  }
  yield* cut(true);
}

function countUpTo(buf: Buffer, max: number): number {
  let n = 0;
  for (let pos = buf.indexOf(NL); pos !== -1 && n < max; pos = buf.indexOf(NL, pos + 1)) n += 1;
  return n;
}
