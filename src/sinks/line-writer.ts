/**
 * Writes lines to a stream (stdout or a file) honouring backpressure. The only place app output
 * bytes leave the process.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export class LineWriter {
  readonly #out: Writable;
  readonly #ownsStream: boolean;
  #failed: Error | undefined;

  private constructor(out: Writable, ownsStream: boolean) {
    this.#out = out;
    this.#ownsStream = ownsStream;
    out.on('error', (err: Error) => {
      this.#failed = err;
    });
  }

  /** A file (created with parents, mode 0600 unless it exists) or, for undefined or `-`, stdout. */
  static open(path: string | undefined, options: { append?: boolean; mode?: number } = {}): LineWriter {
    if (path === undefined || path === '-') return new LineWriter(process.stdout, false);
    mkdirSync(dirname(path), { recursive: true });
    const stream = createWriteStream(path, { flags: options.append ? 'a' : 'w', mode: options.mode ?? 0o600 });
    return new LineWriter(stream, true);
  }

  static forStream(out: Writable): LineWriter {
    return new LineWriter(out, false);
  }

  /** Writes one line (a newline is added); waits when the stream asks for it. */
  async write(line: string | Buffer): Promise<void> {
    if (this.#failed) throw this.#failed;
    const a = this.#out.write(line);
    const b = this.#out.write('\n');
    if (!a || !b) await once(this.#out, 'drain');
  }

  /**
   * Writes bytes as they are (lines already ended). `written` is called once the stream is done
   * with `chunk` (written out, or failed): until then the stream may still read it.
   */
  async writeChunk(chunk: Uint8Array, written?: () => void): Promise<void> {
    if (this.#failed) throw this.#failed;
    if (!this.#out.write(chunk, written && (() => written()))) await once(this.#out, 'drain');
  }

  async close(): Promise<void> {
    if (this.#failed) throw this.#failed;
    if (!this.#ownsStream) return;
    this.#out.end();
    await once(this.#out, 'finish');
  }
}
