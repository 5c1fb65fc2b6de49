/**
 * The ledger directory's lock: one writer at a time. The lock is a file naming the holder's pid,
 * created exclusively. A lock whose process is gone is taken over, under a second file that only
 * one process can create at a time: two processes that both found the lock stale could otherwise
 * each remove it, the second removing the lock the first had just made, and both write the
 * ledger, forking its chain. The one that takes over reads the lock again first, and removes it
 * only if it still names the process that is gone. A lock file that names no process yet, made
 * moments ago, is one whose maker has not written its pid: it is held. (A takeover file is
 * itself cleared only when its process is gone and it is 10 s old: a crash in the middle of a
 * takeover, which two processes would have to find at the same moment to both go on.)
 */
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerError } from './errors.js';
import { makeDirs } from '../../util/make-dirs.js';

export const LOCK_FILE = '.lock';
/** Held while a stale lock is taken over. */
export const TAKEOVER_FILE = '.lock.takeover';
/** A takeover file this old, whose process is gone, was left by a crash in the middle of one. */
const STALE_TAKEOVER_MS = 10_000;
/** A lock file younger than this that names no process is being written. */
const BEING_WRITTEN_MS = 5_000;

/**
 * Takes the directory's lock, creating the directory if missing; a lock of a process that is gone
 * is taken over (see the module notes).
 *
 * @throws LedgerError `LEDGER_LOCKED` when a live process holds the lock or is taking it over.
 */
export function acquireLock(dir: string): void {
  makeDirs(dir, 0o700);
  const path = join(dir, LOCK_FILE);
  if (create(path)) return;
  refuseIfHeld(dir, path);
  const takeover = join(dir, TAKEOVER_FILE);
  if (!create(takeover) && !(clearStaleTakeover(takeover) && create(takeover))) {
    throw new LedgerError('LEDGER_LOCKED', `security ledger ${dir}: another process is taking over its stale lock`);
  }
  try {
    // Read again under the takeover file: another process may have taken the lock over since.
    refuseIfHeld(dir, path);
    removeIfPresent(path);
    if (!create(path)) throw new LedgerError('LEDGER_LOCKED', `security ledger ${dir}: cannot take the lock`);
  } finally {
    removeIfPresent(takeover);
  }
}

export function releaseLock(dir: string): void {
  removeIfPresent(join(dir, LOCK_FILE));
}

/** Throws `LEDGER_LOCKED` when the lock names a live process, or names none yet and is new. */
function refuseIfHeld(dir: string, path: string): void {
  const holder = holderOf(path);
  if (holder !== undefined && alive(holder)) throw new LedgerError('LEDGER_LOCKED', `security ledger ${dir} is in use by process ${holder}`);
  if (holder === undefined && ageMs(path) < BEING_WRITTEN_MS) throw new LedgerError('LEDGER_LOCKED', `security ledger ${dir} is being locked by another process`);
}

/** How long ago a file was last written; infinite when it is gone. */
function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Number.POSITIVE_INFINITY;
    throw err;
  }
}

/** Creates `path` naming this process, unless it exists. */
function create(path: string): boolean {
  try {
    writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** The pid a lock file names; undefined when it names none (cut short) or is gone. */
function holderOf(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Removes a takeover file left by a process that is gone, once it is old enough; true if it is gone. */
function clearStaleTakeover(path: string): boolean {
  const holder = holderOf(path);
  if (holder !== undefined && alive(holder)) return false;
  const age = ageMs(path);
  if (age === Number.POSITIVE_INFINITY) return true;
  if (age < STALE_TAKEOVER_MS) return false;
  removeIfPresent(path);
  return true;
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
