import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../../src/sinks/ledger/errors.js';
import { NODE_IO, type LedgerIo } from '../../../src/sinks/ledger/io.js';
import { entryLine, sealEntry, type LedgerEntry } from '../../../src/sinks/ledger/entry.js';
import { FULLY_CHECKED } from '../../../src/sinks/ledger/recover.js';
import { LedgerSink } from '../../../src/sinks/ledger/sink.js';
import { verifyLedger } from '../../../src/sinks/ledger/verify.js';
import { canonicalJson } from '../../../src/util/canonical.js';
import { sampleEvent, signer, tempDir, writeLedger } from './fixtures.js';

const segments = (dir: string): string[] => readdirSync(dir).filter((n) => /^ledger-\d+\.jsonl$/.test(n)).sort();
const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter(Boolean);

describe('LedgerSink', () => {
  it('writes a chain that starts from the genesis hash and verifies', async () => {
    const dir = tempDir();
    await writeLedger(dir, [3, 2], { signer: await signer() });
    const entries = lines(join(dir, 'ledger-000001.jsonl')).map((l) => JSON.parse(l));
    expect(entries.map((e) => [e.seq, e.kind])).toEqual([
      [1, 'segment'],
      [2, 'event'],
      [3, 'event'],
      [4, 'event'],
      [5, 'event'],
      [6, 'event'],
    ]);
    expect(entries[0].prev).toBe('0'.repeat(64));
    for (let i = 1; i < entries.length; i++) expect(entries[i].prev).toBe(entries[i - 1].hash);
    const report = verifyLedger([dir]);
    expect(report).toMatchObject({ ok: true, entries: 6, events: 5, segments: 1, checkpoints: 1, lastSeq: 6, unsignedEntries: 0 });
  });

  it('rotates segments by size, each starting from the last head, and signs the head at each rotation', async () => {
    const dir = tempDir();
    await writeLedger(dir, [4, 4, 4, 4], { signer: await signer(), segmentBytes: 1500 });
    const names = segments(dir);
    expect(names.length).toBeGreaterThan(2);
    for (let s = 1; s < names.length; s++) {
      const previous = lines(join(dir, names[s - 1] as string));
      const header = JSON.parse(lines(join(dir, names[s] as string))[0] as string);
      expect(header).toMatchObject({ kind: 'segment', segment: s + 1, prev: JSON.parse(previous[previous.length - 1] as string).hash });
    }
    const report = verifyLedger([dir]);
    expect(report.ok).toBe(true);
    expect(report.checkpoints).toBeGreaterThanOrEqual(names.length);
  });

  it('writes events given as canonical JSON with any characters: the lines verify and read back as the events', async () => {
    const dir = tempDir();
    const s = await signer();
    const sink = await LedgerSink.open(dir, { signer: s });
    const events = [0, 1, 2, 3].map((i) => {
      const e = sampleEvent(i);
      return 'source' in e && e.source ? { ...e, source: { ...e.source, file: ['née.log', '電話/app.log', 'logs/😀.log', 'a\u2028b.log'][i] as string } } : e;
    });
    await sink.writeCanonical(events.map(canonicalJson));
    await sink.close();
    expect(verifyLedger([dir])).toMatchObject({ ok: true, events: 4 });
    const written = lines(join(dir, 'ledger-000001.jsonl'))
      .map((l) => JSON.parse(l) as { kind: string; event?: unknown })
      .filter((e) => e.kind === 'event')
      .map((e) => e.event);
    expect(written).toEqual(events);
  });

  it('continues the chain when reopened', async () => {
    const dir = tempDir();
    const s = await signer();
    await writeLedger(dir, [2], { signer: s });
    const sink = await LedgerSink.open(dir, { signer: s });
    expect(sink.head.seq).toBe(3);
    await sink.write([sampleEvent(9)]);
    await sink.close();
    expect(verifyLedger([dir])).toMatchObject({ ok: true, lastSeq: 4, checkpoints: 2 });
  });

  it('checkpoints every N entries and exports the public key next to the segments', async () => {
    const dir = tempDir();
    const s = await signer();
    await writeLedger(dir, [1, 1, 1, 1, 1], { signer: s, checkpointEvery: 2 });
    expect(lines(join(dir, 'checkpoints.jsonl')).length).toBe(3);
    expect(readFileSync(join(dir, `ledger-public-${s.keyId}.pem`), 'utf8')).toBe(await s.publicKeyPem());
  });

  it('refuses a second writer while the first holds the lock', async () => {
    const dir = tempDir();
    const s = await signer();
    const first = await LedgerSink.open(dir, { signer: s });
    await expect(LedgerSink.open(dir, { signer: s })).rejects.toMatchObject({ code: 'LEDGER_LOCKED' });
    await first.close();
    await (await LedgerSink.open(dir, { signer: s })).close();
  });

  it('leaves the ledger of the writer that holds the lock untouched, a line in the middle of its write included', async () => {
    const dir = tempDir();
    const s = await signer();
    const first = await LedgerSink.open(dir, { signer: s });
    await first.write([sampleEvent(1)]);
    // What the first writer's next append looks like half way through.
    const path = join(dir, 'ledger-000001.jsonl');
    appendFileSync(path, '{"event":{"type":"heart');
    const before = readFileSync(path);
    await expect(LedgerSink.open(dir, { signer: s })).rejects.toMatchObject({ code: 'LEDGER_LOCKED' });
    expect(readFileSync(path)).toEqual(before);
    expect(readdirSync(dir).filter((n) => n.includes('.torn-'))).toEqual([]);
    truncateSync(path, before.length - '{"event":{"type":"heart'.length);
    await first.close();
  });

  it('recovers a torn last line on open, keeps every earlier entry and records the recovery', async () => {
    const dir = tempDir();
    const s = await signer();
    await writeLedger(dir, [3], { signer: s });
    const path = join(dir, 'ledger-000001.jsonl');
    const before = lines(path);
    const torn = '{"event":{"type":"findings","ts":"2025-01-0';
    appendFileSync(path, torn);
    expect(verifyLedger([dir]).firstProblem).toMatchObject({ kind: 'torn', seq: 5, line: 5 });

    const sink = await LedgerSink.open(dir, { signer: s });
    expect(sink.recovered).toMatchObject({ segment: 'ledger-000001.jsonl', line: 5, lastSeq: 4, tornBytes: torn.length });
    await sink.close();
    const after = lines(path);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(JSON.parse(after[before.length] as string).event).toMatchObject({ type: 'ledger-recovery', lastSeq: 4, tornBytes: torn.length, line: 5 });
    expect(readFileSync(join(dir, 'ledger-000001.jsonl.torn-5'), 'utf8')).toBe(torn);
    expect(statSync(join(dir, 'ledger-000001.jsonl.torn-5')).mode & 0o777).toBe(0o600);
    expect(verifyLedger([dir]).ok).toBe(true);
  });

  it('never overwrites what an earlier recovery saved at the same seq', async () => {
    const dir = tempDir();
    const s = await signer();
    await writeLedger(dir, [3], { signer: s });
    // A crash at seq 5 recovered before, whose recovery event did not make it to the ledger.
    writeFileSync(join(dir, 'ledger-000001.jsonl.torn-5'), 'earlier');
    appendFileSync(join(dir, 'ledger-000001.jsonl'), '{"event":{"type":"heart');
    const sink = await LedgerSink.open(dir, { signer: s });
    expect(sink.recovered).toMatchObject({ lastSeq: 4, savedAs: 'ledger-000001.jsonl.torn-5.1' });
    await sink.close();
    expect(readFileSync(join(dir, 'ledger-000001.jsonl.torn-5'), 'utf8')).toBe('earlier');
    expect(readFileSync(join(dir, 'ledger-000001.jsonl.torn-5.1'), 'utf8')).toBe('{"event":{"type":"heart');
  });

  it('recovers a crash while a new segment was being started', async () => {
    const dir = tempDir();
    const s = await signer();
    await writeLedger(dir, [3], { signer: s });
    writeFileSync(join(dir, 'ledger-000002.jsonl'), '{"kind":"seg');
    const sink = await LedgerSink.open(dir, { signer: s });
    await sink.write([sampleEvent(1)]);
    await sink.close();
    expect(verifyLedger([dir])).toMatchObject({ ok: true, segments: 2 });
  });

  it('will not append to a ledger whose tail was tampered with', async () => {
    const dir = tempDir();
    const s = await signer();
    await writeLedger(dir, [3], { signer: s });
    const path = join(dir, 'ledger-000001.jsonl');
    const text = readFileSync(path, 'utf8').replace('"line":2', '"line":7');
    writeFileSync(path, text);
    await expect(LedgerSink.open(dir, { signer: s })).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringMatching(/ledger-000001\.jsonl:3: entry fails/) });
    // An entry nested too deep for its canonical form is damage too, not a failure to write.
    writeFileSync(path, text.replace('"line":7', `"line":7,"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}`));
    await expect(LedgerSink.open(dir, { signer: s })).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringMatching(/ledger-000001\.jsonl:3: entry fails/) });
    // The lock taken for the open is given back: a second try says the same, not LEDGER_LOCKED.
    await expect(LedgerSink.open(dir, { signer: s })).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    expect(readdirSync(dir)).not.toContain('.lock');
  });

  it('will not append to a ledger whose signed head was rewritten with a recomputed hash', async () => {
    const dir = tempDir();
    const s = await signer();
    await writeLedger(dir, [4], { signer: s });
    const path = join(dir, 'ledger-000001.jsonl');
    const all = lines(path);
    const last = JSON.parse(all[all.length - 1] as string) as LedgerEntry & { event: { source: { line: number } } };
    last.event.source.line = 99;
    // Sealed again: the hash now matches the edited content.
    all[all.length - 1] = entryLine(sealEntry(last)).trimEnd();
    writeFileSync(path, all.join('\n') + '\n');
    await expect(LedgerSink.open(dir, { signer: s })).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringMatching(/ledger-000001\.jsonl:5: entry fails/) });
  });

  it('checks the content of old entries a checkpoint covers in verify, not at each open', async () => {
    const dir = tempDir();
    const s = await signer();
    await writeLedger(dir, [FULLY_CHECKED + 10], { signer: s });
    const path = join(dir, 'ledger-000001.jsonl');
    // Entry seq 3, far from the tail, edited without its hash: links and sequence still hold.
    writeFileSync(path, readFileSync(path, 'utf8').replace('"line":2,', '"line":7,'));
    const sink = await LedgerSink.open(dir, { signer: s });
    await sink.close();
    expect(verifyLedger([dir])).toMatchObject({ ok: false, firstProblem: { line: 3, kind: 'modified' } });
    // The same edit within the last entries stops the open.
    const tail = tempDir();
    await writeLedger(tail, [FULLY_CHECKED + 10], { signer: s });
    const tailPath = join(tail, 'ledger-000001.jsonl');
    writeFileSync(tailPath, readFileSync(tailPath, 'utf8').replace(`"line":${FULLY_CHECKED},`, '"line":7,'));
    await expect(LedgerSink.open(tail, { signer: s })).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
  });

  it('reads the links of old entries a checkpoint covers from their ends, and stops where one breaks the chain', async () => {
    const s = await signer();
    const written = tempDir();
    await writeLedger(written, [FULLY_CHECKED + 10], { signer: s });
    const all = lines(join(written, 'ledger-000001.jsonl'));
    const ledgerWith = (entries: string[]): string => {
      const dir = tempDir();
      for (const name of readdirSync(written)) if (name !== '.lock') writeFileSync(join(dir, name), readFileSync(join(written, name)));
      writeFileSync(join(dir, 'ledger-000001.jsonl'), entries.join('\n') + '\n');
      return dir;
    };
    // An old entry's event damaged so that the line is no JSON: its end still links, so the open
    // goes on, and verify says where.
    const damaged = ledgerWith(all.map((l, i) => (i === 3 ? l.replace('"type":', '"type"') : l)));
    expect(JSON.parse.bind(null, lines(join(damaged, 'ledger-000001.jsonl'))[3] as string)).toThrow();
    await (await LedgerSink.open(damaged, { signer: s })).close();
    expect(verifyLedger([damaged])).toMatchObject({ ok: false, firstProblem: { line: 4, kind: 'malformed' } });
    // A control character in an old entry's ts (outside its event): the line is read whole, and is no JSON.
    const controlled = ledgerWith(all.map((l, i) => (i === 4 ? l.replace(/"ts":"([^"]*)"\}$/, '"ts":"$1\u0001"}') : l)));
    await expect(LedgerSink.open(controlled, { signer: s })).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    // An old entry taken out, or two swapped: the open stops at the line that no longer follows.
    for (const entries of [all.filter((_, i) => i !== 5), all.map((l, i) => (i === 5 ? all[6] : i === 6 ? all[5] : l) as string)]) {
      await expect(LedgerSink.open(ledgerWith(entries), { signer: s })).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringMatching(/ledger-000001\.jsonl:6: entry fails/) });
    }
    // The same ledger untouched opens and goes on.
    const intact = ledgerWith(all);
    const sink = await LedgerSink.open(intact, { signer: s });
    expect(sink.head.seq).toBe(FULLY_CHECKED + 11);
    await sink.write([sampleEvent(1)]);
    await sink.close();
    expect(verifyLedger([intact])).toMatchObject({ ok: true });
  });

  it('will not append to a ledger truncated before its last checkpoint', async () => {
    const dir = tempDir();
    const s = await signer();
    await writeLedger(dir, [3], { signer: s });
    const path = join(dir, 'ledger-000001.jsonl');
    const kept = lines(path).slice(0, 3).join('\n') + '\n';
    truncateSync(path, Buffer.byteLength(kept));
    await expect(LedgerSink.open(dir, { signer: s })).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringMatching(/signed seq 4: entries were removed/) });
  });

  it('waits out a full disk, saying why, and loses nothing', async () => {
    const dir = tempDir();
    let failures = 2;
    const io: LedgerIo = {
      ...NODE_IO,
      writeSync: (fd, buf, off, len) => {
        if (len > 100 && failures > 0) {
          failures -= 1;
          // a partial write, then the error: the sink must cut it off
          NODE_IO.writeSync(fd, buf, off, 10);
          throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
        }
        return NODE_IO.writeSync(fd, buf, off, len);
      },
    };
    const stalls: string[] = [];
    const sink = await LedgerSink.open(dir, { signer: await signer(), io, onStall: (m) => stalls.push(m) });
    await sink.write([sampleEvent(0), sampleEvent(1)]);
    await sink.close();
    expect(stalls).toHaveLength(2);
    expect(stalls[0]).toMatch(/cannot write \(ENOSPC\); input paused, retrying/);
    expect(verifyLedger([dir])).toMatchObject({ ok: true, events: 2 });
  });

  it('fails every later write with the same error once it gives up, so the engine stops', async () => {
    const dir = tempDir();
    let readOnly = false;
    const io: LedgerIo = {
      ...NODE_IO,
      writeSync: (fd, buf, off, len) => {
        if (readOnly) throw Object.assign(new Error('read-only'), { code: 'EROFS' });
        return NODE_IO.writeSync(fd, buf, off, len);
      },
    };
    const sink = await LedgerSink.open(dir, { signer: await signer(), io });
    readOnly = true;
    const first = await sink.write([sampleEvent(0)]).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(LedgerError);
    expect(first).toMatchObject({ code: 'LEDGER_WRITE_FAILED', message: expect.stringMatching(/ledger-000001\.jsonl: cannot write \(EROFS, not retryable\)/) });
    await expect(sink.write([sampleEvent(1)])).rejects.toBe(first);
    await expect(sink.close()).rejects.toBe(first);
    // Intact; the segment entry written before the failure was never signed.
    const report = verifyLedger([dir]);
    expect(report.firstProblem).toBeUndefined();
    expect(report).toMatchObject({ ok: false, unsignedEntries: 1, unsignedRange: { fromSeq: 1, toSeq: 1 } });
  });

  it('gives up after maxStallMs of a transient failure', async () => {
    const dir = tempDir();
    const io: LedgerIo = {
      ...NODE_IO,
      fsyncSync: () => {
        throw Object.assign(new Error('io'), { code: 'EIO' });
      },
      fsync: () => Promise.reject(Object.assign(new Error('io'), { code: 'EIO' })),
    };
    const sink = await LedgerSink.open(dir, { signer: await signer(), io, maxStallMs: 0 }).catch((e: unknown) => e);
    expect(sink).toMatchObject({ code: 'LEDGER_WRITE_FAILED', message: expect.stringMatching(/EIO, still failing after/) });
  });
});
