/**
 * The lines above a line a batch marks, read back past the batch's first line into the lines of
 * the batches before it. A value some logs write on a line of its own names nothing there: the
 * lines above it do (a statement above its bind parameters, see bound-lines.ts; a traceback's
 * line of code above the values of its names, see diagnose-lines.ts). The batcher carries the
 * last {@link LOOKBACK_LINES} lines' text from batch to batch (input order, see batcher.ts), so
 * a batch reads the same lines above each of its lines wherever the batches are cut.
 *
 * A line longer than {@link LOOKBACK_LINE_BYTES} is read back as its first that many bytes, in a
 * batch as across batches: the batcher carries no long line whole (a record may be a megabyte).
 */

/** Lines a batch may read back from any of its lines, at most. */
export const LOOKBACK_LINES = 64;
/** The bytes of a line read back, at most (a longer one's first). */
export const LOOKBACK_LINE_BYTES = 4096;

const NL = 0x0a;
const CR = 0x0d;

/**
 * The last {@link LOOKBACK_LINES} lines of the input after `data` (whole lines), `before` those
 * before it, each as read back. Undefined for an input that holds no line yet.
 */
export function linesAfter(data: Uint8Array, before: readonly string[] | undefined): readonly string[] | undefined {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length === 0) return before;
  const last: string[] = [];
  let stop = bytes[bytes.length - 1] === NL ? bytes.length - 1 : bytes.length;
  for (;;) {
    const nl = stop === 0 ? -1 : bytes.lastIndexOf(NL, stop - 1);
    last.push(lineText(bytes, nl + 1, stop));
    if (last.length === LOOKBACK_LINES) break;
    if (nl === -1) {
      const kept = before ? before.slice(Math.max(0, before.length - (LOOKBACK_LINES - last.length))) : [];
      return [...kept, ...last.reverse()];
    }
    stop = nl;
  }
  return last.reverse();
}

/** The last lines after a line longer than the batcher keeps (see BatchTask.tooLarge), `head` its first bytes, `before` the lines before it. */
export function linesAfterLong(head: Uint8Array, before: readonly string[] | undefined): readonly string[] {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  return [...(before ?? []).slice(-(LOOKBACK_LINES - 1)), bytes.toString('utf8', 0, Math.min(bytes.length, LOOKBACK_LINE_BYTES))];
}

/** The lines of a batch and those before it, as a look back reads them (see the module notes). */
export class Lookback {
  readonly #data: Buffer;
  readonly #ends: Int32Array;
  readonly #before: readonly string[];
  readonly #texts = new Map<number, string>();

  /** `ends[i]` is line i's `\n` in `data`, or the end of the data; `before`, the lines before the batch (see {@link linesAfter}). */
  constructor(data: Buffer, ends: Int32Array, before: readonly string[] | undefined) {
    this.#data = data;
    this.#ends = ends;
    this.#before = before ?? [];
  }

  /**
   * Line `i`'s text as read back (a long line's first bytes): a line of the batch, or for `i` < 0 one
   * before it (-1 the last); undefined before the input's first line, or further back than
   * {@link LOOKBACK_LINES} lines before the batch.
   */
  line(i: number): string | undefined {
    if (i < 0) return i >= -LOOKBACK_LINES ? this.#before[this.#before.length + i] : undefined;
    let text = this.#texts.get(i);
    if (text === undefined) {
      text = lineText(this.#data, i === 0 ? 0 : (this.#ends[i - 1] as number) + 1, this.#ends[i] as number);
      this.#texts.set(i, text);
    }
    return text;
  }

  /** Line `i` of the batch whole (its line end left out). */
  whole(i: number): string {
    const start = i === 0 ? 0 : (this.#ends[i - 1] as number) + 1;
    const end = this.#ends[i] as number;
    return this.#data.toString('utf8', start, end > start && this.#data[end - 1] === CR ? end - 1 : end);
  }
}

/** The text of the line from `start` to `stop` (its `\n`) as read back: a CR before its end left out, a long one's first bytes. */
function lineText(data: Buffer, start: number, stop: number): string {
  const end = stop > start && data[stop - 1] === CR ? stop - 1 : stop;
  return data.toString('utf8', start, Math.min(end, start + LOOKBACK_LINE_BYTES));
}
