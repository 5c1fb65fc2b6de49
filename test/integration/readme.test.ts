import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/keys.js';
import { ledgerEvents } from '../helpers/ledger.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The two setup commands of the README's "Start" block, without their comments. */
function startCommands(): string[] {
  const block = /## Start[^\n]*\n+```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

describe('README', () => {
  const copy = tempDir('logveil-readme-');
  let run: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    // A copy of the project as a new user has it after `npm ci` (dependencies and build linked in).
    for (const entry of ['package.json', 'samples', 'patterns', 'dist']) cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const main = startCommands()[0] ?? '';
    // `npm ci` is what CI runs on a clean clone; here the copy already has its result, so run the rest.
    const rest = main.replace(/^npm ci &&\s*/, '');
    run = spawnSync(rest, { cwd: copy, shell: true, env: { ...process.env, LOGVEIL_HOME: '' } });
  });

  it('gives two commands: one runs the main job, one runs the tests', () => {
    expect(startCommands()).toEqual(['npm ci && npm start', 'npm test']);
  });

  it('npm start redacts the bundled samples into the documented files and prints the summary', () => {
    expect(run.status).toBe(0);
    const stderr = run.stderr.toString();
    expect(stderr).toMatch(/records in (\d+), app out \1, dropped 0, quarantined 0/);
    expect(stderr).toMatch(/findings \d+:/);
    for (const file of ['out/redacted.jsonl', '.logveil/ledger', '.logveil/ledger-public.pem', '.logveil/quarantine.jsonl', '.logveil/master.key', '.logveil/keys.jsonl']) {
      expect(existsSync(join(copy, file)), file).toBe(true);
    }
    const out = readFileSync(join(copy, 'out/redacted.jsonl'), 'utf8');
    const input = ['samples/app.jsonl', 'samples/syslog.log'].map((f) => readFileSync(join(copy, f), 'utf8')).join('');
    expect(out.split('\n').length).toBe(input.split('\n').length);
    // The samples' sensitive values are gone from the output.
    for (const value of ['maria.lopez@example.com', '4111 1111 1111 1111', 'S3cr3t-Pa55w0rd', 'GB82WEST12345698765432', 'ghp_R8kq2ZtW5yXb7NcL0vHs4PjD9mFa3GeU6oQi', '203.0.113.42']) {
      expect(out).not.toContain(value);
    }
    const events = JSON.stringify(ledgerEvents(join(copy, '.logveil')));
    expect(events).toContain('"type":"findings"');
    expect(events).not.toContain('maria.lopez');
    // The run leaves a ledger that verifies.
    const verify = spawnSync(process.execPath, [join(copy, 'dist/cli/main.js'), 'ledger', 'verify', '.logveil/ledger', '--pubkey', '.logveil/ledger-public.pem'], { cwd: copy });
    expect(verify.status, verify.stdout.toString() + verify.stderr.toString()).toBe(0);
  });
});
