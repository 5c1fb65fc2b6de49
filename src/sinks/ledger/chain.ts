/**
 * The checks every ledger line must pass, in order: it is JSON of the entry shape, in canonical
 * form, its hash matches its content, its `seq` follows the previous entry's and its `prev` is the
 * previous entry's hash; a segment file starts with its segment entry and has no other. Used by
 * `ledger verify` over the whole ledger and by the sink over its last segment when it opens.
 */
import { canonicalJson } from '../../util/canonical.js';
import { entryHash, entryShapeProblem, type LedgerEntry } from './entry.js';
import type { ScannedLine } from './scan.js';

/** Where the chain stands: the last entry accepted. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export type LineProblemKind = 'malformed' | 'modified' | 'sequence' | 'broken-link' | 'segment';

export type LineCheck = { entry: LedgerEntry } | { kind: LineProblemKind; message: string; entry?: LedgerEntry };

/** What the line must be in its file: the segment entry of segment `n` (first line), or an event entry. */
export type LineRole = { segment: number; ledgerId?: string } | 'event';

/**
 * Checks one line against the chain head before it. `content: false` leaves out the canonical
 * form and hash checks (the costly part: a serialization and a SHA-256 per entry), for entries a
 * signed checkpoint covers when the sink opens; `ledger verify` always checks everything.
 */
export function checkLine(line: ScannedLine, head: ChainHead, role: LineRole, options: { content?: boolean } = {}): LineCheck {
  if (line.value === undefined) return { kind: 'malformed', message: 'line is not JSON' };
  // Every line logveil writes is UTF-8; other bytes would be read, hashed and measured as U+FFFD.
  if (line.invalidUtf8) return { kind: 'malformed', message: 'line is not valid UTF-8' };
  const shape = entryShapeProblem(line.value);
  if (shape) return { kind: 'malformed', message: `not a ledger entry: ${shape}` };
  const entry = line.value as LedgerEntry;
  if (options.content !== false) {
    let canonical: string;
    let hash: string;
    try {
      canonical = canonicalJson(entry);
      hash = entryHash(entry);
    } catch (err) {
      // The canonical form recurses: a value nested some thousands deep (none that logveil writes) overflows it.
      if (err instanceof RangeError) return { kind: 'malformed', message: 'entry nests too deep to be put in canonical form', entry };
      throw err;
    }
    if (canonical !== line.text) return { kind: 'modified', message: 'entry is not in the canonical form it was written in', entry };
    if (hash !== entry.hash) return { kind: 'modified', message: 'hash does not match the entry content', entry };
  }
  if (entry.seq !== head.seq + 1) {
    return { kind: 'sequence', message: `seq ${entry.seq} where seq ${head.seq + 1} was expected`, entry };
  }
  if (entry.prev !== head.hash) {
    return { kind: 'broken-link', message: `prev does not match the hash of entry seq ${head.seq}: an entry before it was replaced, or this one inserted`, entry };
  }
  if (role === 'event') {
    if (entry.kind !== 'event') return { kind: 'segment', message: 'segment entry in the middle of a segment file', entry };
  } else if (entry.kind !== 'segment') {
    return { kind: 'segment', message: `segment file does not start with its segment entry (segment ${role.segment})`, entry };
  } else if (entry.segment !== role.segment) {
    return { kind: 'segment', message: `segment entry says segment ${entry.segment}, expected segment ${role.segment}`, entry };
  } else if (role.ledgerId !== undefined && entry.ledgerId !== role.ledgerId) {
    return { kind: 'segment', message: `segment belongs to ledger ${entry.ledgerId}, not ${role.ledgerId}`, entry };
  }
  return { entry };
}
