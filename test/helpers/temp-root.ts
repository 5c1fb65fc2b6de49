/**
 * Vitest's global setup: the run's temporary files go under one directory of their own (TMPDIR,
 * which os.tmpdir() reads and the test workers and the processes the tests start inherit), removed
 * when the run ends. Tests make state directories, ledgers and key stores by the hundred; each no
 * longer cleans up after itself. `LOGVEIL_KEEP_TEST_TMP=1` keeps the directory to look into.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const before = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'logveil-test-run-'));
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    if (process.env.LOGVEIL_KEEP_TEST_TMP) console.log(`test files kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
