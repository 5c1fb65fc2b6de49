/**
 * `logveil ledger verify` and `ledger show` over a ledger whose entries no signature covers: a
 * chain rewritten with its checkpoints removed, before and after a writer went on from it, run
 * in this process over real files and a real key.
 */
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ledgerShowCommand, ledgerVerifyCommand } from '../../src/cli/commands/ledger.js';
import { entryLine, GENESIS, sealEntry, type LedgerEntry, type UnhashedEntry } from '../../src/sinks/ledger/entry.js';
import { LedgerSink } from '../../src/sinks/ledger/sink.js';
import { LocalSigner } from '../../src/sinks/ledger/signer.js';
import type { SecurityEvent } from '../../src/telemetry/events.js';
import { tempDir } from '../helpers/keys.js';

const SEGMENT = 'ledger-000001.jsonl';
const ts = (s: number): string => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
const EVENTS: SecurityEvent[] = [
  { type: 'run-start', ts: ts(0), version: '0.1.0', configHash: 'b'.repeat(64) },
  { type: 'detokenize', ts: ts(1), principal: 'mallory', reason: 'INC-99 exfiltrating all emails', outcome: 'allowed', tokens: 12, failed: 0, kids: ['k1'] },
  { type: 'heartbeat', ts: ts(2), intervalSeconds: 60, beat: 1, uptimeSeconds: 60 },
];

/** Runs a ledger command in this process: its exit code and what it printed. */
function run(command: () => number): { status: number; stdout: string } {
  let stdout = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { status: command(), stdout };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('logveil ledger verify: entries no signature covers', () => {
  it('exit 9 naming the range for a rewritten chain without checkpoints, and for the same chain once a later run signed it', async () => {
    const home = tempDir('logveil-unsigned-');
    const signer = await LocalSigner.open(home);
    const pubkey = join(home, 'ledger-public.pem');
    const ledger = join(home, 'ledger');
    const sink = await LedgerSink.open(ledger, { signer });
    await sink.write(EVENTS);
    await sink.close();
    expect(run(() => ledgerVerifyCommand([ledger], { pubkey: [pubkey] })).stdout).toMatch(/^ledger OK: 4 entries/);

    // The detokenize event taken out, the chain sealed again from the genesis hash, the checkpoints removed.
    const forged = tempDir('logveil-forged-');
    for (const name of readdirSync(ledger)) if (name !== '.lock') copyFileSync(join(ledger, name), join(forged, name));
    let prev = GENESIS;
    const kept = readFileSync(join(forged, SEGMENT), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LedgerEntry)
      .filter((e) => e.kind !== 'event' || e.event.type !== 'detokenize');
    writeFileSync(
      join(forged, SEGMENT),
      kept
        .map((e, i) => {
          // Sealed anew: the hash is computed without the old one.
          const sealed = sealEntry({ ...e, seq: i + 1, prev } as UnhashedEntry) as LedgerEntry;
          prev = sealed.hash;
          return entryLine(sealed);
        })
        .join(''),
    );
    rmSync(join(forged, 'checkpoints.jsonl'));

    let r = run(() => ledgerVerifyCommand([forged], { pubkey: [pubkey] }));
    expect(r.status).toBe(9);
    expect(r.stdout).toContain(
      'ledger UNSIGNED: the last 3 entries (seq 1..3) carry no signature: a process that is still writing or died before its checkpoint, or a rewrite; they cannot be told from a forgery\n',
    );
    expect(r.stdout).toContain('intact otherwise: 3 entries (2 events) in 1 segment, 0 checkpoints; last seq 3');
    expect(r.stdout).not.toContain('ledger OK');
    const json = run(() => ledgerVerifyCommand([forged], { pubkey: [pubkey], json: true }));
    expect(json.status).toBe(9);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, unsignedEntries: 3, unsignedRange: { fromSeq: 1, toSeq: 3 } });

    // The next run appends to the forged chain and signs it with the real key at close.
    const next = await LedgerSink.open(forged, { signer, now: () => new Date('2026-02-03T04:05:06.000Z') });
    await next.write([{ type: 'heartbeat', ts: ts(9), intervalSeconds: 60, beat: 2, uptimeSeconds: 120 }]);
    await next.close();
    r = run(() => ledgerVerifyCommand([forged], { pubkey: [pubkey] }));
    expect(r.status).toBe(9);
    expect(r.stdout).toMatch(/^ledger UNSIGNED: entries 1\.\.3 were found unsigned when the ledger was opened at 2026-02-03T04:05:06\.000Z \(seq 4\): /);
    expect(r.stdout).toContain('they cannot be told from a forgery\n');
    expect(r.stdout).toContain('intact otherwise: 5 entries (4 events) in 1 segment, 1 checkpoint; last seq 5');
    expect(JSON.parse(run(() => ledgerVerifyCommand([forged], { pubkey: [pubkey], json: true })).stdout)).toMatchObject({
      ok: false,
      unsignedEntries: 0,
      adoptedRanges: [{ fromSeq: 1, toSeq: 3, seq: 4, ts: '2026-02-03T04:05:06.000Z' }],
    });

    // Reviewed and accepted (a process known to have died): no longer a reason for exit 9; a range
    // that does not hold the whole adopted one changes nothing, and a malformed one is bad usage.
    r = run(() => ledgerVerifyCommand([forged], { pubkey: [pubkey], acceptUnsigned: ['1-3'] }));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ledger OK: 5 entries/);
    expect(r.stdout).toContain('accepted: entries 1..3 carry no signature of their writer (--accept-unsigned)\n');
    expect(run(() => ledgerVerifyCommand([forged], { pubkey: [pubkey], acceptUnsigned: ['2-3'] })).status).toBe(9);
    expect(run(() => ledgerVerifyCommand([forged], { pubkey: [pubkey], acceptUnsigned: ['3-1'] })).status).toBe(2);

    const shown = run(() => ledgerShowCommand([forged], { type: ['ledger-unsigned'] }));
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(/^ {6}4 {2}2026-02-03T04:05:06\.000Z {2}ledger-unsigned {2}entries 1\.\.3 found unsigned on open/);
  });
});
