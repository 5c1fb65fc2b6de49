/**
 * What `ledger verify` reads (see verify.ts): the segments and the checkpoints among the files and
 * directories it is given, each read as it can be (a pipe once, whole), and the public keys found
 * next to the ledger.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../../errors.js';
import { CHECKPOINTS_FILE, segmentNumber } from './entry.js';
import { firstFileLine, scanBytes, scanFile, type LedgerSource, type ScannedFile } from './scan.js';

export interface SegmentFile {
  file: string;
  /** What to read it from: its path, or its bytes for an input that reads once (a pipe). */
  source: LedgerSource;
  number: number;
}

export interface CheckpointFile {
  file: string;
  /** Read once: small, and an input may not read twice. */
  scanned: ScannedFile;
}

export interface Inputs {
  segments: SegmentFile[];
  checkpoints: CheckpointFile[];
  pems: KeyFile[];
}

/** The segments (in their order), checkpoints and public keys `paths` hold. */
export function resolveInputs(paths: readonly string[]): Inputs {
  const files: string[] = [];
  const pems: KeyFile[] = [];
  const unreadable: string[] = [];
  for (const p of paths) {
    if (existsSync(p) && statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        const path = join(p, name);
        if (segmentNumber(name) !== undefined || name === CHECKPOINTS_FILE) {
          // A directory where a segment or the checkpoints belong is no ledger file: said, not read.
          if (statSync(path).isDirectory()) unreadable.push(`${path}: a directory, where a ledger file belongs`);
          else files.push(path);
        } else if (/^ledger-public.*\.pem$/.test(name)) pems.push(keyFile(path));
      }
    } else {
      files.push(p);
    }
  }
  if (unreadable.length > 0) throw new InputError(unreadable);
  const segments: SegmentFile[] = [];
  const checkpoints: CheckpointFile[] = [];
  for (const file of files) {
    // A segment is read a line at a time, several times over; what is not a regular file (a pipe)
    // is read once, whole.
    const source: LedgerSource = statSync(file).isFile() ? file : readFileSync(file);
    const firstValue = firstFileLine(source)?.value as Record<string, unknown> | undefined;
    if (basename(file) === CHECKPOINTS_FILE || (firstValue && 'sig' in firstValue && 'head' in firstValue)) {
      checkpoints.push({ file, scanned: typeof source === 'string' ? scanFile(source) : scanBytes(source) });
      continue;
    }
    const header = typeof firstValue?.segment === 'number' ? firstValue.segment : undefined;
    segments.push({ file, source, number: header ?? segmentNumber(basename(file)) ?? Number.MAX_SAFE_INTEGER });
  }
  segments.sort((a, b) => a.number - b.number || (a.file < b.file ? -1 : 1));
  return { segments, checkpoints, pems };
}

/** A public key file found next to the ledger: its text, or why it could not be read. */
interface KeyFile {
  file: string;
  pem?: string;
  error?: string;
}

function keyFile(file: string): KeyFile {
  try {
    return { file, pem: readFileSync(file, 'utf8') };
  } catch (err) {
    return { file, error: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
}

/** The public key a PEM text holds, or undefined when it holds none. */
export function publicKeyOf(pem: string): KeyObject | undefined {
  try {
    return createPublicKey(pem);
  } catch {
    return undefined;
  }
}
