import { copyFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointPayload, type Checkpoint } from '../../../src/sinks/ledger/entry.js';
import { LocalSigner } from '../../../src/sinks/ledger/signer.js';
import { verifyLedger } from '../../../src/sinks/ledger/verify.js';
import { canonicalJson } from '../../../src/util/canonical.js';
import { LedgerSink } from '../../../src/sinks/ledger/sink.js';
import type { SecurityEvent } from '../../../src/telemetry/events.js';
import { signer, tempDir, writeLedger } from './fixtures.js';

let pristine = '';
let key: LocalSigner;

/** A copy of a ledger of 3 segments (6 + 1 events) to damage. */
function copy(): string {
  const dir = tempDir();
  for (const name of ['ledger-000001.jsonl', 'ledger-000002.jsonl', 'ledger-000003.jsonl', 'checkpoints.jsonl', `ledger-public-${key.keyId}.pem`]) {
    copyFileSync(join(pristine, name), join(dir, name));
  }
  return dir;
}

const seg = (dir: string, n = 1): string => join(dir, `ledger-00000${n}.jsonl`);
const readLines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').slice(0, -1);
const writeLines = (path: string, lines: string[]): void => writeFileSync(path, lines.map((l) => l + '\n').join(''));

beforeAll(async () => {
  pristine = tempDir();
  key = await signer();
  await writeLedger(pristine, [3, 3, 1], { signer: key, segmentBytes: 1200 });
});

