import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, logveil } from '../helpers/cli.js';
import { LedgerSink } from '../../src/sinks/ledger/sink.js';
import { LocalSigner } from '../../src/sinks/ledger/signer.js';
import { StreamChain } from '../../src/sinks/ledger/stream-chain.js';
import type { SecurityEvent } from '../../src/telemetry/events.js';
import { tempDir } from '../helpers/keys.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HASH = 'b'.repeat(64);
const ts = (m: number): string => new Date(Date.UTC(2025, 0, 1, 0, m)).toISOString();

const EVENTS: SecurityEvent[] = [
  { type: 'run-start', ts: ts(0), version: '0.1.0', configHash: HASH, policyHash: HASH },
  { type: 'findings', ts: ts(1), policyHash: HASH, source: { file: 'app.log', line: 3 }, findings: [{ detectorId: 'email', category: 'pii', severity: 'medium', path: '$.user', start: 0, end: 9, action: 'tokenize', kid: 'k1' }] },
  { type: 'findings', ts: ts(2), policyHash: HASH, source: { file: 'app.log', line: 8 }, findings: [{ detectorId: 'aws-access-key', category: 'secret', severity: 'critical', path: '$', start: 4, end: 24, action: 'mask' }] },
  {
    type: 'routed', ts: ts(3), policyHash: HASH, routingHash: HASH, source: { file: 'auth.log', line: 1 }, severity: 'high', appStream: 'keep',
    rules: [{ id: 'sudo-auth-failure', severity: 'high', category: 'privilege-escalation', mitre: ['T1548.003'] }], record: { body: 'sudo: [[USER]] : user NOT in sudoers' },
  },
  { type: 'heartbeat', ts: ts(4), intervalSeconds: 60, beat: 1, uptimeSeconds: 60 },
];

