/**
 * The key registry: one JSON line per data key (encrypted blob, context, provider, key id,
 * purpose, time). Tokenizing appends to it; detokenize reads it to find a token's key by kid.
 * It holds no secret: every key in it is wrapped by the provider.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { KeyError, type Problem } from '../../errors.js';
import { makeDirs } from '../../util/make-dirs.js';

/** One registered data key. */
export interface KeyRecord {
  /** {@link kidFor} of the encrypted blob. */
  kid: string;
  /** The provider that wrapped it (`local`, `aws-kms`). */
  provider: string;
  /** The provider's master key id (never the key). */
  keyId: string;
  /** The encrypted blob, base64. */
  encryptedKey: string;
  /** The encryption context it was generated under; decryption presents it again. */
  context: Record<string, string>;
  /** `token` keys rotate; the one `hash` key never does. */
  purpose: 'token' | 'hash';
  /** ISO 8601 creation time. */
  created: string;
}

/** Key ids are short and ASCII so they fit in tokens, URLs and JSON without escaping. */
const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const KID_LENGTH = 12;

/** True when `kid` has the shape {@link kidFor} gives every kid. */
export function isKidShape(kid: string): boolean {
  return kid.length === KID_LENGTH && KID_PATTERN.test(kid);
}

/**
 * The short id of an encrypted data key: the first 12 characters of base64url(SHA-256(blob)),
 * 72 bits, ASCII `[A-Za-z0-9_-]`.
 */
export function kidFor(encrypted: Buffer): string {
  return createHash('sha256').update(encrypted).digest('base64url').slice(0, KID_LENGTH);
}

/**
 * An append-only JSON-lines file of {@link KeyRecord}s. Lines that cannot be used (a torn write,
 * invalid JSON, a record whose kid does not match its blob) are listed in {@link problems} with
 * their line number, and every valid line still loads.
 */
export class KeyRegistry {
  readonly path: string;
  #byKid = new Map<string, KeyRecord>();
  #ordered: KeyRecord[] = [];
  #problems: Problem[] = [];
  /** add() and refresh() run one at a time, so a re-read never drops a record being appended. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string) {
    this.path = path;
  }

  /**
   * Opens (creating, mode 0600, if missing) the registry at `path` and loads every valid line.
   *
   * @throws KeyError `KEY_REGISTRY_UNAVAILABLE` when the file cannot be created or read.
   */
  static async open(path: string): Promise<KeyRegistry> {
    const registry = new KeyRegistry(path);
    try {
      makeDirs(dirname(path), 0o700);
      try {
        const fh = await fsp.open(path, 'wx', 0o600);
        await fh.sync();
        await fh.close();
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
      }
    } catch (err) {
      throw new KeyError('KEY_REGISTRY_UNAVAILABLE', `cannot create key registry ${path}: ${errnoOf(err)}`, { cause: err });
    }
    await registry.#load();
    return registry;
  }

  /** Problems with lines of the file, as `{ file, line, message }`, in line order. */
  get problems(): readonly Problem[] {
    return this.#problems;
  }

  /** Every valid record in file order. */
  records(): readonly KeyRecord[] {
    return this.#ordered;
  }

  /** The record for `kid`, if registered. */
  get(kid: string): KeyRecord | undefined {
    return this.#byKid.get(kid);
  }

  /** The last registered record of a purpose (file order). */
  latest(purpose: 'token' | 'hash'): KeyRecord | undefined {
    for (let i = this.#ordered.length - 1; i >= 0; i--) {
      const rec = this.#ordered[i];
      if (rec?.purpose === purpose) return rec;
    }
    return undefined;
  }

  /**
   * The first registered record of a purpose (file order). Appends are ordered, so processes that
   * race to create the hash key all settle on the same, earliest one.
   */
  earliest(purpose: 'token' | 'hash'): KeyRecord | undefined {
    return this.#ordered.find((r) => r.purpose === purpose);
  }

