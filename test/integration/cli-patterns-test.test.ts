import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { logveil } from '../helpers/cli.js';
import { tempDir } from '../helpers/keys.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('logveil patterns test --pack', () => {
  const home = join(tempDir('logveil-packtest-'), 'state');

  it('tests one of the packs the policy loads already, once, by whatever path it is named', () => {
    for (const pack of ['patterns/pii.yaml', './patterns/../patterns/network.yaml', join(ROOT, 'patterns', 'secrets.yaml')]) {
      const r = logveil(['patterns', 'test', '--pack', pack], { cwd: ROOT, home });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^\d+ detectors, (\d+) cases: \1 passed, 0 failed\n$/);
    }
  });

  it('adds a pack the policy does not load, and tests it alone', () => {
    const r = logveil(['patterns', 'test', '--pack', 'patterns/opt-in/us-ssn-unformatted.yaml'], { cwd: ROOT, home });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^1 detectors, (\d+) cases: \1 passed, 0 failed\n$/);
  });
});
