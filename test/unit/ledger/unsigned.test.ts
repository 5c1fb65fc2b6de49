/**
 * Entries no signature covers: a hash chain anyone can recompute, so entries after the last
 * checkpoint cannot be told from a forgery. Verify says so (exit 9), and a writer that opens such a
 * ledger names them in a `ledger-unsigned` event before it signs anything over them.
 */
import { appendFileSync, copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../../src/cli/commands/ledger.js';
import { ExitCode } from '../../../src/cli/exit.js';
import { checkpointPayload, entryLine, GENESIS, sealEntry, type Checkpoint, type LedgerEntry, type UnhashedEntry } from '../../../src/sinks/ledger/entry.js';
import { eventSchemaProblem } from '../../../src/sinks/ledger/event-check.js';
import { LedgerSink } from '../../../src/sinks/ledger/sink.js';
import type { LocalSigner } from '../../../src/sinks/ledger/signer.js';
import { verifyLedger } from '../../../src/sinks/ledger/verify.js';
import type { SecurityEvent } from '../../../src/telemetry/events.js';
import { canonicalJson } from '../../../src/util/canonical.js';
import { sampleEvent, signer, tempDir, writeLedger } from './fixtures.js';

const SEGMENT = 'ledger-000001.jsonl';
const entriesOf = (dir: string, name = SEGMENT): LedgerEntry[] =>
  readFileSync(join(dir, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LedgerEntry);
const eventsOf = (dir: string, type: string): Array<{ seq: number; event: SecurityEvent }> =>
  readdirSync(dir)
    .filter((n) => /^ledger-\d+\.jsonl$/.test(n))
    .sort()
    .flatMap((n) => entriesOf(dir, n))
    .flatMap((e) => (e.kind === 'event' && e.event.type === type ? [{ seq: e.seq, event: e.event }] : []));

function detokenize(i: number): SecurityEvent {
  return { type: 'detokenize', ts: new Date(1_700_000_000_000 + i * 1000).toISOString(), principal: 'mallory', reason: 'INC-99', outcome: 'allowed', tokens: 3, failed: 0, kids: ['k1'] };
}

/** What a process that dies leaves: the ledger's files as they are on disk now, without its lock. */
function crashCopy(dir: string): string {
  const copy = tempDir();
  for (const name of readdirSync(dir)) if (name !== '.lock') copyFileSync(join(dir, name), join(copy, name));
  return copy;
}

/**
 * The attack: the detokenize events taken out of the segment, the chain sealed anew from the
 * genesis hash (no key needed) and the checkpoints removed.
 */
function rewriteWithoutDetokenize(dir: string): number {
  let prev = GENESIS;
  const kept = entriesOf(dir).filter((e) => e.kind !== 'event' || e.event.type !== 'detokenize');
  const lines = kept.map((e, i) => {
    // Sealed anew: the hash is computed without the old one.
    const sealed = sealEntry({ ...e, seq: i + 1, prev } as UnhashedEntry) as LedgerEntry;
    prev = sealed.hash;
    return entryLine(sealed);
  });
  writeFileSync(join(dir, SEGMENT), lines.join(''));
  rmSync(join(dir, 'checkpoints.jsonl'));
  return kept.length;
}

async function auditedLedger(s: LocalSigner): Promise<string> {
  const dir = tempDir();
  const sink = await LedgerSink.open(dir, { signer: s });
  await sink.write([sampleEvent(0), detokenize(1), sampleEvent(2), detokenize(3), sampleEvent(4)]);
  await sink.close();
  return dir;
}

describe('a ledger with entries no signature covers', () => {
  it('a cleanly closed ledger, reopened and closed again, verifies OK with exit 0 and no ledger-unsigned event', async () => {
    const s = await signer();
    const dir = tempDir();
    await writeLedger(dir, [3, 2], { signer: s, segmentBytes: 1200 });
    await writeLedger(dir, [1], { signer: s, segmentBytes: 1200 });
    const r = verifyLedger([dir]);
    expect(r).toMatchObject({ ok: true, unsignedEntries: 0 });
    expect(r.unsignedRange).toBeUndefined();
    expect(r.adoptedRanges).toBeUndefined();
    expect(exitCodeOf(r)).toBe(ExitCode.Ok);
    expect(eventsOf(dir, 'ledger-unsigned')).toEqual([]);
  });

  it('a rewritten chain whose checkpoints were removed is UNSIGNED (exit 9), not OK', async () => {
    const s = await signer();
    const dir = await auditedLedger(s);
    const entries = rewriteWithoutDetokenize(dir);
    const r = verifyLedger([dir], { publicKeyPems: [await s.publicKeyPem()] });
    expect(r.firstProblem).toBeUndefined();
    expect(r).toMatchObject({ ok: false, events: 3, checkpoints: 0, unsignedEntries: entries, unsignedRange: { fromSeq: 1, toSeq: entries } });
    expect(exitCodeOf(r)).toBe(ExitCode.LedgerUnsigned);
    expect(ExitCode.LedgerUnsigned).toBe(9);
  });

  it('a writer that opens the rewritten chain names it in a ledger-unsigned event, and verify still says UNSIGNED after it signed', async () => {
    const s = await signer();
    const dir = await auditedLedger(s);
    const entries = rewriteWithoutDetokenize(dir);
    const sink = await LedgerSink.open(dir, { signer: s, now: () => new Date('2026-02-03T04:05:06.000Z') });
    await sink.write([sampleEvent(9)]);
    await sink.close();
    const unsigned = eventsOf(dir, 'ledger-unsigned');
    expect(unsigned).toEqual([{ seq: entries + 1, event: { type: 'ledger-unsigned', ts: '2026-02-03T04:05:06.000Z', fromSeq: 1, toSeq: entries } }]);
    expect(eventSchemaProblem(unsigned[0]?.event as SecurityEvent)).toBeUndefined();
    const r = verifyLedger([dir], { publicKeyPems: [await s.publicKeyPem()] });
    expect(r.firstProblem).toBeUndefined();
    // The checkpoint the writer signed at close covers every entry: only the event tells.
    expect(r).toMatchObject({ ok: false, checkpoints: 1, unsignedEntries: 0, adoptedRanges: [{ fromSeq: 1, toSeq: entries, seq: entries + 1, ts: '2026-02-03T04:05:06.000Z' }] });
    expect(exitCodeOf(r)).toBe(ExitCode.LedgerUnsigned);
    // A later clean open adds no event: it is the adopted range that stays reported.
    await writeLedger(dir, [1], { signer: s });
    expect(eventsOf(dir, 'ledger-unsigned')).toHaveLength(1);
    expect(exitCodeOf(verifyLedger([dir]))).toBe(ExitCode.LedgerUnsigned);
  });

  it('a writer does not take a checkpoint line that its key did not sign for a signed head', async () => {
    const s = await signer();
    const dir = await auditedLedger(s);
    const entries = rewriteWithoutDetokenize(dir);
    const last = entriesOf(dir).at(-1) as LedgerEntry;
    const ledgerId = (entriesOf(dir)[0] as { ledgerId: string }).ledgerId;
    // A checkpoint of the forged head under the writer's key id with a signature of another key,
    // and one signed by a key of the attacker's own (its public key left next to the ledger).
    const attacker = await signer();
    const unsignedCp = { v: 1 as const, ledgerId, seq: last.seq, head: last.hash, segment: 1, ts: last.ts, alg: s.alg, keyId: s.keyId };
    const foreign = { ...unsignedCp, keyId: attacker.keyId };
    writeFileSync(join(dir, `ledger-public-${attacker.keyId}.pem`), await attacker.publicKeyPem());
    for (const forged of [
      { ...unsignedCp, sig: (await attacker.sign(checkpointPayload(unsignedCp))).toString('base64url') },
      { ...foreign, sig: (await attacker.sign(checkpointPayload(foreign))).toString('base64url') },
    ] satisfies Checkpoint[]) {
      const copy = crashCopy(dir);
      writeFileSync(join(copy, 'checkpoints.jsonl'), canonicalJson(forged) + '\n');
      await writeLedger(copy, [1], { signer: s });
      expect(eventsOf(copy, 'ledger-unsigned').map((e) => e.event)).toMatchObject([{ fromSeq: 1, toSeq: entries }]);
      // The forged line taken out again once the writer signed: the adopted range is still told.
      const lines = readFileSync(join(copy, 'checkpoints.jsonl'), 'utf8').split('\n').filter(Boolean);
      writeFileSync(join(copy, 'checkpoints.jsonl'), lines.slice(1).map((l) => l + '\n').join(''));
      const r = verifyLedger([copy], { publicKeyPems: [await s.publicKeyPem()] });
      expect(r.firstProblem).toBeUndefined();
      expect(r.adoptedRanges).toMatchObject([{ fromSeq: 1, toSeq: entries }]);
      expect(exitCodeOf(r)).toBe(ExitCode.LedgerUnsigned);
    }
  });

  it('after a crash, the next writer names the entries after the last checkpoint in a ledger-unsigned event, its first entry', async () => {
    const s = await signer();
    const dir = tempDir();
    const sink = await LedgerSink.open(dir, { signer: s, checkpointEvery: 4 });
    await sink.write([sampleEvent(0), sampleEvent(1), sampleEvent(2)]);
    await sink.write([sampleEvent(3), sampleEvent(4)]);
    const crashed = crashCopy(dir);
    await sink.close();
    // Signed at seq 4 (the first batch reached 4 entries); 5 and 6 were written after.
    const before = verifyLedger([crashed]);
    expect(before).toMatchObject({ ok: false, lastSeq: 6, checkpoints: 1, unsignedEntries: 2, unsignedRange: { fromSeq: 5, toSeq: 6 } });
    expect(exitCodeOf(before)).toBe(ExitCode.LedgerUnsigned);

    const reopened = await LedgerSink.open(crashed, { signer: s });
    expect(reopened.head.seq).toBe(7);
    await reopened.close();
    expect(entriesOf(crashed)[6]).toMatchObject({ seq: 7, kind: 'event', event: { type: 'ledger-unsigned', fromSeq: 5, toSeq: 6 } });
    const after = verifyLedger([crashed]);
    expect(after).toMatchObject({ ok: false, unsignedEntries: 0, adoptedRanges: [{ fromSeq: 5, toSeq: 6, seq: 7 }] });
    expect(exitCodeOf(after)).toBe(ExitCode.LedgerUnsigned);
  });

  it('after a crash with a torn last line, the ledger-unsigned event comes first, then the recovery, and torn keeps its exit code', async () => {
    const s = await signer();
    const dir = tempDir();
    const sink = await LedgerSink.open(dir, { signer: s });
    await sink.write([sampleEvent(0), sampleEvent(1)]);
    const crashed = crashCopy(dir);
    await sink.close();
    appendFileSync(join(crashed, SEGMENT), '{"event":{"type":"heart');
    const torn = verifyLedger([crashed]);
    expect(torn).toMatchObject({ firstProblem: { kind: 'torn', seq: 4 }, unsignedEntries: 3, unsignedRange: { fromSeq: 1, toSeq: 3 } });
    expect(exitCodeOf(torn)).toBe(ExitCode.LedgerTorn);

    await writeLedger(crashed, [1], { signer: s });
    expect(entriesOf(crashed).slice(3, 5).map((e) => (e.kind === 'event' ? e.event : undefined))).toMatchObject([
      { type: 'ledger-unsigned', fromSeq: 1, toSeq: 3 },
      { type: 'ledger-recovery', lastSeq: 3 },
    ]);
    expect(verifyLedger([crashed]).adoptedRanges).toMatchObject([{ fromSeq: 1, toSeq: 3, seq: 4 }]);
  });

  it('after a crash in a segment started at a rotation, the range starts after the checkpoint the rotation signed', async () => {
    const s = await signer();
    const dir = tempDir();
    const sink = await LedgerSink.open(dir, { signer: s, segmentBytes: 1000, checkpointEvery: 1000 });
    for (let i = 0; i < 4; i++) await sink.write([sampleEvent(i), sampleEvent(i + 1)]);
    const crashed = crashCopy(dir);
    await sink.close();
    const segments = readdirSync(crashed).filter((n) => /^ledger-\d+\.jsonl$/.test(n)).sort();
    expect(segments.length).toBeGreaterThan(1);
    const start = entriesOf(crashed, segments.at(-1))[0] as LedgerEntry;
    const cps = readFileSync(join(crashed, 'checkpoints.jsonl'), 'utf8').split('\n').filter(Boolean);
    // The last checkpoint signed the segment before's last entry, not an entry of the last segment.
    expect((JSON.parse(cps.at(-1) as string) as Checkpoint).seq).toBe(start.seq - 1);

    const before = verifyLedger([crashed]);
    await writeLedger(crashed, [1], { signer: s, segmentBytes: 1000 });
    expect(eventsOf(crashed, 'ledger-unsigned').map((e) => e.event)).toMatchObject([{ fromSeq: start.seq, toSeq: before.lastSeq }]);
  });

  it('after a crash with a full last segment, the ledger-unsigned event is written before the rotation signs anything', async () => {
    const s = await signer();
    const dir = tempDir();
    const sink = await LedgerSink.open(dir, { signer: s, segmentBytes: 600, checkpointEvery: 1000 });
    await sink.write([sampleEvent(0), sampleEvent(1)]);
    const crashed = crashCopy(dir);
    await sink.close();
    expect(readFileSync(join(crashed, SEGMENT)).length).toBeGreaterThan(600);

    await writeLedger(crashed, [1], { signer: s, segmentBytes: 600 });
    expect(entriesOf(crashed)[3]).toMatchObject({ seq: 4, event: { type: 'ledger-unsigned', fromSeq: 1, toSeq: 3 } });
    const first = JSON.parse(readFileSync(join(crashed, 'checkpoints.jsonl'), 'utf8').split('\n')[0] as string) as Checkpoint;
    expect(first.seq).toBeGreaterThanOrEqual(4);
    expect(verifyLedger([crashed]).adoptedRanges).toMatchObject([{ fromSeq: 1, toSeq: 3, seq: 4 }]);
  });

  it('entries a checkpoint of an earlier key signed before the writer opened the ledger are not reported as adopted', async () => {
    const old = await signer();
    const dir = tempDir();
    await writeLedger(dir, [3], { signer: old });
    // A new key: its writer cannot check the old key's checkpoint, so it names every entry.
    const next = await signer();
    await writeLedger(dir, [1], { signer: next });
    expect(eventsOf(dir, 'ledger-unsigned').map((e) => e.event)).toMatchObject([{ fromSeq: 1, toSeq: 4 }]);
    // With both keys trusted, the old key's checkpoint of seq 4 covers them.
    const both = verifyLedger([dir], { publicKeyPems: [await old.publicKeyPem(), await next.publicKeyPem()] });
    expect(both).toMatchObject({ ok: true, checkpoints: 2 });
    expect(exitCodeOf(both)).toBe(ExitCode.Ok);
  });

  it('tampering keeps exit 7 over unsigned entries', async () => {
    const s = await signer();
    const dir = tempDir();
    const sink = await LedgerSink.open(dir, { signer: s });
    await sink.write([sampleEvent(0), sampleEvent(1)]);
    const crashed = crashCopy(dir);
    await sink.close();
    writeFileSync(join(crashed, SEGMENT), readFileSync(join(crashed, SEGMENT), 'utf8').replace('"line":2', '"line":7'));
    const r = verifyLedger([crashed]);
    expect(r.firstProblem).toMatchObject({ kind: 'modified' });
    expect(exitCodeOf(r)).toBe(ExitCode.LedgerInvalid);
  });
});
