/**
 * Opening a ledger directory, its lock taken (see lock.ts): find the head (the last good entry of the last
 * segment) and the last checkpoint, and recover a torn tail. A torn tail is what a crash in the
 * middle of a write leaves: bytes after the last complete entry that do not form entries. It is
 * moved aside to `<segment>.torn-<seq>` (0600) and cut off; everything before it is kept. Anything
 * else wrong (an entry that fails its hash or link, a checkpoint past the end) is tampering or
 * damage: the ledger is not appended to, and `logveil ledger verify` says where.
 *
 * The last {@link FULLY_CHECKED} entries of the segment and every entry after the last checkpoint
 * are checked in full. Older entries, which a signed checkpoint covers, are checked for their
 * sequence and links, and the one at the checkpoint's seq must carry the head it signed; their
 * content is left to `ledger verify` (which also checks the signatures). Recomputing every hash
 * of a 64 MiB segment took seconds at each start. Such an entry's `hash`, `prev` and `seq` are read
 * from the canonical end of its line, without parsing what stands before them (see coveredLink):
 * parsing and checking the shape of every line took 0.3 s of each start with a 27 MB segment. So
 * the event of such an entry, or a member that should not be there before `hash`, is left to
 * `ledger verify` with its content. A line that does not end so is read whole, and checked as the
 * others are.
 *
 * A hash chain can be recomputed by anyone, so the entries after the last checkpoint cannot be
 * told from a forgery. The opener says which entries no checkpoint vouches for (see
 * {@link OpenedLedger.unsigned}): those after the last checkpoint, when its signature verifies with
 * the opener's key and the entry it signed was found in the chain; every entry otherwise.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLine, type ChainHead } from './chain.js';
import { checkpointShapeProblem, CHECKPOINTS_FILE, GENESIS, segmentName, segmentNumber, type Checkpoint, type SegmentEntry } from './entry.js';
import { LedgerError } from './errors.js';
import type { LedgerIo } from './io.js';
import { countFileLines, eachRawFileLine, scanFile, scannedLine, type RawLine, type ScannedLine } from './scan.js';

/** What was cut off on open. */
export interface Recovery {
  segment: string;
  /** 1-based line where the torn bytes began. */
  line: number;
  lastSeq: number;
  tornBytes: number;
  /** File (in the ledger directory) the torn bytes were moved to, when there were any. */
  savedAs?: string;
  /** Bytes of a torn last checkpoint line cut off (a crash while writing a checkpoint). */
  checkpointTornBytes: number;
}

export interface OpenedLedger {
  /** Undefined for a new ledger (no segment yet). */
  ledgerId?: string;
  segment: number;
  segmentSize: number;
  /** True when the last segment holds no entry yet (it needs its segment entry). */
  segmentEmpty: boolean;
  head: ChainHead;
  lastCheckpointSeq: number;
  checkpointsSize: number;
  recovery?: Recovery;
  /**
   * The entries (after a torn tail was cut) that no checkpoint the opener trusts signs: after the
   * last checkpoint, or all of them when that checkpoint is not the opener's to vouch for (another
   * key signed it, its signature fails, or the entry it signed lies before the segments read).
   */
  unsigned?: { fromSeq: number; toSeq: number };
}

/** Whether a checkpoint's signature verifies with the opener's key. */
export type CheckpointTrust = (checkpoint: Checkpoint) => boolean;

/**
 * Reads the state of the ledger in `dir` and recovers a torn tail; the caller holds the
 * directory's lock (see acquireLock), so no other writer is in the middle of a line. `trusts`
 * tells whether the last checkpoint is signed by the opener's key: only then are the entries it
 * covers taken as signed.
 */
