import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitLine } from '../../src/sinks/firehose/pack.js';
import { logveil } from '../helpers/cli.js';
import { tempDir } from '../helpers/keys.js';
import { ledgerEvents } from '../helpers/ledger.js';

const events = ledgerEvents;

describe('logveil detokenize', () => {
  const dir = tempDir('logveil-detok-');
  const home = join(dir, 'state');
  const input = 'order for ana.silva@example.org from 203.0.113.77\n';
  const redacted = logveil(['redact'], { cwd: dir, home, input }).stdout;

  it('reverses tokens for a named principal with a reason, audited first', () => {
    expect(redacted).toMatch(/\[\[EMAIL:tk1\./);
    const r = logveil(['detokenize', '--principal', 'alice@sec', '--reason', 'INC-77 fraud review'], { cwd: dir, home, input: redacted });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(input);
    const audit = events(home).filter((e) => e.type === 'detokenize');
    expect(audit.at(-1)).toMatchObject({ principal: 'alice@sec', reason: 'INC-77 fraud review', outcome: 'allowed', failed: 0 });
    // A reason that quotes a secret is recorded as the policy would leave it.
    logveil(['detokenize', '--principal', 'bob@example.com', '--reason', 'INC-78 password=Hunter2Secret99 leaked'], { cwd: dir, home, input: redacted });
    expect(ledgerEvents(home).filter((e) => e.type === 'detokenize').at(-1)).toMatchObject({ principal: 'bob@example.com', reason: 'INC-78 password=[[PASSWORD]] leaked' });
    expect((audit.at(-1)?.tokens as number) >= 1).toBe(true);
    expect(JSON.stringify(events(home))).not.toContain('ana.silva');
  });

  it('reads several files as one text, a file whose last line has no end not running into the next', () => {
    writeFileSync(join(dir, 'part1.txt'), redacted.trimEnd());
    writeFileSync(join(dir, 'part2.txt'), 'second part');
    const r = logveil(['detokenize', 'part1.txt', 'part2.txt', '--principal', 'alice@sec', '--reason', 'INC-79 two files'], { cwd: dir, home });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${input}second part\n`);
  });

  it('joins a quarantine entry that a Firehose stream split in parts (read in any order) before it opens it', () => {
    writeFileSync(join(dir, 'small.yaml'), 'limits:\n  maxRecordBytes: 64\n');
    const big = `{"note":"${'long record '.repeat(20)}ana.silva@example.org"}\n`;
    logveil(['redact', '-c', 'small.yaml', '--quarantine', 'q.jsonl', '--out', 'out.jsonl'], { cwd: dir, home, input: big });
    const entry = readFileSync(join(dir, 'q.jsonl'), 'utf8').trim();
    const parts = splitLine(entry, 256);
    expect(parts.length).toBeGreaterThan(2);
    writeFileSync(join(dir, 'parts.jsonl'), `first line\n${[...parts].reverse().join('\n')}\nlast line\n`);
    const r = logveil(['detokenize', 'parts.jsonl', '--principal', 'alice@sec', '--reason', 'INC-80 quarantine'], { cwd: dir, home });
    expect(r.status).toBe(0);
    const opened = JSON.parse(r.stdout.split('\n')[1] as string) as { envelope: string };
    expect(Buffer.from(opened.envelope, 'base64').toString()).toBe(big.slice(0, 64));
    expect(r.stdout.split('\n')[0]).toBe('first line');
    expect(r.stdout.split('\n')[2]).toBe('last line');
    // A part missing: its lines stay as they came, and nothing is opened.
    writeFileSync(join(dir, 'cut.jsonl'), parts.slice(1).join('\n'));
    const cut = logveil(['detokenize', 'cut.jsonl', '--principal', 'alice@sec', '--reason', 'INC-80 quarantine'], { cwd: dir, home });
    expect(cut.stdout).toBe(`${parts.slice(1).join('\n')}\n`);
  });

  it('refuses a state directory without its master key, and creates nothing there', () => {
    const elsewhere = join(dir, 'no-state');
    const r = logveil(['detokenize', '--principal', 'alice@sec', '--reason', 'INC-70 wrong directory'], { cwd: dir, home: elsewhere, input: redacted });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('master.key is missing');
    expect(existsSync(elsewhere)).toBe(false);
  });

  it('denies and records a request without principal or reason', () => {
    const r = logveil(['detokenize', '--reason', 'because I want'], { cwd: dir, home, input: redacted });
    expect(r.status).toBe(4);
    expect(r.stdout).toBe('');
    expect(events(home).at(-1)).toMatchObject({ type: 'detokenize', outcome: 'denied', principal: null });
  });

  it('records a failed attempt on a tampered token and prints no plaintext for it', () => {
    const tampered = redacted.replace(/(tk1\.[A-Za-z0-9_-]+\.)([A-Za-z0-9_-])/, (_m, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'));
    const r = logveil(['detokenize', '--principal', 'bob', '--reason', 'INC-78 audit check'], { cwd: dir, home, input: tampered });
    expect(r.status).toBe(5);
    expect(r.stdout).not.toContain('ana.silva');
    expect(r.stderr).toMatch(/TOKEN_AUTH_FAILED|TOKEN_INVALID/);
    expect(events(home).at(-1)).toMatchObject({ type: 'detokenize', outcome: 'failed', principal: 'bob' });
  });
});
