import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BatchTask } from '../../../src/pipeline/batch.js';
import { SharedArena } from '../../../src/pipeline/arena.js';
import { batchLines, halves, type BatchLimits } from '../../../src/pipeline/batcher.js';

async function* feed(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  for (const c of chunks) yield c;
}

async function batches(chunks: readonly Buffer[], limits: BatchLimits): Promise<BatchTask[]> {
  let seq = 0;
  const out: BatchTask[] = [];
  for await (const t of batchLines('f.log', feed(chunks), limits, () => seq++)) out.push(t);
  return out;
}

const lineCount = (b: Uint8Array): number => b.reduce((n, c) => n + (c === 0x0a ? 1 : 0), 0);

/** A line's length as the structured path reads it: without a CR before its line end. */
const own = (line: string, ended: boolean): number => (ended && line.endsWith('\r') ? line.length - 1 : line.length);

/** A text cut into chunks at the given points. */
function chunked(text: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, text.length]) {
    out.push(text.subarray(from, p));
    from = p;
  }
  return out;
}

describe('batchLines', () => {
  const lines = fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'é', ' '), maxLength: 40 }), { maxLength: 60 });

  it('keeps every byte in order, cuts at line ends within the limits, and gives each batch its own buffer', async () => {
    await fc.assert(
      fc.asyncProperty(
        lines,
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 200 }),
        async (ls, endsWithNewline, cuts, maxBatchRecords, maxBatchBytes) => {
          const text = Buffer.from(ls.join('\n') + (endsWithNewline && ls.length > 0 ? '\n' : ''));
          const got = await batches(chunked(text, cuts), { maxBatchRecords, maxBatchBytes });
          expect(Buffer.concat(got.map((t) => t.data))).toEqual(text);
          let line = 1;
          let offset = 0;
          got.forEach((t, i) => {
            expect(t.seq).toBe(i);
            expect(t.firstLine).toBe(line);
            expect(t.firstOffset).toBe(offset);
            expect(t.data.byteOffset).toBe(0);
            expect(t.data.buffer.byteLength).toBe(t.data.byteLength);
            const n = lineCount(t.data);
            const last = i === got.length - 1;
            // Every batch but the last ends a line; none is empty.
            expect(t.data.byteLength).toBeGreaterThan(0);
            if (!last) expect(t.data[t.data.byteLength - 1]).toBe(0x0a);
            expect(n).toBeLessThanOrEqual(maxBatchRecords);
            // Over the byte limit only when one line is longer than it.
            if (t.data.byteLength > maxBatchBytes) expect(n).toBeLessThanOrEqual(1);
            line += n;
            offset += t.data.byteLength;
          });
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reads past every line longer than maxLineBytes, keeping its head, and keeps every other line whole and in order', async () => {
    const line = fc.oneof(fc.nat({ max: 30 }), fc.integer({ min: 31, max: 300 })).map((n) => 'ab\r'.repeat(n).slice(0, n));
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 30 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 400 }),
        async (ls, endsWithNewline, cuts, maxLineBytes, maxBatchBytes) => {
          const text = Buffer.from(ls.join('\n') + (endsWithNewline && ls.length > 0 ? '\n' : ''));
          const got = await batches(chunked(text, cuts), { maxBatchRecords: 5, maxBatchBytes, maxLineBytes });
          // The records as the tasks give them back, each with where it starts.
          const records: Array<{ line: number; offset: number; head: string; bytes: number }> = [];
          let line = 1;
          let offset = 0;
          for (const t of got) {
            expect(t.firstLine).toBe(line);
            expect(t.firstOffset).toBe(offset);
            if (t.tooLarge) {
              expect(t.data.byteLength).toBe(maxLineBytes);
              records.push({ line, offset, head: Buffer.from(t.data).toString(), bytes: t.tooLarge.lineBytes });
              line += 1;
              offset += t.tooLarge.inputBytes;
              continue;
            }
            const parts = Buffer.from(t.data).toString().split('\n');
            const ended = parts[parts.length - 1] === '';
            if (ended) parts.pop();
            let at = offset;
            parts.forEach((p, k) => {
              const bytes = own(p, ended || k < parts.length - 1);
              expect(bytes).toBeLessThanOrEqual(maxLineBytes);
              records.push({ line, offset: at, head: p, bytes });
              line += 1;
              at += p.length + 1;
            });
            offset += t.data.byteLength;
          }
          // Every byte of the input is accounted for, a last line without an end included.
          expect(offset).toBe(text.length);
          // The input's lines: nothing after a last line end is one.
          const all = text.toString().split('\n');
          const ended = all[all.length - 1] === '';
          if (ended) all.pop();
          const expected = all.map((l, i) => {
            const bytes = own(l, ended || i < all.length - 1);
            return { line: i + 1, offset: all.slice(0, i).reduce((n, x) => n + x.length + 1, 0), head: bytes > maxLineBytes ? l.slice(0, maxLineBytes) : l, bytes };
          });
          expect(records).toEqual(expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('cuts the head off a line as soon as it outgrows maxLineBytes, and counts the rest as it comes', async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from('first\n');
      for (let i = 0; i < 100; i++) {
        pulled += 1;
        yield Buffer.alloc(64 * 1024, 0x78);
      }
      yield Buffer.from('\nlast\n');
    }
    let seq = 0;
    const got: BatchTask[] = [];
    const pulledAt: number[] = [];
    for await (const t of batchLines('f.log', source(), { maxBatchRecords: 100, maxBatchBytes: 1 << 20, maxLineBytes: 4096 }, () => seq++)) {
      got.push(t);
      pulledAt.push(pulled);
    }
    // The lines before it leave as soon as the line outgrows the limit (not once 1 MiB is pending).
    expect(pulledAt).toEqual([1, 100, 100]);
    expect(got.map((t) => [t.firstLine, t.tooLarge?.lineBytes, t.data.byteLength])).toEqual([
      [1, undefined, 6],
      [2, 100 * 64 * 1024, 4096],
      [3, undefined, 5],
    ]);
  });

  it('marks the batches that start inside a private key block, and the second half of such a batch cut in two', async () => {
    const body = 'MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAKtq2EhRIDzEIUVl';
    const text = Buffer.from(['a', '-----BEGIN PRIVATE KEY-----', body, body, body, '-----END PRIVATE KEY-----', 'b', 'c'].join('\n') + '\n');
    const got = await batches([text], { maxBatchRecords: 2, maxBatchBytes: 1 << 20 });
    expect(got.map((t) => t.pem)).toEqual([undefined, { prefix: 0, afterFull: false }, { prefix: 0, afterFull: true }, undefined]);
    const [first, second] = halves({ ...(got[0] as BatchTask), data: Buffer.from(['-----BEGIN PRIVATE KEY-----', body, body, body].join('\n') + '\n') }) ?? [];
    expect([first?.pem, second?.pem]).toEqual([undefined, { prefix: 0, afterFull: true }]);
  });

  it('carries a name whose value may follow, or an open netrc entry, to the next batch and to the second half of a batch cut in two', async () => {
    const text = Buffer.from(['a', '  - name: DB_PASSWORD', '    value: x', 'machine h.example.com', '  login u', '  password p', 'b', 'c'].join('\n') + '\n');
    const got = await batches([text], { maxBatchRecords: 2, maxBatchBytes: 1 << 20 });
    expect(got.map((t) => t.named)).toEqual([undefined, { kind: 'name', name: 'DB_PASSWORD', column: 4, json: false, members: { name: 'DB_PASSWORD' }, read: 0, siblings: 0, prefix: '' }, { kind: 'netrc', seen: 0, prefix: '' }, { kind: 'netrc', seen: 3, prefix: '' }]);
    const [first, second] = halves({ ...(got[0] as BatchTask), data: Buffer.from(['a', '  - name: DB_PASSWORD', '    value: x', 'b'].join('\n') + '\n') }) ?? [];
    expect([first?.named, second?.named]).toEqual([undefined, { kind: 'name', name: 'DB_PASSWORD', column: 4, json: false, members: { name: 'DB_PASSWORD' }, read: 0, siblings: 0, prefix: '' }]);
  });

  it('closes what a line longer than a record may be would complete', async () => {
    const text = Buffer.from(['  - name: DB_PASSWORD', 'x'.repeat(100), '    value: y'].join('\n') + '\n');
    const got = await batches([text], { maxBatchRecords: 1, maxBatchBytes: 1 << 20, maxLineBytes: 50 });
    // The value line after it starts a batch with nothing open.
    expect(got.map((t) => [t.tooLarge !== undefined, t.named?.kind])).toEqual([[false, undefined], [true, undefined], [false, undefined]]);
  });

  it('fills batches up to the record limit when lines are short', async () => {
    const text = Buffer.from('x\n'.repeat(10));
    const got = await batches(chunked(text, [3, 7, 11]), { maxBatchRecords: 4, maxBatchBytes: 1024 });
    expect(got.map((t) => lineCount(t.data))).toEqual([4, 4, 2]);
  });

  it('merges a long line that arrives in many small chunks', async () => {
    const text = Buffer.from(`${'y'.repeat(500)}\nz\n`);
    const got = await batches(chunked(text, Array.from({ length: 200 }, (_, i) => i * 2)), { maxBatchRecords: 100, maxBatchBytes: 64 });
    expect(got.map((t) => t.data.byteLength)).toEqual([501, 2]);
  });

  it('cuts batches into the buffers alloc gives, and into buffers of their own where it has none', async () => {
    const arena = new SharedArena(40);
    const text = Buffer.from(Array.from({ length: 12 }, (_, i) => `line ${i}`).join('\n') + '\n');
    let seq = 0;
    const got: BatchTask[] = [];
    for await (const t of batchLines('f.log', feed(chunked(text, [5, 17, 40])), { maxBatchRecords: 2, maxBatchBytes: 1024 }, () => seq++, (n) => arena.alloc(n))) got.push(t);
    expect(Buffer.concat(got.map((t) => t.data))).toEqual(text);
    // Nothing is given back here: the arena fills (two batches of 14 bytes), then batches get buffers of their own.
    const shared = got.map((t) => t.data.buffer instanceof SharedArrayBuffer);
    expect(shared).toEqual([true, true, false, false, false, false]);
    expect(got.map((t) => t.data.byteLength)).toEqual([14, 14, 14, 14, 14, 16]);
  });
});