export function openLedgerDir(dir: string, io: LedgerIo, trusts: CheckpointTrust): OpenedLedger {
  const numbers = readdirSync(dir)
    .map(segmentNumber)
    .filter((n): n is number => n !== undefined)
    .sort((a, b) => a - b);
  const cp = readCheckpoints(dir, io);
  const last = numbers[numbers.length - 1];
  if (last === undefined) {
    if (cp.lastSeq > 0) throw corrupt(dir, CHECKPOINTS_FILE, 1, `checkpoints exist but no segment: the ledger was removed`);
    return { segment: 1, segmentSize: 0, segmentEmpty: true, head: { seq: 0, hash: GENESIS }, lastCheckpointSeq: 0, checkpointsSize: cp.size };
  }
  const name = segmentName(last);
  const path = join(dir, name);
  const trusted = cp.head !== undefined ? { seq: cp.lastSeq, hash: cp.head } : undefined;
  const tail = scanSegment(dir, last, trusted);
  let { head, ledgerId, checkpointFound } = tail;
  if (!head && last > 1) {
    // A crash while starting the segment: the chain ends in the one before.
    const previous = scanSegment(dir, last - 1, trusted);
    if (!previous.head || previous.goodBytes !== previous.size) {
      throw corrupt(dir, segmentName(last - 1), previous.goodLines + 1, 'segment does not end with a valid entry; run `logveil ledger verify`');
    }
    ({ head, ledgerId, checkpointFound } = previous);
  }
  const { goodBytes, goodLines } = tail;
  const opened: OpenedLedger = {
    segment: last,
    segmentSize: goodBytes,
    segmentEmpty: tail.head === undefined,
    head: head ?? { seq: 0, hash: GENESIS },
    lastCheckpointSeq: cp.lastSeq,
    checkpointsSize: cp.size - cp.tornBytes,
    ...(ledgerId ? { ledgerId } : {}),
  };
  if (cp.lastSeq > 0 && !head) throw corrupt(dir, name, 1, 'checkpoints exist but no entry does');
  if (cp.lastSeq > opened.head.seq) {
    throw corrupt(dir, name, goodLines + 1, `ledger ends at seq ${opened.head.seq} but a checkpoint signed seq ${cp.lastSeq}: entries were removed`);
  }
  if (cp.ledgerId !== undefined && ledgerId !== undefined && cp.ledgerId !== ledgerId) {
    throw corrupt(dir, CHECKPOINTS_FILE, 1, `checkpoints are of ledger ${cp.ledgerId}, segments of ${ledgerId}`);
  }
  const signedSeq = cp.last !== undefined && checkpointFound && trusts(cp.last) ? cp.lastSeq : 0;
  if (opened.head.seq > signedSeq) opened.unsigned = { fromSeq: signedSeq + 1, toSeq: opened.head.seq };
  const tornBytes = tail.size - goodBytes;
  if (tornBytes > 0 || cp.tornBytes > 0) {
    let savedAs = `${name}.torn-${opened.head.seq + 1}`;
    if (tornBytes > 0) {
      savedAs = saveAside(dir, savedAs, readFrom(path, goodBytes, tail.size));
      cut(io, path, goodBytes);
    }
    if (cp.tornBytes > 0) cut(io, join(dir, CHECKPOINTS_FILE), cp.size - cp.tornBytes);
    opened.recovery = {
      segment: name,
      line: goodLines + 1,
      lastSeq: opened.head.seq,
      tornBytes,
      checkpointTornBytes: cp.tornBytes,
      ...(tornBytes > 0 ? { savedAs } : {}),
    };
  }
  return opened;
}

/**
 * Writes `bytes` to a new file `name` in `dir` (0600), or `name.1`, `name.2`... where one is
 * there already (a second crash at the same seq): what an earlier recovery saved is never
 * overwritten. Returns the name written.
 */