describe('logveil ledger', () => {
  const dir = tempDir('logveil-ledger-cli-');
  const home = join(dir, 'state');
  const run = (...args: string[]) => logveil(['ledger', ...args], { cwd: dir, home });

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'commands', 'ledger.js'))) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    }
    const signer = await LocalSigner.open(home);
    const sink = await LedgerSink.open(join(home, 'ledger'), { signer });
    await sink.write(EVENTS.slice(0, 3));
    await sink.write(EVENTS.slice(3));
    await sink.close();
  });

  it('verify: exit 0 and a summary for the ledger under the state directory', () => {
    const r = run('verify');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ledger OK: 6 entries \(5 events\) in 1 segment, 1 checkpoint; last seq 6/);
  });

  it('verify --json with a trusted public key', () => {
    const r = run('verify', join(home, 'ledger'), '--pubkey', join(home, 'ledger-public.pem'), '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, events: 5, checkpoints: 1, unsignedEntries: 0 });
  });

  it('show: filters by type, detector or rule, severity and time, never printing more than ids', () => {
    expect(run('show').stdout.trimEnd().split('\n')).toHaveLength(5);
    expect(run('show', '--type', 'findings,heartbeat').stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(run('show', '--detector', 'sudo-auth-failure').stdout).toMatch(/routed\s+auth\.log:1 high sudo-auth-failure/);
    const severe = run('show', '--severity', 'high', '--json').stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(severe.map((e) => e.seq)).toEqual([4, 5]);
    expect(severe[0]).toMatchObject({ line: 4, event: { type: 'findings' } });
    const window = run('show', '--since', ts(1), '--until', ts(2), '--json').stdout.trimEnd().split('\n');
    expect(window).toHaveLength(2);
    expect(run('show', '--since', 'soon').status).toBe(2);
  });

  it('schema prints the JSON schema of events', () => {
    const schema = JSON.parse(run('schema').stdout);
    expect(schema.title).toBe('logveil security event');
    expect(JSON.parse(run('schema', '--entry').stdout).required).toEqual(['seq', 'ts', 'prev', 'kind', 'hash']);
  });

  it('verify: exit 8 for a torn last line, 7 for tampering, each with seq and file:line', () => {
    const copy = join(dir, 'copy');
    execFileSync('cp', ['-r', join(home, 'ledger'), copy]);
    const segment = join(copy, 'ledger-000001.jsonl');
    appendFileSync(segment, '{"event":{"type":"heart');
    let r = logveil(['ledger', 'verify', copy], { cwd: dir, home });
    expect(r.status).toBe(8);
    expect(r.stdout).toContain(`ledger INVALID: torn at seq 7, ${segment}:7: last line is incomplete`);

    writeFileSync(segment, readFileSync(segment, 'utf8').replace('"line":8', '"line":9'));
    r = logveil(['ledger', 'verify', copy], { cwd: dir, home });
    expect(r.status).toBe(7);
    expect(r.stdout).toContain(`ledger INVALID: modified at seq 4, ${segment}:4: hash does not match the entry content`);
  });

  it('verify and show read exported files given as pipes, each read once', () => {
    // bash's <(cat FILE) names a pipe: it cannot be read twice nor at an offset.
    const ledger = join(home, 'ledger');
    const pipes = `<(cat ${join(ledger, 'ledger-000001.jsonl')}) <(cat ${join(ledger, 'checkpoints.jsonl')})`;
    const cli = (args: string): { status: number | null; stdout: string; stderr: string } => {
      const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" ledger ${args}`], { cwd: dir, env: { ...process.env, LOGVEIL_HOME: home }, encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const verified = cli(`verify ${pipes} --pubkey ${join(home, 'ledger-public.pem')} --json`);
    expect(verified.stderr).toBe('');
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, events: 5, checkpoints: 1, unsignedEntries: 0 });
    const shown = cli(`show <(cat ${join(ledger, 'ledger-000001.jsonl')})`);
    expect(shown.status).toBe(0);
    expect(shown.stdout.trimEnd().split('\n')).toHaveLength(5);
  });

  it('show counts a torn last line even when it stops before the end', () => {
    const copy = join(dir, 'torn-show');
    execFileSync('cp', ['-r', join(home, 'ledger'), copy]);
    appendFileSync(join(copy, 'ledger-000001.jsonl'), '{"event":{"type":"heart');
    const r = logveil(['ledger', 'show', copy, '-n', '1'], { cwd: dir, home });
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('1 line(s) are not ledger entries and were skipped');
  });

  it('show skips an event without the members its type has, naming its file:line, and shows the others', async () => {
    const other = join(dir, 'odd');
    const sink = await LedgerSink.open(other, { signer: await LocalSigner.open(join(dir, 'odd-state')) });
    // Another writer's events, chained like any: one findings event lacks its findings.
    await sink.write([EVENTS[0] as SecurityEvent, { type: 'findings', ts: ts(1), policyHash: HASH, source: { file: 'app.log', line: 1 } } as unknown as SecurityEvent, EVENTS[1] as SecurityEvent]);
    await sink.close();
    expect(logveil(['ledger', 'verify', other], { cwd: dir, home }).status).toBe(0);
    for (const args of [[], ['--detector', 'email'], ['--severity', 'low']]) {
      const r = logveil(['ledger', 'show', other, ...args], { cwd: dir, home });
      expect(r.status).toBe(0);
      expect(r.stderr).toContain(`${join(other, 'ledger-000001.jsonl')}:3: findings event: the event must have required property 'findings'; skipped`);
      expect(r.stderr).not.toContain('not ledger entries');
      expect(r.stdout).toMatch(/email\(medium\)@\$\.user/);
    }
  });

  it('verify: a key file beside the ledger that holds no key is named and not used; an unusable --pubkey or a directory in place of a segment is a usage error naming it', () => {
    const copy = join(dir, 'keys');
    execFileSync('cp', ['-r', join(home, 'ledger'), copy]);
    writeFileSync(join(copy, 'ledger-public-old.pem'), 'not a key\n');
    let r = logveil(['ledger', 'verify', copy], { cwd: dir, home });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`warning: ${join(copy, 'ledger-public-old.pem')}: not a public key in PEM; not used`);
    r = logveil(['ledger', 'verify', copy, '--pubkey', join(dir, 'missing.pem'), '--pubkey', join(copy, 'ledger-public-old.pem')], { cwd: dir, home });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`--pubkey ${join(dir, 'missing.pem')}: cannot be read (ENOENT)`);
    expect(r.stderr).toContain(`--pubkey ${join(copy, 'ledger-public-old.pem')}: not a public key in PEM`);
    execFileSync('mkdir', [join(copy, 'ledger-000002.jsonl')]);
    r = logveil(['ledger', 'verify', copy], { cwd: dir, home });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(copy, 'ledger-000002.jsonl')}: a directory, where a ledger file belongs`);
    expect(r.stderr).not.toContain('internal error');
  });

  it('verify: exit 8 for a checkpoint cut off by a crash, the entries it would have signed unsigned', () => {
    const copy = join(dir, 'torn-checkpoint');
    execFileSync('cp', ['-r', join(home, 'ledger'), copy]);
    appendFileSync(join(copy, 'checkpoints.jsonl'), '{"alg":"ed25519","head":"');
    const r = logveil(['ledger', 'verify', copy], { cwd: dir, home });
    expect(r.status).toBe(8);
    expect(r.stdout).toContain(`${join(copy, 'checkpoints.jsonl')}:2: last checkpoint is incomplete (25 bytes without a line end)`);
  });

  it('verify --export: the security stream export of two instances, gzipped, out of order; exit 7 naming a missing entry, 2 without a key for its checkpoints', async () => {
    const signer = await LocalSigner.open(join(dir, 'export-signer'));
    const [one, two] = [new StreamChain('logveil-sub:1'), new StreamChain('logveil-sub:1')];
    const a = [...one.seal(EVENTS.slice(0, 3)), (await one.checkpoint(signer)) as string];
    const b = [...two.seal(EVENTS.slice(3)), (await two.checkpoint(signer)) as string];
    const out = join(dir, 'export', '2026', '12', '02');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'security-1.gz'), gzipSync([...b, ...a.slice(2)].map((l) => `${l}\n`).join('')));
    writeFileSync(join(out, 'security-2'), a.slice(0, 2).map((l) => `${l}\n`).join(''));
    const pubkey = join(dir, 'export-signer', 'ledger-public.pem');
    const ok = run('verify', '--export', join(dir, 'export'), '--pubkey', pubkey);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^export OK: 7 entries in 2 chains, 2 checkpoints, from 2 files\n {2}chain logveil-sub:1\/\S+: \d entries, last seq \d, head [0-9a-f]{16}…\n/);
    expect(run('verify', '--export', join(dir, 'export')).status).toBe(2);
    // show reads the same export: its events, the checkpoints passed over without a word.
    const shown = run('show', '--export', join(dir, 'export'), '--json');
    expect(shown.stderr).toBe('');
    expect(shown.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { event: { type: string } }).event.type).sort()).toEqual(EVENTS.map((e) => e.type).sort());
    expect(run('show', '--export', join(dir, 'export'), '--type', 'findings').stderr).toBe('2 events\n');
    // The second entry of the first chain taken out.
    writeFileSync(join(out, 'security-2'), `${a[0] as string}\n`);
    const cut = run('verify', '--export', join(dir, 'export'), '--pubkey', pubkey);
    expect(cut.status).toBe(7);
    expect(cut.stdout).toContain(`gap at seq 3, ${join(out, 'security-1.gz')}:`);
    expect(cut.stdout).toContain(': the entry before seq 3 is missing from the export; 2 entries (seq 3-4) follow it');
  });

  it('verify: exit 2 when there is nothing to verify', () => {
    const r = logveil(['ledger', 'verify', join(dir, 'nowhere')], { cwd: dir, home });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no such ledger file or directory');
  });
});
