import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BatchTask } from '../../../src/pipeline/batch.js';
import { SharedArena } from '../../../src/pipeline/arena.js';
import { batchLines, type BatchLimits } from '../../../src/pipeline/batcher.js';

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
