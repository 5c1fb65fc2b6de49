/**
 * Shared helpers of the ledger tests: sample events, a ledger written in batches, and a fresh
 * signer per test run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerSink, type LedgerOptions } from '../../../src/sinks/ledger/sink.js';
import { LocalSigner, type SignatureAlg } from '../../../src/sinks/ledger/signer.js';
import type { SecurityEvent } from '../../../src/telemetry/events.js';

export function tempDir(prefix = 'logveil-ledger-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const HASH = 'a'.repeat(64);

/** A findings or heartbeat event, varying with `i`. */
export function sampleEvent(i: number): SecurityEvent {
  if (i % 3 === 2) return { type: 'heartbeat', ts: new Date(1_700_000_000_000 + i * 1000).toISOString(), intervalSeconds: 60, beat: i + 1, uptimeSeconds: i };
  return {
    type: 'findings',
    ts: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    policyHash: HASH,
    source: { file: 'app.log', line: i + 1, offset: i * 100 },
    findings: [{ detectorId: i % 2 ? 'email' : 'aws-access-key', category: i % 2 ? 'pii' : 'secret', severity: i % 2 ? 'medium' : 'critical', path: '$', start: 3, end: 20, action: 'tokenize', kid: 'k1' }],
  };
}

export async function signer(dir = tempDir('logveil-state-'), alg: SignatureAlg = 'ES256'): Promise<LocalSigner> {
  return LocalSigner.open(dir, { alg });
}

/** Writes `batches` (sizes) of sample events to a new ledger in `dir` and closes it. */
export async function writeLedger(
  dir: string,
  batches: readonly number[],
  options: Partial<LedgerOptions> & { signer: LedgerOptions['signer'] },
): Promise<void> {
  const sink = await LedgerSink.open(dir, options);
  let i = 0;
  for (const n of batches) {
    await sink.write(Array.from({ length: n }, () => sampleEvent(i++)));
  }
  await sink.close();
}
