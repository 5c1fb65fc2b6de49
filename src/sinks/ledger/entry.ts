/**
 * Ledger entries and checkpoints: their shape, canonical line form and hash. One entry is one line
 * of canonical JSON (keys sorted, no whitespace) holding `seq`, `ts`, `prev` (the hash of the entry
 * before; 64 zeros for the first), `kind` and `hash` = SHA-256(prev ‖ canonical entry without
 * `hash`), hex. A segment file starts with a `segment` entry naming its number and the ledger id;
 * every other entry is an `event` entry carrying one security event.
 */
import { createHash } from 'node:crypto';
import type { SecurityEvent } from '../../telemetry/events.js';
import { canonicalJson, canonicalMembers } from '../../util/canonical.js';
import { sha256Hex } from '../../util/sha256.js';

/** `prev` of the very first entry. */
export const GENESIS = '0'.repeat(64);

interface EntryBase {
  seq: number;
  ts: string;
  prev: string;
  hash: string;
}

export interface SegmentEntry extends EntryBase {
  kind: 'segment';
  /** 1-based segment number; the file is `ledger-<number, 6 digits>.jsonl`. */
  segment: number;
  /** Random id of the ledger, fixed at creation: segments of two ledgers cannot be spliced. */
  ledgerId: string;
}

export interface EventEntry extends EntryBase {
  kind: 'event';
  event: SecurityEvent;
}

export type LedgerEntry = SegmentEntry | EventEntry;

/** An entry before its hash is known. */
export type UnhashedEntry = Omit<SegmentEntry, 'hash'> | Omit<EventEntry, 'hash'>;

/** SHA-256(prev ‖ canonical entry without `hash`), hex. */
export function entryHash(entry: UnhashedEntry | LedgerEntry): string {
  const rest = without(entry as LedgerEntry, 'hash');
  return sha256Hex(rest.prev + canonicalJson(rest));
}

/** Completes an entry with its hash. */
export function sealEntry<T extends UnhashedEntry>(entry: T): T & { hash: string } {
  return { ...entry, hash: entryHash(entry) };
}

/**
 * Seals an entry and gives its line too ({@link sealEntry} then {@link entryLine}), serializing its
 * content once: the line is the hashed canonical form with the `hash` member put in key order.
 */
export function sealEntryLine<T extends UnhashedEntry>(entry: T): { entry: T & { hash: string }; line: string } {
  const members = canonicalMembers(entry as unknown as Record<string, unknown>);
  const hash = sha256Hex(`${entry.prev}{${members.join(',')}}`);
  const record = entry as unknown as Record<string, unknown>;
  const at = Object.keys(record).filter((k) => record[k] !== undefined && k < 'hash').length;
  members.splice(at, 0, `"hash":${JSON.stringify(hash)}`);
  return { entry: { ...entry, hash }, line: `{${members.join(',')}}\n` };
}

/**
 * The `event` entry after `head` for an event given in canonical JSON: its hash and its line, the
 * same as {@link sealEntryLine} gives for the event object (members in key order: event, hash,
 * kind, prev, seq, ts), built without decoding the event. The line comes in pieces, to be written
 * one after the other (their join is the line): the event is not copied into a line. A short
 * event is hashed as one text with what surrounds it (one call, see sha256Hex); a long one (the
 * findings of a string of 80,000 addresses: megabytes) piece by piece, not copied either.
 */
export function sealEventLine(head: { seq: number; hash: string }, ts: string, canonicalEvent: string): { seq: number; hash: string; pieces: readonly string[] } {
  const seq = head.seq + 1;
  const tail = `"kind":"event","prev":${JSON.stringify(head.hash)},"seq":${seq},"ts":${JSON.stringify(ts)}}`;
  const hash =
    canonicalEvent.length <= HASH_IN_ONE_MAX_CHARS
      ? sha256Hex(`${head.hash}${EVENT_OPEN}${canonicalEvent},${tail}`)
      : createHash('sha256').update(head.hash, 'utf8').update(EVENT_OPEN, 'utf8').update(canonicalEvent, 'utf8').update(`,${tail}`, 'utf8').digest('hex');
  return { seq, hash, pieces: [EVENT_OPEN, canonicalEvent, `,"hash":"${hash}",${tail}\n`] };
}

