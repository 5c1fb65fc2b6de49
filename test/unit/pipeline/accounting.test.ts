import { describe, expect, it } from 'vitest';
import { Accounting } from '../../../src/pipeline/accounting.js';

describe('Accounting.addSummary', () => {
  it('adds whole runs up: counts, findings by detector and quarantines by code', () => {
    const total = new Accounting();
    const one = new Accounting();
    one.addBatch(Uint8Array.from([0, 1, 2, 3]), 100, { email: 2 }, [{ code: 'RECORD_TOO_LARGE' }]);
    const two = new Accounting();
    two.addBatch(Uint8Array.from([1, 3]), 50, { email: 1, 'github-pat': 1 }, [{ code: 'INVALID_UTF8' }]);
    total.addSummary(one.summary());
    total.addSummary(two.summary());
    expect(total.summary()).toEqual({
      recordsIn: 6,
      bytesIn: 150,
      appOut: 3,
      dropped: 1,
      quarantined: 2,
      balanced: true,
      findings: { email: 3, 'github-pat': 1 },
      quarantinedByCode: { RECORD_TOO_LARGE: 1, INVALID_UTF8: 1 },
    });
  });
});
