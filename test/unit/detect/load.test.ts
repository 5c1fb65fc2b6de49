import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/detect/load.js';
import { PolicyError, type Problem } from '../../../src/errors.js';
import { problemsOf } from '../../helpers/policy.js';

const detector = (id: string, extra: string): string => `
  - id: ${id}
    name: ${id}
    category: secret
    severity: high
    action: mask
    tests:
      match: ['x']
${extra}`;

/** The problems of one load, or none when it succeeds. */
function problemsOfLoad(paths: string[], displayBase: string): readonly Problem[] {
  try {
    loadPolicy(paths, displayBase);
    return [];
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    return err.problems;
  }
}

describe('pattern pack loading', () => {
  it('reports every problem of a pack at once, each with its line', () => {
    const text = [
      'pack: broken',
      'detectors:',
      detector('look-ahead', "    regex: 'foo(?=bar)'"),
      detector('back-ref', "    regex: '(a)\\1'"),
      detector('bad-validator', "    regex: 'abc'\n    validator: crc99"),
      detector('bad-entropy', "    regex: 'abc'\n    validator: {name: entropy}"),
      detector('empty-match', "    regex: 'a*'"),
      detector('repeated-secret', "    regex: 'hook/(?P<secret>[a-z0-9]{4}-){3}'"),
    ].join('\n');
    const problems = problemsOf(text);
    const messages = problems.map((p) => `${p.line} ${p.message}`);
    const lineOf = (needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;
    expect(messages).toEqual([
      expect.stringMatching(new RegExp(`^${lineOf('foo(?=bar)')} detector "look-ahead": lookahead`)),
      expect.stringMatching(new RegExp(`^${lineOf("'(a)")} detector "back-ref": backreference`)),
      expect.stringMatching(new RegExp(`^${lineOf('crc99')} detector "bad-validator": unknown validator "crc99"`)),
      expect.stringMatching(new RegExp(`^${lineOf('{name: entropy}')} detector "bad-entropy": validator "entropy": `)),
      expect.stringMatching(new RegExp(`^${lineOf("'a*'")} detector "empty-match": regex matches the empty string`)),
      expect.stringMatching(new RegExp(`^${lineOf('hook/')} detector "repeated-secret": the secret group is repeated, and a repeated group captures its last repetition only`)),
    ]);
  });

  it('reports schema problems with the field path and line', () => {
    const problems = problemsOf(
      ['pack: p', 'detectors:', '  - id: x', '    name: x', '    category: secret', '    severity: extreme', "    regex: 'x'", '    action: explode', '    tests: {match: [x]}'].join('\n'),
    );
    expect(problems.map((p) => p.line).sort()).toEqual([6, 8]);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/detectors\[0\]\.severity: must be one of "low"/);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/detectors\[0\]\.action/);
  });

  it('still checks the well-formed detectors of a pack whose other detectors break the schema', () => {
    const text = ['pack: p', 'detectors:', detector('no-severity', "    regex: 'x'").replace('    severity: high\n', ''), detector('look-ahead', "    regex: 'foo(?=bar)'")].join('\n');
    const messages = problemsOf(text).map((p) => `${p.line} ${p.message}`);
    expect(messages).toEqual([
      '4 pack .detectors[0]: missing required field "severity"',
      expect.stringMatching(new RegExp(`^${text.slice(0, text.indexOf('foo(?=bar)')).split('\n').length} detector "look-ahead": lookahead`)),
    ]);
    // A problem with the pack as a whole leaves nothing in it to trust.
    expect(problemsOf('pack: p\ndetectors: 7\n').map((p) => p.message)).toEqual(['pack .detectors: must be array']);
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('pack: p\ndetectors:\n  - id: x\n    name: "unterminated\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.message).toMatch(/^YAML:/);
    expect(problems[0]?.line).toBeGreaterThanOrEqual(4);
  });

  it('reports duplicate detector ids across files with both places, and problems of every file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logveil-packs-'));
    const pack = (name: string, id: string): string =>
      `pack: ${name}\ndetectors:\n  - id: ${id}\n    name: n\n    category: pii\n    severity: low\n    regex: 'abc'\n    action: mask\n    tests: {match: ['abc']}\n`;
    writeFileSync(join(dir, 'a.yaml'), pack('a', 'same'));
    writeFileSync(join(dir, 'b.yaml'), pack('b', 'same'));
    writeFileSync(join(dir, 'c.yaml'), 'pack: c\ndetectors: 7\n');
    let error: unknown;
    try {
      loadPolicy([dir], dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PolicyError);
    const text = (error as PolicyError).message;
    expect(text).toMatch(/b\.yaml:3 detector "same": duplicate id, first defined at a\.yaml:3/);
    expect(text).toMatch(/c\.yaml:2 pack \.detectors: must be array/);
  });

  it('reports schema problems, regex problems, unknown validators and duplicate ids of one pack together', () => {
    const text = [
      'pack: mixed',
      'detectors:',
      detector('typo', "    regex: 'foo(?=bar)'\n    allowlist:\n      - regex: '(unclosed'").replace('severity: high', 'severity: hgh'),
      detector('twice', "    regex: 'abc'\n    validator: luhnn"),
      detector('twice', "    regex: 'def'").replace('category: secret', 'category: secrets'),
      detector('no-regex', '    regex: 42'),
      'keyRules:',
      '  - keys: [password]',
      '    mode: redactt',
      '  - keys: [user]',
      '    mode: redact',
      "    matching: '(?!x)'",
      'allowlist:',
      "  - regex: '[z-a]'",
    ].join('\n');
    const lineOf = (needle: string, from = 0): number => text.slice(0, text.indexOf(needle, from)).split('\n').length;
    const second = text.indexOf('- id: twice') + 1;
    const dir = mkdtempSync(join(tmpdir(), 'logveil-mixed-'));
    writeFileSync(join(dir, 'mixed.yaml'), text);
    const messages = problemsOfLoad([dir], dir).map((p) => `${p.file}:${p.line} ${p.message}`);
    expect(messages).toEqual([
      `mixed.yaml:${lineOf('hgh')} pack .detectors[0].severity: must be one of "low", "medium", "high", "critical"`,
      `mixed.yaml:${lineOf('secrets')} pack .detectors[2].category: must be one of "pii", "secret", "credential", "network", "financial", "identity"`,
      `mixed.yaml:${lineOf('42')} pack .detectors[3].regex: must be string`,
      `mixed.yaml:${lineOf('redactt')} pack .keyRules[0].mode: must be one of "redact", "skip", "scan"`,
      expect.stringMatching(new RegExp(`^mixed\\.yaml:${lineOf('foo(?=bar)')} detector "typo": lookahead`)),
      expect.stringMatching(new RegExp(`^mixed\\.yaml:${lineOf('(unclosed')} detector "typo": allowlist regex: regex is not valid RE2: missing \\)`)),
      expect.stringMatching(new RegExp(`^mixed\\.yaml:${lineOf('luhnn')} detector "twice": unknown validator "luhnn" \\(known: luhn, `)),
      expect.stringMatching(new RegExp(`^mixed\\.yaml:${lineOf('(?!x)')} key rule \\[user\\]: matching: lookahead`)),
      expect.stringMatching(new RegExp(`^mixed\\.yaml:${lineOf('[z-a]')} pack "mixed": allowlist regex: regex is not valid RE2: invalid character class range`)),
      `mixed.yaml:${lineOf('- id: twice', second)} detector "twice": duplicate id, first defined at mixed.yaml:${lineOf('- id: twice')}`,
    ]);
  });

  it('reports the problems of every file and the ids they share in one load, though each file has schema problems', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logveil-two-'));
    const a = ['pack: a', 'detectors:', detector('shared', "    regex: 'abc'").replace('severity: high', 'severity: extreme')].join('\n');
    const b = ['pack: a', 'detectors:', detector('shared', "    regex: 'def'\n    allowlist: [{regex: '(?<=x)y'}]").replace('category: secret', 'category: banana'), detector('other', "    regex: '(a)\\1'")].join('\n');
    writeFileSync(join(dir, 'a.yaml'), a);
    writeFileSync(join(dir, 'b.yaml'), b);
    const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;
    const messages = problemsOfLoad([dir], dir).map((p) => `${p.file}:${p.line} ${p.message}`);
    expect(messages).toEqual([
      `a.yaml:${lineOf(a, 'extreme')} pack .detectors[0].severity: must be one of "low", "medium", "high", "critical"`,
      `b.yaml:${lineOf(b, 'banana')} pack .detectors[0].category: must be one of "pii", "secret", "credential", "network", "financial", "identity"`,
      expect.stringMatching(new RegExp(`^b\\.yaml:${lineOf(b, '(?<=x)')} detector "shared": allowlist regex: lookbehind`)),
      expect.stringMatching(new RegExp(`^b\\.yaml:${lineOf(b, '(a)')} detector "other": backreference`)),
      'b.yaml:1 pack id "a" is also used by a.yaml',
      `b.yaml:${lineOf(b, '- id: shared')} detector "shared": duplicate id, first defined at a.yaml:${lineOf(a, '- id: shared')}`,
    ]);
  });

  it('refuses a category outside the documented list, for detectors and key rules, naming the allowed ones', () => {
    const allowed = 'must be one of "pii", "secret", "credential", "network", "financial", "identity"';
    const text = ['pack: p', 'detectors:', detector('typo', "    regex: 'abc'").replace('category: secret', 'category: secrets'), 'keyRules:', '  - keys: [password]', '    mode: redact', '    category: credentials'].join('\n');
    const lineOf = (needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;
    expect(problemsOf(text).map((p) => `${p.line} ${p.message}`)).toEqual([
      `${lineOf('secrets')} pack .detectors[0].category: ${allowed}`,
      `${lineOf('credentials')} pack .keyRules[0].category: ${allowed}`,
    ]);
    for (const category of ['pii', 'secret', 'credential', 'network', 'financial', 'identity']) {
      expect(problemsOf(detector('d', "    regex: 'abc'").replace('category: secret', `category: ${category}`).replace(/^/, 'pack: p\ndetectors:'))).toEqual([]);
    }
  });

  it('reports a named group other than secret, which would mark no span (a misspelt secret group)', () => {
    const text = ['pack: p', 'detectors:', detector('d', "    regex: 'key=(?P<secrt>[a-z]{8})'"), detector('e', "    regex: 'key=(?P<secret>[a-z]{8})'")].join('\n');
    expect(problemsOf(text).map((p) => p.message)).toEqual([expect.stringContaining('detector "d": group "secrt": only a group named "secret" marks the span to redact')]);
  });

  it('reports an unknown field at the line of its key, not at the first line of its detector', () => {
    const text = ['pack: p', 'detectors:', detector('d', "    regex: 'abc'\n    extra:\n      - 1")].join('\n');
    expect(problemsOf(text).map((p) => `${p.line} ${p.message}`)).toEqual([`${text.split('\n').indexOf('    extra:') + 1} pack .detectors[0]: unknown field "extra"`]);
  });

  it('gives the column of a YAML syntax error in its message, which ends there rather than in a colon', () => {
    expect(problemsOf("pack: p\ndetectors:\n  - id: 'unterminated\n").map((p) => p.message)).toEqual([expect.stringMatching(/^YAML: Missing closing 'quote \(column \d+\)$/)]);
  });

  it('gives the same policy hash for the same content, and a different one when a regex changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logveil-hash-'));
    const write = (regex: string): void =>
      writeFileSync(
        join(dir, 'p.yaml'),
        `pack: p\ndetectors:\n  - id: d\n    name: n\n    category: pii\n    severity: low\n    regex: '${regex}'\n    action: mask\n    tests: {match: ['abc']}\n`,
      );
    write('abc');
    const a = loadPolicy([dir]).hash;
    writeFileSync(join(dir, 'p.yaml'), `# a comment changes nothing\n` + `pack: p\ndetectors:\n  - id: d\n    name: n\n    category: pii\n    severity: low\n    regex: 'abc'\n    action: mask\n    tests: {match: ['abc']}\n`);
    expect(loadPolicy([dir]).hash).toBe(a);
    write('abcd');
    expect(loadPolicy([dir]).hash).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
});
