/**
 * The quarantine: records that could not be fully redacted, encrypted whole under the current
 * data key (a randomized tk1 token, reversible with `logveil detokenize`). Nothing in clear.
 */
import type { DataKey } from '../crypto/keys/cache.js';
import { encryptToken, wrapToken } from '../crypto/token.js';
import type { SourceRef } from '../record.js';
import { LineWriter } from './line-writer.js';

export const QUARANTINE_LABEL = 'QUARANTINE';

export interface QuarantineEntry {
  ts: string;
  source: SourceRef;
  code: string;
  kid: string;
  /** `[[QUARANTINE:tk1...]]` over the record's raw bytes (as latin1-safe base64 text). */
  envelope: string;
}

export class QuarantineSink {
  readonly #writer: LineWriter;
  #count = 0;

  constructor(path: string) {
    this.#writer = LineWriter.open(path, { append: true, mode: 0o600 });
  }

  get count(): number {
    return this.#count;
  }

  /** Encrypts and writes a record's raw bytes; returns the entry written (without the raw data). */
  async put(raw: Buffer, source: SourceRef, code: string, key: DataKey): Promise<QuarantineEntry> {
    const envelope = wrapToken(QUARANTINE_LABEL, encryptToken(key, QUARANTINE_LABEL, raw.toString('base64'), 'randomized'));
    const entry: QuarantineEntry = { ts: new Date().toISOString(), source, code, kid: key.kid, envelope };
    await this.#writer.write(JSON.stringify(entry));
    this.#count += 1;
    return entry;
  }

  async close(): Promise<void> {
    await this.#writer.close();
  }
}
