/**
 * `ledger verify`: checks a ledger's chain (every entry's hash, seq order, links), its segments
 * (numbering, each starting from the last head) and its signed checkpoints, and reports the first
 * problem with its seq and file:line. Works on a ledger directory or on exported files.
 *
 * Anyone can recompute a hash chain, so an intact chain proves nothing about entries no signature
 * covers. Those are reported as unsigned: the entries after the last checkpoint, and the entries a
 * writer found after the last checkpoint when it opened the ledger (its `ledger-unsigned` event),
 * which the checkpoints it signed later cover only because it went on from them.
 */
import type { KeyObject } from 'node:crypto';
import { basename } from 'node:path';
import { InputError } from '../../errors.js';
import { checkLine, type ChainHead } from './chain.js';
import { publicKeyOf, resolveInputs, type CheckpointFile, type SegmentFile } from './verify-inputs.js';
import { checkpointPayload, checkpointShapeProblem, GENESIS, type Checkpoint } from './entry.js';
import { canonicalJson } from '../../util/canonical.js';
import { eachFileLine, eachFileLineWhile } from './scan.js';
import { keyIdOf, verifySignature } from './signer.js';

export type VerifyProblemKind =
  | 'malformed'
  | 'modified'
  | 'deleted'
  | 'inserted'
  | 'reordered'
  | 'broken-link'
  | 'segment'
  | 'missing-segment'
  | 'truncated'
  | 'torn'
  | 'forged-checkpoint'
  | 'checkpoint-mismatch'
  | 'no-public-key'
  | 'empty';

export interface VerifyProblem {
  kind: VerifyProblemKind;
  /** The seq of the bad (or first missing) entry, when known. */
  seq: number | null;
  file: string;
  /** 1-based line in `file` (one past the end for something missing at the end). */
  line: number;
  message: string;
}

/** Entries `fromSeq` to `toSeq`. */
export interface SeqRange {
  fromSeq: number;
  toSeq: number;
}

/**
 * Entries a writer found unsigned when it opened the ledger: its `ledger-unsigned` event (at `seq`,
 * written at `ts`), less the entries a checkpoint signed before that event covers.
 */
export interface AdoptedRange extends SeqRange {
  seq: number;
  ts: string;
}

export interface VerifyReport {
  /** True when nothing is wrong and a signature covers every entry (no unsigned or adopted range). */
  ok: boolean;
  ledgerId: string | null;
  /** Entries checked (segment entries included) and, of them, events. */
  entries: number;
  events: number;
  segments: number;
  checkpoints: number;
  lastSeq: number;
  head: string;
  /**
   * Entries after the last verified checkpoint: a process still writing or one that died before
   * its checkpoint, or a chain rewritten with its checkpoints removed; they cannot be told apart.
   */
  unsignedEntries: number;
  /** Their seqs, when there are any. */
  unsignedRange?: SeqRange;
  /** Ranges a writer found unsigned on open and went on from: later checkpoints cover them only so. */
  adoptedRanges?: AdoptedRange[];
  keyIds: string[];
  /** Public key files found next to the ledger that hold no public key (`file: why`): not used. */
  keyProblems?: string[];
  firstProblem?: VerifyProblem;
}

export interface VerifyOptions {
  /** A trusted public key (PEM). Without one, `ledger-public*.pem` files in the given directories are used. */
  publicKeyPem?: string;
  /** Several trusted public keys (after a key rotation). */
  publicKeyPems?: readonly string[];
  /** Accept a ledger whose first segment is not segment 1 (older segments archived elsewhere). */
  allowPartial?: boolean;
}

