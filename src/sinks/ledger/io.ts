/**
 * Durable appends: write every byte, fsync, and on a failure cut the file back to where it was so
 * no partial line stays behind. A transient failure (disk full, quota, I/O hiccup) is retried with
 * backoff for as long as the policy allows, and reported each time: the caller waits, so the
 * pipeline stops taking input and says why, and resumes once space is freed. Nothing is dropped.
 */
import { closeSync, fsync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { LedgerError } from './errors.js';

/** The file calls the ledger makes (tests inject failures here). */
export interface LedgerIo {
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  /** As `fsyncSync`, off the event loop: appends wait for it without holding up the process. */
  fsync(fd: number): Promise<void>;
  ftruncateSync(fd: number, len: number): void;
  closeSync(fd: number): void;
}

export const NODE_IO: LedgerIo = {
  openSync: (path, flags, mode) => openSync(path, flags, mode),
  writeSync: (fd, buffer, offset, length) => writeSync(fd, buffer, offset, length),
  fsyncSync,
  fsync: promisify(fsync),
  ftruncateSync,
  closeSync,
};

export interface StallPolicy {
  /** Give up (and fail the sink) after stalling this long; default: never give up. */
  maxStallMs: number;
  /** Told, without values, each time a write fails and will be retried. */
  onStall?: (message: string) => void;
}

/** Errors worth waiting out; anything else fails the sink at once. */
const TRANSIENT = new Set(['ENOSPC', 'EDQUOT', 'EAGAIN', 'EINTR', 'EIO', 'EBUSY', 'ENOMEM']);
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5000;

/** An append-only file with its durable size. */
export class AppendFile {
  readonly path: string;
  #fd: number;
  #size: number;
  readonly #io: LedgerIo;

  constructor(io: LedgerIo, path: string, size: number) {
    this.#io = io;
    this.path = path;
    this.#fd = io.openSync(path, 'a', 0o600);
    this.#size = size;
  }

  get size(): number {
    return this.#size;
  }

  /** Appends `data` and fsyncs; on failure the file is cut back, then retried or failed per `policy`. */
  async append(data: Buffer, policy: StallPolicy): Promise<void> {
    const started = Date.now();
    let delay = FIRST_DELAY_MS;
    for (;;) {
      try {
        for (let done = 0; done < data.length; ) done += this.#io.writeSync(this.#fd, data, done, data.length - done);
        await this.#io.fsync(this.#fd);
        this.#size += data.length;
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        try {
          this.#io.ftruncateSync(this.#fd, this.#size);
        } catch (cut) {
          throw new LedgerError('LEDGER_WRITE_FAILED', `security ledger ${this.path}: write failed (${code}) and the partial write could not be cut off (${(cut as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
        }
        const waited = Date.now() - started;
        if (!TRANSIENT.has(code) || waited + delay > policy.maxStallMs) {
          const why = TRANSIENT.has(code) ? `still failing after ${waited} ms` : 'not retryable';
          throw new LedgerError('LEDGER_WRITE_FAILED', `security ledger ${this.path}: cannot write (${code}, ${why})`, { cause: err });
        }
        policy.onStall?.(`security ledger ${this.path}: cannot write (${code}); input paused, retrying in ${delay} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      }
    }
  }

  close(): void {
    if (this.#fd < 0) return;
    this.#io.closeSync(this.#fd);
    this.#fd = -1;
  }
}

/** Makes a directory's new entries (a new segment file) durable; best effort where unsupported. */
export function fsyncDir(io: LedgerIo, dir: string): void {
  let fd = -1;
  try {
    fd = io.openSync(dir, 'r');
    io.fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the file's own fsync still holds its content.
  } finally {
    if (fd >= 0) io.closeSync(fd);
  }
}
