/**
 * The sealed lines of an instance's chain (see sinks/ledger/stream-chain.ts) that could not be
 * delivered yet, kept in chain order (by seq) for the next delivery and bounded: past the bound,
 * the newest are given up and counted, so that the chain's start (its segment entry) and the
 * entries linked to it stay, and the export shows one gap after them.
 */
export class PendingLines {
  readonly #max: number;
  readonly #onLost: (count: number) => void;
  #items: Array<{ seq: number; line: string }> = [];

  constructor(max: number, onLost: (count: number) => void) {
    this.#max = max;
    this.#onLost = onLost;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Every line, in chain order; the queue is left empty. */
  take(): string[] {
    const out = this.#items.map((i) => i.line);
    this.#items = [];
    return out;
  }

  /** Keeps `lines` (sealed entries or checkpoints) for the next delivery. */
  add(lines: readonly string[]): void {
    if (lines.length === 0) return;
    for (const line of lines) this.#items.push({ seq: seqOf(line), line });
    this.#items.sort((a, b) => a.seq - b.seq);
    if (this.#items.length > this.#max) {
      this.#onLost(this.#items.length - this.#max);
      this.#items = this.#items.slice(0, this.#max);
    }
  }
}

/** The seq of an entry or checkpoint line (the checkpoint's: the entry it signs). */
function seqOf(line: string): number {
  const seq = (JSON.parse(line) as { seq?: unknown }).seq;
  return typeof seq === 'number' ? seq : Number.MAX_SAFE_INTEGER;
}
