import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('the test run', () => {
  it('keeps its temporary files in a directory of its own, which the processes it starts inherit', () => {
    const root = tmpdir();
    expect(basename(root)).toMatch(/^logveil-test-run-/);
    expect(basename(dirname(root))).not.toMatch(/^logveil-test-run-/);
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(require("node:os").tmpdir())'], { encoding: 'utf8' });
    expect(child.stdout).toBe(root);
  });
});
