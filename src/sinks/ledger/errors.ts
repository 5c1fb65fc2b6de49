/**
 * Ledger failures. Codes: `LEDGER_WRITE_FAILED` (the security sink cannot write: the pipeline must
 * stop taking input), `LEDGER_CORRUPT` (the ledger on disk is not a valid chain: it is not appended
 * to), `LEDGER_LOCKED` (another process holds it), `LEDGER_SIGN_FAILED` (a checkpoint could not be
 * signed), `LEDGER_KEY` (signing key file problems).
 */
import { LogveilError } from '../../errors.js';

export class LedgerError extends LogveilError {}
