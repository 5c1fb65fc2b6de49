import { describe, expect, it } from 'vitest';
import { runExitCode } from '../../../src/cli/exit.js';
import { ExitCode } from '../../../src/cli/exit.js';
import type { RunSummary } from '../../../src/pipeline/accounting.js';

const summary = (counts: Pick<RunSummary, 'recordsIn' | 'appOut' | 'dropped' | 'quarantined'>): RunSummary => ({
  ...counts,
  bytesIn: 0,
  balanced: counts.recordsIn === counts.appOut + counts.dropped + counts.quarantined,
  findings: {},
  quarantinedByCode: {},
});

describe('the exit code of a redact run', () => {
  it('is 0 when every record left, 3 when some went to the quarantine, and 1, said, when the counts do not balance', () => {
    const said: string[] = [];
    const say = (line: string): void => void said.push(line);
    expect(runExitCode(summary({ recordsIn: 5, appOut: 4, dropped: 1, quarantined: 0 }), say)).toBe(ExitCode.Ok);
    expect(runExitCode(summary({ recordsIn: 5, appOut: 3, dropped: 1, quarantined: 1 }), say)).toBe(ExitCode.Quarantined);
    expect(said).toEqual([]);
    expect(runExitCode(summary({ recordsIn: 5, appOut: 3, dropped: 0, quarantined: 1 }), say)).toBe(ExitCode.Failed);
    expect(said).toEqual(["logveil: the run's counts do not balance (records in 5, app out 3 + dropped 0 + quarantined 1): a record may be lost\n"]);
  });
});
