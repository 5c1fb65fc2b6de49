import { describe, expect, it } from 'vitest';
import { requestBatch } from '../../../src/cli/commands/serve.js';
import { DEFAULT_BATCH } from '../../../src/pipeline/engine.js';

describe('requestBatch', () => {
  it('cuts a request into a batch per worker, within the smallest batch worth a message and the engine default', () => {
    expect(requestBatch(256 * 1024, 2)).toEqual({ maxBatchBytes: 128 * 1024 });
    expect(requestBatch(100_001, 3)).toEqual({ maxBatchBytes: 33_334 });
    expect(requestBatch(1000, 2)).toEqual({ maxBatchBytes: 16 * 1024 });
    expect(requestBatch(8 * 1024 * 1024, 2)).toEqual({ maxBatchBytes: DEFAULT_BATCH.maxBatchBytes });
    // Inline (no workers): one batch, as for one worker.
    expect(requestBatch(256 * 1024, 0)).toEqual({ maxBatchBytes: 256 * 1024 });
  });
});
