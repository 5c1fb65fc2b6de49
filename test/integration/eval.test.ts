import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The evaluation lives in plain .mjs modules under bench/eval; they are imported through a
// computed URL so that the type checker (which does not read .mjs) sees a typed `any`.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const load = async <T>(name: string): Promise<T> => (await import(new URL(`../../bench/eval/${name}`, import.meta.url).href)) as T;

interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn?: number;
}
interface Scored extends Counts {
  precision: number | null;
  recall: number | null;
  f1: number | null;
}
interface Span {
  start: number;
  end: number;
}
interface Metrics {
  score(c: Counts): Scored;
  addCase(c: Counts, expected: boolean, predicted: boolean): Counts;
  emptyCounts(): Counts;
  matchSpans<E extends Span, F extends Span>(
    expected: E[],
    found: F[],
  ): { tp: number; fp: number; fn: number; matched: E[]; missed: E[]; spurious: F[]; covered: number };
  matchCounts(expected: number, found: number): Counts;
  fullyCovered(target: Span, spans: Span[]): boolean;
}
interface Finding extends Span {
  id: string;
  category: string;
}
interface CasesModule {
  evaluateCases(
    policy: { scan(text: string): Finding[] },
    cases: Array<{ key: string; text: string; expected: boolean; row: number }>,
    mappingOf: (key: string) => { detectors: Set<string>; categories: readonly string[] },
    options?: { wholeFile?: boolean },
  ): {
    covered: { groups: string[]; cases: number };
    uncovered: { groups: number; cases: number; positives: number };
    loose: { overall: Scored; byGroup: Record<string, Scored> };
    strict: { overall: Scored; byGroup: Record<string, Scored> };
    perDetector: Record<string, { tp: number; fp: number; fpOtherRules: number }>;
  };
}
interface CategoryRow extends Scored {
  source: string;
  unit: string;
  category: string;
  groups: string[];
}
interface CategoriesModule {
  groupCategory(ids: readonly string[], byId: Map<string, { category: string }>): string | null;
  summarizeCategories(
    policy: { byId: Map<string, { category: string }> },
    sources: Record<string, unknown>,
  ): { labelled: CategoryRow[]; logs: Array<{ category: string; detectors: number; findings: number; per10k: number }> | null };
}
interface LogsModule {
  maskValue(v: string): string;
  shapeOf(v: string): string;
}
interface ExplainModule {
  UNEXPLAINED: string;
  explainLogFinding(finding: Finding, line: string): string;
}

const m = await load<Metrics>('metrics.mjs');
const cases = await load<CasesModule>('cases.mjs');
const logs = await load<LogsModule>('source-logs.mjs');
const categories = await load<CategoriesModule>('categories.mjs');
const explain = await load<ExplainModule>('log-explain.mjs');

