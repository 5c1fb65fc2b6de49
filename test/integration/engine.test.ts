import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { scanText } from '../../src/detect/scan.js';
import { builtinPatternsDir } from '../../src/config/config.js';
import { CompiledPolicy } from '../../src/detect/compile.js';
import { loadPolicy } from '../../src/detect/load.js';
import { builtinRoutingDir } from '../../src/route/builtin.js';
import { CompiledRouting } from '../../src/route/compile.js';
import { loadRoutingRules } from '../../src/route/load.js';
import { SharedArena } from '../../src/pipeline/arena.js';
import { openPool, type BatchReport } from '../../src/pipeline/engine.js';
import { Outcome } from '../../src/pipeline/batch.js';
import { LineWriter } from '../../src/sinks/line-writer.js';
import { builtinPolicy, LIMITS, runEngine } from '../helpers/engine.js';

const policy = builtinPolicy();
const SECRET_LINE = (i: number): string => `{"i":${i},"msg":"login by user${i}@example.com from 198.51.100.${i % 250}"}`;
const CLEAN_LINE = (i: number): string => `{"i":${i},"msg":"request ${i} served","status":200}`;
const lines = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => f(i)).join('\n') + '\n';
const mixed = (n: number): string => lines(n, (i) => (i % 7 === 0 ? SECRET_LINE(i) : CLEAN_LINE(i)));

/** Nothing detectable remains in any output line (text or any JSON string field). */
function leaks(output: string): string[] {
  const found: string[] = [];
  for (const line of output.split('\n')) {
    for (const m of scanText(policy, line)) found.push(`${m.detector.spec.id}: ${line.slice(m.start, m.end)}`);
  }
  return found;
}


/** Output with each token's kid and payload left out: every run has keys of its own. */
function shape<T extends string | undefined>(text: T): T {
  return text?.replace(/tk1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, 'tk1') as T;
}

