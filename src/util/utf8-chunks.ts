/**
 * Strings as UTF-8, each a view of a larger buffer written in turn. `Buffer.from(string)` takes a
 * short string's bytes from node's 8 KiB pool, which is a new ArrayBuffer every few dozen lines of
 * a log; a batch's redacted lines so cost one allocation per 64 KiB.
 */
const CHUNK = 64 * 1024;

export class Utf8Chunks {
  #chunk: Buffer | undefined;
  #at = 0;

  /** `text` as UTF-8 (lone surrogates as U+FFFD, as `Buffer.from` writes them). */
  bytes(text: string): Buffer {
    // A UTF-16 code unit is at most three UTF-8 bytes.
    const most = text.length * 3;
    if (!this.#chunk || this.#chunk.length - this.#at < most) {
      this.#chunk = Buffer.allocUnsafe(Math.max(CHUNK, most));
      this.#at = 0;
    }
    const start = this.#at;
    this.#at += this.#chunk.write(text, start);
    return this.#chunk.subarray(start, this.#at);
  }
}
