/**
 * Writes lines to a stream (stdout or a file) honouring backpressure. The only place app output
 * bytes leave the process.
 */
import { createWriteStream, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { LogveilError, OutputError } from '../errors.js';
import { makeDirs } from '../util/make-dirs.js';

export class LineWriter {
  readonly #out: Writable;
  readonly #ownsStream: boolean;
  /** What the output is, in messages (`--out out.jsonl`, `stdout`). */
  readonly #what: string;
  #failed: Error | undefined;

  private constructor(out: Writable, ownsStream: boolean, what: string) {
    this.#out = out;
    this.#ownsStream = ownsStream;
    this.#what = what;
    out.on('error', (err: Error) => {
      this.#failed ??= this.#outputError(err);
    });
  }

  /**
   * A file (created with parents, mode 0600 unless it exists) or, for undefined or `-`, stdout.
   * The file is opened at once: one that cannot be written is an OutputError naming it (`what`: how
   * the caller names it, `--out out.jsonl`), before anything runs.
   */
  static open(path: string | undefined, options: { append?: boolean; mode?: number; what?: string } = {}): LineWriter {
    if (path === undefined || path === '-') return new LineWriter(process.stdout, false, 'stdout');
    const what = options.what ?? path;
    let fd: number;
    try {
      makeDirs(dirname(path));
      fd = openSync(path, options.append ? 'a' : 'w', options.mode ?? 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new OutputError([`${what}: ${code === 'EISDIR' ? 'is a directory' : code ?? 'error'}`]);
    }
    return new LineWriter(createWriteStream(path, { fd }), true, what);
  }

  static forStream(out: Writable): LineWriter {
    return new LineWriter(out, false, 'the output stream');
  }

  /** Writes one line (a newline is added); waits when the stream asks for it. */
  async write(line: string | Buffer): Promise<void> {
    if (this.#failed) throw this.#failed;
    const a = this.#out.write(line);
    const b = this.#out.write('\n');
    if (!a || !b) await this.#drain();
  }

  /**
   * Writes bytes as they are (lines already ended). `written` is called once the stream is done
   * with `chunk` (written out, or failed): until then the stream may still read it.
   */
  async writeChunk(chunk: Uint8Array, written?: () => void): Promise<void> {
    if (this.#failed) throw this.#failed;
    if (!this.#out.write(chunk, written && (() => written()))) await this.#drain();
  }

  /**
   * Resolves once everything written so far has left for the file or stream (the write
   * callbacks run in order); rejects, naming the output, if a write failed.
   */
  async flush(): Promise<void> {
    if (this.#failed) throw this.#failed;
    await new Promise<void>((done, fail) => {
      this.#out.write('', (err?: Error | null) => (err ? fail((this.#failed ??= this.#outputError(err))) : done()));
    });
  }

  async close(): Promise<void> {
    if (this.#failed) throw this.#failed;
    if (!this.#ownsStream) return;
    this.#out.end();
    try {
      await once(this.#out, 'finish');
    } catch (err) {
      throw (this.#failed ??= this.#outputError(err as Error));
    }
  }

  async #drain(): Promise<void> {
    try {
      await once(this.#out, 'drain');
    } catch (err) {
      throw (this.#failed ??= this.#outputError(err as Error));
    }
  }

  /** A write error as said: the reader of a pipe gone (`| head`), or the output failing, named. */
  #outputError(err: Error): LogveilError {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') {
      return new LogveilError('OUTPUT_CLOSED', `${this.#what} was closed before the run ended (its reader stopped reading)`, { cause: err });
    }
    return new LogveilError('OUTPUT_FAILED', `${this.#what}: write failed (${code ?? err.name})`, { cause: err });
  }
}
