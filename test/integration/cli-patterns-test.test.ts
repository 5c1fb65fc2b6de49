import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI_NODE_ARGS, logveil } from '../helpers/cli.js';
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

describe('logveil patterns explain', () => {
  const home = join(tempDir('logveil-explain-'), 'state');

  it('reads a PowerShell encoded command decoded, as redact does', () => {
    const script = '$password = "S3cret!Passw0rd"; Get-Date';
    const text = `powershell.exe -NoProfile -enc ${Buffer.from(script, 'utf16le').toString('base64')}`;
    const r = logveil(['patterns', 'explain', text], { cwd: ROOT, home });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`encoded-command   [31,${text.length}): a PowerShell encoded command, read decoded (utf16le) as ${JSON.stringify(script)}; within it:\n  fired             powershell-password-variable [12,29)`);
    expect(r.stdout).toMatch(/\n1 span would be redacted\n$/);
  });

  it('reads base64 of JSON or of a text decoded, with its detectors and key rules, as redact does', () => {
    const json = '{"password":"Ju7xQ2mLw9","email":"bob@example.com"}';
    const text = `payload=${Buffer.from(json).toString('base64')} sent`;
    const r = logveil(['patterns', 'explain', text], { cwd: ROOT, home });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`base64-text       [8,${text.length - 5}): base64 of text, read decoded as ${JSON.stringify(json)}; within it:\n  fired             email [34,49)`);
    expect(r.stdout).toContain('  key-redact        key:password $.password:');
    expect(r.stdout).toMatch(/\n2 spans would be redacted, and 1 value by key rules\n$/);
    const script = 'export GITHUB_TOKEN=ghp_qh8Mf3nwL6wfFVFHjISTfy4Nzo4tPsrN13R6\n';
    const line = `user-data script=${Buffer.from(script).toString('base64')}`;
    const hex = ` dump 0x${Buffer.from('password=Ju7xQ2mLw9').toString('hex')}`;
    const json2 = JSON.parse(logveil(['patterns', 'explain', '--json', line + hex], { cwd: ROOT, home }).stdout) as { encodedTexts: Array<{ start: number; kind: string; text: string; redacted: unknown[] }> };
    expect(json2.encodedTexts.map((b) => [b.start, b.kind, b.text, b.redacted.length])).toEqual([
      [17, 'base64', script, 1],
      [line.length + 8, 'hex', 'password=Ju7xQ2mLw9', 1],
    ]);
  });

  it('reads a JSON text as the record a JSON line is, where the text alone says otherwise', () => {
    const r = logveil(['patterns', 'explain', '{"sin":{"value":"130692544"},"customer":{"sin":"245061239"}}'], { cwd: ROOT, home });
    expect(r.status).toBe(0);
    // As text, another key's separator stands between the keyword and the number; the record reads
    // the number with the keys above it.
    expect(r.stdout).toMatch(/^keyword-missing\s+ca-sin-keyword \[\d+,\d+\) "130692544": .*what the regex does not allow there/m);
    expect(r.stdout).toContain(
      'fired             ca-sin-keyword $.sin.value [0,9) "130692544"\nfired             ca-sin-keyword $.customer.sin [0,9) "245061239"\n2 values of the record would be redacted by detectors\n',
    );
    const json = JSON.parse(logveil(['patterns', 'explain', '--json', '{"customer":{"sin":"245061239"}}'], { cwd: ROOT, home }).stdout) as { record: { redacted: unknown; entries: Array<{ path: string }> } };
    expect(json.record.redacted).toEqual({ detectors: 1, keyRules: 0 });
    expect(json.record.entries.map((e) => e.path)).toEqual(['$.customer.sin']);
  });

  it('shows a value whose keyword stands too far, and the key rules a JSON text meets, in text and JSON', () => {
    const far = logveil(['patterns', 'explain', 'Steuer-ID (see the letter of March 2024) 11913476808'], { cwd: ROOT, home });
    expect(far.status).toBe(0);
    expect(far.stdout).toContain('keyword-missing   de-tax-id [41,52) "11913476808": the value matches, but its nearest keyword "steuer" ends 35 chars before it, and the regex\'s gap takes at most 30');
    expect(far.stdout).toMatch(/0 spans would be redacted\n$/);

    const text = '{"password":"hunter2","request_id":"r-1","env":[{"name":"DB_PASSWORD","value":"x1"}]}';
    const keys = logveil(['patterns', 'explain', text], { cwd: ROOT, home });
    expect(keys.stdout).toMatch(/key-redact\s+key:password \$\.password: the value under key "password" is redacted whole/);
    expect(keys.stdout).toMatch(/key-skip\s+key:request_id \$\.request_id: /);
    expect(keys.stdout).toMatch(/key-redact\s+key:\*_password \$\.env\[0\]\.value: the value under name "DB_PASSWORD"/);
    expect(keys.stdout).toMatch(/, and 2 values by key rules\n/);
    // The record view: the key rules' values, and no detector finding in a value read with its keys.
    expect(keys.stdout).toMatch(/as a JSON record, read as redact reads a JSON line .*\n0 values of the record would be redacted by detectors, and 2 by key rules\n$/);
    const json = JSON.parse(logveil(['patterns', 'explain', '--json', text], { cwd: ROOT, home }).stdout) as { keyRules: Array<{ verdict: string; path: string }> };
    expect(json.keyRules.map((e) => [e.verdict, e.path])).toEqual([
      ['key-redact', '$.password'],
      ['key-skip', '$.request_id'],
      ['key-redact', '$.env[0].value'],
    ]);
  });

  it('names the opt-in pack that would redact a value the policy leaves in clear, unless the policy loads it', () => {
    const text = 'payroll row 130 692 544 for ann@example.com';
    const r = logveil(['patterns', 'explain', text], { cwd: ROOT, home });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^opt-in +ca-sin-no-keyword \[12,23\) "130 692 544": the opt-in pack patterns\/opt-in\/national-ids-no-keyword\.yaml, which the policy does not load, would redact it {2}\(patterns\/opt-in\/national-ids-no-keyword\.yaml:\d+\)$/m);
    // The e-mail address is redacted by the policy: no opt-in detector is named for it.
    expect(r.stdout.match(/^opt-in /gm)).toHaveLength(1);
    expect(r.stdout).toMatch(/1 span would be redacted\n$/);
    const json = JSON.parse(logveil(['patterns', 'explain', '--json', text], { cwd: ROOT, home }).stdout) as { optIn: Array<{ detectorId: string; start: number; end: number }> };
    expect(json.optIn.map((e) => [e.detectorId, e.start, e.end])).toEqual([['ca-sin-no-keyword', 12, 23]]);
    // Loaded, the pack's detector fires, and no pack is named.
    const loaded = logveil(['patterns', 'explain', '-p', 'patterns', '-p', 'patterns/opt-in/national-ids-no-keyword.yaml', text], { cwd: ROOT, home });
    expect(loaded.stdout).toMatch(/^fired +ca-sin-no-keyword \[12,23\)/m);
    expect(loaded.stdout).not.toMatch(/^opt-in /m);
    expect(loaded.stdout).toMatch(/2 spans would be redacted\n$/);
    // A value a key rule redacts whole needs no pack either; the same value under another key does.
    const keyed = logveil(['patterns', 'explain', '--json', '{"authorization":"130 692 544","row":"245 061 239"}'], { cwd: ROOT, home });
    const kj = JSON.parse(keyed.stdout) as { keyRules: Array<{ path: string; at?: { start: number; end: number } }>; optIn: Array<{ detectorId: string; start: number }> };
    expect(kj.keyRules).toEqual([expect.objectContaining({ path: '$.authorization', at: { start: 17, end: 30 } })]);
    expect(kj.optIn.map((e) => [e.detectorId, e.start])).toEqual([['ca-sin-no-keyword', 38]]);
  });

  it('ends quietly when its reader goes away before it prints (| head)', async () => {
    const child = spawn(process.execPath, [...CLI_NODE_ARGS, 'patterns', 'explain', '--all', 'password=Wint3r!Deploy42 user=alice@example.com'], {
      cwd: ROOT,
      env: { ...process.env, LOGVEIL_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.destroy();
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });
});
