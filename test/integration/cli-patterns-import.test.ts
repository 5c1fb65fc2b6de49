import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logveil } from '../helpers/cli.js';
import { tempDir } from '../helpers/keys.js';

const CONFIG = String.raw`title = "team rules"

[[rules]]
id = "team-token"
description = "Team service token"
regex = '''\b(tt_[a-zA-Z0-9]{30})(?:[\x60'"\s;]|$)'''
entropy = 3
keywords = ["tt_"]

[[rules]]
id = "team-keystore"
description = "Keystore file"
path = '''\.jks$'''

[[rules]]
id = "team-lookahead"
regex = '''pw=(?=\w{8})\w+'''
`;

describe('logveil patterns import gitleaks', () => {
  const dir = tempDir('logveil-import-');
  const home = join(dir, 'state');
  writeFileSync(join(dir, 'gitleaks.toml'), CONFIG);

  it('writes a pack that patterns test accepts, and lists every rule not imported on stderr and in the JSON report', () => {
    const r = logveil(['patterns', 'import', 'gitleaks', 'gitleaks.toml', '--out', 'team.yaml', '--prefix', 'gl-', '--report', 'report.json'], { cwd: dir, home });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('gitleaks.toml: 3 rules: 1 imported, 2 not imported (path-only 1, regex 1)');
    expect(r.stderr).toMatch(/team-keystore \[path-only\]: path-only rule/);
    expect(r.stderr).toMatch(/team-lookahead \[regex\]: regex is not valid RE2: \S/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { imported: number; skipped: Array<{ ruleId: string }> };
    expect(report.imported).toBe(1);
    expect(report.skipped.map((s) => s.ruleId)).toEqual(['team-keystore', 'team-lookahead']);

    const test = logveil(['patterns', 'test', '--pack', 'team.yaml'], { cwd: dir, home });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toContain('1 detectors, 1 cases: 1 passed, 0 failed');

    const redact = logveil(['redact', '-p', 'team.yaml', '-w', '0', '--no-summary'], { cwd: dir, home, input: 'auth tt_Q8wErT5yUi2oPa7sDf3gHj9kLz4xCv done\n' });
    expect(redact.status, redact.stderr).toBe(0);
    expect(redact.stdout).toMatch(/^auth \[\[GL_TEAM_TOKEN:tk1\.[^\]]+\]\] done\n$/);
  });

  it('writes the pack to stdout without --out', () => {
    const r = logveil(['patterns', 'import', 'gitleaks', 'gitleaks.toml', '--pack-id', 'team'], { cwd: dir, home });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# Imported from gitleaks config "team rules"/);
    expect(r.stdout).toContain('\npack: team\n');
    expect(r.stderr).toContain('written to stdout');
  });

  it('warns when imported ids are ids of built-in detectors, which the pack could not be loaded beside', () => {
    writeFileSync(join(dir, 'clash.toml'), `[[rules]]\nid = "github-pat"\nregex = '''ghp_[0-9a-zA-Z]{36}'''\nkeywords = ["ghp_"]\n`);
    const r = logveil(['patterns', 'import', 'gitleaks', 'clash.toml', '--out', 'clash.yaml', '--report', 'clash.json'], { cwd: dir, home });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("warning: 1 imported detector id is the id of built-in detectors (github-pat): the pack cannot be loaded beside them; import with --prefix");
    expect(JSON.parse(readFileSync(join(dir, 'clash.json'), 'utf8')).idClashes).toEqual(['github-pat']);
    const loaded = logveil(['patterns', 'test', '--pack', 'clash.yaml'], { cwd: dir, home });
    expect(loaded.status).toBe(2);
    const prefixed = logveil(['patterns', 'import', 'gitleaks', 'clash.toml', '--out', 'clash.yaml', '--prefix', 'gl-'], { cwd: dir, home });
    expect(prefixed.stderr).not.toContain('warning');
    expect(logveil(['patterns', 'test', '--pack', 'clash.yaml'], { cwd: dir, home }).status).toBe(0);
  });

  it('exits 2 with file and line on a TOML error, and on bad options', () => {
    writeFileSync(join(dir, 'broken.toml'), '[[rules]]\nid = "x"\nregex = [\n');
    const r = logveil(['patterns', 'import', 'gitleaks', 'broken.toml'], { cwd: dir, home });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken\.toml:\d+ TOML: /);
    const bad = logveil(['patterns', 'import', 'gitleaks', 'gitleaks.toml', '--prefix', 'GL_'], { cwd: dir, home });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--prefix');
  });
});