describe('eval metrics', () => {
  it('computes precision, recall and F1 exactly', () => {
    expect(m.score({ tp: 3, fp: 1, fn: 2 })).toEqual({ tp: 3, fp: 1, fn: 2, precision: 0.75, recall: 0.6, f1: 0.6667 });
    expect(m.score({ tp: 5, fp: 0, fn: 0 })).toMatchObject({ precision: 1, recall: 1, f1: 1 });
  });

  it('leaves a ratio with a zero denominator undefined, but F1 is 0 when positives were all missed', () => {
    expect(m.score({ tp: 0, fp: 0, fn: 0 })).toMatchObject({ precision: null, recall: null, f1: null });
    expect(m.score({ tp: 0, fp: 0, fn: 3 })).toMatchObject({ precision: null, recall: 0, f1: 0 });
    expect(m.score({ tp: 0, fp: 2, fn: 0 })).toMatchObject({ precision: 0, recall: null, f1: 0 });
  });

  it('counts case outcomes', () => {
    const c = m.emptyCounts();
    m.addCase(c, true, true);
    m.addCase(c, true, false);
    m.addCase(c, false, true);
    m.addCase(c, false, false);
    m.addCase(c, false, false);
    expect(c).toEqual({ tp: 1, fp: 1, fn: 1, tn: 2 });
  });

  it('matches one finding over two expected spans, an unmatched finding and an unmatched span', () => {
    const expected = [
      { start: 0, end: 5, type: 'A' },
      { start: 6, end: 10, type: 'A' },
      { start: 20, end: 25, type: 'A' },
    ];
    const found = [
      { start: 3, end: 8 }, // overlaps the first two expected spans: both are redacted
      { start: 30, end: 35 }, // overlaps nothing
    ];
    const r = m.matchSpans(expected, found);
    expect([r.tp, r.fp, r.fn]).toEqual([2, 1, 1]);
    expect(r.missed).toEqual([expected[2]]);
    expect(r.spurious).toEqual([found[1]]);
    expect(r.covered).toBe(0);
    expect(m.score(r)).toEqual({ tp: 2, fp: 1, fn: 1, precision: 0.6667, recall: 0.6667, f1: 0.6667 });
  });

  it('counts an expected span once however many findings touch it, and a second finding is no FP', () => {
    const r = m.matchSpans([{ start: 0, end: 10 }], [{ start: 0, end: 4 }, { start: 5, end: 10 }]);
    expect([r.tp, r.fp, r.fn]).toEqual([1, 0, 0]);
    expect(r.covered).toBe(0); // character 4 stays visible
    expect(m.matchSpans([{ start: 0, end: 10 }], [{ start: 0, end: 5 }, { start: 5, end: 10 }]).covered).toBe(1);
  });

  it('treats spans as half-open: touching is not overlapping', () => {
    const r = m.matchSpans([{ start: 0, end: 5 }], [{ start: 5, end: 9 }]);
    expect([r.tp, r.fp, r.fn]).toEqual([0, 1, 1]);
    expect(m.fullyCovered({ start: 2, end: 6 }, [{ start: 0, end: 4 }, { start: 4, end: 6 }])).toBe(true);
    expect(m.fullyCovered({ start: 2, end: 6 }, [{ start: 3, end: 6 }])).toBe(false);
  });

  it('scores count-only cases by count', () => {
    expect(m.matchCounts(1, 0)).toEqual({ tp: 0, fp: 0, fn: 1 });
    expect(m.matchCounts(1, 3)).toEqual({ tp: 1, fp: 2, fn: 0 });
    expect(m.matchCounts(2, 1)).toEqual({ tp: 1, fp: 0, fn: 1 });
  });
});