describe('verifyLedger', () => {
  it('accepts an untouched ledger and reports its size', () => {
    const r = verifyLedger([pristine]);
    expect(r).toMatchObject({ ok: true, events: 7, segments: 3, lastSeq: 10, unsignedEntries: 0, keyIds: [key.keyId] });
    expect(r.firstProblem).toBeUndefined();
  });

  it('reports a modified entry with its seq and file:line', () => {
    const dir = copy();
    const lines = readLines(seg(dir));
    lines[2] = (lines[2] as string).replace('"line":2', '"line":3');
    writeLines(seg(dir), lines);
    expect(verifyLedger([dir]).firstProblem).toMatchObject({ kind: 'modified', seq: 3, file: seg(dir), line: 3 });
  });

  it('reports an entry nested too deep for its canonical form as malformed, without throwing', () => {
    const dir = copy();
    const lines = readLines(seg(dir));
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    lines[2] = (lines[2] as string).replace('"line":2', `"line":2,"deep":${deep}`);
    writeLines(seg(dir), lines);
    expect(verifyLedger([dir]).firstProblem).toMatchObject({ kind: 'malformed', seq: 3, line: 3, message: 'entry nests too deep to be put in canonical form' });
  });

  it('reports a line that is not valid UTF-8 as malformed, where it would read as the entry it replaced', async () => {
    // An entry that holds U+FFFD: the same entry with a byte that is not UTF-8 in its place decodes to the same text.
    const dir = tempDir();
    const sink = await LedgerSink.open(dir, { signer: key });
    await sink.write([{ type: 'heartbeat', ts: new Date(1_700_000_000_000).toISOString(), intervalSeconds: 60, beat: 1, uptimeSeconds: 1, note: 'a\uFFFDb' } as SecurityEvent]);
    await sink.close();
    expect(verifyLedger([dir]).ok).toBe(true);
    const bytes = readFileSync(seg(dir));
    const at = bytes.indexOf(Buffer.from('a\uFFFDb'));
    writeFileSync(seg(dir), Buffer.concat([bytes.subarray(0, at + 1), Buffer.from([0xff]), bytes.subarray(at + 4)]));
    expect(verifyLedger([dir]).firstProblem).toMatchObject({ kind: 'malformed', seq: 2, line: 2, message: 'line is not valid UTF-8' });
  });

  it('reports a deleted entry as the first missing seq', () => {
    const dir = copy();
    const lines = readLines(seg(dir));
    lines.splice(2, 1);
    writeLines(seg(dir), lines);
    expect(verifyLedger([dir]).firstProblem).toMatchObject({ kind: 'deleted', seq: 3, line: 3, message: 'seq 3 is missing before this entry (seq 4)' });
  });

  it('reports swapped entries as reordered', () => {
    const dir = copy();
    const lines = readLines(seg(dir));
    [lines[1], lines[2]] = [lines[2] as string, lines[1] as string];
    writeLines(seg(dir), lines);
    expect(verifyLedger([dir]).firstProblem).toMatchObject({ kind: 'reordered', seq: 3, line: 2 });
  });

  it('reports a duplicated entry as inserted', () => {
    const dir = copy();
    const lines = readLines(seg(dir));
    lines.splice(3, 0, lines[1] as string);
    writeLines(seg(dir), lines);
    expect(verifyLedger([dir]).firstProblem).toMatchObject({ kind: 'inserted', seq: 2, line: 4 });
  });

  it('reports a missing middle segment', () => {
    const dir = copy();
    rmSync(seg(dir, 2));
    expect(verifyLedger([dir]).firstProblem).toMatchObject({ kind: 'missing-segment', file: seg(dir, 3), line: 1 });
  });

  it('reports a ledger truncated before its last checkpoint, at the end of the ledger', () => {
    const dir = copy();
    rmSync(seg(dir, 3));
    const lines = readLines(seg(dir, 2));
    expect(verifyLedger([dir]).firstProblem).toMatchObject({ kind: 'truncated', seq: 9, file: seg(dir, 2), line: lines.length + 1 });
  });

  it('reports a torn last line as torn, not as tampering', () => {
    const dir = copy();
    const text = readFileSync(seg(dir, 3), 'utf8');
    writeFileSync(seg(dir, 3), text + '{"event":{"ty');
    const r = verifyLedger([dir]);
    expect(r.firstProblem).toMatchObject({ kind: 'torn', seq: 11, file: seg(dir, 3), line: 3 });
  });

  it('reports a torn line that cuts into signed entries as truncated', () => {
    const dir = copy();
    const text = readFileSync(seg(dir, 3), 'utf8');
    writeFileSync(seg(dir, 3), text.slice(0, text.length - 20));
    expect(verifyLedger([dir]).firstProblem).toMatchObject({ kind: 'truncated', seq: 10 });
  });

  it('reports a checkpoint signed by another key as forged', async () => {
    const dir = copy();
    const other = await signer();
    const lines = readLines(join(dir, 'checkpoints.jsonl'));
    const cp = JSON.parse(lines[0] as string) as Checkpoint;
    const forged = { ...cp, keyId: other.keyId, sig: (await other.sign(checkpointPayload({ ...cp, keyId: other.keyId }))).toString('base64url') };
    lines[0] = canonicalJson(forged);
    writeLines(join(dir, 'checkpoints.jsonl'), lines);
    expect(verifyLedger([dir]).firstProblem).toMatchObject({ kind: 'forged-checkpoint', file: join(dir, 'checkpoints.jsonl'), line: 1 });
  });

  it('reports a rewritten ledger (hashes recomputed) by its checkpoints, with the trusted key only', async () => {
    // An attacker rewrites everything, re-signs with a key of their own and leaves it in the directory.
    const dir = tempDir();
    const attacker = await signer();
    await writeLedger(dir, [3, 3, 1], { signer: attacker, segmentBytes: 1200 });
    expect(verifyLedger([dir]).ok).toBe(true);
    const r = verifyLedger([dir], { publicKeyPems: [await key.publicKeyPem()] });
    expect(r.firstProblem).toMatchObject({ kind: 'forged-checkpoint', line: 1 });
  });

  it('reports checkpoints without a key to check them against', () => {
    const dir = copy();
    rmSync(join(dir, `ledger-public-${key.keyId}.pem`));
    expect(verifyLedger([dir]).firstProblem).toMatchObject({ kind: 'no-public-key' });
    expect(verifyLedger([dir], { publicKeyPems: [readFileSync(join(pristine, `ledger-public-${key.keyId}.pem`), 'utf8')] }).ok).toBe(true);
  });

  it('verifies exported files given one by one, in any order and under any name', () => {
    const dir = copy();
    renameSync(seg(dir, 1), join(dir, 'export-b.jsonl'));
    renameSync(seg(dir, 2), join(dir, 'export-a.jsonl'));
    const r = verifyLedger([join(dir, 'export-a.jsonl'), seg(dir, 3), join(dir, 'export-b.jsonl'), join(dir, 'checkpoints.jsonl')], {
      publicKeyPems: [readFileSync(join(dir, `ledger-public-${key.keyId}.pem`), 'utf8')],
    });
    expect(r).toMatchObject({ ok: true, lastSeq: 10 });
  });

  it('reports an empty input', () => {
    expect(verifyLedger([tempDir()]).firstProblem).toMatchObject({ kind: 'empty' });
  });
});