/** Verifies the ledger in `paths` (a ledger directory, or segment and checkpoint files). */
export function verifyLedger(paths: readonly string[], options: VerifyOptions = {}): VerifyReport {
  const input = resolveInputs(paths);
  const keys = new Map<string, KeyObject>();
  const keyProblems: string[] = [];
  const trusted = [...(options.publicKeyPem ? [options.publicKeyPem] : []), ...(options.publicKeyPems ?? [])];
  if (trusted.length > 0) {
    trusted.forEach((pem, i) => {
      const key = publicKeyOf(pem);
      if (!key) throw new InputError([`trusted public key ${i + 1}: not a public key in PEM`]);
      keys.set(keyIdOf(key), key);
    });
  } else {
    for (const { file, pem, error } of input.pems) {
      const key = pem === undefined ? undefined : publicKeyOf(pem);
      if (key) keys.set(keyIdOf(key), key);
      else keyProblems.push(`${file}: ${error ?? 'not a public key in PEM'}; not used`);
    }
  }
  const report: VerifyReport = {
    ok: false,
    ledgerId: null,
    entries: 0,
    events: 0,
    segments: input.segments.length,
    checkpoints: 0,
    lastSeq: 0,
    head: GENESIS,
    unsignedEntries: 0,
    keyIds: [...keys.keys()],
    ...(keyProblems.length > 0 ? { keyProblems } : {}),
  };
  const fail = (problem: VerifyProblem): VerifyReport => ({ ...report, ok: false, firstProblem: problem });
  if (input.segments.length === 0) return fail({ kind: 'empty', seq: null, file: paths.join(', '), line: 0, message: 'no ledger segment found' });

  // Segments are read a line at a time (a ledger may hold many of 64 MiB): of the entries, only
  // the hashes a checkpoint signed are kept.
  const signed = signedSeqs(input.checkpoints);
  const hashes = new Map<number, { hash: string; file: string; line: number }>();
  const adoptions: AdoptedRange[] = [];
  let head: ChainHead = { seq: 0, hash: GENESIS };
  let torn: VerifyProblem | undefined;
  const first = input.segments[0] as SegmentFile;
  if (first.number !== 1 && !options.allowPartial) {
    return fail({ kind: 'missing-segment', seq: 1, file: first.file, line: 1, message: `ledger starts at segment ${first.number}: segments before it are missing` });
  }
  let lastLines = 0;
  for (let si = 0; si < input.segments.length; si++) {
    const s = input.segments[si] as SegmentFile;
    const expected = first.number + si;
    const last = si === input.segments.length - 1;
    if (s.number !== expected) {
      return fail({ kind: 'missing-segment', seq: head.seq + 1, file: s.file, line: 1, message: `segment ${s.number} follows segment ${expected - 1}: segment ${expected} is missing` });
    }
    let problem: VerifyProblem | undefined;
    let i = 0;
    const read = eachFileLineWhile(s.source, (line) => {
      const index = i++;
      if (si === 0 && index === 0 && options.allowPartial && first.number !== 1) {
        const v = line.value as { seq?: number; prev?: string } | undefined;
        if (typeof v?.seq === 'number' && typeof v.prev === 'string') head = { seq: v.seq - 1, hash: v.prev };
      }
      const role = index === 0 ? { segment: expected, ...(report.ledgerId ? { ledgerId: report.ledgerId } : {}) } : ('event' as const);
      const r = checkLine(line, head, role);
      const at = { file: s.file, line: line.line };
      if ('kind' in r) {
        const seq = r.entry?.seq ?? head.seq + 1;
        problem = r.kind !== 'sequence' ? { kind: r.kind, seq, ...at, message: r.message } : { ...classifySequence(seq, head, locate(input.segments, [head.seq + 1, seq]), at), ...at };
        return false;
      }
      const e = r.entry;
      if (e.kind === 'segment') report.ledgerId ??= e.ledgerId;
      else report.events += 1;
      if (e.kind === 'event' && e.event.type === 'ledger-unsigned') adoptions.push(adoptionOf(e.event, e.seq, e.ts));
      report.entries += 1;
      head = { seq: e.seq, hash: e.hash };
      if (signed.has(e.seq)) hashes.set(e.seq, { hash: e.hash, ...at });
      return true;
    });
    if (!read) return fail(problem as VerifyProblem);
    if (last) lastLines = read.lines;
    if (read.lines === 0) {
      const empty: VerifyProblem = { kind: 'torn', seq: head.seq + 1, file: s.file, line: 1, message: 'segment has no complete entry (a crash while it was started)' };
      if (!last) return fail({ ...empty, kind: 'missing-segment', message: 'segment is empty' });
      torn = empty;
      continue;
    }
    if (read.tornBytes > 0) {
      const problem: VerifyProblem = {
        kind: 'torn',
        seq: head.seq + 1,
        file: s.file,
        line: read.lines + 1,
        message: `last line is incomplete (${read.tornBytes} bytes without a line end): a crash in the middle of a write; opening the ledger recovers it`,
      };
      if (!last) return fail({ ...problem, kind: 'malformed', message: 'incomplete line in the middle of the ledger' });
      torn = problem;
    }
  }
  report.lastSeq = head.seq;
  report.head = head.hash;

  const lastSegment = input.segments[input.segments.length - 1] as SegmentFile;
  const endOfLedger = { file: lastSegment.file, line: lastLines + 1 };
  let signedSeq = 0;
  const verifiedSeqs: number[] = [];
  for (const { file: cpFile, scanned } of input.checkpoints) {
    if (scanned.lines.length > 0 && keys.size === 0) {
      return fail({ kind: 'no-public-key', seq: null, file: cpFile, line: 1, message: 'no public key to verify checkpoint signatures: pass --pubkey' });
    }
    for (const line of scanned.lines) {
      const at = { file: cpFile, line: line.line };
      const shape = line.value === undefined ? 'line is not JSON' : checkpointShapeProblem(line.value);
      if (shape) return fail({ kind: 'forged-checkpoint', seq: null, ...at, message: `not a checkpoint: ${shape}` });
      const cp = line.value as Checkpoint;
      // Canonical, and a signature that re-encodes to itself: base64url's last character has bits a
      // decoder ignores, so an edited line could otherwise decode to the same signature.
      if (canonicalJson(cp) !== line.text || Buffer.from(cp.sig, 'base64url').toString('base64url') !== cp.sig) {
        return fail({ kind: 'forged-checkpoint', seq: cp.seq, ...at, message: 'checkpoint is not in the canonical form it was written in' });
      }
      const key = keys.get(cp.keyId);
      if (!key) return fail({ kind: 'forged-checkpoint', seq: cp.seq, ...at, message: `checkpoint signed by key ${cp.keyId}, which is not a trusted key (${[...keys.keys()].join(', ')})` });
      if (!verifySignature(cp.alg, key, checkpointPayload(cp), Buffer.from(cp.sig, 'base64url'))) {
        return fail({ kind: 'forged-checkpoint', seq: cp.seq, ...at, message: `checkpoint signature does not verify with key ${cp.keyId}` });
      }
      if (report.ledgerId !== null && cp.ledgerId !== report.ledgerId) {
        return fail({ kind: 'forged-checkpoint', seq: cp.seq, ...at, message: `checkpoint of ledger ${cp.ledgerId}, not of ${report.ledgerId}` });
      }
      if (cp.seq < signedSeq) return fail({ kind: 'reordered', seq: cp.seq, ...at, message: `checkpoint of seq ${cp.seq} after one of seq ${signedSeq}` });
      if (cp.seq > head.seq) {
        return fail({
          kind: 'truncated',
          seq: head.seq + 1,
          ...endOfLedger,
          message: `the ledger ends at seq ${head.seq} but ${basename(cpFile)}:${line.line} signed seq ${cp.seq}: entries were removed`,
        });
      }
      const entry = hashes.get(cp.seq);
      if (entry && entry.hash !== cp.head) {
        return fail({
          kind: 'checkpoint-mismatch',
          seq: cp.seq,
          file: entry.file,
          line: entry.line,
          message: `entry seq ${cp.seq} is not the entry ${basename(cpFile)}:${line.line} signed: the ledger up to it was rewritten`,
        });
      }
      signedSeq = cp.seq;
      verifiedSeqs.push(cp.seq);
      report.checkpoints += 1;
    }
    // A checkpoint cut off by a crash (opening the ledger recovers it): the entries it would have
    // signed count as unsigned, and the cut is reported as a torn segment's is.
    if (scanned.tornBytes > 0 && !torn) {
      const lines = scanned.lines.length;
      torn = { kind: 'torn', seq: null, file: cpFile, line: (scanned.lines[lines - 1]?.line ?? 0) + 1, message: `last checkpoint is incomplete (${scanned.tornBytes} bytes without a line end): a crash in the middle of a write; opening the ledger recovers it` };
    }
  }
  report.unsignedEntries = head.seq - signedSeq;
  if (report.unsignedEntries > 0) report.unsignedRange = { fromSeq: signedSeq + 1, toSeq: head.seq };
  const adopted = adoptions.map((a) => lessSigned(a, verifiedSeqs)).filter((a): a is AdoptedRange => a !== undefined);
  if (adopted.length > 0) report.adoptedRanges = adopted;
  if (torn) return fail(torn);
  return { ...report, ok: report.unsignedEntries === 0 && adopted.length === 0 };
}