describe('eval case-level scoring', () => {
  // KEY is found by detector k (secret), PW by detector p (credential), IP by n (network).
  const policy = {
    scan(text: string): Finding[] {
      const out: Finding[] = [];
      const at = (word: string, id: string, category: string): void => {
        const i = text.indexOf(word);
        if (i >= 0) out.push({ id, category, start: i, end: i + word.length });
      };
      at('KEY', 'k', 'secret');
      at('PW', 'p', 'credential');
      at('IP', 'n', 'network');
      return out;
    },
  };
  const mapping = (key: string) =>
    key === 'rule' ? { detectors: new Set(['k']), categories: ['secret', 'credential'] } : { detectors: new Set<string>(), categories: ['secret'] };

  const sample = [
    { key: 'rule', text: 'a KEY', expected: true, row: 1 }, // TP both
    { key: 'rule', text: 'a PW', expected: true, row: 2 }, // loose TP, strict FN
    { key: 'rule', text: 'an IP', expected: true, row: 3 }, // FN both: network is not a secret
    { key: 'rule', text: 'KEY again', expected: false, row: 4 }, // FP both
    { key: 'rule', text: 'PW again', expected: false, row: 5 }, // loose FP, strict TN
    { key: 'rule', text: 'nothing', expected: false, row: 6 }, // TN both
    { key: 'other', text: 'KEY', expected: true, row: 7 }, // uncovered
    { key: 'other', text: 'KEY too', expected: false, row: 8 }, // uncovered
  ];

  it('scores every case with wholeFile: an uncovered case is a strict miss and is still scanned for loose', () => {
    const r = cases.evaluateCases(policy, sample, mapping, { wholeFile: true });
    expect(r.covered).toMatchObject({ groups: ['rule'], cases: 6 });
    expect(r.uncovered).toMatchObject({ groups: 1, cases: 2, positives: 1 });
    expect(r.loose.overall).toMatchObject({ tp: 3, fp: 3, fn: 1, tn: 1 });
    expect(r.strict.overall).toMatchObject({ tp: 1, fp: 1, fn: 3, tn: 3 });
    expect(r.strict.byGroup.other).toMatchObject({ tp: 0, fp: 0, fn: 1, tn: 1, recall: 0 });
    expect(r.loose.byGroup.other).toMatchObject({ tp: 1, fp: 1, fn: 0, tn: 0 });
    // Without wholeFile the uncovered cases are left out of every score.
    const covered = cases.evaluateCases(policy, sample, mapping);
    expect(covered.strict.overall).toMatchObject({ tp: 1, fp: 1, fn: 2, tn: 2 });
    expect(covered.strict.byGroup.other).toBeUndefined();
  });

  it('scores the loose (any secret redacted) and strict (mapped detector fired) views', () => {
    const r = cases.evaluateCases(
      policy,
      sample.slice(0, 7),
      mapping,
    );
    expect(r.covered).toMatchObject({ groups: ['rule'], cases: 6 });
    expect(r.uncovered).toMatchObject({ groups: 1, cases: 1, positives: 1 });
    expect(r.loose.overall).toEqual({ tp: 2, fp: 2, fn: 1, tn: 1, precision: 0.5, recall: 0.6667, f1: 0.5714 });
    expect(r.strict.overall).toEqual({ tp: 1, fp: 1, fn: 2, tn: 2, precision: 0.5, recall: 0.3333, f1: 0.4 });
    expect(r.strict.byGroup.rule).toEqual(r.strict.overall);
    expect(r.perDetector.k).toMatchObject({ tp: 1, fp: 1, fpOtherRules: 0 });
    expect(r.perDetector.p).toMatchObject({ tp: 0, fp: 0, fpOtherRules: 1 });
  });
});

describe('eval by category', () => {
  const byId = new Map([
    ['key', { category: 'secret' }],
    ['key2', { category: 'secret' }],
    ['pw', { category: 'credential' }],
    ['mail', { category: 'pii' }],
    ['ip', { category: 'network' }],
  ]);

  it("puts a group under its detectors' most common category, the more sensitive one on a tie", () => {
    expect(categories.groupCategory(['pw', 'key', 'key2'], byId)).toBe('secret');
    expect(categories.groupCategory(['ip', 'pw'], byId)).toBe('credential');
    expect(categories.groupCategory(['ip', 'ip', 'mail'], byId)).toBe('network');
    expect(categories.groupCategory(['unknown'], byId)).toBeNull();
  });

  it('sums the groups of one source per category, keeps sources apart, and counts log findings per category', () => {
    const scored = (tp: number, fp: number, fn: number) => ({ ...m.score({ tp, fp, fn }), tn: 7 });
    const sources = {
      gitleaks: {
        covered: { detectors: { a: ['key'], b: ['key2', 'pw', 'key'], c: ['pw'] } },
        strict: { byGroup: { a: scored(3, 1, 0), b: scored(2, 0, 2), c: scored(1, 1, 1) } },
      },
      'presidio-recognizer': { byType: { EMAIL_ADDRESS: { ...scored(5, 0, 1), detectors: ['mail'] }, IP_ADDRESS: { ...scored(4, 2, 0), detectors: ['ip'] } } },
      logs: { lines: 20000, byDetector: { ip: { category: 'network', findings: 30 }, mail: { category: 'pii', findings: 2 } } },
    };
    const r = categories.summarizeCategories({ byId }, sources);
    const rows = r.labelled.map((x) => [x.source, x.unit, x.category, x.tp, x.fp, x.fn, x.groups.join(',')]);
    expect(rows).toEqual([
      ['gitleaks', 'case', 'secret', 5, 1, 2, 'a,b'],
      ['gitleaks', 'case', 'credential', 1, 1, 1, 'c'],
      ['presidio-recognizer', 'span', 'pii', 5, 0, 1, 'EMAIL_ADDRESS'],
      ['presidio-recognizer', 'span', 'network', 4, 2, 0, 'IP_ADDRESS'],
    ]);
    expect(r.labelled[0]).toMatchObject({ precision: 0.8333, recall: 0.7143 });
    expect(r.labelled[0]).not.toHaveProperty('tn');
    expect(r.logs?.find((x) => x.category === 'network')).toEqual({ category: 'network', detectors: 1, findings: 30, per10k: 15 });
    expect(r.logs?.find((x) => x.category === 'secret')).toEqual({ category: 'secret', detectors: 0, findings: 0, per10k: 0 });
  });
});

