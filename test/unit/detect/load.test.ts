import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/detect/load.js';
import { PolicyError } from '../../../src/errors.js';
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
