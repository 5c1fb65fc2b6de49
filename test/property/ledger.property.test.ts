import { appendFileSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { entryLine, sealEntry, sealEntryLine, sealEventLine } from '../../src/sinks/ledger/entry.js';
import { canonicalJson } from '../../src/util/canonical.js';
import { LedgerSink } from '../../src/sinks/ledger/sink.js';
import type { LocalSigner } from '../../src/sinks/ledger/signer.js';
import type { SecurityEvent } from '../../src/telemetry/events.js';
import { verifyLedger } from '../../src/sinks/ledger/verify.js';
import { sampleEvent, signer, tempDir, writeLedger } from '../unit/ledger/fixtures.js';

// Ledgers of a few segments, built from random batch sizes; each property run damages one copy.
const RUNS = 60;

let es256: LocalSigner;
let ed25519: LocalSigner;

beforeAll(async () => {
  es256 = await signer(tempDir('logveil-state-'), 'ES256');
  ed25519 = await signer(tempDir('logveil-state-'), 'Ed25519');
});

const ledgerShape = fc.record({
  batches: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }),
  segmentBytes: fc.integer({ min: 600, max: 6000 }),
  checkpointEvery: fc.integer({ min: 1, max: 12 }),
  ed: fc.boolean(),
});

type Shape = { batches: number[]; segmentBytes: number; checkpointEvery: number; ed: boolean };

async function build(shape: Shape): Promise<string> {
  const dir = tempDir();
  await writeLedger(dir, shape.batches, {
    signer: shape.ed ? ed25519 : es256,
    segmentBytes: shape.segmentBytes,
    checkpointEvery: shape.checkpointEvery,
  });
  return dir;
}

const segmentFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((n) => /^ledger-\d+\.jsonl$/.test(n))
    .sort()
    .map((n) => join(dir, n));

/** Every line of every segment, as (file, index). */
function allLines(dir: string): Array<{ file: string; index: number; lines: string[] }> {
  return segmentFiles(dir).flatMap((file) => {
    const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
    return lines.map((_, index) => ({ file, index, lines }));
  });
}

const write = (file: string, lines: string[]): void => writeFileSync(file, lines.map((l) => l + '\n').join(''));
const pick = <T>(list: readonly T[], r: number): T => list[r % list.length] as T;
const CHARS = '0123456789abcdefxyzAZ"{}[]:,.- _\\';

type Mutation =
  | { kind: 'edit'; where: number; at: number; char: number; checkpoints: boolean }
  | { kind: 'delete'; where: number }
  | { kind: 'insert'; from: number; to: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'truncate'; where: number; keep: number };

// Uniform positions: biased generators would mostly hit the first and last characters of a line.
const unit = fc.noBias(fc.nat({ max: 1_000_000_000 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('edit' as const), where: unit, at: unit, char: fc.nat(), checkpoints: fc.boolean() }),
  fc.record({ kind: fc.constant('delete' as const), where: unit }),
  fc.record({ kind: fc.constant('insert' as const), from: unit, to: unit }),
  fc.record({ kind: fc.constant('swap' as const), a: unit, b: unit }),
  fc.record({ kind: fc.constant('truncate' as const), where: unit, keep: unit }),
);

/** Applies one mutation; returns false when it would change nothing (then the property is vacuous). */
function mutate(dir: string, m: Mutation): boolean {
  const lines = allLines(dir);
  switch (m.kind) {
    case 'edit': {
      if (m.checkpoints) {
        const file = join(dir, 'checkpoints.jsonl');
        const cps = readFileSync(file, 'utf8').split('\n').slice(0, -1);
        const i = m.where % cps.length;
        const line = cps[i] as string;
        const at = m.at % line.length;
        const c = CHARS[m.char % CHARS.length] as string;
        if (line[at] === c) return false;
        cps[i] = line.slice(0, at) + c + line.slice(at + 1);
        write(file, cps);
        return true;
      }
      const t = pick(lines, m.where);
      const line = t.lines[t.index] as string;
      const at = m.at % line.length;
      const c = CHARS[m.char % CHARS.length] as string;
      if (line[at] === c) return false;
      t.lines[t.index] = line.slice(0, at) + c + line.slice(at + 1);
      write(t.file, t.lines);
      return true;
    }
    case 'delete': {
      const t = pick(lines, m.where);
      t.lines.splice(t.index, 1);
      write(t.file, t.lines);
      return true;
    }
    case 'insert': {
      const from = pick(lines, m.from);
      const to = pick(lines, m.to);
      to.lines.splice(to.index, 0, from.lines[from.index] as string);
      write(to.file, to.lines);
      return true;
    }
    case 'swap': {
      const a = pick(lines, m.a);
      const b = pick(lines, m.b);
      if (a.file === b.file && a.index === b.index) return false;
      const la = a.lines[a.index] as string;
      const lb = b.lines[b.index] as string;
      if (a.file === b.file) {
        a.lines[a.index] = lb;
        a.lines[b.index] = la;
        write(a.file, a.lines);
      } else {
        a.lines[a.index] = lb;
        b.lines[b.index] = la;
        write(a.file, a.lines);
        write(b.file, b.lines);
      }
      return true;
    }
    case 'truncate': {
      const files = segmentFiles(dir);
      const total = files.reduce((n, f) => n + readFileSync(f).length, 0);
      let keep = m.keep % total;
      for (const f of files) {
        const size = readFileSync(f).length;
        if (keep >= size) keep -= size;
        else if (keep >= 0) {
          truncateSync(f, keep);
          keep = -1;
        } else rmSync(f);
      }
      return true;
    }
  }
}