describe('eval log findings explained', () => {
  const why = (line: string, value: string, id = 'ipv4', category = 'network') => {
    const start = line.indexOf(value);
    return explain.explainLogFinding({ id, category, start, end: start + value.length }, line);
  };

  it('names the range of an address, a network number, a port and a URL', () => {
    expect(why('src: /10.251.42.84:50010 dest', '10.251.42.84')).toBe('private IPv4 address with a port');
    expect(why('on network 10.128.0.0 via ee0', '10.128.0.0')).toBe('private IPv4 network number');
    expect(why('synchronized to 8.8.4.4, stratum', '8.8.4.4')).toBe('public IPv4 address');
    expect(why('split: hdfs://10.190.173.170:9000/x', '10.190.173.170')).toBe('private IPv4 address in a URL');
    expect(why('from 127.0.0.1', '127.0.0.1')).toBe('loopback IPv4 address');
    expect(why('Addr: fe80::1c2d:3e4f%en0)', 'fe80::1c2d:3e4f%en0', 'ipv6')).toBe('link-local IPv6 address');
    expect(why('address 2606:4700::1111', '2606:4700::1111', 'ipv6')).toBe('public IPv6 address');
  });

  it('tells vendor, local and multicast MAC addresses apart', () => {
    expect(why('from 00:11:43:e3:ba:c3 via', '00:11:43:e3:ba:c3', 'mac-address')).toBe('MAC address of a vendor (universal)');
    expect(why('devices ("84-41-67-32-db-e1")', '84-41-67-32-db-e1', 'mac-address')).toBe('MAC address of a vendor (universal)');
    expect(why('bssid 02:00:5e:10:00:01', '02:00:5e:10:00:01', 'mac-address')).toBe('MAC address, locally administered');
    expect(why('to 01:00:5e:00:00:fb', '01:00:5e:00:00:fb', 'mac-address')).toBe('multicast MAC address');
  });

  it('reads e-mail addresses in URLs, encoded or not', () => {
    const url = 'https://13957525385%40163.com@p28-contacts.icloud.com/874161398/';
    expect(why(url, '13957525385%40163.com@p28-contacts.icloud.com', 'email', 'pii')).toBe("percent-encoded e-mail address as a URL's user name");
    expect(why('users/xpc_ben%40163.com/ timed out', 'xpc_ben%40163.com', 'email', 'pii')).toBe('percent-encoded e-mail address in a URL path');
    expect(why('ftp://ann@example.org/f', 'ann@example.org', 'email', 'pii')).toBe("e-mail address as a URL's user name");
    expect(why('Account xpc_ben@163.com@https', 'xpc_ben@163.com', 'email', 'pii')).toBe('e-mail address');
  });

  it('leaves secrets, values their detector does not describe and unknown kinds unexplained', () => {
    expect(why('token ghp_abc', 'ghp_abc', 'github-pat', 'secret')).toBe(explain.UNEXPLAINED);
    expect(why('pw hunter2', 'hunter2', 'password-assignment', 'credential')).toBe(explain.UNEXPLAINED);
    expect(why('v 1.2.3', '1.2.3')).toBe(explain.UNEXPLAINED);
    expect(why('name Ann Smith', 'Ann Smith', 'person', 'pii')).toBe(explain.UNEXPLAINED);
    expect(why('card 4111111111111111', '4111111111111111', 'card-visa', 'financial')).toBe(explain.UNEXPLAINED);
  });
});

