import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { PolicyError } from '../../../src/errors.js';
import { LineFilter } from '../../../src/detect/line-filter.js';
import { InlineExecutor } from '../../../src/pipeline/executor.js';
import { openRuntime } from '../../../src/pipeline/runtime.js';
import { tempDir } from '../../helpers/keys.js';

describe('openRuntime', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('leaves the prefilters to the thread that scans: built by an inline executor before its first batch, never for a pool', async () => {
    const build = vi.spyOn(LineFilter, 'build');
    const config = loadConfig(undefined, { LOGVEIL_HOME: tempDir() });
    const runtime = await openRuntime(config);
    try {
      expect(build).not.toHaveBeenCalled();
      expect(runtime.policy.hash).toMatch(/^[0-9a-f]{64}$/);
      new InlineExecutor(runtime.policy, { policy: runtime.policy.spec, actions: config.actions, format: config.format, limits: config.limits, fastPath: true });
      expect(build).toHaveBeenCalledTimes(1);
      expect(runtime.policy.lineFilter?.test(Buffer.from('{"password":"hunter2!x"}'))).toBe(true);
      expect(build).toHaveBeenCalledTimes(1);
    } finally {
      await runtime.close();
    }
  });

  it('reports the problems of the routing rules, the pattern packs and the actions together', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'pack.yaml'), "pack: p\ndetectors:\n  - id: d\n    name: D\n    category: secret\n    severity: high\n    regex: 'foo(?=bar)'\n    action: mask\n    tests: {match: [x]}\n");
    writeFileSync(join(dir, 'rules.yaml'), "pack: r\nrules:\n  - id: r\n    name: R\n    category: test\n    severity: high\n    when: {text: ['(a)\\1']}\n    tests: {match: [x], nomatch: [y]}\n");
    writeFileSync(join(dir, 'logveil.yaml'), 'patterns: [pack.yaml]\nrouting: {patterns: [rules.yaml]}\nactions: {byDetector: {nowhere: mask}}\n');
    const config = loadConfig(join(dir, 'logveil.yaml'), { LOGVEIL_HOME: dir });
    const err = await openRuntime(config).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as PolicyError).message).toMatch(/^2 problems in routing rules and pattern packs:\n/);
    expect((err as PolicyError).problems.map((p) => p.message)).toEqual([expect.stringMatching(/^rule "r": text: backreference/), expect.stringMatching(/^detector "d": lookahead/)]);
  });
});
