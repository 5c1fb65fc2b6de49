import { describe, expect, it } from 'vitest';
import { appStreamOf } from '../../../src/route/event.js';
import { parsePath } from '../../../src/route/path.js';
import { ThresholdGate } from '../../../src/route/threshold.js';
import { record, routingFromYaml, rule } from './helpers.js';

const ids = (r: ReturnType<typeof routingFromYaml>, body: Parameters<typeof record>[0]): string[] => r.route(record(body)).map((m) => m.ruleId);

describe('field paths', () => {
  it('parses dotted, quoted, indexed and root paths, and names what is wrong', () => {
    expect(parsePath('a.b[2]."c.d"')).toEqual({ root: 'body', steps: [{ key: 'a' }, { key: 'b' }, { index: 2 }, { key: 'c.d' }], lastKey: 'c.d' });
    expect(parsePath('@attributes.http.status')).toMatchObject({ root: 'attributes', steps: [{ key: 'http' }, { key: 'status' }] });
    expect(parsePath('$')).toEqual({ root: 'body', steps: [] });
    expect(parsePath('a[*].b')).toMatchObject({ steps: [{ key: 'a' }, { key: 'b' }] });
    expect(parsePath('a[x]')).toMatch(/\[x\] at character 2 is not an index/);
    expect(parsePath('a"b"')).toMatch(/"\." expected/);
    expect(parsePath('a.')).toMatch(/ends with "\."/);
  });
});

describe('route', () => {
  it('steps through arrays and into JSON held in strings', () => {
    const r = routingFromYaml(rule('      fields: {policy.Statement.Principal: "*"}'));
    expect(ids(r, { policy: { Statement: [{ Principal: 'me' }, { Principal: '*' }] } })).toEqual(['r']);
    expect(ids(r, { policy: '{"Statement":[{"Principal":"*"}]}' })).toEqual(['r']);
    expect(ids(r, { policy: { Statement: [{ Principal: 'me' }] } })).toEqual([]);
    expect(ids(r, { policy: '{not json' })).toEqual([]);
  });

  it('compares numbers and strings by their text, and regex only strings', () => {
    const r = routingFromYaml(rule('      fields: {status: [401, "403"]}'));
    expect(ids(r, { status: 401 })).toEqual(['r']);
    expect(ids(r, { status: '401' })).toEqual(['r']);
    expect(ids(r, { status: 403 })).toEqual(['r']);
    expect(ids(r, { status: 4010 })).toEqual([]);
    const re = routingFromYaml(rule("      fields: {code: {regex: '^40[13]$'}}"));
    expect(ids(re, { code: '401' })).toEqual(['r']);
    expect(ids(re, { code: 401 })).toEqual([]);
  });

  it('treats a missing field and a null one alike for exists', () => {
    const r = routingFromYaml(rule('      fields: {eventName: X}\n      not: {fields: {errorCode: {exists: true}}}'));
    expect(ids(r, { eventName: 'X' })).toEqual(['r']);
    expect(ids(r, { eventName: 'X', errorCode: null })).toEqual(['r']);
    expect(ids(r, { eventName: 'X', errorCode: 'AccessDenied' })).toEqual([]);
  });

  it('combines any, all, not and some', () => {
    const r = routingFromYaml(
      rule(`      any:
        - fields: {a: 1}
        - all: [{fields: {b: 2}}, {fields: {c: 3}}]
      some:
        path: items
        where:
          fields: {k: v}
          not: {fields: {skip: true}}`),
    );
    expect(ids(r, { a: 1, items: [{ k: 'v' }] })).toEqual(['r']);
    expect(ids(r, { b: 2, c: 3, items: [{ k: 'v', skip: true }, { k: 'v' }] })).toEqual(['r']);
    expect(ids(r, { b: 2, items: [{ k: 'v' }] })).toEqual([]);
    // `some` keeps the conditions on one element: k and skip of different elements do not mix
    expect(ids(r, { a: 1, items: [{ k: 'v', skip: true }, { k: 'w' }] })).toEqual([]);
  });

  it('matches text on a text body, or on any string of a structured body', () => {
    const r = routingFromYaml(rule("      text: 'Failed password for'"));
    expect(ids(r, 'sshd[1]: Failed password for root')).toEqual(['r']);
    expect(ids(r, { log: { message: 'sshd[1]: Failed password for root' } })).toEqual(['r']);
    expect(ids(r, { 'Failed password for': 1 })).toEqual([]);
  });

  it('reads the record attributes with @attributes', () => {
    const r = routingFromYaml(rule("      fields: {'@attributes.http.status_code': 403}"));
    expect(r.route(record('GET /', { attributes: { http: { status_code: 403 } } })).map((m) => m.ruleId)).toEqual(['r']);
  });

  it('gives threshold matches a salted group key that names no value', () => {
    const yaml = rule("      text: 'denied from (?P<ip>\\S+)'", '    threshold: {count: 2, windowSeconds: 60, groupBy: [{capture: ip}, user]}\n');
    const salt = Buffer.alloc(16, 1);
    const a = routingFromYaml(yaml, { groupKeySalt: salt });
    const b = routingFromYaml(yaml, { groupKeySalt: salt });
    const key = (r: typeof a, text: string): string | undefined => r.route(record(text))[0]?.threshold?.key;
    expect(key(a, 'denied from 10.0.0.1')).toBe(key(b, 'denied from 10.0.0.1'));
    expect(key(a, 'denied from 10.0.0.1')).not.toBe(key(a, 'denied from 10.0.0.2'));
    expect(key(a, 'denied from 10.0.0.1')).not.toContain('10.0.0.1');
    expect(key(routingFromYaml(yaml), 'denied from 10.0.0.1')).not.toBe(key(a, 'denied from 10.0.0.1'));
  });

  it('takes a group-by capture from the pattern that matches, alone or among other rules', () => {
    const filler = [1, 2, 3, 4].map((n) => `  - {id: f${n}, name: F${n}, category: test, severity: low, when: {text: ['filler ${n} (?P<x>\\d+)']}, tests: {match: ['x'], nomatch: ['y']}}\n`).join('');
    const yaml = rule(
      `      any:
        - text: ['^refused (?P<client>\\S+)', 'denied from (?P<client>\\S+)']
        - fields: {status: [401]}`,
      '    threshold: {count: 2, windowSeconds: 60, groupBy: [{capture: client}]}\n',
    ).replace(/\n {4}tests:[^]*$/, "\n    tests: {match: ['x'], nomatch: ['y']}\n") + filler;
    const r = routingFromYaml(yaml, { groupKeySalt: Buffer.alloc(16, 2) });
    // With five rules tried, their text conditions are answered together; with one, each alone.
    const keys = (body: Parameters<typeof record>[0]): Array<string | undefined> => [r.route(record(body)), r.route(record(body), [0])].map((m) => m.find((x) => x.ruleId === 'r')?.threshold?.key);
    const [x1, x1alone] = keys({ status: 401, msg: 'denied from 10.0.0.1' });
    expect(x1).toBeDefined();
    expect(x1alone).toBe(x1);
    expect(keys({ msg: 'denied from 10.0.0.1', status: 401, n: 'filler 1 7' })).toEqual([x1, x1]);
    expect(keys({ status: 401, msg: 'denied from 10.0.0.2' })[0]).not.toBe(x1);
    // Matched by its field alone: no string holds a capture, the group is the same for all.
    const [none, nonealone] = keys({ status: 401, msg: 'all fine' });
    expect(nonealone).toBe(none);
    expect(keys({ status: 401, msg: 'filler 2 9' })).toEqual([none, none]);
    expect(none).not.toBe(x1);
  });
});

