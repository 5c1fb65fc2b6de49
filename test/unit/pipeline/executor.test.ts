import { describe, expect, it } from 'vitest';
import { aloneHeap, WORKER_HEAP, workerHeap } from '../../../src/pipeline/executor.js';

const GiB = 2 ** 30;

describe('worker heaps', () => {
  it("grows a pool worker's old generation with the longest record allowed", () => {
    expect(workerHeap(1 << 20)).toEqual(WORKER_HEAP);
    expect(workerHeap(64 << 20).maxOldGenerationSizeMb).toBe(32 + 8 * 64);
  });

  it("gives a record run alone four times a pool worker's heap, at most a fourth of the memory, at least a pool worker's", () => {
    expect(aloneHeap(80, 24 * GiB)).toBe(320);
    expect(aloneHeap(544, 24 * GiB)).toBe(2176);
    expect(aloneHeap(544, 4 * GiB)).toBe(1024);
    expect(aloneHeap(80, 256 * 2 ** 20)).toBe(80);
  });
});
