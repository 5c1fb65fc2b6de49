import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../src/act/actions.js';
import { builtinPatternsDir } from '../../src/config/config.js';
import type { DataKey } from '../../src/crypto/keys/cache.js';
import { CompiledPolicy } from '../../src/detect/compile.js';
import { loadPolicy } from '../../src/detect/load.js';
import { processBatch } from '../../src/pipeline/batch.js';
import { builtinRoutingDir } from '../../src/route/builtin.js';
import { CompiledRouting } from '../../src/route/compile.js';
import { loadRoutingRules } from '../../src/route/load.js';
import { hasCorpora } from '../helpers/corpora.js';
import { LIMITS } from '../helpers/engine.js';
import { comparable, corpusLines } from '../helpers/fast-path.js';
import { localKeys, tempDir } from '../helpers/keys.js';

describe('routing reads the line prefilter\'s hits as it would read its own set', () => {
  const routing = new CompiledRouting(loadRoutingRules([builtinRoutingDir()]), { groupKeySalt: new Uint8Array(16) });
  const routed = new CompiledPolicy(loadPolicy([builtinPatternsDir()]), { maxDepth: LIMITS.maxDepth, extraLinePatterns: routing.linePatterns });

  it('routes every built-in rule case, and real log lines, the same on both paths', async () => {
    const { keys } = await localKeys();
    const tokenKey: DataKey = await keys.current();
    const base = { policy: routed, routing, actions: new ActionPolicy(), format: 'auto' as const, limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey };
    const cases = routing.rules.flatMap((r) => [...r.tests.match, ...r.tests.nomatch]).map((c) => (typeof c.record === 'string' ? c.record : JSON.stringify(c.record)));
    const lines = [...cases, ...(hasCorpora ? corpusLines().slice(0, 2000) : [])].filter((l) => !l.includes('\n'));
    let matched = 0;
    for (let i = 0; i < lines.length; i += 400) {
      const data = Buffer.from(lines.slice(i, i + 400).join('\n') + '\n');
      const task = { seq: 0, file: 'r.log', firstLine: 1, firstOffset: 0, data };
      const fast = processBatch(task, { ...base, fastPath: true });
      const slow = processBatch(task, { ...base, fastPath: false });
      expect(fast.routed).toEqual(slow.routed);
      expect(comparable(fast)).toEqual(comparable(slow));
      matched += fast.routed.length;
    }
    // Most rule cases are matches: the comparison is not vacuous.
    expect(matched).toBeGreaterThan(50);
  });

  it('routes a value JSON writes with escapes alike when the line spells them otherwise (\\u0022 for \\", \\u0009 for \\t)', async () => {
    const dir = tempDir('logveil-routing-');
    writeFileSync(
      join(dir, 'escaped.yaml'),
      [
        'pack: escaped-values',
        'rules:',
        '  - {id: quoted, name: A value with quotes, category: test, severity: low, when: {fields: {action: {in: [\'say "hi"\']}}}, tests: {match: [{action: \'say "hi"\'}], nomatch: [{action: say hi}]}}',
        '  - {id: tabbed, name: A value with a tab, category: test, severity: low, when: {fields: {event.kind: "login\\tfailed"}}, tests: {match: [{event: {kind: "login\\tfailed"}}], nomatch: [{event: {kind: login failed}}]}}',
        '  - {id: separated, name: A value with control characters, category: test, severity: low, when: {fields: {tag: ["a\\x1Fb", "line1\\nline2"]}}, tests: {match: [{tag: "a\\x1Fb"}], nomatch: [{tag: ab}]}}',
        '',
      ].join('\n'),
    );
    const custom = new CompiledRouting(loadRoutingRules([dir]), { groupKeySalt: new Uint8Array(16) });
    const { keys } = await localKeys();
    const tokenKey: DataKey = await keys.current();
    const base = { policy: new CompiledPolicy(loadPolicy([builtinPatternsDir()]), { maxDepth: LIMITS.maxDepth, extraLinePatterns: custom.linePatterns }), routing: custom, actions: new ActionPolicy(), format: 'auto' as const, limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey };
    const lines = [
      String.raw`{"action":"say \"hi\""}`,
      String.raw`{"action":"say \u0022hi\u0022"}`,
      String.raw`{"event":{"kind":"login\u0009failed"}}`,
      String.raw`{"tag":"a\u001Fb"}`,
      String.raw`{"tag":"line1\u000aline2","note":"C:\\Users"}`,
      String.raw`{"action":"say \u0022bye\u0022"}`,
    ];
    const task = { seq: 0, file: 'r.log', firstLine: 1, firstOffset: 0, data: Buffer.from(`${lines.join('\n')}\n`) };
    const fast = processBatch(task, { ...base, fastPath: true });
    const slow = processBatch(task, { ...base, fastPath: false });
    expect(fast.routed).toEqual(slow.routed);
    expect(comparable(fast)).toEqual(comparable(slow));
    expect(fast.routed.map((r) => r.matches.map((m) => m.ruleId))).toEqual([['quoted'], ['quoted'], ['tabbed'], ['separated'], ['separated']]);
    expect(fast.fastPathLines).toBe(1);
  });
});
