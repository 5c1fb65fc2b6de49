/**
 * `ledger verify --export`: checks the security stream's export (the objects Firehose wrote to S3,
 * downloaded: JSON lines, gzipped or not, in any folder layout). The export mixes the chains of
 * every function instance (see stream-chain.ts), in no order, perhaps with lines twice (Firehose
 * delivers at least once) and with other lines (quarantine entries share the stream by default).
 * Each chain is put back together from its `segment` entry by following the links (`prev` is the
 * hash of the entry before), so no order is assumed; identical lines count once. Reported, every
 * one with its file:line: a line that is not JSON, an entry whose content does not match its
 * hash, two entries that claim the same place in a chain, entries that follow one missing from
 * the export (a gap: events delivered nowhere, or deleted), and checkpoints that do not match
 * their chain or whose signature does not verify. Entries after a chain's last checkpoint are
 * intact but could be cut off unseen: they are counted.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { joinParts, linePart, type ReadLine } from '../firehose/parts.js';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../../errors.js';
import { canonicalJson } from '../../util/canonical.js';
import { checkpointPayload, checkpointShapeProblem, entryHash, entryShapeProblem, GENESIS, type Checkpoint, type LedgerEntry } from './entry.js';
import { scanBytes } from './scan.js';
import { keyIdOf, verifySignature } from './signer.js';

export type ExportProblemKind = 'malformed' | 'modified' | 'forked' | 'gap' | 'sequence' | 'checkpoint-mismatch' | 'truncated' | 'forged-checkpoint' | 'no-public-key' | 'empty';

export interface ExportProblem {
  kind: ExportProblemKind;
  seq: number | null;
  /** `file:line`, or the inputs when the problem has no place. */
  where: string;
  message: string;
}

export interface ExportChain {
  ledgerId: string;
  /** Entries reached from the segment entry, which counts. */
  entries: number;
  lastSeq: number;
  head: string;
  /** The highest seq a verified checkpoint signs (0: none). */
  signedSeq: number;
  /** Entries after it. */
  unsignedEntries: number;
}

export interface ExportReport {
  ok: boolean;
  files: number;
  lines: number;
  /** Distinct entries read (duplicates counted once). */
  entries: number;
  duplicates: number;
  checkpoints: number;
  /** Lines of other kinds (quarantine entries): skipped. */
  otherLines: number;
  chains: ExportChain[];
  /** Entries no chain reaches (after a gap or a fork). */
  unlinkedEntries: number;
  keyIds: string[];
  problems: ExportProblem[];
}

/** At most this many problems are listed; the rest are counted in the last one. */
const MAX_PROBLEMS = 100;

interface Node {
  seq: number;
  hash: string;
  prev: string;
  ledgerId?: string;
  where: string;
}

