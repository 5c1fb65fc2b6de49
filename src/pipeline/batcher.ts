/**
 * Cuts a byte stream into batches at line ends, by records and by bytes, without decoding it. A
 * line longer than a batch becomes a batch of its own; one longer than `maxLineBytes` is not kept
 * whole (see {@link BatchTask.tooLarge}).
 */
import type { BatchTask } from './batch.js';
import { linesAfter, linesAfterLong } from './lookback.js';
import type { NamedState } from './named-types.js';
import { namedStateAfter } from './named-values.js';
import { pemStateAfter, type PemState } from './pem-blocks.js';
import { tableStateAfter, type TableState } from './table-values.js';
import { textOf } from './wrapped-lines.js';
import { MAX_CARRIED_PARTS, MAX_SOURCE_GAP, openParts } from './part-lines.js';
import { openContinuation } from './continued-lines.js';
import { behind, COMMAND_BYTES, COMMAND_LINES, COMMAND_WORDS, continues, openCommand } from './command-lines.js';

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
const CR = 0x0d;

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
  /** A line longer than maxLine being read past: its first bytes, its length so far, and its last byte. */
  let skipping: { head: Uint8Array; bytes: number; last: number } | undefined;
  let line = 1;
  let offset = 0;
  /** The private key's PEM block the next batch starts inside, if any (see pem-blocks.ts). */
  let pem: PemState | undefined;
  /** The name or netrc entry the next batch's first lines may complete, if any (see named-values.ts). */
  let named: NamedState | undefined;
  /** The table whose rows the next batch's first lines may be (see table-values.ts). */
  let table: TableState | undefined;
  /** The last lines, which the next batch's lines may read back (see lookback.ts). */
  let lastLines: readonly string[] | undefined;

  /**
   * Where the next batch ends: bytes up to its last line end, and its lines. A batch ends before a
   * line longer than maxLine (its bytes before `\r\n` or `\n`, as the structured path reads it);
   * `tooLong` when the first line is one (`bytes` 0 while its end has not arrived: it is longer
   * than maxLine and a CR, or than maxLine at the end of the input, `final`).
   */
  function nextCut(final: boolean): { bytes: number; lines: number; tooLong?: { lineBytes: number } } {
    let lines = 0;
    let end = 0;
    let base = 0;
    let before = -1;
    for (const c of pending) {
      for (let from = 0; lines < limits.maxBatchRecords; ) {
        const nl = c.indexOf(NL, from);
        if (nl === -1) break;
        const length = base + nl - end - ((nl > 0 ? c[nl - 1] : before) === CR ? 1 : 0);
        if (length > maxLine) return lines > 0 ? { bytes: end, lines } : { bytes: base + nl + 1, lines: 1, tooLong: { lineBytes: length } };
        // Whole lines, not past the byte limit (but at least one line).
        if (base + nl + 1 > limits.maxBatchBytes && lines > 0) return { bytes: end, lines };
        end = base + nl + 1;
        lines += 1;
        from = nl + 1;
      }
      if (lines === limits.maxBatchRecords) break;
      base += c.length;
      before = c.length > 0 ? (c[c.length - 1] as number) : before;
    }
    if (lines === 0 && base > maxLine + (final ? 0 : 1)) return { bytes: 0, lines: 0, tooLong: { lineBytes: base } };
    return { bytes: end, lines };
  }

  /**
   * The last lines of the first `n` pending bytes (whole lines, `lines` of them) that hold a
   * command's message they end inside (see openCommand in command-lines.ts), read from their last
   * {@link COMMAND_BYTES}: how many and their bytes; undefined for none, or for all of them.
   */
  function carriedBytes(n: number, lines: number): { lines: number; bytes: number } | undefined {
    const from = Math.max(0, n - COMMAND_BYTES);
    // Most batches hold no command's parameters: nothing is copied.
    if (!COMMAND_WORDS.some((w) => pendingHolds(from, n, w))) return undefined;
    // From the first line that starts in the window (the byte before it read, to tell).
    const last = peek(Math.max(0, from - 1), n);
    const whole = from === 0 ? last : last.subarray(last.indexOf(NL) + 1);
    const carried = openCommand(textOf(whole));
    if (carried === 0 || carried >= lines) return undefined;
    return { lines: carried, bytes: whole.length - lastLinesStart(whole, carried) };
  }

  /**
   * The last lines of the first `n` pending bytes (whole lines, `lines` of them) that are parts of
   * a line whose next part is still to come (see part-lines.ts): how many and their bytes;
   * undefined for none, or for all of them (a line longer than a batch). Only the last lines are
   * read (most batches hold no part: a search of a few lines).
   */
  function carriedParts(n: number, lines: number): { lines: number; bytes: number } | undefined {
    for (let k = MAX_SOURCE_GAP + 1; ; k = Math.min(lines, k + MAX_CARRIED_PARTS)) {
      const whole = peek(lastLinesFrom(n, k), n);
      const carried = openLines(whole);
      if (carried === 0 || carried >= lines) return undefined;
      // The parts reach back to the window's first lines: a wider one may hold more.
      if (carried + MAX_SOURCE_GAP >= k && k < lines && k < MAX_CARRIED_PARTS + MAX_SOURCE_GAP) continue;
      return { lines: carried, bytes: whole.length - lastLinesStart(whole, carried) };
    }
  }

  /** Where the last `k` lines of the first `n` pending bytes (whole lines) start: after the k-th line end before the one at `n - 1`, else 0. */
  function lastLinesFrom(n: number, k: number): number {
    let base = pendingBytes;
    let found = 0;
    for (let c = pending.length - 1; c >= 0; c--) {
      const chunk = pending[c] as Buffer;
      base -= chunk.length;
      if (base >= n - 1) continue;
      for (let at = chunk.lastIndexOf(NL, n - 2 - base); at !== -1; at = at === 0 ? -1 : chunk.lastIndexOf(NL, at - 1)) {
        found += 1;
        if (found === k) return base + at + 1;
      }
    }
    return 0;
  }

  /** Whether the pending bytes from `from` to `to` hold `word`, searched in place (but for the few bytes around an edge between chunks). */
  function pendingHolds(from: number, to: number, word: Buffer): boolean {
    let base = 0;
    for (const c of pending) {
      if (base >= to) break;
      const s = Math.max(from - base, 0);
      const e = Math.min(to - base, c.length);
      if (s < e && c.subarray(s, e).indexOf(word) !== -1) return true;
      // The word across this chunk's end (and the chunks after it, when they are short).
      const edge = base + c.length;
      if (edge > from && edge < to && peek(Math.max(from, edge - word.length + 1), Math.min(to, edge + word.length - 1)).indexOf(word) !== -1) return true;
      base += c.length;
    }
    return false;
  }

  /** A copy of the pending bytes from `from` to `to`, left pending. */
  function peek(from: number, to: number): Buffer {
    const out = Buffer.allocUnsafe(to - from);
    let base = 0;
    for (const c of pending) {
      if (base >= to) break;
      const s = Math.max(from - base, 0);
      const e = Math.min(to - base, c.length);
      if (s < e) c.copy(out, base + s - from, s, e);
      base += c.length;
    }
    return out;
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
      const enough = final || pendingBytes >= limits.maxBatchBytes || tail > maxLine + 1;
      const { bytes, lines, tooLong } = nextCut(final);
      if (tooLong) {
        const head = take(maxLine, true);
        if (bytes > 0) {
          drop(bytes - maxLine);
          yield tooLarge(head, tooLong.lineBytes, bytes);
          continue;
        }
        // Its end has not arrived: the rest of it is read past as it comes.
        const last = lastByte();
        skipping = { head, bytes: maxLine + pendingBytes, last };
        drop(pendingBytes);
        if (final) yield* endSkip(false);
        return;
      }
      if (lines === limits.maxBatchRecords || (enough && bytes > 0)) {
        // At the input's end a last line without its end goes with the lines before it: a
        // command's message may end there (see command-lines.ts).
        const withLast = final && tail > 0 && tail <= maxLine && pendingBytes - bytes === tail && pendingBytes <= limits.maxBatchBytes && lines < limits.maxBatchRecords;
        const n = withLast ? pendingBytes : bytes;
        const count = withLast ? lines + 1 : lines;
        // A command's message the batch would end inside goes whole to the next one.
        const carried = count > 1 && !(final && n === pendingBytes) ? wider(carriedBytes(n, count), carriedParts(n, count)) : undefined;
        yield carried ? task(take(n - carried.bytes), count - carried.lines) : task(take(n), count);
      } else if (final) {
        // A last line without an end.
        yield task(take(pendingBytes), 1);
      } else {
        if (pending.length > MAX_PENDING_CHUNKS) pending = [Buffer.concat(pending, pendingBytes)];
        return;
      }
    }
  }

  /** The task of `data`, its `lines` whole lines; `text`, its text as its readers read it (see wrapped-lines.ts), when known. */
  function task(data: Uint8Array, lines: number, text: Buffer = textOf(data)): BatchTask {
    const t: BatchTask = { seq: nextSeq(), file, firstLine: line, firstOffset: offset, data, ...(pem ? { pem } : {}), ...(named ? { named } : {}), ...(table ? { table } : {}), ...(lastLines ? { before: lastLines } : {}) };
    pem = pemStateAfter(text, pem);
    named = namedStateAfter(text, named);
    table = tableStateAfter(text, table, lastLines);
    lastLines = linesAfter(text, lastLines);
    line += lines;
    offset += data.length;
    return t;
  }

  /** The task of one line longer than maxLine: `head`, its first bytes; `lineBytes` before its end, `inputBytes` with it. */
  function tooLarge(head: Uint8Array, lineBytes: number, inputBytes: number): BatchTask {
    const t: BatchTask = { seq: nextSeq(), file, firstLine: line, firstOffset: offset, data: head, tooLarge: { lineBytes, inputBytes } };
    // Quarantined whole: taken, inside a block, for a body line (so a short last line after it is one too).
    if (pem) pem = { prefix: pem.prefix, afterFull: true };
    // Neither a name's value nor a netrc line: it closes what was open.
    named = undefined;
    table = undefined;
    // Read back as a long line is (see lookback.ts).
    lastLines = linesAfterLong(head, lastLines);
    line += 1;
    offset += inputBytes;
    return t;
  }

  /** The last pending byte (-1 when none). */
  function lastByte(): number {
    const c = pending[pending.length - 1];
    return c && c.length > 0 ? (c[c.length - 1] as number) : -1;
  }

  /** The line being read past ends (`ended`: at a line end, a CR before it not counted; else at the end of the input). */
  function* endSkip(ended: boolean): Generator<BatchTask> {
    const s = skipping as { head: Uint8Array; bytes: number; last: number };
    skipping = undefined;
    yield tooLarge(s.head, s.bytes - (ended && s.last === CR ? 1 : 0), s.bytes + (ended ? 1 : 0));
  }

  for await (const chunk of chunks) {
    let b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (b.length === 0) continue;
    if (skipping) {
      const nl = b.indexOf(NL);
      if (nl === -1) {
        skipping.bytes += b.length;
        skipping.last = b[b.length - 1] as number;
        continue;
      }
      skipping.bytes += nl;
      if (nl > 0) skipping.last = b[nl - 1] as number;
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
    if (pendingBytes >= limits.maxBatchBytes || pendingLines >= limits.maxBatchRecords || pending.length > MAX_PENDING_CHUNKS || tail > maxLine + 1) {
      yield* cut(false);
      pendingLines = 0;
      for (const c of pending) pendingLines += countUpTo(c, limits.maxBatchRecords - pendingLines);
    }
  }
  if (skipping) yield* endSkip(false);
  yield* cut(true);
}