describe('threshold gate', () => {
  const match = (key: string) => ({ ruleId: 't', name: 'T', severity: 'low' as const, category: 'c', mitre: [], threshold: { count: 3, windowSeconds: 10, key } });
  const plain = { ruleId: 'p', name: 'P', severity: 'low' as const, category: 'c', mitre: [] };

  it('fires on the count-th match within the window, per key, then counts again', () => {
    const gate = new ThresholdGate();
    const fired = (key: string, t: number): number => gate.admit([match(key)], t * 1000).length;
    expect([fired('a', 0), fired('a', 1), fired('b', 1), fired('a', 2)]).toEqual([0, 0, 0, 1]);
    expect([fired('a', 3), fired('a', 4), fired('a', 5)]).toEqual([0, 0, 1]);
    // matches older than the window no longer count
    expect([fired('b', 20), fired('b', 31), fired('b', 32)]).toEqual([0, 0, 0]);
    expect(gate.admit([plain], 0)).toEqual([plain]);
  });

  it('counts matches whose times come out of order: any window of the rule\'s length that holds the match', () => {
    const gate = new ThresholdGate();
    const fired = (key: string, t: number): number => gate.admit([match(key)], t * 1000).length;
    // 0, 1 and 9 lie in one window of 10 s, however late 1 comes.
    expect([fired('a', 0), fired('a', 9), fired('a', 200), fired('a', 1)]).toEqual([0, 0, 0, 1]);
    // 0, 8 and 16 do not: each is within 10 s of 8, but no 10 s holds all three.
    expect([fired('b', 0), fired('b', 16), fired('b', 8)]).toEqual([0, 0, 0]);
  });

  it('does not forget the keys counting when a few records are dated far ahead', () => {
    const gate = new ThresholdGate();
    const fired = (key: string, t: number): number => gate.admit([match(key)], t * 1000).length;
    let n = 0;
    fired('victim', 1000);
    fired('x', 4_000_000_000);
    for (let i = 0; i < 5000; i++) fired(`noise${i % 50}`, 1000 + (n++ % 5));
    fired('victim', 1001);
    for (let i = 0; i < 5000; i++) fired(`noise${i % 50}`, 1000 + (n++ % 5));
    expect(fired('victim', 1002)).toBe(1);
  });

  it('keeps at most maxKeys keys', () => {
    const gate = new ThresholdGate({ maxKeys: 2 });
    for (const k of ['a', 'b', 'c', 'd']) gate.admit([match(k)], 0);
    expect(gate.size).toBe(2);
  });

  it('forgets keys whose window has passed', () => {
    const gate = new ThresholdGate();
    for (let i = 0; i < 5000; i++) gate.admit([match(`k${i}`)], i);
    // 5000 matches within 5 s: every key still counts
    expect(gate.size).toBe(5000);
    // two sweeps later (every 4096 matches, each measured from the earliest match since the one
    // before), at times past every window, only new keys remain
    for (let i = 0; i < 2 * 4096; i++) gate.admit([match(`late${i}`)], 60_000 + i);
    expect(gate.size).toBe(2 * 4096);
  });
});

describe('app stream decision', () => {
  const m = (appStream?: 'keep' | 'remove') => ({ ruleId: 'x', name: 'X', severity: 'low' as const, category: 'c', mitre: [], ...(appStream ? { appStream } : {}) });
  it('keeps by default, removes when a rule or the default says so, a rule\'s keep overriding the default', () => {
    expect(appStreamOf([m()])).toBe('keep');
    expect(appStreamOf([m(), m('remove')])).toBe('remove');
    expect(appStreamOf([m()], 'remove')).toBe('remove');
    expect(appStreamOf([m('keep')], 'remove')).toBe('keep');
  });
});
