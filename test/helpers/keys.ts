import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataKeyCache } from '../../src/crypto/keys/cache.js';
import { LocalKeyProvider } from '../../src/crypto/keys/local.js';
import { KeyRegistry } from '../../src/crypto/keys/registry.js';

export function tempDir(prefix = 'logveil-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A data-key cache over a local provider in a fresh state directory. */
export async function localKeys(stateDir = tempDir()): Promise<{ keys: DataKeyCache; stateDir: string }> {
  const provider = await LocalKeyProvider.open(stateDir);
  const registry = await KeyRegistry.open(join(stateDir, 'keys.jsonl'));
  const keys = new DataKeyCache(provider, registry, {
    maxAgeMs: 3_600_000,
    maxUses: 1_000_000,
    context: { pipeline: 'logveil', purpose: 'tokenize' },
  });
  return { keys, stateDir };
}
