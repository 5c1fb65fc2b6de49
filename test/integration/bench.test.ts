import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinPatternsDir } from '../../src/config/config.js';
import { CompiledPolicy } from '../../src/detect/compile.js';
import { loadPolicy } from '../../src/detect/load.js';
import { scanText } from '../../src/detect/scan.js';
import { CORPORA_DIR, hasCorpora } from '../helpers/corpora.js';

// The benchmark suite is plain .mjs under bench/; it is imported through a computed URL so that the
// type checker (which does not read .mjs) sees a typed `any`, narrowed by the interfaces below.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const load = async <T>(name: string): Promise<T> => (await import(new URL(`../../bench/${name}`, import.meta.url).href)) as T;

interface CorpusStats {
  bytes: number;
  lines: number;
  piiLines: number | null;
  sensitive: Record<string, number>;
  sha256: string;
}
interface GeneratorModule {
  generateFile(path: string, o: { bytes: number; seed?: number; format?: 'jsonl' | 'text'; lineBytes?: number }): CorpusStats;
  corpusLines(o: { seed?: number; format?: 'jsonl' | 'text' }): Generator<{ line: string; kind: string; sensitive: string | undefined }>;
}

let dir: string;
let gen: GeneratorModule;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logveil-bench-test-'));
  gen = await load<GeneratorModule>('generate.mjs');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('benchmark corpus generator', () => {
  it('writes the same bytes for the same seed, and other bytes for another seed', () => {
    const a = gen.generateFile(join(dir, 'a.jsonl'), { bytes: 1_000_000, seed: 7 });
    const b = gen.generateFile(join(dir, 'b.jsonl'), { bytes: 1_000_000, seed: 7 });
    const c = gen.generateFile(join(dir, 'c.jsonl'), { bytes: 1_000_000, seed: 8 });
    expect(sha256(join(dir, 'a.jsonl'))).toBe(sha256(join(dir, 'b.jsonl')));
    expect(a.sha256).toBe(sha256(join(dir, 'a.jsonl')));
    expect(b).toEqual(a);
    expect(c.sha256).not.toBe(a.sha256);
    expect(a.bytes).toBeGreaterThanOrEqual(1_000_000);
    expect(a.bytes).toBeLessThan(1_000_000 + 4096);
  });

  it('gives about 5 % of lines a sensitive value, of every kind, in JSON and text corpora', () => {
    for (const format of ['jsonl', 'text'] as const) {
      const stats = gen.generateFile(join(dir, `pii.${format}`), { bytes: 4_000_000, seed: 11, format });
      const share = (stats.piiLines ?? 0) / stats.lines;
      expect(share, format).toBeGreaterThan(0.04);
      expect(share, format).toBeLessThan(0.06);
      expect(Object.keys(stats.sensitive).sort(), format).toEqual(
        ['aws-key-id', 'bearer', 'card', 'email', 'github-token', 'iban', 'ipv4', 'jwt', 'password', 'phone'],
      );
    }
  });

  it('puts in every line it marks sensitive a value the built-in packs detect', () => {
    const policy = new CompiledPolicy(loadPolicy([builtinPatternsDir()]), { maxDepth: 64 });
    for (const format of ['jsonl', 'text'] as const) {
      let dirty = 0;
      const missed: string[] = [];
      let n = 0;
      for (const { line, sensitive } of gen.corpusLines({ seed: 3, format })) {
        if (++n > 20_000) break;
        if (!sensitive) continue;
        dirty += 1;
        if (scanText(policy, line).length === 0) missed.push(`${sensitive}: ${line}`);
      }
      expect(dirty, format).toBeGreaterThan(500);
      expect(missed, format).toEqual([]);
    }
  });
});

