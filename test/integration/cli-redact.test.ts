import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_NODE_ARGS, logveil } from '../helpers/cli.js';
import { tempDir } from '../helpers/keys.js';
import { ledgerEvents } from '../helpers/ledger.js';

const EMAIL = 'jane.roe@example.com';

describe('logveil redact on bad input', () => {
  const dir = tempDir('logveil-cli-');
  const home = join(dir, 'state');
  let result: ReturnType<typeof logveil>;
  let summary: { recordsIn: number; appOut: number; dropped: number; quarantined: number; balanced: boolean };
  let lines: Buffer[];

  beforeAll(() => {
    const deep = '{"a":'.repeat(10_000) + '"x"' + '}'.repeat(10_000);
    lines = [
      Buffer.from(`{"msg":"hello ${EMAIL}"}`),
      Buffer.from(`not json at all, mail ${EMAIL}`),
      Buffer.concat([Buffer.from(`{"msg":"${EMAIL} `), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      Buffer.from(`{"big":"${EMAIL} ${'x'.repeat(5 * 1024 * 1024)}"}`),
      Buffer.from(deep),
      Buffer.from('{"msg":"last line, nothing sensitive"}'),
    ];
    writeFileSync(join(dir, 'input.log'), Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    result = logveil(['redact', 'input.log', '--out', 'out.jsonl', '--summary-json', 'summary.json'], { cwd: dir, home });
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  });

  it('names each bad record by file:line and reason, and exits 3 (quarantined)', () => {
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/input\.log:3 INVALID_UTF8: invalid UTF-8 at byte \d+; record quarantined/);
    expect(result.stderr).toMatch(/input\.log:4 RECORD_TOO_LARGE: record of \d+ bytes exceeds maxRecordBytes 1048576/);
    expect(result.stderr).toMatch(/input\.log:5 RECORD_TOO_DEEP: JSON nesting deeper than 64 levels at \$\.a\.a/);
    expect(result.stderr).not.toContain(EMAIL);
  });

  it('still writes every other record, redacted, in order', () => {
    const out = readFileSync(join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n');
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/^\{"msg":"hello \[\[EMAIL:tk1\./);
    expect(out[1]).toMatch(/^not json at all, mail \[\[EMAIL:tk1\./);
    expect(out[2]).toBe('{"msg":"last line, nothing sensitive"}');
  });

  it('counts every record: in = out + dropped + quarantined', () => {
    expect(summary).toMatchObject({ recordsIn: 6, appOut: 3, dropped: 0, quarantined: 3, balanced: true });
    expect(result.stderr).toMatch(/records in 6, app out 3, dropped 0, quarantined 3/);
  });

  it('quarantines encrypted, never in clear, with a security event each', () => {
    const quarantine = readFileSync(join(home, 'quarantine.jsonl'), 'utf8');
    expect(quarantine).not.toContain(EMAIL);
    expect(quarantine).not.toContain('xxxxxxxx');
    const entries = quarantine.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(entries.map((e) => [e.source.line, e.code])).toEqual([
      [3, 'INVALID_UTF8'],
      [4, 'RECORD_TOO_LARGE'],
      [5, 'RECORD_TOO_DEEP'],
    ]);
    for (const e of entries) expect(e.envelope).toMatch(/^\[\[QUARANTINE:tk1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\]\]$/);
    const events = ledgerEvents(home);
    expect(events.filter((e) => e.type === 'quarantine')).toHaveLength(3);
    expect(JSON.stringify(events)).not.toContain(EMAIL);
  });

  it('an authorized detokenize restores a quarantined record exactly', () => {
    const first = JSON.parse(readFileSync(join(home, 'quarantine.jsonl'), 'utf8').split('\n')[0] as string);
    const back = logveil(['detokenize', '--principal', 'sec-oncall', '--reason', 'INC-1 quarantine review'], {
      cwd: dir,
      home,
      input: first.envelope,
    });
    expect(back.status).toBe(0);
    const raw = Buffer.from(back.stdout.trim(), 'base64');
    expect(raw.includes(Buffer.from([0xff, 0xfe]))).toBe(true);
    expect(raw.toString('latin1')).toContain(EMAIL);
  });

  it('keeps the first maxRecordBytes bytes of a record longer than that, and says so', () => {
    expect(result.stderr).toContain(`input.log:4 RECORD_TOO_LARGE: record of ${lines[3]?.length} bytes exceeds maxRecordBytes 1048576; its first 1048576 bytes are quarantined`);
    const entry = JSON.parse(readFileSync(join(home, 'quarantine.jsonl'), 'utf8').split('\n')[1] as string);
    const back = logveil(['detokenize', '--principal', 'sec-oncall', '--reason', 'INC-2 oversized record'], { cwd: dir, home, input: entry.envelope });
    expect(back.status).toBe(0);
    expect(Buffer.from(back.stdout.trim(), 'base64')).toEqual(lines[3]?.subarray(0, 1048576));
  });

  it('strict jsonl mode rejects a non-JSON line by file:line', () => {
    const r = logveil(['redact', '--format', 'jsonl', 'input.log', '--out', 'strict.jsonl'], { cwd: dir, home });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/input\.log:2 INVALID_JSON: line is not a JSON object or array/);
  });
});

describe('logveil redact and detokenize with input files that cannot be read', () => {
  it('name every such file and exit 2 before anything runs; a refused detokenize is audited', () => {
    const dir = tempDir('logveil-noinput-');
    const home = join(dir, 'state');
    writeFileSync(join(dir, 'ok.log'), `{"msg":"${EMAIL}"}\n`);
    const r = logveil(['redact', 'ok.log', 'missing.log', '.', '--out', 'out.jsonl'], { cwd: dir, home });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('logveil: 2 input files cannot be read:\n  missing.log: no such file\n  .: is a directory\n');
    // The state that wrote the tokens first (detokenize makes none), then a refused detokenize.
    expect(logveil(['redact', 'ok.log', '--out', 'out.jsonl'], { cwd: dir, home }).status).toBe(0);
    const d = logveil(['detokenize', 'missing.log', '--principal', 'alice', '--reason', 'ticket SEC-1234'], { cwd: dir, home });
    expect(d.status).toBe(2);
    expect(d.stderr).toContain('missing.log: no such file');
    expect(ledgerEvents(home).filter((e) => e.type === 'detokenize')).toMatchObject([{ outcome: 'failed', principal: 'alice', tokens: 0 }]);
  });
});

describe('logveil redact and its outputs', () => {
  it('stops with OUTPUT_CLOSED when its reader goes away (| head), the ledger closed with run-stop and a checkpoint', async () => {
    const dir = tempDir('logveil-epipe-');
    const home = join(dir, 'state');
    writeFileSync(join(dir, 'big.jsonl'), Array.from({ length: 40_000 }, (_, i) => `{"i":${i},"msg":"user ${i} mail u${i}@example.com"}`).join('\n') + '\n');
    const child = spawn(process.execPath, [...CLI_NODE_ARGS, 'redact', 'big.jsonl', '-w', '0'], { cwd: dir, env: { ...process.env, LOGVEIL_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Read the first chunk, then go away as head does.
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(status).toBe(1);
    expect(stderr).toContain('logveil: OUTPUT_CLOSED: stdout was closed before the run ended (its reader stopped reading)');
    expect(stderr).not.toContain('internal error');
    expect(ledgerEvents(home).map((e) => e.type).filter((t) => t === 'run-start' || t === 'run-stop')).toEqual(['run-start', 'run-stop']);
    const verify = logveil(['ledger', 'verify'], { cwd: dir, home });
    expect(verify.status, verify.stdout).toBe(0);
    expect(verify.stdout).not.toContain('after the last checkpoint');
  });

  it('names an output it cannot write and exits 2 before the run starts', () => {
    const dir = tempDir('logveil-outputs-');
    const home = join(dir, 'state');
    writeFileSync(join(dir, 'in.log'), `mail ${EMAIL}\n`);
    for (const [flag, message] of [
      ['--out', '--out .: is a directory'],
      ['--quarantine', '--quarantine .: is a directory'],
      ['--summary-json', '--summary-json .: is a directory'],
    ] as const) {
      const r = logveil(['redact', 'in.log', flag, '.'], { cwd: dir, home });
      expect([flag, r.status]).toEqual([flag, 2]);
      expect(r.stderr).toBe(`logveil: 1 output file cannot be written:\n  ${message}\n`);
    }
    // Nothing ran: no run in the ledger.
    expect(ledgerEvents(home).filter((e) => e.type === 'run-start')).toEqual([]);
  });

  it('stops with the error of a ledger it cannot open, though its workers started before the ledger was read', () => {
    const dir = tempDir('logveil-outputs-');
    const home = join(dir, 'state');
    writeFileSync(join(dir, 'in.log'), `mail ${EMAIL}\n`);
    writeFileSync(join(dir, 'not-a-dir'), '');
    const r = logveil(['redact', 'in.log', '--workers', '2', '--ledger', 'not-a-dir', '--out', 'out.jsonl'], { cwd: dir, home });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('logveil: LEDGER_WRITE_FAILED: cannot open security ledger not-a-dir: ENOTDIR\n');
  }, 30_000);
});

describe('logveil on bad usage', () => {
  it('exits 2 for an unknown option or command, a bad choice, a missing argument; 0 for help and version', () => {
    const dir = tempDir('logveil-usage-');
    const run = (...args: string[]) => logveil(args, { cwd: dir, home: join(dir, 'state'), input: '' });
    for (const args of [['redact', '--bogus'], ['redact', '--format', 'xml'], ['redact', '-w', 'abc'], ['patterns', 'explain'], ['nosuch']]) {
      const r = run(...args);
      expect([args.join(' '), r.status]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toMatch(/^error: /);
    }
    for (const args of [['--help'], ['--version'], ['redact', '--help']]) expect(run(...args).status).toBe(0);
  });
});

describe('logveil redact with an invalid pattern file', () => {
  it('lists every problem with file:line and exits 2 without processing', () => {
    const dir = tempDir('logveil-badpack-');
    writeFileSync(
      join(dir, 'bad.yaml'),
      [
        'pack: bad',
        'detectors:',
        '  - id: one',
        '    name: lookahead',
        '    category: secret',
        '    severity: high',
        "    regex: 'key(?=[0-9])'",
        '    action: mask',
        "    tests: {match: ['key1']}",
        '  - id: two',
        '    name: unknown validator',
        '    category: secret',
        '    severity: high',
        "    regex: 'abc'",
        '    validator: nope',
        '    action: mask',
        "    tests: {match: ['abc']}",
      ].join('\n'),
    );
    const r = logveil(['redact', '-p', 'bad.yaml'], { cwd: dir, home: join(dir, 'state'), input: 'a line\n' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('2 problems in pattern packs');
    expect(r.stderr).toMatch(/bad\.yaml:7 detector "one": lookahead/);
    expect(r.stderr).toMatch(/bad\.yaml:15 detector "two": unknown validator "nope"/);
    expect(r.stdout).toBe('');
  });

  it('names each detector id or category an action is set for that the policy lacks, at its config line', () => {
    const dir = tempDir('logveil-actions-');
    writeFileSync(join(dir, 'logveil.yaml'), ['actions:', '  byDetector:', '    emial: hash', '    email: mask', '  byCategory:', '    nosuchcat: hash', '    pii: mask', ''].join('\n'));
    const r = logveil(['redact', '-c', 'logveil.yaml'], { cwd: dir, home: join(dir, 'state'), input: 'mail ana@example.org\n' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'logveil: 2 problems in config:\n' +
        '  logveil.yaml:3 actions.byDetector: no detector "emial" in the policy\'s packs\n' +
        '  logveil.yaml:6 actions.byCategory: no detector or key rule of category "nosuchcat" in the policy\'s packs\n',
    );
    expect(r.stdout).toBe('');
  });

  it('names each pack path it cannot read, and still reports the problems of the others', () => {
    const dir = tempDir('logveil-packpaths-');
    writeFileSync(join(dir, 'p1.yaml'), ['pack: p1', 'detectors:', '  - id: a', '    name: a', '    category: secret', '    severity: urgent', "    regex: 'abc'", '    action: mask', "    tests: {match: ['abc']}", ''].join('\n'));
    const r = logveil(['redact', '-p', 'nope1', '-p', 'nope2.yaml', '-p', 'p1.yaml'], { cwd: dir, home: join(dir, 'state'), input: 'a line\n' });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n').slice(0, 4)).toEqual([
      'logveil: 3 problems in pattern packs:',
      '  nope1:0 cannot read: ENOENT',
      '  nope2.yaml:0 cannot read: ENOENT',
      expect.stringMatching(/^ {2}p1\.yaml:6 pack \.detectors\[0\]\.severity: must be one of /),
    ]);
  });

  it('reports a YAML alias bomb as a problem of its file, not an internal error', () => {
    const dir = tempDir('logveil-bomb-');
    const levels = Array.from({ length: 8 }, (_, n) => (n === 0 ? 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]' : `a${n}: &a${n} [${Array(10).fill(`*a${n - 1}`).join(', ')}]`));
    writeFileSync(join(dir, 'bomb.yaml'), levels.join('\n') + '\n');
    const r = logveil(['redact', '-c', 'bomb.yaml'], { cwd: dir, home: join(dir, 'state'), input: 'a line\n' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bomb.yaml:1 YAML: Excessive alias count');
    expect(r.stderr).not.toContain('internal error');
  });
});

describe('logveil redact with network.keepRanges in the config', () => {
  it('leaves private and loopback addresses in clear on the main thread and in workers, redacts the others, and explains why', () => {
    const dir = tempDir('logveil-keep-ranges-');
    writeFileSync(join(dir, 'logveil.yaml'), 'network: { keepRanges: [private, loopback] }\n');
    const input = ['{"msg":"from 10.0.0.7 to 8.8.4.4","peer":"fd12:3456::1"}', 'sshd: accepted 192.168.1.20 via 127.0.0.1, relay 2606:4700::1111'].join('\n') + '\n';
    writeFileSync(join(dir, 'in.log'), input);
    const outputs: string[] = [];
    for (const workers of ['0', '2']) {
      const home = join(dir, `state-${workers}`);
      const r = logveil(['redact', '-c', 'logveil.yaml', 'in.log', '--out', `out-${workers}.log`, '--workers', workers, '--no-summary'], { cwd: dir, home });
      expect(r.status, r.stderr).toBe(0);
      const out = readFileSync(join(dir, `out-${workers}.log`), 'utf8');
      for (const kept of ['10.0.0.7', 'fd12:3456::1', '192.168.1.20', '127.0.0.1']) expect(out).toContain(kept);
      for (const gone of ['8.8.4.4', '2606:4700::1111']) expect(out).not.toContain(gone);
      expect(out.match(/\[\[IP:/g)).toHaveLength(2);
      outputs.push(out.replace(/\[\[IP:[^\]]+\]\]/g, '[[IP]]'));
      // The run's policy is the configured one: its hash is not the built-in packs'.
      const start = ledgerEvents(home).find((e) => e.type === 'run-start') as { policyHash: string };
      const plain = logveil(['redact', 'in.log', '--out', 'plain.log', '--workers', workers, '--no-summary'], { cwd: dir, home: join(dir, `plain-${workers}`) });
      expect(plain.status).toBe(0);
      expect(readFileSync(join(dir, 'plain.log'), 'utf8').match(/\[\[IP:/g)).toHaveLength(6);
      const plainStart = ledgerEvents(join(dir, `plain-${workers}`)).find((e) => e.type === 'run-start') as { policyHash: string };
      expect(start.policyHash).not.toBe(plainStart.policyHash);
    }
    expect(outputs[0]).toBe(outputs[1]);
    const explain = logveil(['patterns', 'explain', '-c', 'logveil.yaml', 'from 10.0.0.7 to 8.8.4.4'], { cwd: dir, home: join(dir, 'state-x') });
    expect(explain.stdout).toMatch(/validator-failed\s+ipv4 \[5,13\) "10\.0\.0\.7": ipv4: private address kept by the "keep" parameter/);
    expect(explain.stdout).toMatch(/fired\s+ipv4 \[17,24\) "8\.8\.4\.4"/);
    // The packs' own tests describe them as written: the config's ranges do not fail them.
    const tests = logveil(['patterns', 'test', '-c', 'logveil.yaml'], { cwd: dir, home: join(dir, 'state-x') });
    expect(tests.status, tests.stdout + tests.stderr).toBe(0);
  });
});

describe('logveil redact on a string of very many findings', () => {
  it('redacts 84,000 addresses of one 1 MB message on the main thread within a heap of 88 MiB', () => {
    // What a string's findings take while it is redacted: its matches, edits and tokens as compact
    // objects, its redacted text and the findings event joined flat (it needed more than 128 MiB).
    const dir = tempDir('logveil-dense-');
    let wide = '{"msg":"';
    for (let i = 0; wide.length < 1_000_000; i++) wide += `u${i}@e.io `;
    writeFileSync(join(dir, 'dense.jsonl'), `${wide}"}\n`);
    const r = spawnSync(process.execPath, ['--max-old-space-size=88', ...CLI_NODE_ARGS, 'redact', 'dense.jsonl', '--workers', '0', '--out', 'out.jsonl', '--summary-json', 'summary.json'], {
      cwd: dir,
      env: { ...process.env, LOGVEIL_HOME: join(dir, 'state') },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toMatchObject({ recordsIn: 1, appOut: 1, quarantined: 0, balanced: true });
    const out = readFileSync(join(dir, 'out.jsonl'), 'utf8');
    expect(out).not.toMatch(/@e\.io/);
    const msg = (JSON.parse(out) as { msg: string }).msg;
    expect(msg.match(/\[\[EMAIL/g)?.length).toBeGreaterThan(80_000);
  });
});