describe('eval log masking', () => {
  it('never shows more than two characters of a value', () => {
    expect(logs.maskValue('10.11.10.1')).toBe('10…(10)');
    expect(logs.maskValue('abc')).toBe('a…(3)');
    expect(logs.maskValue('ab')).toBe('…(2)');
    expect(logs.shapeOf('10.11.10.1')).toBe('9{2}.9{2}.9{2}.9');
    expect(logs.shapeOf('Ab_c9')).toBe('Aa_a9');
  });
});

// The whole script, as a child process, on the cheapest source with a tiny pack of its own (so the
// result does not depend on the built-in packs, which change).
const corpora = process.env.LOGVEIL_CORPORA || join(ROOT, '..', 'shared', 'corpora');
const haveCorpora = existsSync(join(corpora, 'pii', 'presidio_recognizer_cases.jsonl.gz'));
const haveGitleaks = existsSync(join(corpora, 'secrets', 'gitleaks_examples.jsonl.gz')) && existsSync(join(corpora, 'secrets', 'gitleaks.toml'));

const PACK = `
pack: eval-test
detectors:
  - id: t-email
    name: Email
    category: pii
    severity: medium
    regex: '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}'
    action: mask
    refs: ['presidio:EMAIL_ADDRESS']
    tests: {match: ['a@b.co'], nomatch: ['a@b']}
  - id: t-ipv4
    name: IPv4
    category: network
    severity: low
    regex: '\\b\\d{1,3}(?:\\.\\d{1,3}){3}\\b'
    validator: ipv4
    action: mask
    refs: ['presidio:IP_ADDRESS']
    tests: {match: ['10.0.0.1'], nomatch: ['10.0.0']}
`;

// One gitleaks rule mapped, for the gitleaks source's covered-only rows.
const GITHUB_PACK = `
pack: eval-test-github
detectors:
  - id: t-github-pat
    name: GitHub PAT
    category: secret
    severity: high
    regex: 'ghp_[0-9A-Za-z]{36}'
    action: tokenize
    refs: ['gitleaks:github-pat']
    tests: {match: ['ghp_abcdefghijklmnopqrstuvwxyz0123456789'], nomatch: ['ghp_short']}
`;

