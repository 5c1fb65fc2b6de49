/**
 * The quarantine: records that could not be fully redacted, each already encrypted whole under a
 * data key (a randomized tk1 token, reversible with `logveil detokenize`). Nothing in clear.
 */
import type { QuarantineEntry } from '../pipeline/batch.js';
import { LineWriter } from './line-writer.js';

/** Where the engine writes quarantine entries. */
export interface QuarantineWriter {
  write(entries: readonly QuarantineEntry[]): Promise<void>;
}

export class QuarantineSink implements QuarantineWriter {
  readonly #writer: LineWriter;
  #count = 0;

  /** `what`: how messages name the file (default: the quarantine and its path). */
  constructor(path: string, what = `quarantine ${path}`) {
    this.#writer = LineWriter.open(path, { append: true, mode: 0o600, what });
  }

  get count(): number {
    return this.#count;
  }

  async write(entries: readonly QuarantineEntry[]): Promise<void> {
    for (const entry of entries) await this.#writer.write(JSON.stringify(entry));
    this.#count += entries.length;
  }

  /** See {@link LineWriter.flush}. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  async close(): Promise<void> {
    await this.#writer.close();
  }
}
