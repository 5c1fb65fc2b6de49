/**
 * The data keys of a deployment in AWS, for `logveil detokenize --keys-from`: the Lambda functions
 * announce every key they make in a `key-created` event on the security stream, with the key
 * wrapped by KMS and its encryption context, before they use it. Read from the stream's export
 * (the chain entries of `ledger verify --export`, or plain event lines), the keys are unwrapped by
 * KMS Decrypt as the caller, whose role must be allowed to (the detokenize role of infra/).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import { exportContent, exportFiles } from '../../sinks/ledger/verify-export.js';
import { scanBytes } from '../../sinks/ledger/scan.js';
import { DataKeyCache } from './cache.js';
import { createKmsClient, KmsKeyProvider } from './kms.js';
import { KeyRegistry, type KeyRecord } from './registry.js';

/** Where KMS is: the region (else `AWS_REGION`, else the one the keys' ARNs name) and an endpoint override. */
export interface ExportKeysOptions {
  region?: string;
  endpoint?: string;
}

export interface ExportKeys {
  keys: DataKeyCache;
  /** Keys announced in the export. */
  count: number;
  close(): void;
}

/**
 * The keys `key-created` events in `paths` announce, unwrapped through KMS on first use.
 *
 * @throws InputError when a file cannot be read or no key is announced.
 */
export async function openExportKeys(paths: readonly string[], options: ExportKeysOptions = {}): Promise<ExportKeys> {
  const records: KeyRecord[] = [];
  const problems: string[] = [];
  for (const file of exportFiles(paths)) {
    const content = exportContent(file);
    if (typeof content === 'string') {
      problems.push(`${file}: ${content}`);
      continue;
    }
    for (const line of scanBytes(content).lines) {
      const rec = keyRecordOf(line.value);
      if (rec) records.push(rec);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  if (records.length === 0) throw new InputError([`${paths.join(', ')}: no key-created event with a wrapped key`]);
  const region = options.region ?? process.env.AWS_REGION ?? regionOf(records);
  if (!region) throw new InputError(['no AWS region: set AWS_REGION']);
  const dir = mkdtempSync(join(tmpdir(), 'logveil-keys-'));
  let registry: KeyRegistry;
  try {
    registry = await KeyRegistry.open(join(dir, 'keys.jsonl'));
    // Firehose delivers at least once: an event may be there twice.
    const seen = new Set<string>();
    for (const rec of records) {
      if (seen.has(rec.kid)) continue;
      seen.add(rec.kid);
      await registry.add(rec).catch((err: unknown) => {
        throw new InputError([`the key-created event of kid ${rec.kid} cannot be read: ${(err as { code?: string }).code ?? 'error'}`]);
      });
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const provider = new KmsKeyProvider({ client: createKmsClient({ region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) }), keyId: (records[0] as KeyRecord).keyId });
  // Never asked to make a key: only the announced ones are unwrapped.
  const keys = new DataKeyCache(provider, registry, { maxAgeMs: Number.MAX_SAFE_INTEGER, maxUses: Number.MAX_SAFE_INTEGER, context: { pipeline: 'detokenize', purpose: 'detokenize' } });
  return {
    keys,
    count: records.length,
    close: () => {
      keys.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The key record of a `key-created` event (inside a chain entry or alone) that carries its wrapped key. */
function keyRecordOf(value: unknown): KeyRecord | undefined {
  const v = value as { kind?: string; event?: unknown } | null;
  const e = (v && typeof v === 'object' && v.kind === 'event' ? v.event : v) as Record<string, unknown> | null;
  if (!e || typeof e !== 'object' || e.type !== 'key-created') return undefined;
  const { kid, provider, keyId, encryptedKey, context, purpose, ts } = e;
  if (typeof kid !== 'string' || typeof keyId !== 'string' || typeof encryptedKey !== 'string' || typeof context !== 'object' || context === null) return undefined;
  return {
    kid,
    provider: typeof provider === 'string' ? provider : 'aws-kms',
    keyId,
    encryptedKey,
    context: context as Record<string, string>,
    purpose: purpose === 'hash' ? 'hash' : 'token',
    created: typeof ts === 'string' ? ts : new Date(0).toISOString(),
  };
}

/** The region a key ARN names (`arn:aws:kms:<region>:…`). */
function regionOf(records: readonly KeyRecord[]): string | undefined {
  for (const r of records) {
    const m = /^arn:aws[\w-]*:kms:([a-z0-9-]+):/.exec(r.keyId);
    if (m) return m[1];
  }
  return undefined;
}