describe.skipIf(!haveCorpora)('bench/eval.mjs', () => {
  let dir = '';

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'detect', 'scan.js'))) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    }
    dir = mkdtempSync(join(tmpdir(), 'logveil-eval-'));
    writeFileSync(join(dir, 'pack.yaml'), PACK);
    writeFileSync(join(dir, 'github.yaml'), GITHUB_PACK);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const runWith = (env: Record<string, string>, ...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'bench', 'eval.mjs'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, LOGVEIL_CORPORA: corpora, ...env },
    });
  const run = (...args: string[]) => runWith({}, ...args);

  it('runs one source, exits 0 and writes a JSON report with numeric precision and recall', () => {
    const out = join(dir, 'report.json');
    const r = run('--only', 'presidio-recognizer', '--patterns', join(dir, 'pack.yaml'), '--out', out);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('presidio recognizer cases');
    expect(r.stdout).toContain(`report: ${out}`);
    // The worst detectors come first.
    expect(r.stdout.indexOf('== worst detectors')).toBeGreaterThan(-1);
    expect(r.stdout.indexOf('== worst detectors')).toBeLessThan(r.stdout.indexOf('presidio recognizer cases'));
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(report.sources)).toEqual(['presidio-recognizer']);
    const rec = report.sources['presidio-recognizer'];
    expect(rec.coveredTypes).toEqual(['EMAIL_ADDRESS', 'IP_ADDRESS']);
    for (const s of [rec.overall, rec.byType.EMAIL_ADDRESS, rec.byType.IP_ADDRESS]) {
      expect(typeof s.precision).toBe('number');
      expect(typeof s.recall).toBe('number');
      expect(s.precision).toBeGreaterThan(0);
      expect(s.recall).toBeGreaterThan(0);
    }
    expect(rec.overall.tp).toBe(rec.byType.EMAIL_ADDRESS.tp + rec.byType.IP_ADDRESS.tp);
    expect(report.policy.detectors).toBe(2);
    // One row per category the pack's detectors have, summing the types under it.
    expect(r.stdout).toContain('== by category');
    const cats = report.categories.labelled.map((x: { category: string }) => x.category).sort();
    expect(cats).toEqual(['network', 'pii']);
    expect(report.categories.labelled.reduce((n: number, x: { tp: number }) => n + x.tp, 0)).toBe(rec.overall.tp);
  });

  it('scores the recognizer cases of every type a detector refs, beyond those the labelled sentences hold', () => {
    writeFileSync(
      join(dir, 'sin.yaml'),
      `pack: eval-test-sin
detectors:
  - id: t-ca-sin
    name: Canadian SIN
    category: identity
    severity: high
    regex: '\\b\\d{3}[- ]?\\d{3}[- ]?\\d{3}\\b'
    action: mask
    refs: ['presidio:CA_SIN']
    tests: {match: ['046 454 286'], nomatch: ['12 34']}
`,
    );
    const out = join(dir, 'sin.json');
    const r = run('--only', 'presidio-recognizer', '--patterns', join(dir, 'sin.yaml'), '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const rec = JSON.parse(readFileSync(out, 'utf8')).sources['presidio-recognizer'];
    expect(rec.coveredTypes).toEqual(['CA_SIN']);
    expect(rec.byType.CA_SIN.tp).toBeGreaterThan(0);
    expect(rec.overall.tp).toBe(rec.byType.CA_SIN.tp);
  });

  it('prints the JSON with --json', () => {
    const r = run('--only', 'presidio-recognizer', '--patterns', join(dir, 'pack.yaml'), '--out', join(dir, 'r2.json'), '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).schema).toBe('logveil-eval/1');
  });

  it.skipIf(!haveGitleaks)('scores the gitleaks examples over the whole file, alone and with the imported gitleaks.toml pack', () => {
    const out = join(dir, 'gitleaks.json');
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const r = runWith({ TMPDIR: tmp }, '--only', 'gitleaks', '--patterns', `${join(dir, 'pack.yaml')},${join(dir, 'github.yaml')}`, '--out', out);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    // The imported pack went to a temp dir, which is gone.
    expect(readdirSync(tmp)).toEqual([]);
    const g = JSON.parse(readFileSync(out, 'utf8')).sources.gitleaks;
    // Covered only (kept): the one rule the test packs map.
    expect(g.covered.groups).toEqual(['github-pat']);
    expect(g.covered.cases + g.uncovered.cases).toBe(g.cases);
    expect(g.strict.overall.tp).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/strict: a mapped detector fired/);
    const w = g.wholeFile;
    expect(w).toMatchObject({ cases: g.cases, positives: g.positives, negatives: g.negatives });
    expect(w.groups).toBeGreaterThan(200);
    for (const v of [w.policy, w.withImport]) {
      for (const s of [v.loose.overall, v.strict.overall]) {
        // Every case is counted, none dropped.
        expect(s.tp + s.fp + s.fn + s.tn).toBe(g.cases);
        expect(s.tp + s.fn).toBe(g.positives);
      }
      expect(Object.keys(v.strict.byGroup)).toHaveLength(w.groups);
    }
    // Alone, the uncovered rules' positives are strict misses added to the covered-only counts.
    const alone = w.policy.strict.overall;
    expect(alone).toMatchObject({ tp: g.strict.overall.tp, fp: g.strict.overall.fp, fn: g.strict.overall.fn + g.uncovered.positives });
    expect(alone.recall).toBeLessThan(0.1);
    // With the import: nearly every rule is mapped by its gl- detector.
    const imp = w.withImport.import;
    expect(imp.prefix).toBe('gl-');
    expect(imp.imported + imp.skipped.length).toBe(imp.rules);
    expect(w.withImport.covered.groups.length).toBeGreaterThanOrEqual(imp.imported - imp.rulesNotInConfig.length);
    expect(w.withImport.covered.detectors['github-pat']).toEqual(['gl-github-pat', 't-github-pat']);
    // A rule the importer skipped keeps its cases, as misses.
    for (const s of imp.skipped) if (s.positives > 0) expect(w.withImport.strict.byGroup[s.ruleId].fn).toBe(s.positives);
    // Redacted (loose): nearly every secret. Attributed (strict): fewer, as gl-generic-api-key's wider
    // match wins the span of many a specific rule's example (`xToken="..."`).
    expect(w.withImport.loose.overall.recall).toBeGreaterThan(0.95);
    expect(w.withImport.loose.overall.precision).toBeGreaterThan(0.9);
    expect(w.withImport.strict.overall.tp).toBeGreaterThan(0);
    expect(r.stdout).toContain(`whole file: all ${g.cases} cases`);
    expect(r.stdout).toMatch(/given packs alone +loose/);
    expect(r.stdout).toMatch(/given packs alone +strict/);
    expect(r.stdout).toMatch(/given packs \+ gitleaks\.toml import \(gl-\*\) +loose/);
    expect(r.stdout).toMatch(/given packs \+ gitleaks\.toml import \(gl-\*\) +strict/);
    expect(r.stdout).toContain('import of secrets/gitleaks.toml:');
  });

  it('measures each opt-in pack against the built-in packs: the types it answers, before and after, and its log findings', () => {
    const out = join(dir, 'opt-in.json');
    const r = run('--only', 'presidio-recognizer,logs', '--out', out);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    // The built-in policy does not load the opt-in packs.
    expect(report.policy.packs.map((p: { file: string }) => p.file).some((f: string) => f.includes('opt-in'))).toBe(false);
    const ssn = report.optIn.packs.find((p: { file: string }) => p.file === join('opt-in', 'us-ssn-unformatted.yaml'));
    expect(ssn.detectors).toEqual(['us-ssn-unformatted']);
    const rec = ssn.presidioRecognizer.US_SSN;
    expect(rec.before).toBe(report.sources['presidio-recognizer'].byType.US_SSN.f1);
    expect(rec.after).toBeGreaterThan(rec.before);
    expect(rec.fpAfter).toBe(rec.fpBefore);
    // Its findings on the real logs are its own, counted per file.
    expect(ssn.logs.findings).toBeGreaterThan(0);
    expect(Object.values(ssn.logs.byFile).reduce((a: number, b) => a + Number(b), 0)).toBe(ssn.logs.findings);
    expect(r.stdout).toMatch(/opt-in\/us-ssn-unformatted\.yaml +US_SSN +0\.\d{3} -> 1\.000/);
    expect(ssn.pack).toBe('pii-opt-in-us-ssn');
    // A source not run is not run for the opt-in packs either.
    expect(ssn.presidioGenerated).toBeUndefined();
    // The recognizer cases' whole score, before being the built-in policy's own.
    const before = report.sources['presidio-recognizer'].overall;
    expect(ssn.presidioRecognizerOverall.before).toEqual({ precision: before.precision, recall: before.recall, f1: before.f1 });
    // The national ids without their keyword: each type it answers gains, the whole score with it.
    const ids = report.optIn.packs.find((p: { file: string }) => p.file === join('opt-in', 'national-ids-no-keyword.yaml'));
    expect(ids.detectors).toContain('ca-sin-no-keyword');
    for (const type of ['ABA_ROUTING_NUMBER', 'AU_ACN', 'AU_TFN', 'CA_SIN', 'IN_AADHAAR', 'US_ITIN']) {
      expect(ids.presidioRecognizer[type].after).toBeGreaterThan(ids.presidioRecognizer[type].before);
      expect(ids.presidioRecognizer[type].fpAfter).toBe(ids.presidioRecognizer[type].fpBefore);
    }
    expect(ids.presidioRecognizerOverall.after.recall).toBeGreaterThan(before.recall);
    // The ids whose shape says enough are the built-in policy's own, and the pack adds nothing to them.
    for (const type of ['AU_ABN', 'PL_PESEL', 'UK_NINO', 'ES_NIF']) {
      expect(report.sources['presidio-recognizer'].byType[type].recall, type).toBe(1);
      expect(ids.presidioRecognizer[type], type).toBeUndefined();
    }
    expect(ids.presidioRecognizerOverall.after.precision).toBeGreaterThanOrEqual(before.precision);
    // Its log findings, by detector, add up to its total.
    expect(Object.values(ids.logs.byDetector).reduce((a: number, b) => a + Number(b), 0)).toBe(ids.logs.findings);
    // All the packs together: every pack's detectors, and at least what each one alone finds.
    const together = report.optIn.together;
    expect(together.files).toEqual(report.optIn.packs.map((p: { file: string }) => p.file));
    expect(new Set(together.detectors)).toEqual(new Set(report.optIn.packs.flatMap((p: { detectors: string[] }) => p.detectors)));
    for (const p of report.optIn.packs) expect(together.presidioRecognizerOverall.after.recall).toBeGreaterThanOrEqual(p.presidioRecognizerOverall.after.recall);
    // A number two packs take is one finding.
    const findings = report.optIn.packs.map((p: { logs: { findings: number } }) => p.logs.findings);
    expect(together.logs.findings).toBeGreaterThanOrEqual(Math.max(...findings));
    expect(together.logs.findings).toBeLessThanOrEqual(findings.reduce((a: number, b: number) => a + b, 0));
    expect(r.stdout).toMatch(/all opt-in packs: 0\.\d{3} \/ 0\.\d{3} \/ 0\.\d{3} -> /);
  });

  it('scores the labelled sentences whole with each opt-in pack: none takes another type\'s spans', () => {
    const out = join(dir, 'opt-in-sentences.json');
    const r = run('--only', 'presidio-generated', '--out', out);
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    const scores = (s: { precision: number; recall: number; f1: number }) => ({ precision: s.precision, recall: s.recall, f1: s.f1 });
    for (const p of [...report.optIn.packs, report.optIn.together]) {
      for (const size of ['small', 'large']) {
        const before = scores(report.sources['presidio-generated'].sets[size].overall);
        expect(p.presidioGeneratedOverall[size].before).toEqual(before);
        // A dashed US phone number stays a PHONE: the NHS detector of the same shape ranks below it.
        expect(p.presidioGeneratedOverall[size].after, `${p.file ?? 'together'} ${size}`).toEqual(before);
      }
    }
    expect(r.stdout).toMatch(/labelled sentences, all types \(P \/ R \/ F1, small \| large\)/);
  });

  it('leaves the opt-in packs out when --patterns names the policy', () => {
    const out = join(dir, 'no-opt-in.json');
    const r = run('--only', 'presidio-recognizer', '--patterns', join(dir, 'pack.yaml'), '--out', out);
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).optIn).toBeUndefined();
    expect(r.stdout).not.toContain('opt-in packs');
  });

  it('rejects an unknown source with exit code 2', () => {
    const r = run('--only', 'nope', '--patterns', join(dir, 'pack.yaml'), '--out', join(dir, 'r3.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown source "nope"');
  });
});