/**
 * The range a `ledger-unsigned` event at `seq` names. One of another shape (no logveil writes it)
 * is taken to name every entry before it.
 */
function adoptionOf(event: object, seq: number, ts: string): AdoptedRange {
  const { fromSeq, toSeq } = event as Partial<SeqRange>;
  const valid = Number.isSafeInteger(fromSeq) && Number.isSafeInteger(toSeq) && (fromSeq as number) >= 1 && (fromSeq as number) <= (toSeq as number) && (toSeq as number) < seq;
  return { ...(valid ? { fromSeq: fromSeq as number, toSeq: toSeq as number } : { fromSeq: 1, toSeq: seq - 1 }), seq, ts };
}

/**
 * `range` without the entries a verified checkpoint signed before its event covers (a checkpoint
 * of a key its writer did not hold, after a key change), or undefined when it covers them all.
 * A checkpoint signs the head of its time, so one of a seq before the event's was signed before it.
 */
function lessSigned(range: AdoptedRange, verifiedSeqs: readonly number[]): AdoptedRange | undefined {
  const covered = verifiedSeqs.reduce((max, seq) => (seq < range.seq && seq > max ? seq : max), 0);
  return covered >= range.toSeq ? undefined : { ...range, fromSeq: Math.max(range.fromSeq, covered + 1) };
}

