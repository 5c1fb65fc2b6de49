import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinPatternsDir } from '../../src/config/config.js';
import { logveil } from '../helpers/cli.js';
import { tempDir } from '../helpers/keys.js';

describe('logveil redact --dry-run', () => {
  const dir = tempDir('logveil-dry-');
  const home = join(dir, 'state');
  writeFileSync(join(dir, 'in.log'), 'mail ana@example.org now\n{"card":"4111 1111 1111 1111"}\nnothing here\n');

  it('reports per detector with examples of the masked form, and writes nothing', () => {
    const r = logveil(['redact', '--dry-run', '--json', 'in.log'], { cwd: dir, home });
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { policy: { records: Record<string, number>; detectors: Record<string, { findings: number; examples: string[] }> } };
    expect(report.policy.records).toMatchObject({ in: 3, changed: 2, dropped: 0, quarantined: 0 });
    expect(report.policy.detectors.email).toEqual({ findings: 1, examples: [expect.stringMatching(/^\[\[EMAIL:tk1\.[A-Za-z0-9_-]+\.…\]\]$/)] });
    expect(report.policy.detectors['card-visa']).toEqual({ findings: 1, examples: ['***************1111'] });
    expect(r.stdout).not.toContain('ana@example.org');
    expect(existsSync(home)).toBe(false);
  });

  it('names each record it would quarantine, file:line and code, once, and exits as the run would (3)', () => {
    writeFileSync(join(dir, 'bad.jsonl'), Buffer.concat([Buffer.from('{"a":1,"a":"ana@example.org"}\nfine\n'), Buffer.from([0xff, 0xfe, 0x0a])]));
    const r = logveil(['redact', '--dry-run', '--compare', builtinPatternsDir(), 'bad.jsonl'], { cwd: dir, home });
    expect(r.status).toBe(3);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^logveil: bad\.jsonl:1 DUPLICATE_KEY: /),
      expect.stringMatching(/^logveil: bad\.jsonl:3 INVALID_UTF8: /),
    ]);
    expect(r.stderr).not.toContain('ana@example.org');
  });

  it('compares two policies: findings the second would add or lose', () => {
    const other = join(dir, 'packs');
    cpSync(builtinPatternsDir(), other, { recursive: true });
    // The second policy has no e-mail detector.
    const pii = join(other, 'pii.yaml');
    const text = readFileSync(pii, 'utf8');
    const start = text.indexOf('  - id: email');
    const end = text.indexOf('\n  - id:', start + 1);
    writeFileSync(pii, text.slice(0, start) + text.slice(end + 1));
    const r = logveil(['redact', '--dry-run', '--compare', other, '--json', 'in.log'], { cwd: dir, home });
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { changes: Record<string, { new: number; lost: number; lostAt: string[] }> };
    expect(report.changes).toEqual({ email: { new: 0, lost: 1, newAt: [], lostAt: ['in.log:1 $ [5,20)'] } });
    // As many places as --examples says, and how many more there are.
    writeFileSync(join(dir, 'mails.log'), ['a', 'b', 'c', 'd', 'e'].map((u) => `mail ${u}.user@example.com\n`).join(''));
    const one = logveil(['redact', '--dry-run', '--compare', other, '--examples', '1', 'mails.log'], { cwd: dir, home });
    expect(one.status).toBe(0);
    expect(one.stdout).toContain('    - mails.log:1 $ [5,23)\n    - ... 4 more\n');
    const all = JSON.parse(logveil(['redact', '--dry-run', '--compare', other, '--examples', '9', '--json', 'mails.log'], { cwd: dir, home }).stdout) as { changes: { email: { lostAt: string[] } } };
    expect(all.changes.email.lostAt).toHaveLength(5);
  });

  it('finds no change between a policy and itself where both name a tokenized key, though each run has its own data key', () => {
    // Keys that are addresses (threat-intelligence enrichment): each is tokenized in the finding's path.
    writeFileSync(join(dir, 'intel.jsonl'), '{"noise":{"203.0.113.7":{"ip":"203.0.113.7"},"198.51.100.23":{"ip":"198.51.100.23"}},"otx":{"mallory@example.net":{"indicator":"mallory@example.net"}}}\n');
    const r = logveil(['redact', '--dry-run', '--compare', builtinPatternsDir(), '--json', 'intel.jsonl'], { cwd: dir, home });
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { policy: { detectors: Record<string, { findings: number }> }; changes: Record<string, unknown> };
    expect(report.policy.detectors['ipv4']?.findings).toBe(4);
    expect(report.changes).toEqual({});
    expect(r.stdout).not.toContain('203.0.113.7');
    expect(r.stdout).not.toContain('mallory@example.net');
  });

  it('withholds in the comparison the paths of a record whose keys one of the policies redacts', () => {
    const keyId = 'AKIAQ3EGWK7NXZ2HJ4TY';
    const pat = 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A';
    // A key that repeats a value one policy redacts (a password) is named as written by the other.
    writeFileSync(
      join(dir, 'keys.jsonl'),
      `{"${keyId}":{"e":"bob@example.org"}}\n{"x":{"${pat}":[{"e":"bob@example.org"}]}}\n{"password":"Tr0ub4dor3xyz","Tr0ub4dor3xyz":"eve@example.com"}\n`,
    );
    const pii = join(builtinPatternsDir(), 'pii.yaml');
    for (const args of [['-p', pii, '--compare', builtinPatternsDir()], ['--compare', pii]]) {
      for (const json of [[], ['--json']]) {
        const r = logveil(['redact', '--dry-run', ...args, ...json, 'keys.jsonl'], { cwd: dir, home });
        expect(r.status).toBe(0);
        expect(r.stdout).toContain('keys.jsonl:1 (path withheld) [0,15)');
        expect(r.stdout).not.toContain(keyId);
        expect(r.stdout).not.toContain(pat);
        expect(r.stdout).not.toContain('Tr0ub4dor3xyz');
      }
    }
    // A key rule that masks with a text of its own (`***`) renames the key as a token does.
    writeFileSync(
      join(dir, 'mask-text.yaml'),
      'pack: mask-text\ndetectors: []\nkeyRules:\n  - keys: [password]\n    mode: redact\n    label: PASSWORD\n    category: credential\n    severity: high\n    action: {type: mask, text: "***"}\n',
    );
    writeFileSync(join(dir, 'masked.jsonl'), '{"password":"Hunter2Secret!xyz","Hunter2Secret!xyz":{"e":"alice.leak@example.com"}}\n');
    const r = logveil(['redact', '--dry-run', '-p', pii, '-p', 'mask-text.yaml', '--compare', pii, 'masked.jsonl'], { cwd: dir, home });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('masked.jsonl:1 (path withheld)');
    expect(r.stdout).not.toContain('Hunter2Secret');
  });
});
