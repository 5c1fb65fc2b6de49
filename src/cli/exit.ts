import type { RunSummary } from '../pipeline/accounting.js';

/** Exit codes scripts can rely on. */
export const ExitCode = {
  Ok: 0,
  /** An unexpected failure: nothing more was processed. */
  Failed: 1,
  /** Bad usage, config or pattern files: nothing was processed. */
  Usage: 2,
  /** The run finished, and some records went to the quarantine. */
  Quarantined: 3,
  /** detokenize refused: no principal or reason. */
  Denied: 4,
  /** detokenize ran, but some tokens could not be decrypted. */
  TokenFailures: 5,
  /** patterns test: some cases failed. */
  TestsFailed: 6,
  /** ledger verify: the ledger is damaged or was tampered with (see the first problem). */
  LedgerInvalid: 7,
  /** ledger verify: intact except a torn last line left by a crash (opening the ledger recovers it). */
  LedgerTorn: 8,
  /**
   * ledger verify: intact, but some entries carry no signature (after the last checkpoint, or
   * found so when a writer opened the ledger): a crash, a process still writing, or a rewrite.
   */
  LedgerUnsigned: 9,
} as const;

/**
 * A run's exit code: 3 when records went to the quarantine, and 1 (a failure, whatever else) when
 * its counts do not balance, which `say` is told: a record may have been lost uncounted.
 */
export function runExitCode(summary: RunSummary, say: (line: string) => void): number {
  if (!summary.balanced) {
    say(`logveil: the run's counts do not balance (records in ${summary.recordsIn}, app out ${summary.appOut} + dropped ${summary.dropped} + quarantined ${summary.quarantined}): a record may be lost\n`);
    return ExitCode.Failed;
  }
  return summary.quarantined > 0 ? ExitCode.Quarantined : ExitCode.Ok;
}