/** The seqs the checkpoints sign (whatever else is wrong with them: that is checked later). */
function signedSeqs(files: readonly CheckpointFile[]): Set<number> {
  const seqs = new Set<number>();
  for (const { scanned } of files) {
    for (const line of scanned.lines) {
      const seq = (line.value as { seq?: unknown } | undefined)?.seq;
      if (typeof seq === 'number') seqs.add(seq);
    }
  }
  return seqs;
}

/** Where each of `seqs` stands in the segments (a second pass, made only to explain a seq out of place). */
function locate(segments: readonly SegmentFile[], seqs: readonly number[]): Map<number, Array<{ file: string; line: number }>> {
  const located = new Map<number, Array<{ file: string; line: number }>>();
  for (const s of segments) {
    eachFileLine(s.source, (l) => {
      const seq = (l.value as { seq?: unknown } | undefined)?.seq;
      if (typeof seq === 'number' && seqs.includes(seq)) located.set(seq, [...(located.get(seq) ?? []), { file: s.file, line: l.line }]);
    });
  }
  return located;
}

/** A seq out of place: what most likely happened, from where that seq (or the missing ones) is. */
function classifySequence(
  seq: number,
  head: ChainHead,
  located: Map<number, Array<{ file: string; line: number }>>,
  at: { file: string; line: number },
): Omit<VerifyProblem, 'file' | 'line'> {
  const expected = head.seq + 1;
  if (seq > expected) {
    const elsewhere = located.get(expected)?.find((l) => l.file !== at.file || l.line !== at.line);
    if (elsewhere) return { kind: 'reordered', seq, message: `seq ${seq} where seq ${expected} was expected; seq ${expected} is at ${basename(elsewhere.file)}:${elsewhere.line}` };
    const range = seq - 1 === expected ? `seq ${expected} is` : `seq ${expected} to ${seq - 1} are`;
    return { kind: 'deleted', seq: expected, message: `${range} missing before this entry (seq ${seq})` };
  }
  if ((located.get(seq)?.length ?? 0) > 1) return { kind: 'inserted', seq, message: `seq ${seq} appears again where seq ${expected} was expected` };
  return { kind: 'reordered', seq, message: `seq ${seq} where seq ${expected} was expected` };
}
