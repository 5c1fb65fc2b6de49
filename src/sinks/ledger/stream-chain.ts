/**
 * A ledger chain whose entries go to a stream rather than to segment files: a Lambda function
 * instance's security events on the security Firehose stream. Each instance keeps a chain of its
 * own (its ledger id names the function and a random part), in the entry format of the local
 * ledger: a `segment` entry first, then one `event` entry per event, each linked to the one
 * before by `prev` and sealed by its `hash`. The stream mixes the chains of every instance, and
 * may deliver their lines in any order and more than once; `ledger verify --export` puts each
 * chain back together by its links (see verify-export.ts). An entry is sealed once: one that
 * could not be delivered must be sent again as it is, never sealed anew, or its chain has a gap.
 */
import { randomUUID } from 'node:crypto';
import type { SecurityEvent } from '../../telemetry/events.js';
import { canonicalJson } from '../../util/canonical.js';
import type { ChainHead } from './chain.js';
import { checkpointPayload, GENESIS, sealEntryLine, sealEventLine, type Checkpoint } from './entry.js';
import type { LedgerSigner } from './signer.js';

/** The chain of one writer; see the module notes. */
export class StreamChain {
  readonly ledgerId: string;
  #head: ChainHead = { seq: 0, hash: GENESIS };

  /** `name` prefixes the random ledger id (a Lambda passes its function name and version). */
  constructor(name: string) {
    this.ledgerId = `${name}/${randomUUID()}`;
  }

  /** The last entry sealed (seq 0 before the first). */
  get head(): ChainHead {
    return { ...this.#head };
  }

  /**
   * The lines (without their `\n`) of `events` sealed in order after the head; the first call
   * puts the chain's segment entry before them.
   */
  seal(events: readonly SecurityEvent[], now: Date = new Date()): string[] {
    return this.sealCanonical(events.map((e) => canonicalJson(e)), now);
  }

  /** As {@link seal}, for events already in canonical JSON (`canonicalJson`, one per element). */
  sealCanonical(events: readonly string[], now: Date = new Date()): string[] {
    const ts = now.toISOString();
    const lines: string[] = [];
    if (this.#head.seq === 0) {
      const { entry, line } = sealEntryLine({ seq: 1, ts, prev: GENESIS, kind: 'segment' as const, segment: 1, ledgerId: this.ledgerId });
      lines.push(line.slice(0, -1));
      this.#head = { seq: entry.seq, hash: entry.hash };
    }
    for (const event of events) {
      const sealed = sealEventLine(this.#head, ts, event);
      lines.push(sealed.pieces.join('').slice(0, -1));
      this.#head = { seq: sealed.seq, hash: sealed.hash };
    }
    return lines;
  }

  /** A signed checkpoint of the head, as its line (without `\n`); undefined before the first entry. */
  async checkpoint(signer: LedgerSigner, now: Date = new Date()): Promise<string | undefined> {
    if (this.#head.seq === 0) return undefined;
    const unsigned: Omit<Checkpoint, 'sig'> = { v: 1, ledgerId: this.ledgerId, seq: this.#head.seq, head: this.#head.hash, segment: 1, ts: now.toISOString(), alg: signer.alg, keyId: signer.keyId };
    const sig = (await signer.sign(checkpointPayload(unsigned))).toString('base64url');
    return canonicalJson({ ...unsigned, sig });
  }
}