  /**
   * Appends `record` as one line and fsyncs. Re-adding a kid already present is a no-op.
   *
   * @throws KeyError `KEY_RECORD_INVALID` for a malformed record (including a kid that is not
   *   {@link kidFor} of its blob), `KEY_REGISTRY_UNAVAILABLE` when the write fails.
   */
  add(record: KeyRecord): Promise<void> {
    const problem = validateRecord(record);
    if (problem) return Promise.reject(new KeyError('KEY_RECORD_INVALID', `key record: ${problem}`));
    return this.#serial(async () => {
      if (this.#byKid.has(record.kid)) return;
      const rec = normalize(record);
      await this.#append(`${JSON.stringify(rec)}\n`);
      this.#byKid.set(rec.kid, rec);
      this.#ordered.push(rec);
    });
  }

  /** Re-reads the file to pick up records appended by other processes. */
  refresh(): Promise<void> {
    return this.#serial(() => this.#load());
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #append(line: string): Promise<void> {
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(this.path, 'a+', 0o600);
      const { size } = await fh.stat();
      let text = line;
      if (size > 0) {
        // A crash can leave a torn last line without its newline: start on a fresh line.
        const last = Buffer.alloc(1);
        await fh.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) text = `\n${line}`;
      }
      await fh.write(text);
      await fh.sync();
    } catch (err) {
      throw new KeyError('KEY_REGISTRY_UNAVAILABLE', `cannot append to key registry ${this.path}: ${errnoOf(err)}`, {
        cause: err,
      });
    } finally {
      await fh?.close();
    }
  }

  async #load(): Promise<void> {
    let text: string;
    try {
      text = await fsp.readFile(this.path, 'utf8');
    } catch (err) {
      throw new KeyError('KEY_REGISTRY_UNAVAILABLE', `cannot read key registry ${this.path}: ${errnoOf(err)}`, {
        cause: err,
      });
    }
    const byKid = new Map<string, KeyRecord>();
    const ordered: KeyRecord[] = [];
    const problems: Problem[] = [];
    const lines = text.split('\n');
    // A file that ends with a newline splits into a last empty piece: not a line.
    if (lines[lines.length - 1] === '') lines.pop();
    lines.forEach((raw, i) => {
      const line = i + 1;
      const torn = i === lines.length - 1 && !text.endsWith('\n');
      if (raw.trim() === '') return;
      const report = (message: string): void => {
        problems.push({ file: this.path, line, message: torn ? `${message} (torn last line)` : message });
      };
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        report('invalid JSON');
        return;
      }
      const problem = validateRecord(parsed);
      if (problem) {
        report(problem);
        return;
      }
      const rec = normalize(parsed as KeyRecord);
      const seen = byKid.get(rec.kid);
      if (seen) {
        if (JSON.stringify(seen) !== JSON.stringify(rec)) report(`kid "${rec.kid}" registered again with different content`);
        return;
      }
      byKid.set(rec.kid, rec);
      ordered.push(rec);
    });
    this.#byKid = byKid;
    this.#ordered = ordered;
    this.#problems = problems;
  }
}

/** A copy with a fixed member order, so equal records serialize equally. */
function normalize(r: KeyRecord): KeyRecord {
  // fromEntries defines own properties, so even a "__proto__" context key stays plain data.
  const context = Object.fromEntries(Object.entries(r.context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    kid: r.kid,
    provider: r.provider,
    keyId: r.keyId,
    encryptedKey: r.encryptedKey,
    context,
    purpose: r.purpose,
    created: r.created,
  };
}

/** What is wrong with a record, or undefined. Never quotes the blob. */
function validateRecord(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  for (const field of ['kid', 'provider', 'keyId', 'encryptedKey', 'created'] as const) {
    if (typeof r[field] !== 'string' || r[field] === '') return `field "${field}" must be a non-empty string`;
  }
  const kid = r.kid as string;
  if (!KID_PATTERN.test(kid)) return 'field "kid" must be 1-64 characters of [A-Za-z0-9_-]';
  if (r.purpose !== 'token' && r.purpose !== 'hash') return 'field "purpose" must be "token" or "hash"';
  if (Number.isNaN(Date.parse(r.created as string))) return 'field "created" must be an ISO 8601 time';
  const ctx = r.context;
  if (typeof ctx !== 'object' || ctx === null || Array.isArray(ctx)) return 'field "context" must be an object';
  for (const [k, v] of Object.entries(ctx)) {
    if (typeof v !== 'string') return `context entry ${JSON.stringify(k)} must be a string`;
  }
  const b64 = r.encryptedKey as string;
  const blob = Buffer.from(b64, 'base64');
  if (blob.length === 0 || blob.toString('base64') !== b64) return 'field "encryptedKey" must be canonical base64';
  if (kidFor(blob) !== kid) return `kid "${kid}" does not match its encrypted key`;
  return undefined;
}

function errnoOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