describe('engine', () => {
  it('keeps input order across a worker pool with many small batches, and matches the inline result', async () => {
    const input = mixed(3000);
    const pooled = await runEngine(input, { workers: 2, batch: { maxBatchRecords: 37 } });
    const inline = await runEngine(input, { workers: 0, batch: { maxBatchRecords: 37 } });
    const ids = pooled.output.trimEnd().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
    expect(ids).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(pooled.summary).toMatchObject({ recordsIn: 3000, appOut: 3000, dropped: 0, quarantined: 0, balanced: true });
    expect(leaks(pooled.output)).toEqual([]);
    // Same keys are not shared between the two runs, so compare the shape, not the tokens.
    expect(shape(pooled.output)).toBe(shape(inline.output));
    const findingLines = pooled.events.filter((e) => e.type === 'findings').map((e) => (e.source as { line: number }).line);
    expect(findingLines).toEqual(Array.from({ length: 3000 }, (_, i) => i).filter((i) => i % 7 === 0).map((i) => i + 1));
  });

  it('takes batches and outputs from its shared arena, and gives no slot back before its output is written', async () => {
    const input = mixed(1500);
    const batch = { maxBatchRecords: 20, maxBatchBytes: 2048 };
    const inline = await runEngine(input, { workers: 0, batch });
    const allocs = vi.spyOn(SharedArena.prototype, 'alloc');
    const releases = vi.spyOn(SharedArena.prototype, 'release');
    // A sink that reads each chunk a while after it was handed over, as a slow disk would.
    const parts: Buffer[] = [];
    const lagging = new Writable({
      highWaterMark: 1 << 24,
      write(chunk: Buffer, _encoding, done) {
        setTimeout(() => {
          parts.push(Buffer.from(chunk));
          done();
        }, 1);
      },
    });
    try {
      const r = await runEngine(input, { workers: 2, batch, app: LineWriter.forStream(lagging) });
      await new Promise((done) => lagging.end(done));
      expect(r.summary).toMatchObject({ recordsIn: 1500, appOut: 1500, balanced: true });
      expect(shape(Buffer.concat(parts).toString())).toBe(shape(inline.output));
      const given = allocs.mock.results.map((x) => x.value as Uint8Array | undefined).filter((v) => v !== undefined);
      // Inputs and outputs alike, many times over the arena's size.
      expect(given.length).toBeGreaterThan(40);
      const back = new Set(releases.mock.calls.map(([v]) => v));
      expect(given.filter((v) => !back.has(v))).toEqual([]);
    } finally {
      allocs.mockRestore();
      releases.mockRestore();
    }
  });

  it('passes lines without findings byte-for-byte, CRLF and a missing last newline included', async () => {
    const input = '{"b":1,  "a":"spaced"}\r\nplain text line\r\nlast line without end';
    const r = await runEngine(input);
    expect(r.output).toBe('{"b":1,  "a":"spaced"}\r\nplain text line\r\nlast line without end\n');
  });

  it('runs the batch of a crashed worker again in halves, quarantines only the records a worker dies on, and goes on', async () => {
    const crash = new Set([123, 130, 351]);
    const input = lines(400, (i) => (crash.has(i) ? `{"msg":"CRASH-ME ${i} bob@example.com"}` : i % 5 === 0 ? SECRET_LINE(i) : CLEAN_LINE(i)));
    const problems: string[] = [];
    const r = await runEngine(input, { workers: 2, batch: { maxBatchRecords: 50 }, faults: { crashOnMarker: 'CRASH-ME' }, onProblem: (m) => problems.push(m) });
    expect(r.summary).toMatchObject({ recordsIn: 400, appOut: 397, dropped: 0, quarantined: 3, balanced: true });
    expect(r.summary.quarantinedByCode).toEqual({ WORKER_FAILED: 3 });
    expect(r.quarantine.map((q) => (q.source as { line: number }).line)).toEqual([124, 131, 352]);
    expect(problems).toContain('in.log:124 WORKER_FAILED: worker failed while processing the record, run alone (Error); record quarantined');
    expect(r.output).not.toContain('CRASH-ME');
    expect(leaks(r.output)).toEqual([]);
    expect(r.events.filter((e) => e.type === 'quarantine')).toHaveLength(3);
    // Every other line comes out, in order, redacted by live workers.
    const ids = r.output.trimEnd().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
    expect(ids).toEqual(Array.from({ length: 400 }, (_, i) => i).filter((i) => !crash.has(i)));
    expect(JSON.stringify(r.quarantine)).not.toContain('bob@example.com');
  });

  it('tells its observer of every failed run, the halves run again included', async () => {
    const failures: Array<{ firstLine: number; code: string }> = [];
    const batches: boolean[] = [];
    const input = lines(16, (i) => (i === 4 ? '{"msg":"CRASH-ME"}' : CLEAN_LINE(i)));
    const observer = { batch: (b: { workerFailed: boolean }) => void batches.push(b.workerFailed), workerFailed: (f: { firstLine: number; code: string }) => void failures.push(f) };
    const r = await runEngine(input, { workers: 2, batch: { maxBatchRecords: 16 }, faults: { crashOnMarker: 'CRASH-ME' }, observer });
    expect(r.summary).toMatchObject({ recordsIn: 16, appOut: 15, quarantined: 1, balanced: true });
    // Lines 1-16, then 1-8, 5-8, 5-6 and line 5 alone: five deaths for one record.
    expect(failures.map((f) => [f.firstLine, f.code])).toEqual([
      [1, 'WORKER_FAILED'],
      [1, 'WORKER_FAILED'],
      [5, 'WORKER_FAILED'],
      [5, 'WORKER_FAILED'],
      [5, 'WORKER_FAILED'],
    ]);
    // Of the batches settled (the halves that ran and the record quarantined), one failed.
    expect(batches.filter(Boolean)).toHaveLength(1);
  });

  it('reports each line\'s outcome with the number of its first line, halves run again included', async () => {
    const reports: Array<[number, number[]]> = [];
    const input = lines(16, (i) => (i === 4 ? '{"msg":"CRASH-ME"}' : i === 9 ? `{"k":1,"k":"${'bob@example.com'}"}` : i === 12 ? '{"mail":"bob@example.com"}' : CLEAN_LINE(i)));
    const observer = { batch: (b: BatchReport) => void reports.push([b.lines?.first ?? 0, Array.from(b.lines?.outcomes ?? [])]) };
    const r = await runEngine(input, { workers: 2, batch: { maxBatchRecords: 16 }, faults: { crashOnMarker: 'CRASH-ME' }, observer });
    expect(r.summary).toMatchObject({ recordsIn: 16, quarantined: 2, balanced: true });
    // Every line reported once, in order, each batch from its first line on.
    const all = reports.flatMap(([first, outcomes]) => outcomes.map((o, i) => [first + i, o]));
    expect(all.map(([line]) => line)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    const byLine = new Map(all.map(([line, o]) => [line, o]));
    expect([byLine.get(5), byLine.get(10), byLine.get(13), byLine.get(1)]).toEqual([Outcome.Quarantined, Outcome.Quarantined, Outcome.Redacted, Outcome.Unchanged]);
  });

  it('serves runs from a pool it leaves open, replaces a worker that died in one, and refuses a pool set up otherwise', async () => {
    const faults = { crashOnMarker: 'CRASH-ME' };
    const batch = { maxBatchRecords: 50 };
    const pool = openPool({ policy, actions: {}, format: 'auto', limits: LIMITS, workers: 2, faults });
    try {
      const input = mixed(500);
      const first = await runEngine(input, { policy, pool, faults, batch });
      const crashing = await runEngine(lines(100, (i) => (i === 42 ? '{"msg":"CRASH-ME"}' : CLEAN_LINE(i))), { policy, pool, faults, batch });
      const third = await runEngine(input, { policy, pool, faults, batch });
      expect(first.summary).toMatchObject({ recordsIn: 500, appOut: 500, quarantined: 0, balanced: true });
      expect(crashing.summary).toMatchObject({ recordsIn: 100, appOut: 99, quarantined: 1, balanced: true });
      expect(crashing.quarantine.map((q) => (q.source as { line: number }).line)).toEqual([43]);
      expect(third.summary).toMatchObject({ recordsIn: 500, appOut: 500, quarantined: 0, balanced: true });
      expect(shape(third.output)).toBe(shape(first.output));
      expect(leaks(third.output)).toEqual([]);
      // Other fault settings, another policy: not what the workers were set up with.
      await expect(runEngine(input, { policy, pool, batch })).rejects.toThrow(/worker pool was opened with another policy or other options/);
      const spec = loadPolicy([builtinPatternsDir()]);
      const other = new CompiledPolicy({ ...spec, packs: spec.packs.slice(1) }, { maxDepth: LIMITS.maxDepth });
      await expect(runEngine(input, { policy: other, pool, faults, batch })).rejects.toThrow(/another policy/);
    } finally {
      await pool.close();
    }
  });

  it('reads each run on a pool in its own format: a pool set up for text serves a run of JSON lines', async () => {
    const pool = openPool({ policy, actions: {}, format: 'text', limits: LIMITS, workers: 2 });
    try {
      const input = lines(60, (i) => `{"i":${i},"card":4111111111111111}`);
      const json = await runEngine(input, { policy, pool, format: 'auto', batch: { maxBatchRecords: 20 } });
      // Read as JSON: the number becomes a string holding its mask, and every line stays JSON.
      for (const line of json.output.trimEnd().split('\n')) expect(JSON.parse(line).card).toBe('************1111');
      const text = await runEngine(input, { policy, pool, format: 'text', batch: { maxBatchRecords: 20 } });
      expect(text.output.split('\n')[0]).toBe('{"i":0,"card":************1111}');
    } finally {
      await pool.close();
    }
  });

  it('shares one arena among the runs on a pool, one after another or at once, and gets it back whole from each', async () => {
    const pool = openPool({ policy, actions: {}, format: 'auto', limits: LIMITS, workers: 2 });
    const allocs = vi.spyOn(SharedArena.prototype, 'alloc');
    try {
      const batch = { maxBatchRecords: 40 };
      const alone = await runEngine(mixed(600), { policy, pool, batch });
      const [a, b] = await Promise.all([runEngine(mixed(600), { policy, pool, batch }), runEngine(mixed(300), { policy, pool, batch })]);
      const arenas = new Set(allocs.mock.contexts as SharedArena[]);
      expect(arenas.size).toBe(1);
      expect([...arenas][0]?.used).toBe(0);
      expect(shape(a.output)).toBe(shape(alone.output));
      for (const r of [alone, a, b]) {
        expect(r.summary.balanced).toBe(true);
        expect(r.summary.appOut).toBe(r.summary.recordsIn);
        expect(leaks(r.output)).toEqual([]);
      }
      expect(b.output.trimEnd().split('\n').map((l) => (JSON.parse(l) as { i: number }).i)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    } finally {
      allocs.mockRestore();
      await pool.close();
    }
  });

  it('quarantines and counts what was left when its pool is closed during the run', async () => {
    const pool = openPool({ policy, actions: {}, format: 'auto', limits: LIMITS, workers: 2 });
    let closing: Promise<void> | undefined;
    const allocs = vi.spyOn(SharedArena.prototype, 'alloc');
    let r: Awaited<ReturnType<typeof runEngine>>;
    let arena: SharedArena | undefined;
    const problems: string[] = [];
    try {
      r = await runEngine(mixed(2000), {
        policy,
        pool,
        batch: { maxBatchRecords: 50 },
        observer: { batch: () => void (closing ??= pool.close()) },
        onProblem: (m) => problems.push(m),
      });
      arena = allocs.mock.contexts[0] as SharedArena | undefined;
    } finally {
      allocs.mockRestore();
    }
    await closing;
    // The slots of the batches the closing cut short stay taken: a stopping worker may still write there.
    expect(arena?.used).toBeGreaterThan(0);
    expect(r.summary).toMatchObject({ recordsIn: 2000, dropped: 0, balanced: true });
    expect(r.summary.quarantined).toBeGreaterThan(0);
    expect(r.summary.appOut + r.summary.quarantined).toBe(2000);
    // Not run again in halves: nothing would run them. A batch whose worker the closing stopped
    // is quarantined whole too (its slots kept), as one the pool refused.
    expect(Object.keys(r.summary.quarantinedByCode)).toEqual(['POOL_CLOSED']);
    const ranges = problems.map((p) => /^in\.log:(\d+)-(\d+) POOL_CLOSED/.exec(p)?.slice(1).map(Number));
    expect(ranges.length).toBeGreaterThan(0);
    for (const range of ranges) expect(range && ((range[0] as number) - 1) % 50 === 0 && (range[1] as number) - (range[0] as number) === 49 ? 'whole batch' : range).toBe('whole batch');
    expect(r.events.filter((e) => e.type === 'quarantine')).toHaveLength(r.summary.quarantined);
    expect(leaks(r.output)).toEqual([]);
    expect(JSON.stringify(r.quarantine)).not.toContain('@example.com');
    // A closed pool takes no more runs (piscina would start a worker again for them).
    await expect(runEngine(mixed(10), { policy, pool })).rejects.toThrow(/worker pool is closed/);
  });

  it('stops running halves past its retry budget: a worker that dies on everything costs a bounded number of runs', async () => {
    const input = lines(200, (i) => `{"i":${i},"msg":"CRASH-ME"}`);
    const problems: string[] = [];
    const r = await runEngine(input, { workers: 2, batch: { maxBatchRecords: 50 }, faults: { crashOnMarker: 'CRASH-ME' }, retryRuns: { perBatch: 48, perRun: 6 }, onProblem: (m) => problems.push(m) });
    expect(r.summary).toMatchObject({ recordsIn: 200, appOut: 0, quarantined: 200, balanced: true });
    expect(r.quarantine.map((q) => (q.source as { line: number }).line)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    // The first batch took the budget's six runs (its halves, the halves of the first half, then of its first half):
    // what failed then, and the later batches, are quarantined whole.
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['in.log:1-6', 'in.log:7-12', 'in.log:13-25', 'in.log:26-50', 'in.log:51-100', 'in.log:101-150', 'in.log:151-200']);
  });

  it('quarantines a record whose processing throws, and only that record', async () => {
    for (const workers of [0, 2]) {
      const input = lines(100, (i) => (i === 42 ? `{"msg":"BOOM ${i} eve@example.com"}` : SECRET_LINE(i)));
      const r = await runEngine(input, { workers, batch: { maxBatchRecords: 16 }, faults: { throwOnMarker: 'BOOM' } });
      expect(r.summary).toMatchObject({ recordsIn: 100, appOut: 99, quarantined: 1, balanced: true });
      expect(r.quarantine.map((q) => [(q.source as { line: number }).line, q.code])).toEqual([[43, 'INJECTED_FAULT']]);
      expect(r.output).not.toContain('eve@example.com');
      expect(leaks(r.output)).toEqual([]);
    }
  });

  it('quarantines a record whose validator throws mid-scan, on the main thread and in workers, and only that record', async () => {
    const faulty = new CompiledPolicy(loadPolicy([builtinPatternsDir()]), { maxDepth: LIMITS.maxDepth, validatorFault: 'BOOM' });
    // A GitHub token's checksum validator is asked about each value the regex takes; the token of
    // line 43 holds the marker, the one of line 44 does not.
    const token = (tail: string): string => `ghp_${tail}${'a1B2c3D4e5'.repeat(4)}`.slice(0, 40);
    const input = lines(100, (i) => (i === 42 ? `{"msg":"push by carol@example.com with ${token('BOOM')}"}` : i === 43 ? `{"msg":"token ${token('QUIET')}"}` : SECRET_LINE(i)));
    for (const workers of [0, 2]) {
      const r = await runEngine(input, { workers, policy: faulty, batch: { maxBatchRecords: 16 }, faults: { throwInValidator: 'BOOM' } });
      expect(r.summary).toMatchObject({ recordsIn: 100, appOut: 99, quarantined: 1, balanced: true });
      expect(r.quarantine.map((q) => [(q.source as { line: number }).line, q.code])).toEqual([[43, 'PROCESSING_FAILED']]);
      const event = r.events.find((e) => e.type === 'quarantine') as { message: string };
      expect(event.message).toBe('record processing failed (Error)');
      expect(r.output).not.toContain('carol@example.com');
      expect(r.output.split('\n')[42]).toMatch(/^\{"msg":"token /);
      expect(leaks(r.output)).toEqual([]);
    }
  });

  it('redacts in a worker a record of 84,000 findings in one string; one that runs its worker out of memory runs again on a larger heap, else is quarantined, and the run goes on', async () => {
    // 1 MB of 84,000 distinct addresses: a worker redacts their findings and tokens within its heap.
    let wide = '{"msg":"';
    for (let i = 0; wide.length < 1_000_000; i++) wide += `u${i}@e.io `;
    wide += '"}';
    const input = [SECRET_LINE(0), wide, SECRET_LINE(2)].join('\n') + '\n';
    const r = await runEngine(input, { workers: 2 });
    expect(r.summary).toMatchObject({ recordsIn: 3, appOut: 3, quarantined: 0, balanced: true });
    expect(r.output).not.toMatch(/@e\.io|@example\.com/);
    expect(r.output.match(/\[\[EMAIL/g)?.length).toBeGreaterThan(80_000);
    // With half the heap, the same record (a batch of its own: it is longer than a batch may be)
    // runs its pool worker out of memory; then it runs on a worker of its own with four times the
    // heap (160 MiB), which redacts it.
    const failures: Array<[number, string]> = [];
    const observer = { batch: () => {}, workerFailed: (f: { firstLine: number; code: string }) => void failures.push([f.firstLine, f.code]) };
    const roomy = await runEngine(input, { workers: 2, faults: { workerHeapMb: 40 }, observer });
    expect(roomy.summary).toMatchObject({ recordsIn: 3, appOut: 3, quarantined: 0, balanced: true });
    expect(failures).toEqual([[2, 'WORKER_FAILED']]);
    expect(shape(roomy.output)).toBe(shape(r.output));
    // A worker of its own with no more heap runs out too: the record alone is quarantined.
    const problems: string[] = [];
    const small = await runEngine(input, { workers: 2, faults: { workerHeapMb: 40, aloneHeapMb: 40 }, onProblem: (m) => problems.push(m) });
    expect(small.summary).toMatchObject({ recordsIn: 3, appOut: 2, quarantined: 1, balanced: true });
    expect(small.quarantine.map((q) => [(q.source as { line: number }).line, q.code])).toEqual([[2, 'WORKER_FAILED']]);
    expect(problems).toEqual(['in.log:2 WORKER_FAILED: the record ran its worker out of memory, and again on a worker of its own with 40 MiB; record quarantined']);
    expect(small.output).not.toMatch(/@e\.io|@example\.com/);
    expect(small.output.trimEnd().split('\n')).toHaveLength(2);
  });

  it('runs again on a larger heap the record a batch run in halves ran out of memory on, and a batch past its retry budget whole', async () => {
    let wide = '{"msg":"';
    for (let i = 0; wide.length < 1_000_000; i++) wide += `u${i}@e.io `;
    wide += '"}';
    // One batch of the three lines: it, then its half of two lines, then the record alone run out of memory.
    const input = [SECRET_LINE(0), wide, SECRET_LINE(2)].join('\n') + '\n';
    const batch = { maxBatchBytes: 4 << 20 };
    const allocs = vi.spyOn(SharedArena.prototype, 'alloc');
    const releases = vi.spyOn(SharedArena.prototype, 'release');
    try {
      const failures: Array<[number, string]> = [];
      const observer = { batch: () => {}, workerFailed: (f: { firstLine: number; code: string }) => void failures.push([f.firstLine, f.code]) };
      const r = await runEngine(input, { workers: 2, batch, faults: { workerHeapMb: 40 }, observer });
      expect(r.summary).toMatchObject({ recordsIn: 3, appOut: 3, quarantined: 0, balanced: true });
      expect(failures).toEqual([
        [1, 'WORKER_FAILED'],
        [2, 'WORKER_FAILED'],
        [2, 'WORKER_FAILED'],
      ]);
      expect(r.output).not.toMatch(/@e\.io|@example\.com/);
      // Every slot the run took, the batch's and each run's output room, is given back.
      const given = allocs.mock.results.map((x) => x.value as Uint8Array | undefined).filter((v) => v !== undefined);
      const back = new Set(releases.mock.calls.map(([v]) => v));
      expect(given.filter((v) => !back.has(v))).toEqual([]);
    } finally {
      allocs.mockRestore();
      releases.mockRestore();
    }
    // No run left for halves: the batch runs whole on the larger heap.
    const whole = await runEngine(input, { workers: 2, batch, faults: { workerHeapMb: 40 }, retryRuns: { perBatch: 1, perRun: 1 } });
    expect(whole.summary).toMatchObject({ recordsIn: 3, appOut: 3, quarantined: 0, balanced: true });
    expect(whole.output).not.toMatch(/@e\.io|@example\.com/);
  });

  it('quarantines a record that repeats a key where an earlier value could hide a secret', async () => {
    const input = [
      '{"msg":"token ghp_1234567890abcdefghijklmnopqrstuvwxyzAB","msg":"ok"}',
      '{"a":{"k":"mail alice@example.com"},"a":{"k":"fine"}}',
      '{"a":"\\u0061lice@example.com","a":"x"}',
      '{"status":200,"status":201}',
      CLEAN_LINE(1),
      // Keys inside a value a rule takes whole are that value: the path is not told.
      '{"password":{"Hunter2Secret!x":{"x":1,"x":2}}}',
      '{"env":[{"name":"DB_PASSWORD","value":{"Pr0d-Db-Pass-42":{"a":1,"a":2}}}]}',
    ].join('\n') + '\n';
    for (const fastPath of [true, false]) {
      const r = await runEngine(input, { workers: 0, fastPath });
      expect(r.summary).toMatchObject({ recordsIn: 7, appOut: 2, quarantined: 5, balanced: true });
      expect(r.quarantine.map((q) => [(q.source as { line: number }).line, q.code])).toEqual([
        [1, 'DUPLICATE_KEY'],
        [2, 'DUPLICATE_KEY'],
        [3, 'DUPLICATE_KEY'],
        [6, 'DUPLICATE_KEY'],
        [7, 'DUPLICATE_KEY'],
      ]);
      // A repeated key with nothing to hide passes as it came.
      expect(r.output).toBe(`{"status":200,"status":201}\n${CLEAN_LINE(1)}\n`);
      const messages = r.events.filter((e) => e.type === 'quarantine').map((e) => e.message);
      expect(messages).toContain('an object repeats the key at $.a; the record is ambiguous');
      expect(messages.slice(-2)).toEqual(['an object repeats the key; the record is ambiguous', 'an object repeats the key; the record is ambiguous']);
      expect(JSON.stringify(r.events)).not.toMatch(/Hunter2Secret|Pr0d-Db-Pass/);
    }
  });

  it('redacts numbers as written: a card number logged as a number is found, other numbers stay exact', async () => {
    const input = '{"card":4111111111111111,"id":12345678901234567890,"amounts":[ 4111111111111111 ,2.50]}\n';
    for (const fastPath of [true, false]) {
      const r = await runEngine(input, { workers: 0, fastPath });
      expect(r.output).toBe('{"card":"************1111","id":12345678901234567890,"amounts":[ "************1111" ,2.50]}\n');
      const findings = r.events.flatMap((e) => (e.type === 'findings' ? (e.findings as Array<{ path: string }>) : []));
      expect(findings.map((f) => f.path)).toEqual(['$.card', '$.amounts[0]']);
    }
  });

  it('leaves nothing detectable in keys, under skip rules, or inside token lookalikes, on both paths', async () => {
    const input = [
      '{"alice@example.com":"x","hosts":{"198.51.100.7":"up"}}',
      '{"trace_id":{"email":"carol@example.com"},"request_id":["4111111111111111"]}',
      '{"msg":"[[X:h1.4111111111111111]]","password":"[[X:tk1.a.AKIAIOSFODNN7EXAMPL2]]"}',
      '[[X:h1.dave@example.com]] and [[X:tk1.k.AKIAIOSFODNN7EXAMPL2]] and [[AKIAIOSFODNN7EXAMPL3]]',
    ].join('\n') + '\n';
    for (const fastPath of [true, false]) {
      const r = await runEngine(input, { workers: 0, fastPath });
      expect(r.summary).toMatchObject({ recordsIn: 4, appOut: 4, balanced: true });
      expect(r.output).not.toMatch(/alice@|198\.51\.100\.7|carol@|4111111111111111|AKIAIOSFODNN7EXAMPL[23]|dave@/);
      expect(leaks(r.output)).toEqual([]);
    }
  });

  it('redacts the body of a private key logged over several lines, across batches, inline and in workers alike', async () => {
    const body = Array.from({ length: 12 }, (_, i) => `MIIEv${String(i).padStart(2, '0')}IBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj`.slice(0, 64));
    const lines = ['boot ok', '-----BEGIN PRIVATE KEY-----', ...body.map((b, i) => (i % 2 ? b : `Dec  1 10:00:02 host app[12]: ${b}`)), 'Zm9vYmFyYmF6cXV4', '-----END PRIVATE KEY-----', '{"msg":"done"}'];
    // What a body line's prefix holds is read as in any other line.
    lines[3] = `by carol@example.com: ${body[1]}`;
    const input = lines.join('\n') + '\n';
    const outputs: string[] = [];
    for (const workers of [0, 2]) {
      // Three lines a batch: the block spans five of them.
      const r = await runEngine(input, { workers, batch: { maxBatchRecords: 3 } });
      expect(r.summary).toMatchObject({ recordsIn: lines.length, appOut: lines.length, balanced: true, findings: { 'private-key': 13, email: 1 } });
      for (const b of [...body, 'Zm9vYmFyYmF6cXV4', 'carol@']) expect(r.output).not.toContain(b);
      const out = r.output.split('\n');
      expect(out.slice(0, 2)).toEqual(lines.slice(0, 2));
      expect(out[3]).toMatch(/^by \[\[EMAIL:tk1\.[\w.-]+\]\]: \[\[PRIVATE_KEY:tk1\.[\w.-]+\]\]$/);
      expect(out.slice(2, 15).every((l, k) => k === 1 || /^(?:Dec {2}1 10:00:02 host app\[12\]: )?\[\[PRIVATE_KEY:tk1\.[\w.-]+\]\]$/.test(l))).toBe(true);
      expect(out.slice(15, 17)).toEqual(lines.slice(15));
      outputs.push(shape(r.output));
    }
    expect(outputs[1]).toBe(outputs[0]);
  });

  it('redacts the private lines of a PuTTY key logged a line per record, across batches, and leaves its public lines', async () => {
    const body = Array.from({ length: 5 }, (_, i) => `AAAA${String(i).padStart(2, '0')}B3NzaC1yc2EAAAADAQABAAABAQDQk7kRiHq0N7j5T9sMTVfX2u3d8Lp1Zq`.slice(0, 64));
    const lines = ['PuTTY-User-Key-File-3: ssh-rsa', 'Encryption: none', 'Public-Lines: 1', 'AAAAB3NzaC1yc2EAAAADAQABAAABAQC7public', 'Private-Lines: 5', ...body.slice(0, 4), 'Zm9vYmFyYmF6cXV4', 'Private-MAC: 9d419389abe3f5fbd24da39db5be7b0c3d41cacdef618701e13728aff1be4c74', 'done'];
    const input = lines.join('\n') + '\n';
    for (const workers of [0, 2]) {
      const r = await runEngine(input, { workers, batch: { maxBatchRecords: 3 } });
      expect(r.summary).toMatchObject({ recordsIn: lines.length, appOut: lines.length, balanced: true, findings: { 'private-key': 5 } });
      for (const b of [...body.slice(0, 4), 'Zm9vYmFyYmF6cXV4']) expect(r.output).not.toContain(b);
      const out = r.output.split('\n');
      expect(out.slice(0, 5)).toEqual(lines.slice(0, 5));
      expect(out.slice(5, 10).every((l) => /^\[\[PRIVATE_KEY:tk1\.[\w.-]+\]\]$/.test(l))).toBe(true);
      expect(out.slice(10, 12)).toEqual(lines.slice(10));
    }
  });

  it('redacts a value whose name stands on the line before (env entries, a netrc entry), across batches, inline and in workers alike', async () => {
    const lines = [
      '$ kubectl get deploy mailer -o yaml',
      '        env:',
      '        - name: SMTP_PASSWORD',
      '          value: dIo3VPGvQieeh&ces$',
      '        - name: SMTP_HOST',
      '          value: smtp.acme-corp.io',
      '$ kubectl get deploy api -o json',
      '            "env": [',
      '              {',
      '                "name": "DB_PASSWORD",',
      '                "value": "d0VnwVvByQ1zs@47F!"',
      '              },',
      '$ cat ~/.netrc',
      'machine ftp.acme-corp.io',
      '  login backup',
      '  password adc4vAzKr0ix#BT2$',
      'done',
    ];
    const input = lines.join('\n') + '\n';
    const expected = [...lines];
    expected[3] = '          value: "[[PASSWORD]]"';
    expected[10] = '                "value": "[[PASSWORD]]"';
    expected[15] = '  password [[PASSWORD]]';
    // One line a batch carries every name to the next batch; three cut the entries elsewhere.
    for (const workers of [0, 2]) {
      for (const maxBatchRecords of [1, 3]) {
        const r = await runEngine(input, { workers, batch: { maxBatchRecords } });
        expect(r.summary).toMatchObject({ recordsIn: lines.length, appOut: lines.length, balanced: true, findings: { 'key:*_password': 2, 'key:password': 1 } });
        expect(r.output.split('\n').slice(0, -1), `${workers} workers, ${maxBatchRecords} lines a batch`).toEqual(expected);
        const found = r.events.filter((e) => e.type === 'findings');
        expect(found.map((e) => (e.source as { line: number }).line)).toEqual([4, 11, 16]);
      }
    }
  });

  it('redacts a value named on the line before behind a log prefix (timestamps of a CI job, a Compose service) and under a key a dump writes on the line before, across batches', async () => {
    const lines = [
      '2024-05-01T10:00:00.1234567Z ##[group]Run kubectl get deploy mailer -o yaml',
      '2024-05-01T10:00:00.1234567Z         - name: SMTP_PASSWORD',
      '2024-05-01T10:00:00.1234568Z           value: dIo3VPGvQieeh&ces$',
      '2024-05-01T10:00:00.1234569Z         - name: SMTP_HOST',
      '2024-05-01T10:00:00.1234570Z           value: smtp.acme-corp.io',
      'web-1     | - name: SECRET_KEY',
      'db-1      |   value: not-the-same-service',
      'web-1     |   value: 9fj3Kd8sL2mQ',
      '  ["password"]=>',
      '  string(15) "Zq8v!pL2mN0xRt5"',
      '    password: Some(',
      '        "Zq8v!pL2mN0xRt5",',
      '    ),',
    ];
    const input = lines.join('\n') + '\n';
    const expected = [...lines];
    expected[2] = '2024-05-01T10:00:00.1234568Z           value: "[[PASSWORD]]"';
    // Another service's line between is passed over, not taken.
    expected[7] = 'web-1     |   value: "[[SECRET]]"';
    // var_dump's length is the token's; a Rust string stays in its quotes.
    expected[9] = '  string(12) "[[PASSWORD]]"';
    expected[11] = '        "[[PASSWORD]]",';
    for (const workers of [0, 2]) {
      for (const maxBatchRecords of [1, 3]) {
        const r = await runEngine(input, { workers, batch: { maxBatchRecords } });
        expect(r.summary).toMatchObject({ recordsIn: lines.length, appOut: lines.length, balanced: true, findings: { 'key:*_password': 1, 'key:password': 2, 'key:secret_key': 1 } });
        expect(r.output.split('\n').slice(0, -1), `${workers} workers, ${maxBatchRecords} lines a batch`).toEqual(expected);
      }
    }
  });

  it('reads a value a skip rule spares with the secret formats no id looks like, and with nothing else, on both paths', async () => {
    const token = 'ghp_L4luXw2kSCwQDXrr0RNKYqfmdBDP4j1nHBIK';
    const input = [
      `{"request_id":"${token}","checksum":"postgres://admin:S3cr3tP4ss@db.example.com/app","traceparent":"AKIAZ2HFJ3KQ7WXMNP4R"}`,
      '{"trace_id":"4111111111111111","etag":"5018123456789014","sha256":"3b2f1c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c","msg":"ok"}',
    ].join('\n') + '\n';
    for (const fastPath of [true, false]) {
      const r = await runEngine(input, { workers: 0, fastPath });
      expect(r.summary).toMatchObject({ recordsIn: 2, appOut: 2, balanced: true, findings: { 'github-pat': 1, 'db-connection-string': 1, 'aws-access-key-id': 1 } });
      const [first, second] = r.output.split('\n');
      expect(first).toMatch(/^\{"request_id":"\[\[GITHUB_TOKEN:tk1\.[^"]+\]\]","checksum":"postgres:\/\/admin:\[\[DB_PASSWORD:tk1\.[^"]+\]\]@db\.example\.com\/app","traceparent":"\[\[AWS_KEY_ID:tk1\.[^"]+\]\]"\}$/);
      // Ids that look like card numbers are spared, as the rule says (under another key they are redacted).
      expect(second).toBe(input.split('\n')[1]);
      const unskipped = await runEngine('{"id":"4111111111111111","card":"5018123456789014"}\n', { workers: 0, fastPath });
      expect(unskipped.output).not.toMatch(/4111111111111111|5018123456789014/);
    }
  });

  it('finds what separator characters in keys, two-part secrets in token syntax, a byte-order mark or JSON escapes in text would hide', async () => {
    const hook = 'https:\\/\\/hooks.slack.com\\/services\\/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';
    const input = [
      // A key holding NUL or SOH once cost the numbers their spelling (rounded past 2^53, fraction lost).
      '{"a\\u0000":1,"card":6212345678901234569}',
      '{"a\\u0001":1,"n":4111111111111111.9}',
      // A JWT's header and claims, a Vault token: each piece alone holds nothing, the two together do.
      '{"m":"[[X:tk1.eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0]]"}',
      'auth [[X:tk1.hvs.CAESIJlWh7ZmAbCdEfGhIjKlMnOpQrStUv]]',
      // Token syntax no token has: a key rule's value is redacted anyway.
      '{"password":"[[PASSWORD:tk1.hunter2.x]]"}',
      // JSON after a byte-order mark or a carriage return is still JSON.
      `\uFEFF{"hook":"${hook}"}`,
      '\r{"token":"s3cr3tvalue"}',
      `hook=${hook}`,
      '{"__proto__":{"x":1},"z":"alice@example.com"}',
    ].join('\n') + '\n';
    for (const fastPath of [true, false]) {
      const r = await runEngine(input, { workers: 0, fastPath });
      expect(r.summary).toMatchObject({ recordsIn: 9, appOut: 9, balanced: true });
      expect(r.output).not.toMatch(/6212345678901234569|4111111111111111|eyJzdWIi|hvs\.CAES|hunter2|xQ8bDkFzJk7kZPqkz1Ld9sWx|s3cr3tvalue|alice@/);
      const out = r.output.split('\n');
      expect(out[0]).toBe('{"a\\u0000":1,"card":"***************4569"}');
      expect(out[5]).toMatch(/^\uFEFF\{"hook":"https:\/\/hooks\.slack\.com\/services\/\[\[SLACK_WEBHOOK:tk1\./);
      expect(out[6]).toBe('\r{"token":"[[SECRET]]"}');
      // A member named __proto__ is a member like any other.
      expect(out[8]).toMatch(/^\{"__proto__":\{"x":1\},"z":"\[\[EMAIL:tk1\./);
    }
  });

  it('reads a value with its key before it, where the key holds the keyword (on both paths alike)', async () => {
    const input = [
      '{"ssn":"587316420"}',
      '{"user":{"ssn":587316420}}',
      '{"phone":"2025550143"}',
      '{"id":"587316420"}',
      '{"ssn":"587316420","x":"\\u0041"}',
      // Each element of an array is read with the array's key, not only the one the raw line's pattern reached.
      '{"ssns":["587316421","n/a","587316422",587316423],"ids":["587316424","587316425"]}',
      '{"ssns":[1,"536221234"]}',
      // With the keys above it; in its other readings (plain digits, escapes decoded) too.
      '{"ssn":{"primary":"536221234","card":"536221235"},"phones":[{"home":"3125550178"}]}',
      '{"ssn":5.36221234E8,"phone":"312%20555%200178"}',
      // A keyword no literal of the prefilter holds, as a whole word of the key: not inside `span_id`.
      '{"rtn":"011000028","bankRtn":[1,"011000028"],"cpf":{"n":"52998224725"},"span_id":"021000021"}',
      // Read as its words (the pattern wants `transit number`), and with its escapes decoded.
      '{"transitNumber":"026009593","r%74n":[1,"011000028"]}',
      // A name-value object: the value is read under the name (a Kubernetes env list, OTLP attributes).
      '{"env":[{"name":"DB_PASSWORD","value":"hunter2xyz"}],"attributes":[{"key":"bankRtn","value":{"stringValue":"011000028"}}],"method":"password"}',
      // A key without letters is a value, read with the keys above it; a name is not.
      '{"bankRtn":{"026009593":1},"client_secret_cfg":{"rotation":"daily"}}',
    ].join('\n') + '\n';
    const outputs = new Set<string>();
    for (const fastPath of [true, false]) {
      const r = await runEngine(input, { workers: 0, fastPath });
      const out = r.output.split('\n');
      expect(out[0]).toMatch(/^\{"ssn":"\[\[SSN:tk1\./);
      expect(out[1]).toMatch(/^\{"user":\{"ssn":"\[\[SSN:tk1\./);
      expect(out[2]).toMatch(/^\{"phone":"\[\[PHONE:tk1\./);
      // Nine digits under another key are an id.
      expect(out[3]).toBe('{"id":"587316420"}');
      expect(out[4]).toMatch(/^\{"ssn":"\[\[SSN:tk1\./);
      expect(out[5]).toMatch(/^\{"ssns":\["\[\[SSN:tk1\.[^"]+\]\]","n\/a","\[\[SSN:tk1\.[^"]+\]\]","\[\[SSN:tk1\.[^"]+\]\]"\],"ids":\["587316424","587316425"\]\}$/);
      expect(shape(out[6])).toBe('{"ssns":[1,"[[SSN:tk1]]"]}');
      expect(shape(out[7])).toBe('{"ssn":{"primary":"[[SSN:tk1]]","card":"[[SSN:tk1]]"},"phones":[{"home":"[[PHONE:tk1]]"}]}');
      expect(shape(out[8])).toBe('{"ssn":"[[SSN:tk1]]","phone":"[[PHONE:tk1]]"}');
      expect(shape(out[12])).toBe('{"bankRtn":{"[[ROUTING_NUMBER:tk1]]":1},"client_secret_cfg":{"rotation":"daily"}}');
      expect(shape(out[11])).toBe('{"env":[{"name":"DB_PASSWORD","value":"[[PASSWORD]]"}],"attributes":[{"key":"bankRtn","value":{"stringValue":"[[ROUTING_NUMBER:tk1]]"}}],"method":"password"}');
      expect(shape(out[10])).toBe('{"transitNumber":"[[ROUTING_NUMBER:tk1]]","r%74n":[1,"[[ROUTING_NUMBER:tk1]]"]}');
      expect(shape(out[9])).toBe('{"rtn":"[[ROUTING_NUMBER:tk1]]","bankRtn":[1,"[[ROUTING_NUMBER:tk1]]"],"cpf":{"n":"[[TAX_ID:tk1]]"},"span_id":"021000021"}');
      // Each run has keys of its own: the outputs are compared token syntax for token syntax.
      outputs.add(shape(r.output));
    }
    expect(outputs.size).toBe(1);
  });

  it('names no key that holds a secret in the message of a repeated key, however the key is escaped', async () => {
    const deep = `${'['.repeat(65)}${']'.repeat(65)}`;
    const input = [
      '{"u":{"bob.smith\\\\u0040corp-mail.io":{"x":1,"x":2}}}',
      '{"AKIAQ3EGWK7NXZ2HJ4T\\\\u0059":{"a":1,"a":2}}',
      '{"ok":{"a":1,"a":"x@y.io"}}',
      // A key that repeats a value of the record (a password a key rule takes) is not named either
      // (a key ending in secret would be a key rule's own: its value taken whole, never walked).
      '{"password":"Hunter2Sekret","x":{"Hunter2Sekret":1,"Hunter2Sekret":2}}',
      // The parse keeps the last of a repeated key's values: an earlier one still counts.
      '{"Tr0ub4dor3xyz":{"k":1,"k":2},"password":"Tr0ub4dor3xyz","password":"other"}',
      `{"password":"Hunter2Sekret","Hunter2Sekret":${deep}}`,
      `{"ok":${deep}}`,
      '{"password":"Hunter2Sekret","Hunter2Sekret":"bob@example.com","list":[{"Hunter2Sekret":{"mail":"eve@example.com"}}]}',
      // A key holding JSON whose value a key rule takes.
      `{"{'cookie': 'sid=Zq7hunterXy9'}":{"b":1,"b":2}}`,
    ].join('\n') + '\n';
    const r = await runEngine(input, { workers: 0 });
    const messages = r.events.filter((e) => e.type === 'quarantine').map((e) => e.message);
    expect(messages).toEqual([
      'an object repeats the key; the record is ambiguous',
      'an object repeats the key; the record is ambiguous',
      'an object repeats the key at $.ok.a; the record is ambiguous',
      'an object repeats the key; the record is ambiguous',
      'an object repeats the key; the record is ambiguous',
      'JSON nesting deeper than 64 levels',
      `JSON nesting deeper than 64 levels at $.ok${'[0]'.repeat(63)}`,
      'an object repeats the key; the record is ambiguous',
    ]);
    expect(JSON.stringify(r.events)).not.toContain('Zq7hunterXy9');
    // Findings name keys as the output has them: a key renamed because it repeats a redacted value too.
    expect(JSON.stringify(r.events)).not.toContain('Hunter2Sekret');
    const paths = r.events.flatMap((e) => (e.type === 'findings' ? (e.findings as Array<{ path: string }>) : [])).map((f) => f.path);
    expect(paths).toContain('$.list[0]["[[PASSWORD]]"].mail');
  });

  it('redacts a value where it repeats in another field of the record, as it was redacted first', async () => {
    const key = '6wnSWR34sVc6ysmGPrsykQGTIbQqBF5N4rWWQgWM';
    const input = [
      '{"password":"hunter22","msg":"login hunter22 ok","n":"hunter222"}',
      `{"m":"cohere_key = \\"${key}\\"","copy":"${key}","list":["x ${key}"]}`,
      '{"ssn":"587316420","id":587316420,"other":"5873164201"}',
      // In a key, too.
      '{"password":"hunter22","hunter22":{"x":"hunter22"},"k":1}',
      '{"password":"hunter22","hunter22":1,"[[PASSWORD]]":2}',
    ].join('\n') + '\n';
    for (const [workers, fastPath] of [[0, true], [0, false], [2, true]] as const) {
      const r = await runEngine(input, { workers, fastPath });
      const out = r.output.split('\n');
      expect(out[0]).toBe('{"password":"[[PASSWORD]]","msg":"login [[PASSWORD]] ok","n":"hunter222"}');
      // The same deterministic token everywhere.
      const tokens = out[1]?.match(/\[\[COHERE_KEY:tk1\.[^\]]+\]\]/g) ?? [];
      expect(tokens).toHaveLength(3);
      expect(new Set(tokens).size).toBe(1);
      expect(out[2]).toMatch(/^\{"ssn":"\[\[SSN:tk1\.[^"]+\]\]","id":"\[\[SSN:tk1\.[^"]+\]\]","other":"5873164201"\}$/);
      expect(out[3]).toBe('{"password":"[[PASSWORD]]","[[PASSWORD]]":{"x":"[[PASSWORD]]"},"k":1}');
      // Two keys that redact alike make the record ambiguous: it is quarantined.
      expect(out.slice(3).join('\n')).not.toContain('hunter22');
      expect(r.summary).toMatchObject({ recordsIn: 5, appOut: 4, quarantined: 1, balanced: true });
      const findings = r.events.flatMap((e) => (e.type === 'findings' ? (e.findings as Array<{ detectorId: string; path: string }>) : []));
      expect(findings.map((f) => `${f.detectorId} ${f.path}`)).toEqual([
        'key:password $.password',
        'key:password $.msg',
        'cohere-api-key $.m',
        'cohere-api-key $.copy',
        'cohere-api-key $.list[0]',
        'us-ssn-bare $.ssn',
        'us-ssn-bare $.id',
        'key:password $.password',
        'key:password ${key}',
        'key:password $["[[PASSWORD]]"].x',
      ]);
    }
  });

  it('redacts repeats of what a key rule took inside an object, of numbers in their other writings, and of token look-alikes', async () => {
    const zeros = '0'.repeat(49);
    const input = [
      '{"password":{"value":"Hunter2Secret"},"msg":"Hunter2Secret"}',
      '{"ssn":"536221234","x":5.36221234E8}',
      '{"api_key":"9007199254740993","id":9007199254740993}',
      '{"password":"1234567.5","x":1234567.5}',
      // Token syntax with a label the policy does not write is no token.
      '{"password":"[[HUNTER2SECRET]]","token":"[[CORRECT_HORSE:h1.AAAAAAAAAAAAAAAAAAAAAA]]"}',
      `{"n":4111111111111111${zeros}e-49}`,
    ].join('\n') + '\n';
    for (const [workers, fastPath] of [[0, true], [0, false], [2, true]] as const) {
      const r = await runEngine(input, { workers, fastPath });
      const out = shape(r.output).split('\n');
      expect(out.slice(0, 6)).toEqual([
        '{"password":"[[PASSWORD]]","msg":"[[PASSWORD]]"}',
        '{"ssn":"[[SSN:tk1]]","x":"[[SSN:tk1]]"}',
        '{"api_key":"[[API_KEY]]","id":"[[API_KEY]]"}',
        '{"password":"[[PASSWORD]]","x":"[[PASSWORD]]"}',
        '{"password":"[[PASSWORD]]","token":"[[SECRET]]"}',
        '{"n":"************1111"}',
      ]);
    }
  });

  it('redacts a repeat spelled with escapes, and the plain repeat of a value written with escapes', async () => {
    const input = [
      '{"session_token":"Zx9/kQ2+vL7mN4pR8sT1uW3yB6cD0eF5","next":"/resume?s=Zx9%2FkQ2%2BvL7mN4pR8sT1uW3yB6cD0eF5"}',
      '{"password":"Pw%21secret3","msg":"retry with Pw!secret3","raw":"Pw%21secret3"}',
      '{"password":"p@ss w0rd!x","url":"/login?pw=p%40ss%20w0rd%21x","note":"\\u0070@ss w0rd!x"}',
    ].join('\n') + '\n';
    for (const [workers, fastPath] of [[0, true], [2, true]] as const) {
      const r = await runEngine(input, { workers, fastPath });
      expect(r.output.split('\n').slice(0, 3)).toEqual([
        '{"session_token":"[[SECRET]]","next":"/resume?s=[[SECRET]]"}',
        '{"password":"[[PASSWORD]]","msg":"retry with [[PASSWORD]]","raw":"[[PASSWORD]]"}',
        '{"password":"[[PASSWORD]]","url":"/login?pw=[[PASSWORD]]","note":"[[PASSWORD]]"}',
      ]);
    }
  });

  it('redacts the repeats of a value found in another reading, or taken by a key rule as a number or a key', async () => {
    const deep = `${'['.repeat(70)}${']'.repeat(70)}`;
    const input = [
      '{"ssn":5.36274189E8,"m":"id 536274189","n":536274189}',
      '{"ssn":"536274189","m":"id 5.36274189E8"}',
      '{"password":5.36274189E8,"n":536274189}',
      '{"password":1234567.50,"msg":"code 1234567.50","a":{"1234567.50":1}}',
      '{"password":{"hunter2xyz":1},"msg":"login hunter2xyz"}',
      // Token syntax shields nothing the record redacted.
      '{"password":"hunter2hunter2hunter2Q","m":"login [[PASSWORD:h1.hunter2hunter2hunter2Q]]"}',
      '{"ssn":5.36274189E8,"a":{"536274189":{"x":"bob@example.com"}}}',
      // Messages name no key that spells a redacted value with escapes.
      `{"password":"hunter2xyz","a":{"hunter2%78yz":${deep}}}`,
      '{"password":"hunter2%78yz","x":{"hunter2xyz":{"k":1,"k":2}}}',
    ].join('\n') + '\n';
    for (const workers of [0, 2]) {
      const r = await runEngine(input, { workers });
      const out = shape(r.output).split('\n');
      expect(out.slice(0, 7)).toEqual([
        '{"ssn":"[[SSN:tk1]]","m":"id [[SSN:tk1]]","n":"[[SSN:tk1]]"}',
        '{"ssn":"[[SSN:tk1]]","m":"id [[SSN:tk1]]"}',
        '{"password":"[[PASSWORD]]","n":"[[PASSWORD]]"}',
        '{"password":"[[PASSWORD]]","msg":"code [[PASSWORD]]","a":{"[[PASSWORD]]":1}}',
        '{"password":"[[PASSWORD]]","msg":"login [[PASSWORD]]"}',
        '{"password":"[[PASSWORD]]","m":"login [[PASSWORD:h1.[[PASSWORD]]]]"}',
        '{"ssn":"[[SSN:tk1]]","a":{"[[SSN:tk1]]":{"x":"[[EMAIL:tk1]]"}}}',
      ]);
      expect(r.events.filter((e) => e.type === 'quarantine').map((e) => e.message)).toEqual([
        'JSON nesting deeper than 64 levels',
        'an object repeats the key; the record is ambiguous',
      ]);
      expect(JSON.stringify(r.events)).not.toMatch(/536274189|hunter2/);
    }
  });

  it('redacts a record holding thousands of distinct findings, and their repeats in its other fields', async () => {
    const ips = Array.from({ length: 5000 }, (_, i) => `10.${i >> 8}.${i & 255}.${(i * 7) & 255}`);
    // The password is found again in the note only by the search for repeats, over 5,001 values at once.
    const input = `${JSON.stringify({ password: 'Zq9-unique-pw', msg: ips.join(' '), copy: `from ${ips[4321]} again`, list: [ips[17]], note: 'again Zq9-unique-pw' })}\n`;
    const r = await runEngine(input, { workers: 0 });
    expect(r.summary).toMatchObject({ recordsIn: 1, appOut: 1, balanced: true });
    expect(/\b10\.\d+\.\d+\.\d+|Zq9-unique-pw/.test(r.output)).toBe(false);
    const findings = r.events.flatMap((e) => (e.type === 'findings' ? (e.findings as Array<{ path: string }>) : []));
    expect(findings).toHaveLength(5004);
    expect(findings.filter((f) => f.path !== '$.msg').map((f) => f.path)).toEqual(['$.password', '$.copy', '$.list[0]', '$.note']);
  });

  it('routes a record the policy drops, its body withheld, so the security rules still see it', async () => {
    const routing = new CompiledRouting(loadRoutingRules([builtinRoutingDir()]));
    const policy = new CompiledPolicy(loadPolicy([builtinPatternsDir()]), { maxDepth: LIMITS.maxDepth, extraLinePatterns: routing.linePatterns });
    const input = 'Dec 10 06:55:46 host sudo[99]:   bob@example.com : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home ; USER=root ; COMMAND=/bin/sh\n';
    for (const workers of [0, 2]) {
      const r = await runEngine(input, { workers, policy, actions: { byDetector: { email: { type: 'drop-record' } } }, routing: { compiled: routing, salt: new Uint8Array(16), appStream: 'keep' } });
      expect(r.summary).toMatchObject({ recordsIn: 1, appOut: 0, dropped: 1, balanced: true });
      const routed = r.events.filter((e) => e.type === 'routed');
      expect(routed).toEqual([expect.objectContaining({ rules: [expect.objectContaining({ id: 'sudo-auth-failure' })], appStream: 'remove', record: { body: '[[DROPPED]]' } })]);
      expect(JSON.stringify(r.events)).not.toContain('bob@example.com');
    }
  });

  it('counts a threshold rule\'s matches by the records\' own times: ten 401s an hour apart do not fire it, ten in a minute do', async () => {
    const routing = new CompiledRouting(loadRoutingRules([builtinRoutingDir()]));
    const policy = new CompiledPolicy(loadPolicy([builtinPatternsDir()]), { maxDepth: LIMITS.maxDepth, extraLinePatterns: routing.linePatterns });
    const at = (ms: number): string => new Date(Date.UTC(2026, 0, 5, 8) + ms).toISOString();
    const json = (step: number) => Array.from({ length: 10 }, (_, i) => `${JSON.stringify({ timestamp: at(i * step), remote_addr: '203.0.113.9', request: 'POST /login', status: 401 })}\n`).join('');
    // The same in Apache's access log form, its times in its own brackets.
    const apache = (step: number) =>
      Array.from({ length: 10 }, (_, i) => `203.0.113.7 - - [${new Date(Date.UTC(2025, 2, 14, 9) + i * step).toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1/$2/$3:$4 +0000')}] "POST /login HTTP/1.1" 401 178\n`).join('');
    for (const [input, spread] of [[json(3_600_000), true], [json(5_000), false], [apache(3_600_000), true], [apache(5_000), false]] as const) {
      const r = await runEngine(input, { workers: 0, policy, routing: { compiled: routing, salt: new Uint8Array(16), appStream: 'keep' } });
      const fired = r.events.filter((e) => e.type === 'routed');
      expect(fired, input.slice(0, 80)).toHaveLength(spread ? 0 : 1);
      expect(r.summary).toMatchObject({ recordsIn: 10, appOut: 10, balanced: true });
    }
  });

  it('quarantines a record nested past any stack for its depth, inline and in workers alike', async () => {
    const input = `${'['.repeat(20_000)}1${']'.repeat(20_000)}\n`;
    for (const workers of [0, 2]) {
      const r = await runEngine(input, { workers });
      expect(r.summary).toMatchObject({ recordsIn: 1, quarantined: 1, balanced: true, quarantinedByCode: { RECORD_TOO_DEEP: 1 } });
    }
  });

  it('reads base64 of JSON nested eight levels deep, and quarantines a record that nests it deeper', async () => {
    const nest = (levels: number): string => {
      let json = '{"password":"Sm7xQ2mLw9"}';
      for (let i = 0; i < levels; i++) json = JSON.stringify({ data: Buffer.from(json).toString('base64') });
      return `${json}\n`;
    };
    const read = await runEngine(nest(8), { workers: 0 });
    expect(read.summary).toMatchObject({ recordsIn: 1, appOut: 1, quarantined: 0, balanced: true });
    let out = read.output;
    for (let i = 0; i < 8; i++) out = Buffer.from((JSON.parse(out) as { data: string }).data, 'base64').toString();
    expect(out).toMatch(/^\{"password":"\[\[PASSWORD:/);
    const deeper = await runEngine(nest(9), { workers: 0 });
    expect(deeper.summary).toMatchObject({ recordsIn: 1, appOut: 0, quarantined: 1, balanced: true, quarantinedByCode: { RECORD_TOO_DEEP: 1 } });
  });

  it('during a key-provider outage quarantines what needs a new key, passes clean lines, and counts it all', async () => {
    // One key generation works; the key is spent after 10 tokens, every rotation after that fails.
    const input = mixed(700);
    const r = await runEngine(input, { workers: 2, batch: { maxBatchRecords: 20 }, okKeyGenerations: 1, maxKeyUses: 10 });
    const s = r.summary;
    expect(s.balanced).toBe(true);
    expect(s.recordsIn).toBe(700);
    expect(s.quarantined).toBeGreaterThan(0);
    expect(Object.keys(s.quarantinedByCode)).toEqual(['KEY_UNAVAILABLE']);
    expect(s.appOut).toBeGreaterThanOrEqual(600);
    expect(leaks(r.output)).toEqual([]);
    expect(r.output).not.toMatch(/user\d+@example\.com/);
    expect(JSON.stringify(r.quarantine)).not.toMatch(/@example\.com/);
  });

  it('reads past a line longer than a record may be, quarantines its head and counts all of it, inline and in workers alike', async () => {
    // 64 MiB with no line end: a worker could not hold it to quarantine it (its heap is 80 MiB).
    const MiB = 1024 * 1024;
    const [before, opening, closing, after] = [`${SECRET_LINE(1)}\n`, '{"blob":"user9@example.com ', '"}', `\n${SECRET_LINE(3)}\n`];
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from(before + opening);
      for (let i = 0; i < 64; i++) yield Buffer.alloc(MiB, 0x78);
      yield Buffer.from(closing + after);
    }
    const longLine = opening.length + 64 * MiB + closing.length;
    const inputBytes = before.length + longLine + after.length;
    for (const workers of [0, 2]) {
      const r = await runEngine(source, { workers });
      expect(r.summary).toMatchObject({ recordsIn: 3, appOut: 2, quarantined: 1, balanced: true, bytesIn: inputBytes, quarantinedByCode: { RECORD_TOO_LARGE: 1 } });
      // The lines around it leave as they do without it.
      expect(shape(r.output)).toBe(shape((await runEngine(before + after.slice(1), { workers })).output));
      expect(r.output).not.toMatch(/@example\.com|xxxx/);
      expect(r.quarantine.map((q) => [(q.source as { line: number }).line, q.code])).toEqual([[2, 'RECORD_TOO_LARGE']]);
      // The head alone is kept: base64 of 1 MiB, encrypted, then base64url again.
      expect((r.quarantine[0]?.envelope as string).length).toBeLessThan(2 * MiB);
      const event = r.events.find((e) => e.type === 'quarantine');
      expect(event?.message).toBe(`record of ${longLine} bytes exceeds maxRecordBytes ${MiB}; its first ${MiB} bytes are quarantined`);
    }
  });

  it('gives its workers the heap a record as long as the limit allows needs', async () => {
    const limits = { maxRecordBytes: 48 * 1024 * 1024, maxDepth: 64 };
    const record = `{"note":"${'y'.repeat(30 * 1024 * 1024)}","mail":"user7@example.com"}\n`;
    const r = await runEngine(record, { workers: 1, limits });
    expect(r.summary).toMatchObject({ recordsIn: 1, appOut: 1, quarantined: 0, balanced: true });
    expect(r.output).toMatch(/"mail":"\[\[EMAIL:tk1\./);
  });

  it('applies backpressure: the source is never read far ahead of the results', async () => {
    let pulled = 0;
    let settled = 0;
    let maxAhead = 0;
    async function* source(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 200; i++) {
        pulled += 1;
        maxAhead = Math.max(maxAhead, pulled - settled);
        yield Buffer.from(lines(10, (j) => CLEAN_LINE(i * 10 + j)));
      }
    }
    const r = await runEngine(source, {
      workers: 2,
      maxInFlight: 3,
      batch: { maxBatchRecords: 10, maxBatchBytes: 1 << 20 },
      onProgress: () => {
        settled += 1;
      },
    });
    expect(r.summary).toMatchObject({ recordsIn: 2000, appOut: 2000, balanced: true });
    // One chunk is one batch: at most maxInFlight batches out, plus the one being cut.
    expect(maxAhead).toBeLessThanOrEqual(3 + 2);
  });
});
