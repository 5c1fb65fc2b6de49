/**
 * The security ledger: the local {@link SecuritySink}. Events are appended as hash-chained entries
 * (see entry.ts) to size-rotated segment files, fsynced once per `write` (one engine batch), and
 * the head is signed into `checkpoints.jsonl` every `checkpointEvery` entries or
 * `checkpointIntervalMs`, at each rotation and on close. The sink never drops: a failing write is
 * cut back and retried while the caller waits (`onStall` says why), and once it gives up every
 * later write throws the same {@link LedgerError}, so the engine stops instead of losing events.
 *
 * A ledger opened with entries that no checkpoint of this writer's key signs (a process that died
 * before its checkpoint, or a chain rewritten and its checkpoints removed) gets a `ledger-unsigned`
 * event naming them first: the checkpoints signed from then on cover those entries too, and the
 * event keeps `ledger verify` from taking them as signed.
 */
import { createPublicKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecuritySink } from '../security-events.js';
import type { LedgerRecoveryEvent, LedgerUnsignedEvent, SecurityEvent } from '../../telemetry/events.js';
import { canonicalJson } from '../../util/canonical.js';
import type { ChainHead } from './chain.js';
import { checkpointPayload, CHECKPOINTS_FILE, sealEntryLine, sealEventLine, segmentName, type Checkpoint, type LedgerEntry } from './entry.js';
import { LedgerError } from './errors.js';
import { AppendFile, fsyncDir, NODE_IO, type LedgerIo } from './io.js';
import { acquireLock, releaseLock } from './lock.js';
import { newLedgerId, openLedgerDir, type CheckpointTrust, type Recovery } from './recover.js';
import { verifySignature, type LedgerSigner } from './signer.js';

export interface LedgerOptions {
  signer: LedgerSigner;
  /** A segment is closed once it reaches this size (a batch is never split). Default 64 MiB. */
  segmentBytes?: number;
  /** Sign the head after this many entries. Default 10,000. */
  checkpointEvery?: number;
  /** ... or when this long has passed since the last checkpoint, at the next write. Default 60 s. */
  checkpointIntervalMs?: number;
  /** How long a failing write is retried before the sink fails. Default: until it succeeds. */
  maxStallMs?: number;
  /** Told (without values) when a write fails and is being retried: input is paused. */
  onStall?: (message: string) => void;
  /** Told when a checkpoint could not be signed (retried at the next write; close fails on it). */
  onProblem?: (message: string) => void;
  /** Told of every checkpoint written (e.g. to forward it to an off-host store). */
  onCheckpoint?: (checkpoint: Checkpoint) => void;
  io?: LedgerIo;
  now?: () => Date;
}

const DEFAULTS = { segmentBytes: 64 * 1024 * 1024, checkpointEvery: 10_000, checkpointIntervalMs: 60_000, maxStallMs: Number.POSITIVE_INFINITY };

/** What one entry is made from: an event (as an object or in canonical JSON), or a segment start. */
type EntryItem = { kind: 'event'; event: SecurityEvent } | { kind: 'event'; canonical: string } | { kind: 'segment'; segment: number; ledgerId: string };

export class LedgerSink implements SecuritySink {
  readonly dir: string;
  /** What was recovered on open (a torn tail cut off), if anything. */
  readonly recovered: Recovery | undefined;
  readonly ledgerId: string;
  readonly #o: Required<Pick<LedgerOptions, 'segmentBytes' | 'checkpointEvery' | 'checkpointIntervalMs' | 'maxStallMs'>> & LedgerOptions;
  readonly #io: LedgerIo;
  readonly #now: () => Date;
  #segment: number;
  #file: AppendFile;
  readonly #checkpoints: AppendFile;
  #head: ChainHead;
  #lastCheckpointSeq: number;
  #lastCheckpointAt: number;
  #queue: Promise<void> = Promise.resolve();
  #failed: LedgerError | undefined;
  #closed = false;

  private constructor(dir: string, options: LedgerOptions, state: ReturnType<typeof openLedgerDir>, ledgerId: string) {
    this.dir = dir;
    this.#o = { ...DEFAULTS, ...options };
    this.#io = options.io ?? NODE_IO;
    this.#now = options.now ?? (() => new Date());
    this.recovered = state.recovery;
    this.ledgerId = ledgerId;
    this.#segment = state.segment;
    this.#head = state.head;
    this.#lastCheckpointSeq = state.lastCheckpointSeq;
    this.#lastCheckpointAt = Date.now();
    this.#file = new AppendFile(this.#io, join(dir, segmentName(state.segment)), state.segmentSize);
    this.#checkpoints = new AppendFile(this.#io, join(dir, CHECKPOINTS_FILE), state.checkpointsSize);
  }