function saveAside(dir: string, name: string, bytes: Buffer): string {
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? name : `${name}.${n}`;
    try {
      writeFileSync(join(dir, candidate), bytes, { mode: 0o600, flag: 'wx' });
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Entries at the end of the last segment whose content hashes are always checked on open. */
export const FULLY_CHECKED = 4096;

interface SegmentTail {
  /** The segment file's size. */
  size: number;
  head?: ChainHead;
  ledgerId?: string;
  goodBytes: number;
  goodLines: number;
  /** Whether the entry the trusted checkpoint signed was read here with the hash it signed (or the segment entry linked to it). */
  checkpointFound: boolean;
}

/**
 * The good prefix of a segment's chain, starting from its segment entry. What follows it must be a
 * torn tail: no complete line after it may parse as JSON. The segment is read a line at a time
 * (see eachFileLine): a full one held whole, every line parsed, took some 200 MB at each start.
 */
function scanSegment(dir: string, n: number, trusted?: ChainHead): SegmentTail {
  const name = segmentName(n);
  const path = join(dir, name);
  const out: SegmentTail = { size: 0, goodBytes: 0, goodLines: 0, checkpointFound: false };
  const tailFrom = countFileLines(path) - FULLY_CHECKED;
  let index = 0;
  let stopped = false;
  let bad: number | undefined;
  const read = eachRawFileLine(path, (raw) => {
    const i = index++;
    const covered = !stopped && trusted !== undefined && i < tailFrom && out.head ? coveredLink(raw, out.head, trusted) : undefined;
    if (covered !== undefined && out.head) {
      if (out.head.seq + 1 === trusted?.seq) out.checkpointFound = true;
      out.head = { seq: out.head.seq + 1, hash: covered };
      out.goodLines += 1;
      out.goodBytes = raw.offset + (raw.end - raw.start) + 1;
      return;
    }
    const line = scannedLine(raw);
    if (!stopped) {
      stopped = !goodLine(line, i >= tailFrom);
      if (!stopped) return;
    }
    bad ??= line.value !== undefined ? line.line : undefined;
  });
  if (bad !== undefined) throw corrupt(dir, name, bad, 'entry fails its hash, seq or link check; run `logveil ledger verify`');
  out.size = read.size;
  return out;

  /** Whether `line` continues the chain (and if so, takes it as the head). */
  function goodLine(line: ScannedLine, inTail: boolean): boolean {
    const seq = (line.value as { seq?: unknown } | undefined)?.seq;
    const covered = trusted !== undefined && typeof seq === 'number' && seq <= trusted.seq;
    const content = !covered || inTail;
    let r;
    if (!out.head) {
      // The segment entry starts the chain here; its link back is `ledger verify`'s to check.
      const v = line.value as SegmentEntry | undefined;
      if (!v || typeof v.seq !== 'number' || typeof v.prev !== 'string') return false;
      r = checkLine(line, { seq: v.seq - 1, hash: v.prev }, { segment: n }, { content });
      if ('kind' in r) return false;
      out.ledgerId = (r.entry as SegmentEntry).ledgerId;
      // The checkpoint at the end of the segment before, signed at the rotation.
      if (trusted !== undefined && v.seq - 1 === trusted.seq && v.prev === trusted.hash) out.checkpointFound = true;
    } else {
      r = checkLine(line, out.head, 'event', { content });
      if ('kind' in r) return false;
    }
    // The entry a checkpoint signed must be the one written then.
    if (covered && seq === trusted.seq) {
      if (r.entry.hash !== trusted.hash) return false;
      out.checkpointFound = true;
    }
    out.head = { seq: r.entry.seq, hash: r.entry.hash };
    out.goodLines += 1;
    out.goodBytes = line.offset + Buffer.byteLength(line.text) + 1;
    return true;
  }
}

/** The start of a canonical event entry's line: `event` is the first of its keys. */
const EVENT_START = Buffer.from('{"event":{');
/** The end of a canonical event entry's line, from its last `,"hash":"`: the keys after `event`, in order. */
const EVENT_END = /^,"hash":"([0-9a-f]{64})","kind":"event","prev":"([0-9a-f]{64})","seq":([1-9]\d{0,15}),"ts":"[\x20\x21\x23-\x5b\x5d-\x7e]*"\}$/;
const HASH_KEY = Buffer.from(',"hash":"');

/**
 * The hash of `raw` when it is an event entry a signed checkpoint covers that continues the chain
 * from `head`, as its canonical end tells: its seq the next, its prev the head's hash, and at the
 * checkpoint's seq the hash it signed. Undefined for anything else (a line of another shape, past
 * the checkpoint, or that breaks the chain), which is then read whole and checked as every other
 * line is, for the same answer and message.
 */
function coveredLink(raw: RawLine, head: ChainHead, trusted: ChainHead): string | undefined {
  const { data, start, end } = raw;
  if (end - start < EVENT_START.length) return undefined;
  for (let k = 0; k < EVENT_START.length; k++) if (data[start + k] !== EVENT_START[k]) return undefined;
  const from = data.lastIndexOf(HASH_KEY, end - 1);
  // Printable ASCII from there on in a canonical line: read as Latin-1, any other byte fails the
  // pattern. (What stands before it, the event, is not looked at: see the module comment.)
  const m = from > start ? EVENT_END.exec(data.toString('latin1', from, end)) : null;
  if (!m) return undefined;
  const seq = Number(m[3]);
  const hash = m[1] as string;
  if (seq > trusted.seq || seq !== head.seq + 1 || m[2] !== head.hash) return undefined;
  return seq === trusted.seq && hash !== trusted.hash ? undefined : hash;
}

/** Bytes `from` to the end of the file at `path`. */
function readFrom(path: string, from: number, size: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const out = Buffer.alloc(size - from);
    let at = 0;
    while (at < out.length) {
      const got = readSync(fd, out, at, out.length - at, from + at);
      if (got === 0) break;
      at += got;
    }
    return out.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** A new ledger's id. */
export function newLedgerId(): string {
  return randomUUID();
}

function cut(io: LedgerIo, path: string, size: number): void {
  const fd = io.openSync(path, 'r+');
  try {
    io.ftruncateSync(fd, size);
    io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
}

function corrupt(dir: string, file: string, line: number, message: string): LedgerError {
  return new LedgerError('LEDGER_CORRUPT', `security ledger ${join(dir, file)}:${line}: ${message}; it will not be appended to`);
}

interface CheckpointState {
  lastSeq: number;
  /** The head the checkpoint of `lastSeq` signed. */
  head?: string;
  /** The checkpoint of `lastSeq`. */
  last?: Checkpoint;
  ledgerId?: string;
  size: number;
  tornBytes: number;
}

function readCheckpoints(dir: string, _io: LedgerIo): CheckpointState {
  const path = join(dir, CHECKPOINTS_FILE);
  if (!existsSync(path)) return { lastSeq: 0, size: 0, tornBytes: 0 };
  const scanned = scanFile(path);
  let lastSeq = 0;
  let last: Checkpoint | undefined;
  let ledgerId: string | undefined;
  for (const line of scanned.lines) {
    if (line.value === undefined || checkpointShapeProblem(line.value)) throw corrupt(dir, CHECKPOINTS_FILE, line.line, 'not a checkpoint');
    const c = line.value as Checkpoint;
    if (c.seq >= lastSeq) {
      lastSeq = c.seq;
      last = c;
    }
    ledgerId = c.ledgerId;
  }
  return { lastSeq, size: scanned.size, tornBytes: scanned.tornBytes, ...(last !== undefined ? { head: last.head, last } : {}), ...(ledgerId ? { ledgerId } : {}) };
}