/** Verifies the export in `paths` (files, or folders read recursively) against `publicKeyPems`. */
export function verifyExport(paths: readonly string[], publicKeyPems: readonly string[] = []): ExportReport {
  const keys = new Map<string, KeyObject>();
  publicKeyPems.forEach((pem, i) => {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      throw new InputError([`trusted public key ${i + 1}: not a public key in PEM`]);
    }
    keys.set(keyIdOf(key), key);
  });
  const files = exportFiles(paths);
  const problems: ExportProblem[] = [];
  const problem = (p: ExportProblem): void => void problems.push(p);
  const byHash = new Map<string, Node>();
  const byPrev = new Map<string, Node[]>();
  const checkpoints: Array<{ cp: Checkpoint; where: string }> = [];
  let lines = 0;
  let duplicates = 0;
  let otherLines = 0;
  const partLines: ReadLine<string>[] = [];

  /** One line of the export (or one joined from its parts), read. */
  const take = (value: unknown, text: string, where: string): void => {
    if (entryShapeProblem(value) === undefined) {
      const entry = value as LedgerEntry;
      if (!intact(entry, text)) {
        problem({ kind: 'modified', seq: entry.seq, where, message: 'entry content does not match its hash' });
        return;
      }
      if (byHash.has(entry.hash)) {
        duplicates += 1;
        return;
      }
      const node: Node = { seq: entry.seq, hash: entry.hash, prev: entry.prev, where, ...(entry.kind === 'segment' ? { ledgerId: entry.ledgerId } : {}) };
      byHash.set(node.hash, node);
      const after = byPrev.get(node.prev);
      if (after) after.push(node);
      else byPrev.set(node.prev, [node]);
    } else if (checkpointShapeProblem(value) === undefined) {
      checkpoints.push({ cp: value as Checkpoint, where });
    } else {
      otherLines += 1;
    }
  };

  for (const file of files) {
    const content = exportContent(file);
    if (typeof content === 'string') {
      problem({ kind: 'malformed', seq: null, where: file, message: content });
      continue;
    }
    const scanned = scanBytes(content);
    if (scanned.tornBytes > 0) problem({ kind: 'malformed', seq: null, where: `${file}:${scanned.lines.length + 1}`, message: `the file ends in ${scanned.tornBytes} bytes without a line end` });
    for (const l of scanned.lines) {
      lines += 1;
      const where = `${file}:${l.line}`;
      if (l.text === '') continue;
      if (l.value === undefined || l.invalidUtf8) {
        problem({ kind: 'malformed', seq: null, where, message: l.invalidUtf8 ? 'line is not valid UTF-8' : 'line is not JSON' });
        continue;
      }
      // A line longer than a Firehose record (an event holding a large redacted record) came in
      // parts, maybe in other objects: read once all of the export is.
      if (linePart(l.text)) partLines.push({ text: l.text, where });
      else take(l.value, l.text, where);
    }
  }
  const split = joinParts(partLines);
  for (const l of split.lines) {
    const where = `${l.where} (joined from its parts)`;
    let value: unknown;
    try {
      value = JSON.parse(l.text);
    } catch {
      problem({ kind: 'malformed', seq: null, where, message: 'line is not JSON' });
      continue;
    }
    take(value, l.text, where);
  }
  for (const g of split.incomplete) {
    problem({ kind: 'malformed', seq: null, where: g.where.join(', '), message: `a line split in ${g.count} parts (id ${g.id}) has ${g.parts} of them` });
  }

  // Each chain from its segment entry, along the links.
  const chainOf = new Map<string, string>();
  const chains: ExportChain[] = [];
  for (const start of byPrev.get(GENESIS) ?? []) {
    if (start.ledgerId === undefined || start.seq !== 1) {
      problem({ kind: 'sequence', seq: start.seq, where: start.where, message: 'an entry that starts a chain is not a segment entry with seq 1' });
      continue;
    }
    let cur = start;
    let entries = 1;
    chainOf.set(cur.hash, start.ledgerId);
    for (;;) {
      const next = (byPrev.get(cur.hash) ?? []).filter((n) => !chainOf.has(n.hash));
      const first = next[0];
      if (!first) break;
      if (next.length > 1) problem({ kind: 'forked', seq: first.seq, where: next.map((n) => n.where).join(', '), message: `${next.length} entries follow seq ${cur.seq} of ledger ${start.ledgerId}: all but one were inserted` });
      if (first.seq !== cur.seq + 1) problem({ kind: 'sequence', seq: first.seq, where: first.where, message: `seq ${first.seq} follows seq ${cur.seq} of ledger ${start.ledgerId}` });
      chainOf.set(first.hash, start.ledgerId);
      entries += 1;
      cur = first;
    }
    chains.push({ ledgerId: start.ledgerId, entries, lastSeq: cur.seq, head: cur.hash, signedSeq: 0, unsignedEntries: 0 });
  }

  // Entries no chain reaches: each run that starts after a missing entry is one gap.
  const unlinked = [...byHash.values()].filter((n) => !chainOf.has(n.hash));
  for (const n of unlinked) {
    if (n.prev !== GENESIS && !byHash.has(n.prev)) {
      let last = n;
      let count = 1;
      for (let next = byPrev.get(last.hash)?.[0]; next && !chainOf.has(next.hash); next = byPrev.get(last.hash)?.[0]) {
        last = next;
        count += 1;
      }
      problem({ kind: 'gap', seq: n.seq, where: n.where, message: `the entry before seq ${n.seq} is missing from the export; ${count} entr${count === 1 ? 'y' : 'ies'} (seq ${n.seq}-${last.seq}) follow it` });
    }
  }

  checkCheckpoints(checkpoints, byHash, chainOf, chains, keys, problem);
  if (byHash.size === 0) problem({ kind: 'empty', seq: null, where: paths.join(', '), message: 'no ledger entry found' });
  const listed = problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS - 1), { ...(problems[MAX_PROBLEMS - 1] as ExportProblem), message: `${problems.length - MAX_PROBLEMS + 1} more problems` }] : problems;
  return {
    ok: problems.length === 0,
    files: files.length,
    lines,
    entries: byHash.size,
    duplicates,
    checkpoints: checkpoints.length,
    otherLines,
    chains: chains.sort((a, b) => a.ledgerId.localeCompare(b.ledgerId)),
    unlinkedEntries: unlinked.length,
    keyIds: [...keys.keys()],
    problems: listed,
  };
}