const EVENT_OPEN = '{"event":';

/** The longest event {@link sealEventLine} hashes as one text with what surrounds it. */
const HASH_IN_ONE_MAX_CHARS = 64 * 1024;

/** The line of an entry, with its `\n`. */
export function entryLine(entry: LedgerEntry): string {
  return canonicalJson(entry) + '\n';
}

/** A signed statement that the ledger's entry `seq` has hash `head`. One line of `checkpoints.jsonl`. */
export interface Checkpoint {
  v: 1;
  ledgerId: string;
  seq: number;
  head: string;
  /** The segment holding entry `seq`. */
  segment: number;
  ts: string;
  alg: 'ES256' | 'Ed25519';
  keyId: string;
  /** base64url signature over {@link checkpointPayload}. */
  sig: string;
}

/** The bytes a checkpoint's signature covers: its canonical JSON without `sig`. */
export function checkpointPayload(cp: Omit<Checkpoint, 'sig'> | Checkpoint): Buffer {
  return Buffer.from(canonicalJson(without(cp as Checkpoint, 'sig')), 'utf8');
}

/** A shallow copy without one member. */
function without<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

export const SEGMENT_PATTERN = /^ledger-(\d{6,})\.jsonl$/;
export const CHECKPOINTS_FILE = 'checkpoints.jsonl';

export function segmentName(n: number): string {
  return `ledger-${String(n).padStart(6, '0')}.jsonl`;
}

export function segmentNumber(name: string): number | undefined {
  const m = SEGMENT_PATTERN.exec(name);
  return m ? Number(m[1]) : undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks the shape of a parsed line; returns what is wrong, or undefined. Does not check the hash
 * or the chain.
 */
export function entryShapeProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const e = value as Record<string, unknown>;
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) return '"seq" is not a positive integer';
  if (typeof e.ts !== 'string') return '"ts" is missing';
  if (typeof e.prev !== 'string' || !HEX64.test(e.prev)) return '"prev" is not a SHA-256 hex digest';
  if (typeof e.hash !== 'string' || !HEX64.test(e.hash)) return '"hash" is not a SHA-256 hex digest';
  const allowed = e.kind === 'segment' ? ['segment', 'ledgerId'] : e.kind === 'event' ? ['event'] : undefined;
  if (!allowed) return '"kind" is neither "segment" nor "event"';
  const extra = Object.keys(e).find((k) => !['seq', 'ts', 'prev', 'hash', 'kind', ...allowed].includes(k));
  if (extra) return `unknown member "${extra}"`;
  if (e.kind === 'segment') {
    if (!Number.isSafeInteger(e.segment) || (e.segment as number) < 1) return '"segment" is not a positive integer';
    if (typeof e.ledgerId !== 'string' || e.ledgerId.length === 0) return '"ledgerId" is missing';
  } else if (e.event === null || typeof e.event !== 'object' || typeof (e.event as { type?: unknown }).type !== 'string') {
    return '"event" is not an event object';
  }
  return undefined;
}

/** Checks the shape of a parsed checkpoint line; returns what is wrong, or undefined. */
export function checkpointShapeProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const c = value as Record<string, unknown>;
  if (c.v !== 1) return 'unknown checkpoint version';
  if (!Number.isSafeInteger(c.seq) || (c.seq as number) < 1) return '"seq" is not a positive integer';
  if (typeof c.head !== 'string' || !HEX64.test(c.head)) return '"head" is not a SHA-256 hex digest';
  if (!Number.isSafeInteger(c.segment)) return '"segment" is not an integer';
  if (typeof c.ledgerId !== 'string' || typeof c.ts !== 'string' || typeof c.keyId !== 'string') return 'missing ledgerId, ts or keyId';
  if (c.alg !== 'ES256' && c.alg !== 'Ed25519') return '"alg" is neither ES256 nor Ed25519';
  if (typeof c.sig !== 'string' || !/^[A-Za-z0-9_-]+$/.test(c.sig)) return '"sig" is not base64url';
  const extra = Object.keys(c).find((k) => !['v', 'ledgerId', 'seq', 'head', 'segment', 'ts', 'alg', 'keyId', 'sig'].includes(k));
  return extra ? `unknown member "${extra}"` : undefined;
}