describe('npm run bench', () => {
  it('runs a tiny quick benchmark to the end and writes the results JSON and HTML', () => {
    const out = join(dir, 'results');
    const r = spawnSync(
      process.execPath,
      ['bench/run.mjs', '--quick', '--size', '1MB', '--scale-size', '500KB', '--rounds', '2', '--round-budget', '1', '--no-rss', '--no-competitors', '--out', out, '--data', join(dir, 'data')],
      { cwd: ROOT, encoding: 'utf8', timeout: 170_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('=== targets');
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^\d{4}-\d{2}-\d{2}-quick\.html$/);
    expect(files[1]).toMatch(/^\d{4}-\d{2}-\d{2}-quick\.json$/);
    const results = JSON.parse(readFileSync(join(out, files[1] as string), 'utf8'));
    expect(Object.keys(results)).toEqual(
      expect.arrayContaining(['schema', 'date', 'machine', 'logveil', 'corpora', 'measurements', 'startupSec', 'naive', 'competitors', 'scaling', 'rss', 'targets']),
    );
    expect(results.machine.cpus).toBeGreaterThan(0);
    expect(results.logveil.policyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(results.logveil.detectors).toBeGreaterThan(0);
    expect(results.corpora.main.bytes).toBeGreaterThanOrEqual(1_000_000);
    const ids = results.measurements.map((m: { id: string }) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['logveil-w0', 'logveil-w1', 'logveil-cli', 'floor-json', 'baseline-naive']));
    // Library subjects with workers keep one pool across their runs; one subject starts a pool per run, as the CLI does.
    expect(ids.filter((id: string) => /^logveil-w\d+-cold$/.test(id))).toHaveLength(1);
    type Run = { detail?: { pool?: string } };
    const byIdNow = (id: string) => results.measurements.find((m: { id: string }) => m.id === id) as { note?: string; warmup: Run; rounds: Run[] };
    const kept = byIdNow('logveil-w1');
    expect(kept.note).toContain('one worker pool for the warm-up and every round');
    expect(kept.warmup.detail?.pool).toBe('new');
    expect(kept.rounds.map((r) => r.detail?.pool)).toEqual(['kept', 'kept']);
    const cold = byIdNow(ids.find((id: string) => /^logveil-w\d+-cold$/.test(id)));
    expect([cold.warmup, ...cold.rounds].map((r) => r.detail?.pool)).toEqual(['new', 'new', 'new']);
    for (const m of results.measurements) {
      expect(m.mbps, m.id).toBeGreaterThan(0);
      // Two rounds (--rounds 2); the detector counts three (see below).
      expect(m.rounds, m.id).toHaveLength(/^detectors-(same-)?\d+$/.test(m.id) ? 3 : 2);
    }
    expect(results.scaling.detectors.map((p: { x: number }) => p.x)).toEqual(expect.arrayContaining([30, 100, 200]));
    // What each policy finds, beside its speed: the built-in library finds more than its first 30 detectors.
    const points = results.scaling.detectors as Array<{ x: number; structuredPerMB: number; findingsPerMB: number }>;
    const at = (x: number) => points.find((p) => p.x === x) as { structuredPerMB: number; findingsPerMB: number };
    expect(at(200).findingsPerMB).toBeGreaterThan(at(30).findingsPerMB);
    expect(at(30).structuredPerMB).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/^ {2}30 detectors: \d+ lines per MB take the structured path, \d+ findings per MB$/m);
    expect(results.scaling.lineLength.map((p: { x: number }) => p.x)).toEqual([100, 1000, 10000]);
    // With the same findings: both policies hold every detector that found something in the slice.
    const same = results.scaling.detectorsSameFindings as Array<{ x: number; detectors: number; finding: string[] }>;
    // ... and so does the whole built-in library.
    const library = results.scaling.detectors.at(-1) as { x: number };
    expect(same.map((p) => p.x)).toEqual([30, 200, library.x]);
    expect(same[0]?.finding.length).toBeGreaterThan(0);
    expect(same[0]?.finding).toEqual(same[1]?.finding);
    expect(same[2]?.finding).toEqual(same[1]?.finding);
    expect(same[1]?.detectors).toBe(200);
    expect(same[2]?.detectors).toBe(library.x);
    expect(results.targets.map((t: { id: string }) => t.id)).toEqual([
      'throughput-2-workers',
      'vs-naive',
      'vs-json-floor',
      'worker-scaling',
      'detector-cost',
      'detector-cost-same-findings',
      'detector-cost-library',
      'detector-cost-library-same-findings',
      'peak-rss-1gb',
    ]);
    // Subjects whose ratio is a target were measured side by side.
    const byId = new Map(results.measurements.map((m: { id: string; interleavedWith?: string }) => [m.id, m]));
    expect((byId.get('logveil-w1') as { interleavedWith?: string }).interleavedWith).toContain('logveil-w0');
    expect((byId.get('baseline-naive') as { interleavedWith?: string }).interleavedWith).toContain('logveil-w1');
    expect((byId.get('floor-json') as { interleavedWith?: string }).interleavedWith).toContain('logveil-w1');
    expect((byId.get('detectors-30') as { interleavedWith?: string }).interleavedWith).toContain('detectors-200');
    expect((byId.get('detectors-same-30') as { interleavedWith?: string }).interleavedWith).toContain('detectors-same-200');
    // The detector counts, whose ratios are targets, run nearly twice the rounds of the rest.
    const rounds = (id: string): number => (byId.get(id) as { rounds: unknown[] }).rounds.length;
    expect([rounds('logveil-w1'), rounds('detectors-30'), rounds('detectors-200'), rounds('detectors-same-200')]).toEqual([2, 3, 3, 3]);
    // The ceiling of the worker scaling: the batch function alone in 1..cores threads, side by side.
    const ceilings = ids.filter((id: string) => /^ceiling-t\d+$/.test(id)).sort();
    expect(ceilings).toEqual(Array.from({ length: results.machine.cpus }, (_, i) => `ceiling-t${i + 1}`).sort());
    const corpusLines = results.corpora.main.lines as number;
    for (const id of ceilings) {
      // Every line once, unless the round budget cut the corpus short on a slow machine.
      const m = byId.get(id) as { sampled: boolean; rounds: Array<{ records: number }> };
      if (!m.sampled) expect(m.rounds[0]?.records, id).toBe(corpusLines);
    }
    if (ceilings.length > 1) {
      expect(results.ceiling.twoThreadsVsOne.value).toBeGreaterThan(0);
      expect(results.targets.find((t: { id: string }) => t.id === 'worker-scaling').basis).toContain('the batch function alone in 2 threads / 1 thread');
      expect(r.stdout).toContain('ceiling of 2 workers / 1 worker on this machine');
    }
    expect(results.rss).toBeNull();
    const html = readFileSync(join(out, files[0] as string), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src="http/);
  }, 180_000);
});

describe('benchmark ratios', () => {
  interface Round {
    mbps: number;
  }
  interface MeasureModule {
    roundRatio(a: { mbps: number; rounds: Round[]; interleavedWith?: string }, b: { mbps: number; rounds: Round[]; interleavedWith?: string }): number;
  }

  it('takes the ratio of side-by-side rounds, so a drift of the machine cancels out', async () => {
    const { roundRatio } = await load<MeasureModule>('perf/measure.mjs');
    // The machine slows down between rounds; each round, a is twice as fast as b.
    const a = { mbps: 40, rounds: [{ mbps: 80 }, { mbps: 40 }, { mbps: 20 }], interleavedWith: 'a b' };
    const b = { mbps: 50, rounds: [{ mbps: 40 }, { mbps: 20 }, { mbps: 10 }], interleavedWith: 'a b' };
    expect(roundRatio(a, b)).toBe(2);
    // Measured apart: the medians are all there is.
    expect(roundRatio({ ...a, interleavedWith: undefined }, b)).toBe(0.8);
  });
});

describe('the fast-path check', () => {
  it.skipIf(!hasCorpora)('finds the two paths of the engine equal on every real, labelled and seeded line', () => {
    const r = spawnSync(process.execPath, ['bench/fastpath-check.mjs', '--size', '2MB', '--corpora', CORPORA_DIR], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d+ lines compared \(28 inputs, 2 policies\): 0 differing batches$/m);
    expect(r.status).toBe(0);
    // The real logs alone are 28,000 lines, compared under both policies.
    expect(Number(/^(\d+) lines compared/m.exec(r.stdout)?.[1])).toBeGreaterThan(100_000);
  }, 180_000);
});

describe('serve under load', () => {
  it('posts the corpus as lines and as OTLP requests, prints both rates, and checks the counts balance', () => {
    const r = spawnSync(process.execPath, ['bench/serve.mjs', '--size', '1MB', '--body', '64KB', '--records', '50', '--concurrency', '2', '--workers', '1'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\/v1\/lines, bodies of 64 KB: [\d.]+ MB\/s, [\d.]+ requests\/s$/m);
    expect(r.stdout).toMatch(/^\/v1\/logs, 50 log records a request: [\d.]+ MB\/s of record bodies, [\d.]+ requests\/s$/m);
    const counts = /^counts: in (\d+), app out (\d+), dropped 0, quarantined 0$/m.exec(r.stdout);
    expect(counts?.[1]).toBe(counts?.[2]);
    expect(Number(counts?.[1])).toBeGreaterThan(3000);
  }, 130_000);
});

describe('two builds compared', () => {
  it('runs the batches of a corpus through both builds and prints their speeds', () => {
    const r = spawnSync(process.execPath, ['bench/compare-builds.mjs', 'dist', 'dist', '--size', '1MB', '--rounds', '2'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^round 1: A [\d.]+ MB\/s, B [\d.]+ MB\/s, B\/A [\d.]+$/m);
  }, 130_000);

  it('compares the line prefilter alone when asked, and names a stage it does not know', () => {
    const r = spawnSync(process.execPath, ['bench/compare-builds.mjs', 'dist', 'dist', '--size', '1MB', '--rounds', '2', '--stage', 'prefilter'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('line prefilter alone; ');
    expect(r.stdout).toMatch(/^round 1: A [\d.]+ MB\/s, B [\d.]+ MB\/s, B\/A [\d.]+$/m);
    const bad = spawnSync(process.execPath, ['bench/compare-builds.mjs', 'dist', 'dist', '--stage', 'scan'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--stage must be batch or prefilter, got "scan"');
  }, 130_000);

  it('compares two policies of the detector-count curve on one build, and names a count it cannot take', () => {
    const r = spawnSync(process.execPath, ['bench/compare-builds.mjs', 'dist', 'dist', '--size', '1MB', '--rounds', '2', '--detectors-a', '30', '--detectors-b', '200'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^A \S+dist, 30 detectors\nB \S+dist, 200 detectors$/m);
    expect(r.stdout).toMatch(/^round 1: A [\d.]+ MB\/s, B [\d.]+ MB\/s, B\/A [\d.]+$/m);
    const bad = spawnSync(process.execPath, ['bench/compare-builds.mjs', 'dist', 'dist', '--detectors-b', '0'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--detectors-b must be a positive integer, got "0"');
  }, 130_000);

  it('compares node flags over processes started with them and without, in turn', () => {
    const r = spawnSync(process.execPath, ['bench/compare-node-flags.mjs', '--single-threaded-gc', '--runs', '1', '--rounds', '2', '--size', '1MB', '--workers', '2'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}run 1, --single-threaded-gc +1 worker [\d.]+; 2 workers [\d.]+ MB\/s$/m);
    expect(r.stdout).toMatch(/^ {2}run 1, \(none\) +1 worker [\d.]+; 2 workers [\d.]+ MB\/s$/m);
    expect(r.stdout).toMatch(/^--single-threaded-gc +1 worker [\d.]+ MB\/s \([\d.]+ cores\), 2 workers [\d.]+ MB\/s: [\d.]+ times one/m);
    const bad = spawnSync(process.execPath, ['bench/compare-node-flags.mjs', 'single-threaded-gc'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('usage: compare-node-flags.mjs');
  }, 130_000);

  const hasValgrind = spawnSync('valgrind', ['--version']).error === undefined;
  it.skipIf(!hasValgrind)('counts the instructions of the line prefilter, fresh data costing less than the warm-up', () => {
    const r = spawnSync(process.execPath, ['bench/instructions.mjs', '--warm', '1MB', '--measure', '1MB'], { cwd: ROOT, encoding: 'utf8', timeout: 280_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const perMB = (label: string): number => Number(new RegExp(`^${label}.* ([\\d.]+) M per MB$`, 'm').exec(r.stdout)?.[1]);
    expect(perMB('first 1 MB')).toBeGreaterThan(0);
    expect(perMB('next 1 MB')).toBeGreaterThan(0);
    // RE2 builds its automata's states as the first lines ask for them.
    expect(perMB('next 1 MB')).toBeLessThan(perMB('first 1 MB'));
  }, 290_000);
});

describe('benchmark steady rate', () => {
  interface LogveilModule {
    lastQuartersMBps(progress: ReadonlyArray<readonly [number, number]>): number | null;
  }

  it('measures the last three quarters of the bytes, leaving out a slow start', async () => {
    const { lastQuartersMBps } = await load<LogveilModule>('perf/logveil.mjs');
    // 16 batches of 1 MB: the first four take 100 ms each (pool start, warm-up), the rest 20 ms.
    const progress: Array<[number, number]> = [];
    for (let i = 1, t = 0; i <= 16; i++) progress.push([(t += i <= 4 ? 100 : 20), i * 1e6]);
    // From 4 MB written (at 400 ms) to 16 MB (at 640 ms): 12 MB in 240 ms.
    expect(lastQuartersMBps(progress)).toBeCloseTo(50, 6);
    expect(lastQuartersMBps(progress.slice(0, 7))).toBeNull();
  });
});

describe('benchmark targets', () => {
  interface ReportModule {
    evaluateTargets(byId: Map<string, unknown>, extra: { rss: { peakRssMB: number; inputBytes: number; bytesRead: number; timedOut: boolean } | null }): Array<{ id: string; value: number | null; unit: string; pass: boolean | null }>;
  }

  it('judges peak RSS in MB of 10^6 bytes, the unit of the goal and of the input size', async () => {
    const { evaluateTargets } = await load<ReportModule>('perf/report.mjs');
    const rssTarget = (peakRssMB: number, timedOut = false) => evaluateTargets(new Map(), { rss: { peakRssMB, inputBytes: 1e9, bytesRead: 1e9, timedOut } }).find((t) => t.id === 'peak-rss-1gb');
    // 290 MiB is 304 MB: over a 300 MB goal.
    expect(rssTarget(290)).toMatchObject({ unit: 'MB', pass: false });
    expect(rssTarget(290)?.value).toBeCloseTo(304.09, 2);
    expect(rssTarget(280)).toMatchObject({ pass: true });
    // A run stopped early bounds the peak from below: only a figure over the goal counts.
    expect(rssTarget(280, true)).toMatchObject({ value: null });
    expect(rssTarget(290, true)).toMatchObject({ pass: false });
  });

  it('gives a ratio of rounds run side by side with its lowest and highest round', async () => {
    const { evaluateTargets } = await load<ReportModule>('perf/report.mjs');
    const subject = (id: string, rounds: number[], interleavedWith?: string) => [id, { id, mbps: rounds[0], rounds: rounds.map((mbps) => ({ mbps })), interleavedWith }] as const;
    const byId = new Map<string, unknown>([
      subject('logveil-w2', [30, 25, 28], 'w'),
      subject('logveil-w1', [20, 20, 20], 'w'),
      subject('detectors-30', [20, 22], 'd'),
      subject('detectors-200', [15, 16]),
    ]);
    const targets = evaluateTargets(byId, { rss: null });
    // Rounds 1.5, 1.25, 1.4: the median, and the range the drift spread them over.
    expect(targets.find((t) => t.id === 'worker-scaling')).toMatchObject({ value: 1.4, pass: false, range: [1.25, 1.5] });
    // Measured apart: the ratio of the medians, and no range.
    const apart = targets.find((t) => t.id === 'detector-cost');
    expect(apart?.value).toBeCloseTo(20 / 15, 6);
    expect(apart).not.toHaveProperty('range');
    // The whole library is its largest count on the curve, when there is one above 200.
    expect(targets.find((t) => t.id === 'detector-cost-library')).toBeUndefined();
    byId.set('detectors-218', { id: 'detectors-218', mbps: 10, rounds: [{ mbps: 10 }, { mbps: 11 }], interleavedWith: 'd' });
    const library = evaluateTargets(byId, { rss: null }).find((t) => t.id === 'detector-cost-library');
    expect(library).toMatchObject({ value: 2, pass: false, range: [2, 2], description: 'cost of all 218 built-in detectors / cost of 30' });
    // With the same findings: the largest count of that curve.
    byId.set('detectors-same-30', { id: 'detectors-same-30', mbps: 24, rounds: [{ mbps: 24 }], interleavedWith: 's' });
    byId.set('detectors-same-218', { id: 'detectors-same-218', mbps: 20, rounds: [{ mbps: 20 }], interleavedWith: 's' });
    expect(evaluateTargets(byId, { rss: null }).find((t) => t.id === 'detector-cost-library-same-findings')).toMatchObject({ value: 1.2, pass: true });
  });
});

describe('bench tool options', () => {
  interface ArgsModule {
    optionPairs(argv: string[], known: readonly string[]): Record<string, string>;
  }

  it('takes --option value pairs and names what is unknown or missing', async () => {
    const { optionPairs } = await load<ArgsModule>('perf/args.mjs');
    expect(optionPairs(['--size', '20MB', '--rounds', '3'], ['size', 'rounds'])).toEqual({ size: '20MB', rounds: '3' });
    expect(() => optionPairs(['--sise', '20MB'], ['size'])).toThrow('unknown option --sise (known: --size)');
    expect(() => optionPairs(['--size'], ['size'])).toThrow('expected --option value pairs, got "--size"');
  });
});

describe('the scaling ceiling', () => {
  interface CeilingModule {
    busyHostNote(ceiling: { value: number; range?: [number, number] } | undefined): string | undefined;
    threadCeiling(threads: number, o: { stateDir: string }): {
      run(slice: { path: string; bytes: number }, deadline: number): Promise<{ bytes: number; records: number; stoppedEarly?: boolean }>;
      close(): Promise<void>;
    };
  }

  it('notes a run where two threads of the batch function got less than two cores', async () => {
    const { busyHostNote } = await load<CeilingModule>('perf/ceiling.mjs');
    expect(busyHostNote({ value: 1.29, range: [1.21, 1.42] })).toBe(
      "the batch function alone ran 1.29 times as fast in 2 threads as in 1 (rounds 1.21-1.42): the machine gave this run less than two cores' worth, and the figures with 2 workers (throughput, the worker ratio) are bounded by that",
    );
    expect(busyHostNote({ value: 1.72 })).toBeUndefined();
    expect(busyHostNote(undefined)).toBeUndefined();
  });

  it('gives every line of a corpus prefix to exactly one of its threads, whatever their number', async () => {
    const { threadCeiling } = await load<CeilingModule>('perf/ceiling.mjs');
    const path = join(dir, 'ceiling.jsonl');
    // Over 2 MB: several 512 KB batches for each thread.
    gen.generateFile(path, { bytes: 2_300_000, seed: 5 });
    const text = readFileSync(path);
    const linesIn = (n: number): number => text.subarray(0, n).toString('latin1').split('\n').length - (text[n - 1] === 0x0a ? 1 : 0);
    // The whole file, and a prefix that ends inside a line (counted as one more line).
    for (const bytes of [text.length, 1_234_567]) {
      for (const threads of [1, 2, 3]) {
        const ceiling = threadCeiling(threads, { stateDir: join(dir, `ceiling-${threads}`) });
        try {
          const r = await ceiling.run({ path, bytes }, performance.now() + 120_000);
          expect({ threads, bytes: r.bytes, records: r.records, stoppedEarly: r.stoppedEarly }).toEqual({ threads, bytes, records: linesIn(bytes), stoppedEarly: false });
        } finally {
          await ceiling.close();
        }
      }
    }
  }, 120_000);
});

describe('benchmark policies of a chosen size', () => {
  interface PacksModule {
    writePolicyWithDetectors(dir: string, count: number, keep?: ReadonlySet<string>): { dir: string; detectors: number; clones: number };
  }

  it('holds the detectors it is told to keep, and fills the rest in pack order', async () => {
    const { writePolicyWithDetectors } = await load<PacksModule>('perf/packs.mjs');
    const ids = (dir: string): string[] => loadPolicy([dir]).packs.flatMap((p) => p.detectors.map((d) => d.id));
    const builtin = ids(builtinPatternsDir());
    const late = builtin.slice(-3);
    const dir = mkdtempSync(join(tmpdir(), 'lv-packs-'));
    try {
      const first = ids(writePolicyWithDetectors(join(dir, 'first'), 30).dir);
      expect(first).toEqual(builtin.slice(0, 30));
      const written = writePolicyWithDetectors(join(dir, 'kept'), 30, new Set(late));
      const kept = ids(written.dir);
      expect(written.detectors).toBe(30);
      expect(kept).toEqual([...builtin.slice(0, 27), ...late]);
      // More to keep than the count: all of them, and nothing else.
      const many = ids(writePolicyWithDetectors(join(dir, 'many'), 2, new Set(late)).dir);
      expect(many).toEqual(late);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('translates every built-in detector for the naive baseline, each matching where its RE2 regex does', async () => {
    const { toJsRegExp } = await load<{ toJsRegExp(source: string): { re: RegExp } | { error: string } }>('perf/baselines.mjs');
    const RE2 = (await import('re2')).default;
    const spec = loadPolicy([builtinPatternsDir()]);
    const disagree: string[] = [];
    for (const d of spec.packs.flatMap((p) => p.detectors)) {
      const js = toJsRegExp(d.regex);
      expect('re' in js, `${d.id}: ${'error' in js ? js.error : ''}`).toBe(true);
      if (!('re' in js)) continue;
      const re2 = new RE2(d.regex, 'u');
      for (const text of [...d.tests.match.map((c) => c.text), ...d.tests.nomatch.map((c) => c.text)]) {
        js.re.lastIndex = 0;
        const a = js.re.exec(text)?.[0];
        const b = re2.exec(text)?.[0];
        if (a !== b) disagree.push(`${d.id}: ${JSON.stringify(text)} js ${JSON.stringify(a)} re2 ${JSON.stringify(b)}`);
      }
    }
    expect(disagree).toEqual([]);
  });
});
