/**
 * Splits a byte stream into lines without decoding it, so invalid UTF-8 is seen per line and a
 * line's exact bytes can pass through unchanged. Tracks 1-based line numbers and byte offsets.
 */
export interface RawLine {
  bytes: Buffer;
  line: number;
  offset: number;
  /** The line ended with CRLF; the CR is not part of `bytes`. */
  crlf: boolean;
}

const NL = 0x0a;
const CR = 0x0d;

export async function* splitLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<RawLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 0;
  let offset = 0;
  for await (const chunk of chunks) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(NL, start)) !== -1) {
      let bytes = pendingBytes > 0 ? Buffer.concat([...pending, buf.subarray(start, nl)]) : buf.subarray(start, nl);
      pending = [];
      pendingBytes = 0;
      const crlf = bytes.length > 0 && bytes[bytes.length - 1] === CR;
      if (crlf) bytes = bytes.subarray(0, bytes.length - 1);
      line += 1;
      yield { bytes, line, offset, crlf };
      offset += bytes.length + (crlf ? 2 : 1);
      start = nl + 1;
    }
    if (start < buf.length) {
      pending.push(buf.subarray(start));
      pendingBytes += buf.length - start;
    }
  }
  if (pendingBytes > 0) {
    line += 1;
    yield { bytes: Buffer.concat(pending), line, offset, crlf: false };
  }
}
