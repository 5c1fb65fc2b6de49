/**
 * Cuts a byte stream into batches at line ends, by records and by bytes, without decoding it. A
 * line longer than a batch becomes a batch of its own; one longer than `maxLineBytes` is not kept
 * whole (see {@link BatchTask.tooLarge}).
 */
import type { BatchTask } from './batch.js';
import { pemOpenAfter } from './pem-blocks.js';

export interface BatchLimits {
  maxBatchRecords: number;
  maxBatchBytes: number;
  /**
   * The longest line (its bytes before the `\n`) a batch holds; a longer one is read past, its
   * first this many bytes kept for the quarantine. None: every line is kept whole.
   */
  maxLineBytes?: number;
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
  const maxLine = limits.maxLineBytes ?? Infinity;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let pendingLines = 0;
  /** Pending bytes after the last line end: a line still arriving. */
  let tail = 0;
  /** A line longer than maxLine being read past: its first bytes, and its length so far. */
  let skipping: { head: Uint8Array; bytes: number } | undefined;
  let line = 1;
  let offset = 0;
  /** Whether the input is inside a private key's PEM block where the next batch starts (see pem-blocks.ts). */
  let pemOpen = false;

  /**
   * Where the next batch ends: bytes up to its last line end, and its lines. A batch ends before a
   * line longer than maxLine; `tooLong` when the first line is one (`bytes` 0 while its end has not
   * arrived).
   */
  function nextCut(): { bytes: number; lines: number; tooLong?: true } {
    let lines = 0;
    let end = 0;
    let base = 0;
    for (const c of pending) {
      for (let from = 0; lines < limits.maxBatchRecords; ) {
        const nl = c.indexOf(NL, from);
        if (nl === -1) break;
        if (base + nl - end > maxLine) return lines > 0 ? { bytes: end, lines } : { bytes: base + nl + 1, lines: 1, tooLong: true };
        // Whole lines, not past the byte limit (but at least one line).
        if (base + nl + 1 > limits.maxBatchBytes && lines > 0) return { bytes: end, lines };
        end = base + nl + 1;
        lines += 1;
        from = nl + 1;
      }
      if (lines === limits.maxBatchRecords) break;
      base += c.length;
    }
    if (lines === 0 && base > maxLine) return { bytes: 0, lines: 0, tooLong: true };
    return { bytes: end, lines };
  }

  /** The first `n` pending bytes, copied into a buffer of their own (`own`: never one `alloc` gives). */
  function take(n: number, own = false): Uint8Array {
    const out = (own ? undefined : alloc?.(n)) ?? new Uint8Array(n);
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
    tail = Math.min(tail, pendingBytes);
    return out;
  }

  /** Forgets the first `n` pending bytes. */
  function drop(n: number): void {
    let left = n;
    while (left > 0) {
      const c = pending[0] as Buffer;
      if (c.length <= left) {
        pending.shift();
        left -= c.length;
      } else {
        pending[0] = c.subarray(left);
        left = 0;
      }
    }
    pendingBytes -= n;
    tail = Math.min(tail, pendingBytes);
  }

  function* cut(final: boolean): Generator<BatchTask> {
    while (pendingBytes > 0) {
      // A line that outgrew maxLine comes first once the lines before it are cut.
      const enough = final || pendingBytes >= limits.maxBatchBytes || tail > maxLine;
      const { bytes, lines, tooLong } = nextCut();
      if (tooLong) {
        const head = take(maxLine, true);
        if (bytes > 0) {
          drop(bytes - maxLine);
          yield tooLarge(head, bytes - 1, bytes);
          continue;
        }
        // Its end has not arrived: the rest of it is read past as it comes.
        skipping = { head, bytes: maxLine + pendingBytes };
        drop(pendingBytes);
        if (final) yield* endSkip(false);
        return;
      }
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
    const t: BatchTask = { seq: nextSeq(), file, firstLine: line, firstOffset: offset, data, ...(pemOpen ? { pemOpen: true as const } : {}) };
    pemOpen = pemOpenAfter(data, pemOpen);
    line += lines;
    offset += data.length;
    return t;
  }

  /** The task of one line longer than maxLine: `head`, its first bytes; `lineBytes` before its end, `inputBytes` with it. */
  function tooLarge(head: Uint8Array, lineBytes: number, inputBytes: number): BatchTask {
    const t: BatchTask = { seq: nextSeq(), file, firstLine: line, firstOffset: offset, data: head, tooLarge: { lineBytes, inputBytes } };
    // A line no body line is that long: it ends any block.
    pemOpen = false;
    line += 1;
    offset += inputBytes;
    return t;
  }

  /** The line being read past ends (`ended`: at a line end, else at the end of the input). */
  function* endSkip(ended: boolean): Generator<BatchTask> {
    const s = skipping as { head: Uint8Array; bytes: number };
    skipping = undefined;
    yield tooLarge(s.head, s.bytes, s.bytes + (ended ? 1 : 0));
  }

  for await (const chunk of chunks) {
    let b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (b.length === 0) continue;
    if (skipping) {
      const nl = b.indexOf(NL);
      if (nl === -1) {
        skipping.bytes += b.length;
        continue;
      }
      skipping.bytes += nl;
      yield* endSkip(true);
      b = b.subarray(nl + 1);
      if (b.length === 0) continue;
    }
    pending.push(b);
    pendingBytes += b.length;
    const last = b.lastIndexOf(NL);
    tail = last === -1 ? tail + b.length : b.length - last - 1;
    // Count line ends only up to the record limit: enough to know a batch is full.
    pendingLines += countUpTo(b, limits.maxBatchRecords - pendingLines);
    if (pendingBytes >= limits.maxBatchBytes || pendingLines >= limits.maxBatchRecords || pending.length > MAX_PENDING_CHUNKS || tail > maxLine) {
      yield* cut(false);
      pendingLines = 0;
      for (const c of pending) pendingLines += countUpTo(c, limits.maxBatchRecords - pendingLines);
    }
  }
  if (skipping) yield* endSkip(false);
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
  const first = Uint8Array.prototype.slice.call(data, 0, cut);
  const open = task.pemOpen === true;
  return [
    { seq: task.seq, file: task.file, firstLine: task.firstLine, firstOffset: task.firstOffset, data: first, ...(open ? { pemOpen: true as const } : {}) },
    { seq: task.seq, file: task.file, firstLine: task.firstLine + middle, firstOffset: task.firstOffset + cut, data: Uint8Array.prototype.slice.call(data, cut), ...(pemOpenAfter(first, open) ? { pemOpen: true as const } : {}) },
  ];
}
