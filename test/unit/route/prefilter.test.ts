import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompiledRouting } from '../../../src/route/compile.js';
import { builtinRoutingDir } from '../../../src/route/builtin.js';
import { loadRoutingRules } from '../../../src/route/load.js';
import { caseRecord } from '../../../src/route/routetest.js';
import type { JsonValue } from '../../../src/record.js';
import { routingFromYaml, rule } from './helpers.js';

/** JSON text with random (legal) whitespace and number spellings: what other producers write. */
function serialize(value: JsonValue, pick: () => number): string {
  const ws = (): string => [' ', '', '  ', '\t'][pick() % 4] as string;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && pick() % 3 === 0) return pick() % 2 ? `${value}.0` : `${value / 10}e1`;
    return JSON.stringify(value);
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${ws()}${value.map((v) => serialize(v, pick)).join(`,${ws()}`)}${ws()}]`;
  return `{${ws()}${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}${ws()}:${ws()}${serialize(v, pick)}`)
    .join(`,${ws()}`)}${ws()}}`;
}

const builtin = new CompiledRouting(loadRoutingRules([builtinRoutingDir()]));

describe('raw-line prefilter', () => {
  it('never says no for a line a built-in rule matches, however the JSON is spelled', () => {
    const cases = builtin.rules.flatMap((r) => r.tests.match.filter((c) => typeof c.record !== 'string'));
    let matched = 0;
    fc.assert(
      fc.property(fc.constantFrom(...cases), fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), (c, noise) => {
        let i = 0;
        const text = serialize(c.record, () => noise[i++ % noise.length] as number);
        const { line, record } = caseRecord(text, c.source);
        const all = builtin.route(record);
        if (all.length === 0) return;
        matched += 1;
        expect(builtin.mightMatch(line), text).toBe(true);
        expect(builtin.route(record, builtin.candidates(line)), text).toEqual(all);
      }),
      { numRuns: 400 },
    );
    // The respelled cases still match their rules, so the property is not vacuous.
    expect(matched).toBe(400);
  });

  it('answers the text conditions of many rules together as each rule alone answers them', () => {
    const cases = builtin.rules.flatMap((r) => [...r.tests.match, ...r.tests.nomatch]);
    const each = builtin.rules.map((_, i) => i);
    let matched = 0;
    for (const c of cases) {
      const { record } = caseRecord(c.record, c.source);
      // All rules at once read one match of every text pattern per string; a rule alone, its own sets.
      const together = builtin.route(record);
      expect(together, JSON.stringify(c.record)).toEqual(each.flatMap((i) => builtin.route(record, [i])));
      if (together.length > 0) matched += 1;
    }
    expect(matched).toBeGreaterThan(30);
  });

  it('names every rule that matches: routing only the candidates gives the same matches', () => {
    const cases = builtin.rules.flatMap((r) => [...r.tests.match, ...r.tests.nomatch]);
    let matched = 0;
    for (const c of cases) {
      const { line, record } = caseRecord(c.record, c.source);
      const all = builtin.route(record);
      const rules = builtin.candidates(line);
      expect(rules === undefined ? [] : builtin.route(record, rules), JSON.stringify(c.record)).toEqual(all);
      if (all.length > 0) matched += 1;
      // Fewer rules than all of them are tried wherever the line has no backslash.
      if (!line.includes(0x5c)) expect(rules?.length ?? 0).toBeLessThan(builtin.rules.length);
    }
    expect(matched).toBeGreaterThan(30);
  });

  it('never says no for a number written with a fraction or an exponent', () => {
    const r = routingFromYaml(rule('      fields: {status: [401, 0, 1.5]}'));
    for (const text of ['{"status":401}', '{"status": 401.00 }', '{"status":4.01e2}', '{"status":[1,401]}', '{"status":"401"}', '{"status":-0}', '{"status":1.50}', '{"status":15E-1}']) {
      const { line, record } = caseRecord(text, { file: 't', line: 1 });
      expect(r.route(record).length, text).toBe(1);
      expect(r.mightMatch(line), text).toBe(true);
      expect(r.candidates(line), text).toEqual([0]);
    }
  });

  it('finds a field value by its key, wherever the path puts it', () => {
    const r = routingFromYaml(rule('      any:\n        - fields: {outcome.code: [401, true, denied]}\n        - fields: {"list[1]": [7]}'));
    // The value under its key, inside arrays, in JSON held in a string, spelled as JSON allows.
    const place = fc.oneof(
      fc.constantFrom<JsonValue>(401, '401', true, 'true', 'denied'),
      fc.constantFrom<JsonValue>(401, 'denied').map((v) => [0, [v]]),
    );
    const body = fc.record({
      outcome: fc.oneof(
        place.map((code) => ({ code })),
        place.map((code) => [{ other: 1 }, { code }]),
      ),
      list: fc.constantFrom<JsonValue>([1, 7], '[1,7]', ' [1, 7.0]', [[1], 7]),
      noise: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.integer(), fc.string({ maxLength: 6 }))),
    });
    let matched = 0;
    fc.assert(
      fc.property(body, fc.array(fc.nat(), { minLength: 16, maxLength: 16 }), fc.boolean(), (b, noise, which) => {
        const value = (which ? { outcome: b.outcome, noise: b.noise } : { list: b.list, noise: b.noise }) as JsonValue;
        let i = 0;
        const text = serialize(value, () => noise[i++ % noise.length] as number);
        const { line, record } = caseRecord(text, { file: 't', line: 1 });
        if (r.route(record).length === 0) return;
        matched += 1;
        expect(r.mightMatch(line), text).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect(matched).toBeGreaterThan(200);
  });

  it('finds a number however precisely it is written, as parsing reads it', () => {
    const r = routingFromYaml(rule('      any:\n        - fields: {status: [401, 1.5]}\n        - fields: {a.b: [0.12345678901234568]}'));
    const spellings = [
      '{"status":401.00000000000001}',
      '{"status":400.99999999999999999}',
      '{"status":1.50000000000000001}',
      '{"status":[2, 40100e-2]}',
      '{"a":{"b":0.1234567890123456789}}',
      '{"a":[{"b":0},{"b":0.1234567890123456789}]}',
    ];
    for (const text of spellings) {
      const { line, record } = caseRecord(text, { file: 't', line: 1 });
      expect(r.route(record), text).toHaveLength(1);
      expect(r.mightMatch(line), text).toBe(true);
    }
  });

  it('does not take a value under another key for the field', () => {
    const r = routingFromYaml(rule('      fields: {status: [401, 6]}'));
    for (const text of ['{"latency_ms":401,"thread":6}', '{"code":"401"}', '{"a":[6]}', '{"status":200,"n":401}']) {
      expect(r.mightMatch(Buffer.from(text)), text).toBe(false);
    }
    for (const text of ['{"status" : 6}', '{"status":[200,401]}', '{"x":{"status":"401"}}']) {
      expect(r.mightMatch(Buffer.from(text)), text).toBe(true);
    }
  });

  it('keeps clean lines on the fast path', () => {
    const clean = [
      '2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b] 10.11.10.1 "GET /v2/servers/detail HTTP/1.1" status: 200 len: 1893',
      '{"level":"info","msg":"request served","status":200,"path":"/health","latency_ms":4}',
      '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating',
    ];
    for (const line of clean) expect(builtin.mightMatch(Buffer.from(line)), line).toBe(false);
    expect(builtin.mightMatch(Buffer.from('{"msg":"a \\"quoted\\" word"}'))).toBe(true);
  });
});
