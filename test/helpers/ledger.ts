import { join } from 'node:path';
import { readLedgerEvents } from '../../src/sinks/ledger/reader.js';

/** The security events a run left in the ledger under a state directory. */
export function ledgerEvents(stateDir: string): Array<Record<string, unknown>> {
  return [...readLedgerEvents([join(stateDir, 'ledger')])].map((e) => e.event as unknown as Record<string, unknown>);
}
