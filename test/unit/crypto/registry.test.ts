import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type KeyRecord, KeyRegistry, kidFor } from '../../../src/crypto/keys/registry.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'logveil-registry-'));
}

function record(purpose: KeyRecord['purpose'] = 'token', created = '2025-01-02T03:04:05.000Z'): KeyRecord {
  const blob = randomBytes(61);
  return {
    kid: kidFor(blob),
    provider: 'local',
    keyId: 'local:0123456789abcdef',
    encryptedKey: blob.toString('base64'),
    context: { env: 'test', app: 'logveil' },
    purpose,
    created,
  };
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
}

describe('kidFor', () => {
  it('is the first 12 characters of base64url(SHA-256(blob)): short, ASCII, stable, distinct', () => {
    const blob = Buffer.from('wrapped key bytes');
    expect(kidFor(blob)).toBe(createHash('sha256').update(blob).digest('base64url').slice(0, 12));
    expect(kidFor(blob)).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(kidFor(Buffer.from('wrapped key bytez'))).not.toBe(kidFor(blob));
  });
});

describe('KeyRegistry', () => {
  it('creates a missing registry file (and its directory) with mode 0600', async () => {
    const path = join(tempDir(), 'state', 'keys.jsonl');
    const registry = await KeyRegistry.open(path);
    expect(registry.records()).toEqual([]);
    expect(registry.problems).toEqual([]);
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('keeps added records across reopen, findable by kid and by purpose', async () => {
    const path = join(tempDir(), 'keys.jsonl');
    const registry = await KeyRegistry.open(path);
    const t1 = record('token');
    const h1 = record('hash');
    const t2 = record('token');
    const h2 = record('hash');
    for (const r of [t1, h1, t2, h2]) await registry.add(r);
    expect(registry.get(t2.kid)).toEqual(t2);

    const reopened = await KeyRegistry.open(path);
    expect(reopened.problems).toEqual([]);
    expect(reopened.records().map((r) => r.kid)).toEqual([t1.kid, h1.kid, t2.kid, h2.kid]);
    expect(reopened.get(t1.kid)).toEqual(t1);
    expect(reopened.get('AAAAAAAAAAAA')).toBeUndefined();
    expect(reopened.latest('token')?.kid).toBe(t2.kid);
    expect(reopened.latest('hash')?.kid).toBe(h2.kid);
    expect(reopened.earliest('hash')?.kid).toBe(h1.kid);
    expect(lines(path)).toHaveLength(4);
  });

  it('treats re-adding a kid as a no-op', async () => {
    const path = join(tempDir(), 'keys.jsonl');
    const registry = await KeyRegistry.open(path);
    const r = record();
    await registry.add(r);
    await registry.add({ ...r });
    await (await KeyRegistry.open(path)).add(r);
    expect(lines(path)).toHaveLength(1);
  });

  it('reports a torn last line with file:line, loads the valid lines, and appends after it cleanly', async () => {
    const path = join(tempDir(), 'keys.jsonl');
    const first = record();
    writeFileSync(path, `${JSON.stringify(first)}\n${JSON.stringify(record()).slice(0, 40)}`, { mode: 0o600 });

    const registry = await KeyRegistry.open(path);
    expect(registry.get(first.kid)).toEqual(first);
    expect(registry.problems).toHaveLength(1);
    expect(registry.problems[0]).toMatchObject({ file: path, line: 2 });
    expect(registry.problems[0]?.message).toMatch(/torn/);

    const next = record();
    await registry.add(next);
    const reopened = await KeyRegistry.open(path);
    expect(reopened.get(next.kid)).toEqual(next);
    expect(reopened.problems.map((p) => p.line)).toEqual([2]);
    expect(lines(path)).toHaveLength(3);
  });

  it('reports each invalid line by number and still loads the lines after it', async () => {
    const path = join(tempDir(), 'keys.jsonl');
    const good = [record(), record(), record()];
    const mismatched = { ...record(), kid: good[0]!.kid.split('').reverse().join('') };
    const body = [
      JSON.stringify(good[0]),
      '{not json',
      JSON.stringify({ ...record(), purpose: 'other' }),
      JSON.stringify(good[1]),
      '',
      JSON.stringify(mismatched),
      JSON.stringify({ ...good[0], created: '2030-01-01T00:00:00Z' }),
      JSON.stringify(good[2]),
    ].join('\n');
    writeFileSync(path, `${body}\n`, { mode: 0o600 });

    const registry = await KeyRegistry.open(path);
    expect(registry.records().map((r) => r.kid)).toEqual(good.map((r) => r.kid));
    expect(registry.problems.map((p) => [p.file, p.line])).toEqual([
      [path, 2],
      [path, 3],
      [path, 6],
      [path, 7],
    ]);
    expect(registry.problems[1]?.message).toMatch(/purpose/);
    expect(registry.problems[2]?.message).toMatch(/does not match/);
    for (const p of registry.problems) expect(p.message).not.toContain(mismatched.encryptedKey);
  });

  it('rejects a malformed record with KEY_RECORD_INVALID and writes nothing', async () => {
    const path = join(tempDir(), 'keys.jsonl');
    const registry = await KeyRegistry.open(path);
    const r = record();
    const bad: KeyRecord[] = [
      { ...r, kid: 'AAAAAAAAAAAA' },
      { ...r, encryptedKey: 'not base64!' },
      { ...r, created: 'yesterday' },
      { ...r, context: { n: 1 as unknown as string } },
      { ...r, provider: '' },
    ];
    for (const b of bad) await expect(registry.add(b)).rejects.toMatchObject({ code: 'KEY_RECORD_INVALID' });
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('serializes concurrent adds into whole lines', async () => {
    const path = join(tempDir(), 'keys.jsonl');
    const registry = await KeyRegistry.open(path);
    const many = Array.from({ length: 25 }, () => record());
    await Promise.all(many.map((r) => registry.add(r)));
    const reopened = await KeyRegistry.open(path);
    expect(reopened.problems).toEqual([]);
    expect(new Set(reopened.records().map((r) => r.kid))).toEqual(new Set(many.map((r) => r.kid)));
  });

  it('picks up records another process appended when refreshed', async () => {
    const path = join(tempDir(), 'keys.jsonl');
    const reader = await KeyRegistry.open(path);
    const writer = await KeyRegistry.open(path);
    const r = record('hash');
    await writer.add(r);
    expect(reader.get(r.kid)).toBeUndefined();
    await reader.refresh();
    expect(reader.get(r.kid)).toEqual(r);
    appendFileSync(path, 'garbage\n');
    await reader.refresh();
    expect(reader.problems.map((p) => p.line)).toEqual([2]);
  });
});