  /**
   * Opens (or creates) the ledger in `dir`: takes its lock, recovers a torn tail, records the
   * entries it found after the last checkpoint of the signer's key (a `ledger-unsigned` event, the
   * first entry written) and the recovery (a `ledger-recovery` event, next), and exports the
   * signer's public key as `ledger-public-<keyId>.pem` next to the segments.
   *
   * @throws LedgerError `LEDGER_LOCKED`, `LEDGER_CORRUPT` (the ledger is damaged or was tampered
   *   with: run `logveil ledger verify`), `LEDGER_WRITE_FAILED`.
   */
  static async open(dir: string, options: LedgerOptions): Promise<LedgerSink> {
    const io = options.io ?? NODE_IO;
    const publicKeyPem = await options.signer.publicKeyPem();
    const trusts = signedBy(options.signer, publicKeyPem);
    let state: ReturnType<typeof openLedgerDir>;
    let locked = false;
    try {
      // The lock first: the ledger's state is read, and a torn tail cut, only by the process that
      // holds it (a second writer would take the first one's line in the middle of its write for
      // a torn tail).
      acquireLock(dir);
      locked = true;
      state = openLedgerDir(dir, io, trusts);
    } catch (err) {
      if (locked) releaseLock(dir);
      if (err instanceof LedgerError) throw err;
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new LedgerError('LEDGER_WRITE_FAILED', `cannot open security ledger ${dir}: ${code}`, { cause: err });
    }
    let sink: LedgerSink | undefined;
    try {
      await writeFile(join(dir, `ledger-public-${options.signer.keyId}.pem`), publicKeyPem, { mode: 0o644 });
      sink = new LedgerSink(dir, options, state, state.ledgerId ?? newLedgerId());
      if (state.segmentEmpty) await sink.#enqueue(() => sink!.#startSegment(state.segment));
      const ts = sink.#now().toISOString();
      const opening: SecurityEvent[] = [];
      if (state.unsigned) {
        // Before any entry of this writer's: its first checkpoint covers them too.
        const event: LedgerUnsignedEvent = { type: 'ledger-unsigned', ts, fromSeq: state.unsigned.fromSeq, toSeq: state.unsigned.toSeq };
        opening.push(event);
      }
      const r = state.recovery;
      if (r) {
        const event: LedgerRecoveryEvent = {
          type: 'ledger-recovery',
          ts,
          segment: r.segment,
          line: r.line,
          lastSeq: r.lastSeq,
          tornBytes: r.tornBytes,
          ...(r.checkpointTornBytes > 0 ? { checkpointTornBytes: r.checkpointTornBytes } : {}),
          ...(r.savedAs ? { savedAs: r.savedAs } : {}),
        };
        opening.push(event);
      }
      // Appended as they are, without the rotation a full segment would take first: its checkpoint
      // would sign the entries found unsigned before the event that names them.
      if (opening.length > 0) await sink.#enqueue(() => sink!.#appendEntries(opening.map((event) => ({ kind: 'event' as const, event }))));
      return sink;
    } catch (err) {
      if (sink) sink.#closeFiles();
      releaseLock(dir);
      throw err;
    }
  }