describe('ledger properties', () => {
  it('an entry sealed with its line is the entry sealed, then serialized', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e6 }), fc.integer({ min: 0, max: 50 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), fc.boolean(), (seq, n, prev, segment) => {
        const base = { seq, ts: new Date(seq * 1000).toISOString(), prev };
        const item = segment ? { ...base, kind: 'segment' as const, segment: n, ledgerId: `l${n}` } : { ...base, kind: 'event' as const, event: sampleEvent(n) };
        const sealed = sealEntryLine(item);
        const expected = sealEntry(item);
        expect(sealed.entry).toEqual(expected);
        expect(sealed.line).toBe(entryLine(expected));
      }),
    );
  });

  it('an event sealed from its canonical JSON gives the entry sealed from the event object', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e6 }), fc.integer({ min: 0, max: 50 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), (seq, n, prev) => {
        const ts = new Date(seq * 1000).toISOString();
        const event = sampleEvent(n);
        const fromObject = sealEntryLine({ seq: seq + 1, ts, prev, kind: 'event' as const, event });
        const fromCanonical = sealEventLine({ seq, hash: prev }, ts, canonicalJson(event));
        expect({ seq: fromCanonical.seq, hash: fromCanonical.hash, line: fromCanonical.pieces.join('') }).toEqual({ seq: seq + 1, hash: fromObject.entry.hash, line: fromObject.line });
      }),
    );
  });

  it('a long event, hashed piece by piece, gives the entry sealed from the event object too', () => {
    const short = sampleEvent(1) as Extract<SecurityEvent, { type: 'findings' }>;
    // Some 100 KB of canonical JSON, past what is hashed as one text, with characters beyond ASCII.
    const event = { ...short, findings: Array.from({ length: 1200 }, (_, i) => ({ ...(short.findings[0] as object), path: `$.msg[${i}].é` })) } as SecurityEvent;
    const canonical = canonicalJson(event);
    expect(canonical.length).toBeGreaterThan(64 * 1024);
    const prev = 'ab'.repeat(32);
    const fromObject = sealEntryLine({ seq: 8, ts: 'T', prev, kind: 'event' as const, event });
    const fromCanonical = sealEventLine({ seq: 7, hash: prev }, 'T', canonical);
    expect({ hash: fromCanonical.hash, line: fromCanonical.pieces.join('') }).toEqual({ hash: fromObject.entry.hash, line: fromObject.line });
  });

  it('an untouched ledger always verifies', async () => {
    await fc.assert(
      fc.asyncProperty(ledgerShape, async (shape) => {
        const dir = await build(shape);
        const r = verifyLedger([dir]);
        expect(r.firstProblem).toBeUndefined();
        expect(r.ok).toBe(true);
        expect(r.events).toBe(shape.batches.reduce((a, b) => a + b, 0));
        expect(r.unsignedEntries).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('any single edit, deletion, insertion, reordering or truncation is detected', async () => {
    await fc.assert(
      fc.asyncProperty(ledgerShape, mutation, async (shape, m) => {
        const dir = await build(shape);
        fc.pre(mutate(dir, m));
        const r = verifyLedger([dir]);
        expect(r.ok, `${m.kind} went unnoticed`).toBe(false);
        expect(r.firstProblem?.kind).not.toBe('torn');
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('a torn last line is reported as torn and recovered on open without losing an entry', async () => {
    await fc.assert(
      fc.asyncProperty(ledgerShape, fc.integer({ min: 1, max: 400 }), fc.boolean(), async (shape, cut, signedTail) => {
        const dir = await build(shape);
        const s = shape.ed ? ed25519 : es256;
        if (!signedTail) {
          // crash before the final checkpoint: drop it
          const cps = readFileSync(join(dir, 'checkpoints.jsonl'), 'utf8').split('\n').slice(0, -1);
          write(join(dir, 'checkpoints.jsonl'), cps.slice(0, -1));
        }
        const files = segmentFiles(dir);
        const last = files[files.length - 1] as string;
        const before = files.map((f) => readFileSync(f, 'utf8'));
        const next = entryLine(sealEntry({ seq: 999, ts: new Date().toISOString(), prev: 'f'.repeat(64), kind: 'event', event: sampleEvent(7) }));
        const torn = next.slice(0, Math.min(cut, next.length - 2));
        appendFileSync(last, torn);
        const report = verifyLedger([dir]);
        const lastLines = (before[before.length - 1] as string).split('\n').length;
        expect(report.firstProblem).toMatchObject({ kind: 'torn', file: last, line: lastLines });

        const sink = await LedgerSink.open(dir, { signer: s, segmentBytes: shape.segmentBytes });
        expect(sink.recovered).toMatchObject({ tornBytes: Buffer.byteLength(torn), line: lastLines });
        await sink.close();
        files.forEach((f, i) => expect(readFileSync(f, 'utf8').startsWith(before[i] as string)).toBe(true));
        const after = verifyLedger([dir]);
        expect(after.firstProblem).toBeUndefined();
        // Without its final checkpoint the ledger's tail is unsigned: the next writer says which
        // entries it found so (a ledger-unsigned event) before its recovery event, and verify names them.
        expect(after.events).toBe(shape.batches.reduce((a, b) => a + b, 0) + (signedTail ? 1 : 2));
        expect(report.unsignedEntries > 0).toBe(!signedTail);
        expect(after.adoptedRanges?.map(({ fromSeq, toSeq }) => ({ fromSeq, toSeq }))).toEqual(report.unsignedRange ? [report.unsignedRange] : undefined);
        expect(after.ok).toBe(signedTail);
      }),
      { numRuns: RUNS },
    );
  });
});
