import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirs } from '../../../src/util/make-dirs.js';
import { CLI_NODE_ARGS } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/keys.js';

describe('makeDirs', () => {
  it('makes the missing directories, each with the mode given, and leaves those there alone', () => {
    const root = tempDir('logveil-dirs-');
    makeDirs(join(root, 'a', 'b', 'c'), 0o700);
    for (const d of ['a', 'a/b', 'a/b/c']) expect(statSync(join(root, d)).mode & 0o777).toBe(0o700);
    makeDirs(join(root, 'a', 'b', 'c'));
    makeDirs(root);
    expect(existsSync(join(root, 'a', 'b', 'c'))).toBe(true);
  });

  it('says ENOTDIR where a file stands in the way', () => {
    const root = tempDir('logveil-dirs-');
    writeFileSync(join(root, 'file'), '');
    expect(() => makeDirs(join(root, 'file', 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it.runIf(existsSync('/proc/self'))('returns an error where a parent refuses children with ENOENT (/proc), where a recursive mkdir never returns', () => {
    expect(() => makeDirs('/proc/logveil-test/sub', 0o700)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    // The CLI with such a home ends with the error, in a child this test bounds.
    const r = spawnSync(process.execPath, [...CLI_NODE_ARGS, 'redact'], { env: { ...process.env, LOGVEIL_HOME: '/proc/logveil-test/home' }, input: '{"a":1}\n', timeout: 60_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toContain('KEY_FILE_UNAVAILABLE: cannot create master key /proc/logveil-test/home/master.key: ENOENT');
  });
});