  /** The last entry written: its seq and hash. */
  get head(): ChainHead {
    return { ...this.#head };
  }

  /** Appends the events as one durable batch (fsynced before it resolves). */
  write(events: readonly SecurityEvent[]): Promise<void> {
    return this.#writeItems(events.map((event) => ({ kind: 'event' as const, event })));
  }

  /** As {@link write}, for events in canonical JSON: the same entries, written without decoding them. */
  writeCanonical(events: readonly string[]): Promise<void> {
    return this.#writeItems(events.map((canonical) => ({ kind: 'event' as const, canonical })));
  }

  #writeItems(items: EntryItem[]): Promise<void> {
    if (items.length === 0) return this.#queue;
    return this.#enqueue(async () => {
      if (this.#file.size >= this.#o.segmentBytes) await this.#rotate();
      await this.#appendEntries(items);
      const due = this.#head.seq - this.#lastCheckpointSeq >= this.#o.checkpointEvery || Date.now() - this.#lastCheckpointAt >= this.#o.checkpointIntervalMs;
      if (due) await this.#checkpointOrReport();
    });
  }

  /** Resolves once everything written so far is durable (each write already fsyncs). */
  flush(): Promise<void> {
    return this.#enqueue(async () => {});
  }

  /** Signs the current head now (when it is not signed yet). */
  checkpoint(): Promise<void> {
    return this.#enqueue(() => this.#checkpoint());
  }

  /** Signs the head, closes the files and releases the lock. A failed final checkpoint throws, after closing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#enqueue(() => this.#checkpoint());
    } finally {
      this.#closed = true;
      this.#closeFiles();
      releaseLock(this.dir);
    }
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.#failed) throw this.#failed;
      if (this.#closed) throw new LedgerError('LEDGER_WRITE_FAILED', `security ledger ${this.dir} is closed`);
      try {
        await task();
      } catch (err) {
        // Once a write is lost the chain on disk and in memory may differ: no further appends.
        if (err instanceof LedgerError && err.code === 'LEDGER_WRITE_FAILED') this.#failed = err;
        throw err;
      }
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #appendEntries(items: EntryItem[]): Promise<void> {
    const ts = this.#now().toISOString();
    let head = this.#head;
    const pieces: string[] = [];
    for (const item of items) {
      if ('canonical' in item) {
        const sealed = sealEventLine(head, ts, item.canonical);
        pieces.push(...sealed.pieces);
        head = { seq: sealed.seq, hash: sealed.hash };
        continue;
      }
      const sealed = sealEntryLine({ seq: head.seq + 1, ts, prev: head.hash, ...item });
      const entry = sealed.entry as LedgerEntry;
      pieces.push(sealed.line);
      head = { seq: entry.seq, hash: entry.hash };
    }
    await this.#file.append(utf8Of(pieces), this.#o);
    this.#head = head;
  }

  async #startSegment(n: number): Promise<void> {
    await this.#appendEntries([{ kind: 'segment', segment: n, ledgerId: this.ledgerId }]);
    fsyncDir(this.#io, this.dir);
  }

  async #rotate(): Promise<void> {
    await this.#checkpointOrReport();
    this.#file.close();
    this.#segment += 1;
    this.#file = new AppendFile(this.#io, join(this.dir, segmentName(this.#segment)), 0);
    await this.#startSegment(this.#segment);
  }

  async #checkpointOrReport(): Promise<void> {
    try {
      await this.#checkpoint();
    } catch (err) {
      if (!(err instanceof LedgerError) || err.code !== 'LEDGER_SIGN_FAILED') throw err;
      this.#o.onProblem?.(err.message);
    }
  }

  async #checkpoint(): Promise<void> {
    if (this.#head.seq === 0 || this.#head.seq === this.#lastCheckpointSeq) return;
    const unsigned: Omit<Checkpoint, 'sig'> = {
      v: 1,
      ledgerId: this.ledgerId,
      seq: this.#head.seq,
      head: this.#head.hash,
      segment: this.#segment,
      ts: this.#now().toISOString(),
      alg: this.#o.signer.alg,
      keyId: this.#o.signer.keyId,
    };
    let sig: Buffer;
    try {
      sig = await this.#o.signer.sign(checkpointPayload(unsigned));
    } catch (err) {
      throw new LedgerError('LEDGER_SIGN_FAILED', `security ledger ${this.dir}: checkpoint of seq ${unsigned.seq} could not be signed (${(err as Error)?.name ?? 'error'})`, { cause: err });
    }
    const checkpoint: Checkpoint = { ...unsigned, sig: sig.toString('base64url') };
    await this.#checkpoints.append(Buffer.from(canonicalJson(checkpoint) + '\n', 'utf8'), this.#o);
    this.#lastCheckpointSeq = checkpoint.seq;
    this.#lastCheckpointAt = Date.now();
    this.#o.onCheckpoint?.(checkpoint);
  }

  #closeFiles(): void {
    this.#file.close();
    this.#checkpoints.close();
  }
}

/**
 * Whether a checkpoint is signed by `signer`'s key. The key files next to the ledger are not asked:
 * whoever can write the directory can put a key there.
 */
function signedBy(signer: LedgerSigner, publicKeyPem: string): CheckpointTrust {
  const key = createPublicKey(publicKeyPem);
  return (cp) => cp.keyId === signer.keyId && cp.alg === signer.alg && verifySignature(cp.alg, key, checkpointPayload(cp), Buffer.from(cp.sig, 'base64url'));
}

/** The UTF-8 bytes of the pieces one after the other, encoded straight into one buffer (no joined string). */
function utf8Of(pieces: readonly string[]): Buffer {
  let size = 0;
  for (const p of pieces) size += Buffer.byteLength(p, 'utf8');
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of pieces) at += out.write(p, at, 'utf8');
  return out;
}
