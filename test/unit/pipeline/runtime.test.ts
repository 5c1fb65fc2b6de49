import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
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
});
