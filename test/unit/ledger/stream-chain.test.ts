import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { sealEventLine } from '../../../src/sinks/ledger/entry.js';
import { StreamChain } from '../../../src/sinks/ledger/stream-chain.js';
import type { LocalSigner } from '../../../src/sinks/ledger/signer.js';
import { verifyExport } from '../../../src/sinks/ledger/verify-export.js';
import { sampleEvent, signer, tempDir } from './fixtures.js';

let key: LocalSigner;
let pem: string;

beforeAll(async () => {
  key = await signer();
  pem = await key.publicKeyPem();
});

/** Two instances' chains: 1 + 5 entries and 1 + 3, with a checkpoint of each head when `signed`. */
async function twoChains(signed = false): Promise<{ a: string[]; b: string[]; checkpoints: string[] }> {
  const one = new StreamChain('fn:1');
  const two = new StreamChain('fn:1');
  const a = [...one.seal([0, 1].map(sampleEvent)), ...one.seal([2, 3, 4].map(sampleEvent))];
  const b = two.seal([5, 6, 7].map(sampleEvent));
  const checkpoints = signed ? [(await one.checkpoint(key)) as string, (await two.checkpoint(key)) as string] : [];
  return { a, b, checkpoints };
}

/** Writes `files` (name -> lines) under a new folder, as Firehose's S3 objects; `.gz` names are gzipped. */
function exportOf(files: Record<string, readonly string[]>): string {
  const dir = tempDir('logveil-export-');
  for (const [name, lines] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    const text = lines.map((l) => `${l}\n`).join('');
    writeFileSync(path, name.endsWith('.gz') ? gzipSync(text) : text);
  }
  return dir;
}

/** `lines` in a fixed shuffled order (a Firehose export keeps no order across instances). */
function shuffled(lines: readonly string[]): string[] {
  return lines.map((l, i) => ({ l, k: (i * 7919) % 13 })).sort((x, y) => x.k - y.k).map((x) => x.l);
}

describe('StreamChain', () => {
  it('starts with its segment entry and links every entry to the one before', () => {
    const chain = new StreamChain('logveil-sub:3');
    const lines = chain.seal([sampleEvent(0), sampleEvent(1)]).map((l) => JSON.parse(l) as { kind: string; seq: number; prev: string; hash: string; ledgerId?: string });
    expect(lines.map((l) => [l.kind, l.seq])).toEqual([['segment', 1], ['event', 2], ['event', 3]]);
    expect(lines[0]?.ledgerId).toMatch(/^logveil-sub:3\/[0-9a-f-]{36}$/);
    expect(lines[1]?.prev).toBe(lines[0]?.hash);
    expect(lines[2]?.prev).toBe(lines[1]?.hash);
    expect(chain.head).toEqual({ seq: 3, hash: lines[2]?.hash });
    expect(chain.seal([sampleEvent(2)]).map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([4]);
  });
});

describe('verifyExport', () => {
  it('puts chains back together whatever the order, the files and the folders, counting duplicates and other lines once', async () => {
    const { a, b, checkpoints } = await twoChains(true);
    const all = shuffled([...a, ...b, ...checkpoints]);
    const dir = exportOf({
      '2026/12/02/00/security-1': all.slice(0, 6),
      '2026/12/02/01/security-2.gz': [...all.slice(6), all[0] as string, '{"v":1,"kid":"q1","envelope":"..."}'],
    });
    const r = verifyExport([dir], [pem]);
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ ok: true, files: 2, entries: 10, duplicates: 1, otherLines: 1, checkpoints: 2, unlinkedEntries: 0 });
    expect(r.chains.map((c) => [c.entries, c.lastSeq, c.unsignedEntries]).sort()).toEqual([[4, 4, 0], [6, 6, 0]]);
  });

  it('reports a missing entry as a gap, naming the seq after it and where that entry is', async () => {
    const { a, b } = await twoChains();
    const dir = exportOf({ s1: [...a.slice(0, 3), ...a.slice(4), ...b] });
    const r = verifyExport([dir]);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([{ kind: 'gap', seq: 5, where: `${join(dir, 's1')}:4`, message: 'the entry before seq 5 is missing from the export; 2 entries (seq 5-6) follow it' }]);
    expect(r.unlinkedEntries).toBe(2);
  });

  it('reports an entry whose event was changed, and the gap it leaves', async () => {
    const { a } = await twoChains();
    const changed = (a[2] as string).replace('"line":2', '"line":9');
    expect(changed).not.toBe(a[2]);
    const dir = exportOf({ s1: [a[0], a[1], changed, ...a.slice(3)] as string[] });
    expect(verifyExport([dir]).problems.map((p) => [p.kind, p.seq, p.where.endsWith(':3') || p.where.endsWith(':4')])).toEqual([
      ['modified', 3, true],
      ['gap', 4, true],
    ]);
  });

  it('reports an entry inserted beside another at the same place of a chain', async () => {
    const { a } = await twoChains();
    // A writer that knows an entry's hash seals its own after it, with a valid hash.
    const forged = JSON.parse(a[1] as string) as { hash: string; seq: number };
    const extra = sealEventLine({ seq: forged.seq, hash: forged.hash }, new Date().toISOString(), '{"type":"heartbeat"}').pieces.join('').slice(0, -1);
    const r = verifyExport([exportOf({ s1: [...a, extra] })]);
    expect(r.problems.map((p) => [p.kind, p.seq])).toEqual([['forked', 3]]);
    expect(r.problems[0]?.message).toMatch(/^2 entries follow seq 2 of ledger fn:1\/.+: all but one were inserted$/);
  });

  it('reports a chain cut after its checkpoint, a checkpoint whose signature fails, and checkpoints without a key', async () => {
    const { a, b, checkpoints } = await twoChains(true);
    const cut = verifyExport([exportOf({ s1: [...a.slice(0, -1), ...b, ...checkpoints] })], [pem]);
    expect(cut.problems.map((p) => [p.kind, p.seq])).toEqual([['truncated', 6]]);
    const forged = (checkpoints[0] as string).replace(/"sig":"[A-Za-z0-9_-]{8}/, '"sig":"AAAAAAAA');
    expect(verifyExport([exportOf({ s1: [...a, ...b, forged] })], [pem]).problems.map((p) => p.kind)).toEqual(['forged-checkpoint']);
    expect(verifyExport([exportOf({ s1: [...a, ...b, ...checkpoints] })]).problems.map((p) => p.kind)).toEqual(['no-public-key']);
    // Without checkpoints, every entry is unsigned: a cut tail would go unseen.
    const unsigned = verifyExport([exportOf({ s1: [...a, ...b] })]);
    expect(unsigned.ok).toBe(true);
    expect(unsigned.chains.map((c) => c.unsignedEntries).sort()).toEqual([4, 6]);
  });

  it('names lines that are not JSON, files that do not decompress, and an export without entries', async () => {
    const { a } = await twoChains();
    const dir = exportOf({ s1: [...a, 'not json'] });
    writeFileSync(join(dir, 's2.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3]));
    const r = verifyExport([dir]);
    expect(r.problems).toEqual([
      { kind: 'malformed', seq: null, where: `${join(dir, 's1')}:7`, message: 'line is not JSON' },
      { kind: 'malformed', seq: null, where: join(dir, 's2.gz'), message: 'starts as gzip but does not decompress' },
    ]);
    expect(r.chains).toHaveLength(1);
    expect(verifyExport([exportOf({ s1: ['{"v":1}'] })]).problems.map((p) => p.kind)).toEqual(['empty']);
  });
});