/** Of two carries, the one of more lines. */
function wider<T extends { lines: number }>(a: T | undefined, b: T | undefined): T | undefined {
  return !a ? b : !b ? a : a.lines >= b.lines ? a : b;
}

/** Where the last `n` lines of `data` (whole lines, fewer than it holds) start. */
function lastLinesStart(data: Uint8Array, n: number): number {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = bytes.length - 1;
  for (let k = 0; k < n; k++) at = bytes.lastIndexOf(NL, at - 1);
  return at + 1;
}

function countUpTo(buf: Buffer, max: number): number {
  let n = 0;
  for (let pos = buf.indexOf(NL); pos !== -1 && n < max; pos = buf.indexOf(NL, pos + 1)) n += 1;
  return n;
}

/**
 * How many of the last lines of `data` a batch must not end after: the parts of a line whose next
 * part is still to come (see part-lines.ts), or a command continued on a line still to come (see
 * continued-lines.ts).
 */
function openLines(data: Buffer): number {
  return Math.max(openParts(data), openContinuation(data));
}

/**
 * The batch cut in two at the line end nearest its middle line (before or after a command's
 * message that holds it), each half in a buffer of its own (a half sent to a worker would otherwise
 * take the whole buffer along); undefined for one line, or for a batch that is one such message.
 */
