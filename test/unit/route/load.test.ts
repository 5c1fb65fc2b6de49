import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../../src/errors.js';
import { loadRoutingRules } from '../../../src/route/load.js';
import { rule, routingProblems } from './helpers.js';

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('routing pack loading', () => {
  it('reports every problem at once, each at its line', () => {
    const text = rule(`      fields:
        eventName: StopLogging
        'a..b': x
        requestParameters.name: {regex: 'foo(?=bar)'}
      text: ['(a)\\1', 'x*']`);
    const problems = routingProblems(text).map((p) => `${p.line} ${p.message}`);
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^${lineOf(text, "'a..b'")} rule "r": path "a..b": empty segment`)),
      expect.stringMatching(new RegExp(`^${lineOf(text, 'foo(?=bar)')} rule "r": field "requestParameters.name": lookahead`)),
      expect.stringMatching(new RegExp(`^${lineOf(text, '(a)')} rule "r": text: backreference`)),
      expect.stringMatching(new RegExp(`^${lineOf(text, '(a)')} rule "r": text pattern matches the empty string`)),
    ]);
  });

  it('reports schema problems with the field path and line', () => {
    const text = rule('      fields: {eventName: x}', '    mitre: TA0001\n    appStream: maybe\n');
    const problems = routingProblems(text);
    expect(problems.map((p) => p.line).sort()).toEqual([lineOf(text, 'mitre'), lineOf(text, 'appStream')].sort());
    expect(problems.map((p) => p.message).join('\n')).toMatch(/rules\[0\]\.appStream: must be one of "keep", "remove"/);
  });

  it('still checks the well-formed rules of a pack whose other rules break the schema', () => {
    const text = rule(`      fields: {eventName: x}`, '    appStream: maybe\n') + rule(`      text: ['foo(?=bar)']`).replace(/^pack: t\nrules:\n/, '').replace('id: r', 'id: r2');
    const problems = routingProblems(text).map((p) => `${p.line} ${p.message}`);
    expect(problems).toEqual([
      `${lineOf(text, 'appStream')} routing pack .rules[0].appStream: must be one of "keep", "remove"`,
      expect.stringMatching(new RegExp(`^${lineOf(text, 'foo(?=bar)')} rule "r2": text: lookahead`)),
    ]);
  });

  it('refuses a rule the raw-line prefilter cannot serve', () => {
    const text = rule(`      not:
        fields: {errorCode: {exists: true}}`);
    expect(routingProblems(text)[0]?.message).toMatch(/rule "r": no condition the raw-line prefilter can use/);
    expect(routingProblems(rule('      fields: {errorCode: {exists: false}}'))[0]?.message).toMatch(/no condition the raw-line prefilter/);
  });

  it('refuses a group-by capture that no text pattern names', () => {
    const text = rule("      text: 'from (?P<ip>\\S+)'", '    threshold: {count: 3, windowSeconds: 60, groupBy: [{capture: client}]}\n');
    expect(routingProblems(text).map((p) => p.message)).toEqual([expect.stringMatching(/capture "client" is not a named group/)]);
  });

  it('reports duplicate rule ids across files with both places, and every file problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logveil-routing-'));
    writeFileSync(join(dir, 'a.yaml'), rule('      fields: {eventName: x}'));
    writeFileSync(join(dir, 'b.yaml'), rule('      fields: {eventName: y}').replace('pack: t', 'pack: u'));
    writeFileSync(join(dir, 'c.yaml'), 'pack: c\nrules: [');
    let err: unknown;
    try {
      loadRoutingRules([dir], dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyError);
    const messages = (err as PolicyError).problems.map((p) => `${p.file}:${p.line} ${p.message}`);
    expect(messages).toEqual([expect.stringMatching(/^c\.yaml:\d+ YAML:/), 'b.yaml:3 rule "r": duplicate id, first defined at a.yaml:3']);
    expect((err as PolicyError).message).toMatch(/2 problems in routing rules/);
  });

  it('hashes content, not layout: comments and key order do not change the hash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logveil-routing-'));
    writeFileSync(join(dir, 'a.yaml'), rule('      fields: {eventName: x, eventSource: s}'));
    const first = loadRoutingRules([dir], dir).hash;
    writeFileSync(join(dir, 'a.yaml'), '# a comment\n' + rule('      fields:\n        eventSource: s\n        eventName: x'));
    expect(loadRoutingRules([dir], dir).hash).toBe(first);
    writeFileSync(join(dir, 'a.yaml'), rule('      fields: {eventName: z, eventSource: s}'));
    expect(loadRoutingRules([dir], dir).hash).not.toBe(first);
  });
});