/** Each checkpoint names an entry of its chain, with the seq it says, under a signature that verifies. */
function checkCheckpoints(
  checkpoints: ReadonlyArray<{ cp: Checkpoint; where: string }>,
  byHash: ReadonlyMap<string, Node>,
  chainOf: ReadonlyMap<string, string>,
  chains: ExportChain[],
  keys: ReadonlyMap<string, KeyObject>,
  problem: (p: ExportProblem) => void,
): void {
  if (checkpoints.length > 0 && keys.size === 0) {
    problem({ kind: 'no-public-key', seq: null, where: checkpoints[0]?.where ?? '', message: `${checkpoints.length} checkpoints and no public key to verify them: pass --pubkey` });
    return;
  }
  for (const { cp, where } of checkpoints) {
    const key = keys.get(cp.keyId);
    if (!key || !verifySignature(cp.alg, key, checkpointPayload(cp), Buffer.from(cp.sig, 'base64url'))) {
      problem({ kind: 'forged-checkpoint', seq: cp.seq, where, message: key ? 'signature does not verify' : `signed by key ${cp.keyId}, which is not trusted` });
      continue;
    }
    const chain = chains.find((c) => c.ledgerId === cp.ledgerId);
    const node = byHash.get(cp.head);
    if (!node || chainOf.get(node.hash) !== cp.ledgerId || node.seq !== cp.seq) {
      const cut = chain && chain.lastSeq < cp.seq && !node;
      problem({
        kind: cut ? 'truncated' : 'checkpoint-mismatch',
        seq: cp.seq,
        where,
        message: cut ? `ledger ${cp.ledgerId} ends at seq ${chain.lastSeq}; a checkpoint signed seq ${cp.seq}` : `no entry seq ${cp.seq} of ledger ${cp.ledgerId} has the signed hash`,
      });
      continue;
    }
    if (chain) chain.signedSeq = Math.max(chain.signedSeq, cp.seq);
  }
  for (const c of chains) c.unsignedEntries = c.lastSeq - c.signedSeq;
}

/** The entry is in the canonical form it was hashed in, and its hash matches. */
function intact(entry: LedgerEntry, text: string): boolean {
  try {
    return canonicalJson(entry) === text && entryHash(entry) === entry.hash;
  } catch (err) {
    if (err instanceof RangeError) return false;
    throw err;
  }
}

/** The files of an export's paths: each file, and every file under each folder, sorted. */
export function exportFiles(paths: readonly string[]): string[] {
  return paths.flatMap((p) => filesUnder(p));
}

/** The files of a path: itself, or every file under a folder, sorted. */
function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .map((d) => d.name)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

/**
 * A file's bytes, gunzipped when they are gzip (Firehose compresses S3 objects on request), or
 * why they cannot be had.
 */
export function exportContent(file: string): Buffer | string {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    return `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (data[0] !== 0x1f || data[1] !== 0x8b) return data;
  try {
    return gunzipSync(data);
  } catch {
    return 'starts as gzip but does not decompress';
  }
}