export function halves(task: BatchTask): [BatchTask, BatchTask] | undefined {
  const data = Buffer.from(task.data.buffer, task.data.byteOffset, task.data.byteLength);
  const starts: number[] = [0];
  for (let nl = data.indexOf(NL); nl !== -1 && nl + 1 < data.length; nl = data.indexOf(NL, nl + 1)) starts.push(nl + 1);
  if (starts.length < 2) return undefined;
  let middle = starts.length >> 1;
  // Not inside a command's message (see command-lines.ts): before it, or else at its end.
  const carried = openCommand(textOf(data.subarray(0, starts[middle] as number)));
  if (carried > 0 && carried < middle) middle -= carried;
  else if (carried > 0) {
    const text = textOf(data).toString('utf8').split('\n');
    const head = behind((text[middle - carried] as string).replace(/\r$/, ''));
    let end = middle;
    while (end < starts.length && end - (middle - carried) <= COMMAND_LINES && continues(head, behind((text[end] as string).replace(/\r$/, '')))) end++;
    // The batch is one message from its first line to its last: halves of it would not hold it.
    if (end === starts.length) return undefined;
    middle = end;
  }
  // Nor between the parts of a line (see part-lines.ts): before its first, or else after its last.
  const parts = openLines(data.subarray(0, starts[middle] as number));
  if (parts > 0 && parts < middle) middle -= parts;
  else if (parts > 0) {
    while (middle < starts.length && openLines(data.subarray(0, starts[middle] as number)) > 0) middle++;
    if (middle === starts.length) return undefined;
  }
  const cut = starts[middle] as number;
  const first = Uint8Array.prototype.slice.call(data, 0, cut);
  const text = textOf(first);
  const pem = pemStateAfter(text, task.pem);
  const named = namedStateAfter(text, task.named);
  const table = tableStateAfter(text, task.table, task.before);
  const before = linesAfter(text, task.before);
  const orphans = task.orphanKeyLines ? { orphanKeyLines: true } : {};
  return [
    { seq: task.seq, file: task.file, firstLine: task.firstLine, firstOffset: task.firstOffset, data: first, ...(task.pem ? { pem: task.pem } : {}), ...(task.named ? { named: task.named } : {}), ...(task.table ? { table: task.table } : {}), ...(task.before ? { before: task.before } : {}), ...orphans },
    { seq: task.seq, file: task.file, firstLine: task.firstLine + middle, firstOffset: task.firstOffset + cut, data: Uint8Array.prototype.slice.call(data, cut), ...(pem ? { pem } : {}), ...(named ? { named } : {}), ...(table ? { table } : {}), ...(before ? { before } : {}), ...orphans },
  ];
}
