import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detokenizeText } from '../../../src/crypto/detokenize.js';
import { DataKey, DataKeyCache, HashKey } from '../../../src/crypto/keys/cache.js';
import { LocalKeyProvider } from '../../../src/crypto/keys/local.js';
import { KeyRegistry, kidFor } from '../../../src/crypto/keys/registry.js';
import {
  decryptToken,
  encryptToken,
  findTokens,
  hashToken,
  isTokenBody,
  TOKEN_REGEX_SOURCE,
  wrapToken,
} from '../../../src/crypto/token.js';

function newKey(): DataKey {
  return DataKey.fromPlaintext(kidFor(randomBytes(61)), randomBytes(32));
}

function newHashKey(): HashKey {
  return HashKey.fromPlaintext(kidFor(randomBytes(61)), randomBytes(32));
}

function thrown(fn: () => unknown): { code?: string; message: string } | undefined {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  return undefined;
}

describe('encryptToken / decryptToken', () => {
  it('produces tk1.<kid>.<base64url payload> that decrypts to the value', () => {
    const key = newKey();
    for (const mode of ['deterministic', 'randomized'] as const) {
      const token = encryptToken(key, 'EMAIL', 'alice@example.com', mode);
      expect(token).toMatch(new RegExp(`^tk1\\.${key.kid}\\.[A-Za-z0-9_-]+$`));
      // nonce(12) + 17 bytes of ciphertext + tag(16) = 45 bytes = 60 base64url characters
      expect(token.split('.')[2]).toHaveLength(60);
      expect(token).not.toContain('alice');
      expect(decryptToken(key, 'EMAIL', token)).toBe('alice@example.com');
    }
  });

  it('is deterministic in deterministic mode and not in randomized mode', () => {
    const key = newKey();
    const d = encryptToken(key, 'EMAIL', 'bob@example.com', 'deterministic');
    expect(encryptToken(key, 'EMAIL', 'bob@example.com', 'deterministic')).toBe(d);
    expect(encryptToken(key, 'USER', 'bob@example.com', 'deterministic')).not.toBe(d);
    expect(encryptToken(key, 'EMAIL', 'bob@example.con', 'deterministic')).not.toBe(d);
    expect(encryptToken(newKey(), 'EMAIL', 'bob@example.com', 'deterministic').split('.')[2]).not.toBe(d.split('.')[2]);
    // The nonce depends on the label too: the same value under two labels shares no ciphertext.
    const payload = (t: string) => Buffer.from(t.split('.')[2]!, 'base64url');
    const asUser = payload(encryptToken(key, 'USER', 'bob@example.com', 'deterministic'));
    expect(asUser.subarray(0, 12).equals(payload(d).subarray(0, 12))).toBe(false);
    expect(asUser.subarray(12, -16).equals(payload(d).subarray(12, -16))).toBe(false);
    const r1 = encryptToken(key, 'EMAIL', 'bob@example.com', 'randomized');
    const r2 = encryptToken(key, 'EMAIL', 'bob@example.com', 'randomized');
    expect(r1).not.toBe(r2);
  });

  it('counts one use per encryption, remembered deterministic tokens included', () => {
    const key = newKey();
    encryptToken(key, 'EMAIL', 'a', 'deterministic');
    encryptToken(key, 'EMAIL', 'a', 'deterministic');
    encryptToken(key, 'EMAIL', 'a', 'randomized');
    expect(key.uses).toBe(3);
    decryptToken(key, 'EMAIL', encryptToken(key, 'EMAIL', 'b', 'randomized'));
    expect(key.uses).toBe(4);
  });

  it('gives the same deterministic token after the memo has evicted it, and for long values', () => {
    const key = newKey();
    const first = encryptToken(key, 'ID', 'value-0', 'deterministic');
    for (let i = 1; i < 2000; i++) encryptToken(key, 'ID', `value-${i}`, 'deterministic');
    expect(encryptToken(key, 'ID', 'value-0', 'deterministic')).toBe(first);
    const long = 'x'.repeat(10_000);
    expect(encryptToken(key, 'ID', long, 'deterministic')).toBe(encryptToken(key, 'ID', long, 'deterministic'));
    expect(decryptToken(key, 'ID', encryptToken(key, 'ID', long, 'deterministic'))).toBe(long);
  });

  it('round-trips strings with lone surrogates exactly, and keeps them apart', () => {
    const key = newKey();
    const values = ['\ud800', '\udc00', 'a\ud83d', '\ude00b', '\udc00\ud800', '😀', '\ud83d\ude00\ud83d', ''];
    const tokens = values.map((v) => encryptToken(key, 'X', v, 'deterministic'));
    expect(new Set(tokens).size).toBe(values.length);
    tokens.forEach((t, i) => expect(decryptToken(key, 'X', t)).toBe(values[i]));
  });

  it('fails with TOKEN_AUTH_FAILED under another label, another key, or another kid', () => {
    const key = newKey();
    const token = encryptToken(key, 'EMAIL', 'carol@example.com', 'deterministic');
    expect(thrown(() => decryptToken(key, 'USER', token))?.code).toBe('TOKEN_AUTH_FAILED');
    const sameKid = DataKey.fromPlaintext(key.kid, randomBytes(32));
    expect(thrown(() => decryptToken(sameKid, 'EMAIL', token))?.code).toBe('TOKEN_AUTH_FAILED');
    const other = newKey();
    expect(thrown(() => decryptToken(other, 'EMAIL', token))?.code).toBe('TOKEN_AUTH_FAILED');
    const swapped = token.replace(key.kid, other.kid);
    expect(thrown(() => decryptToken(other, 'EMAIL', swapped))?.code).toBe('TOKEN_AUTH_FAILED');
    const err = thrown(() => decryptToken(key, 'USER', token));
    expect(err?.message).not.toContain('carol');
  });

  it('fails with TOKEN_INVALID on a malformed body or label', () => {
    const key = newKey();
    const token = encryptToken(key, 'EMAIL', 'dave', 'randomized');
    const payload = token.split('.')[2]!;
    const bad = [
      '',
      'tk1',
      `tk1.${key.kid}`,
      `tk2.${key.kid}.${payload}`,
      `tk1.${key.kid}.${payload}.x`,
      `tk1.${key.kid}.${payload}=`,
      `tk1.${key.kid}.${payload.slice(0, 37)}`,
      `tk1.${key.kid}.pay+load/`,
      `tk1..${payload}`,
      `tk1.${key.kid}.${Buffer.alloc(27, 1).toString('base64url')}`,
      `tk1.${key.kid}.AAAA`,
    ];
    for (const body of bad) expect(thrown(() => decryptToken(key, 'EMAIL', body))?.code).toBe('TOKEN_INVALID');
    expect(thrown(() => decryptToken(key, 'email', token))?.code).toBe('TOKEN_INVALID');
  });

  it('rejects a payload whose last character differs only in unused bits (non-canonical base64url)', () => {
    const key = newKey();
    // 'dave' gives 12 + 4 + 16 = 32 bytes: the last base64url character carries 4 unused bits.
    const token = encryptToken(key, 'EMAIL', 'dave', 'randomized');
    const payload = token.split('.')[2]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(payload.at(-1)!);
    const twin = `${payload.slice(0, -1)}${alphabet[last ^ 1]}`;
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(payload, 'base64url'));
    expect(thrown(() => decryptToken(key, 'EMAIL', `tk1.${key.kid}.${twin}`))?.code).toBe('TOKEN_INVALID');
  });

  it('refuses labels that are not [A-Z][A-Z0-9_]* and keys that are retired', () => {
    const key = newKey();
    for (const label of ['', 'email', '1X', 'A-B', 'A:B', 'É']) {
      expect(thrown(() => encryptToken(key, label, 'v', 'randomized'))?.code).toBe('TOKEN_LABEL_INVALID');
    }
    key.retire();
    expect(thrown(() => encryptToken(key, 'EMAIL', 'v', 'deterministic'))?.code).toBe('KEY_RETIRED');
  });
});

describe('hashToken', () => {
  it('is h1.<22 base64url chars>, stable per key, apart per label, value and key', () => {
    const key = newHashKey();
    const h = hashToken(key, 'EMAIL', 'erin@example.com');
    expect(h).toMatch(/^h1\.[A-Za-z0-9_-]{22}$/);
    expect(hashToken(key, 'EMAIL', 'erin@example.com')).toBe(h);
    expect(hashToken(key, 'USER', 'erin@example.com')).not.toBe(h);
    expect(hashToken(key, 'EMAIL', 'erin@example.co')).not.toBe(h);
    expect(hashToken(newHashKey(), 'EMAIL', 'erin@example.com')).not.toBe(h);
    expect(hashToken(key, 'X', '\ud800')).not.toBe(hashToken(key, 'X', '\udc00'));
  });

  it('is the truncated HMAC of label ‖ 0x00 ‖ value', () => {
    const key = newHashKey();
    const mac = key.mac(Buffer.from('EMAIL\0erin@example.com')).subarray(0, 16).toString('base64url');
    expect(hashToken(key, 'EMAIL', 'erin@example.com')).toBe(`h1.${mac}`);
  });
});

describe('wrapToken / findTokens / TOKEN_REGEX_SOURCE', () => {
  it('wraps and finds mask, tk1 and h1 tokens with their positions and parts', () => {
    const key = newKey();
    const body = encryptToken(key, 'EMAIL', 'frank@example.com', 'randomized');
    const text = `a ${wrapToken('EMAIL', body)} b [[IP]] c ${wrapToken('SSN', 'h1.AAAAAAAAAAAAAAAAAAAAAA')}`;
    const refs = findTokens(text);
    expect(refs.map((r) => [r.kind, r.label, r.kid, r.body])).toEqual([
      ['tk1', 'EMAIL', key.kid, body],
      ['mask', 'IP', undefined, undefined],
      ['h1', 'SSN', undefined, 'h1.AAAAAAAAAAAAAAAAAAAAAA'],
    ]);
    for (const r of refs) expect(text.slice(r.start, r.end)).toMatch(/^\[\[.*\]\]$/);
    expect(text.slice(refs[0]!.start, refs[0]!.end)).toBe(`[[EMAIL:${body}]]`);
  });

  it('ignores look-alikes that are not tokens', () => {
    for (const text of ['[[email]]', '[[EMAIL:tk2.a.b]]', '[[EMAIL:]]', '[[EMAIL', '[EMAIL]', '[[EMAIL:h1.a b]]', '']) {
      expect(findTokens(text)).toEqual([]);
    }
  });

  it('tells a body logveil writes from token syntax around something else', () => {
    const key = newKey();
    for (const mode of ['deterministic', 'randomized'] as const) expect(isTokenBody(encryptToken(key, 'EMAIL', '', mode))).toBe(true);
    expect(isTokenBody(hashToken(newHashKey(), 'IP', '10.0.0.1'))).toBe(true);
    const payload = encryptToken(key, 'EMAIL', 'a@b.co', 'randomized').split('.')[2] as string;
    // The kid too has the one shape every kid has: any other text there is not a kid of logveil's.
    for (const kid of ['k', 'hunter2hunter2', 'A'.repeat(13)]) expect(isTokenBody(`tk1.${kid}.${payload}`), kid).toBe(false);
    for (const body of ['tk1.hunter2.x', 'tk1.eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0', `tk1.k.${payload.slice(0, 37)}`, `tk1.k.${payload.slice(0, -1)}B`, 'h1.4111111111111111', `h1.${'A'.repeat(23)}`, `tk2.k.${payload}`]) {
      expect(isTokenBody(body), body).toBe(false);
    }
  });

  it('refuses to wrap an invalid label or a body a token cannot hold', () => {
    expect(thrown(() => wrapToken('email'))?.code).toBe('TOKEN_LABEL_INVALID');
    expect(thrown(() => wrapToken('EMAIL', 'a]]b'))?.code).toBe('TOKEN_INVALID');
  });

  it('is a pattern RE2 accepts and matches the same way', () => {
    const RE2 = createRequire(import.meta.url)('re2') as new (s: string, f: string) => RegExp;
    const text = `x [[EMAIL:tk1.abcdefghijkl.${'A'.repeat(40)}]] y [[IP]] [[SSN:h1.${'B'.repeat(22)}]]`;
    const viaRe2 = [...text.matchAll(new RE2(TOKEN_REGEX_SOURCE, 'g'))].map((m) => [m.index, m[0]]);
    expect(viaRe2).toEqual(findTokens(text).map((r) => [r.start, text.slice(r.start, r.end)]));
    expect(viaRe2).toHaveLength(3);
  });
});

describe('detokenizeText', () => {
  async function setup() {
    const dir = mkdtempSync(join(tmpdir(), 'logveil-detok-'));
    const registryPath = join(dir, 'keys.jsonl');
    const open = async (maxUses: number) =>
      new DataKeyCache(await LocalKeyProvider.open(dir), await KeyRegistry.open(registryPath), {
        maxAgeMs: 60_000,
        maxUses,
        context: { app: 'logveil' },
      });
    return { registryPath, open };
  }

  it('replaces tk1 tokens from several keys, keeps h1 and mask tokens, and lists what failed', async () => {
    const { open } = await setup();
    const writer = await open(1);
    const k1 = await writer.current();
    const t1 = wrapToken('EMAIL', encryptToken(k1, 'EMAIL', 'gina@example.com', 'deterministic'));
    const k2 = await writer.current();
    expect(k2.kid).not.toBe(k1.kid);
    const t2 = wrapToken('IP', encryptToken(k2, 'IP', '10.9.8.7', 'randomized'));
    const h = wrapToken('EMAIL', hashToken(await writer.hashKey(), 'EMAIL', 'gina@example.com'));
    const relabelled = t1.replace('[[EMAIL:', '[[USER:');
    const unknown = `[[EMAIL:tk1.AAAAAAAAAAAA.${'A'.repeat(40)}]]`;
    const text = `u=${t1} ip=${t2} h=${h} m=[[SSN]] r=${relabelled} z=${unknown} again=${t1}`;

    const reader = await open(1000);
    const result = await detokenizeText(text, reader);
    expect(result.text).toBe(
      `u=gina@example.com ip=10.9.8.7 h=${h} m=[[SSN]] r=${relabelled} z=${unknown} again=gina@example.com`,
    );
    expect(result.tokens).toBe(5);
    expect(result.kids).toEqual([k1.kid, k2.kid, 'AAAAAAAAAAAA']);
    expect(result.failures.map((f) => [f.start, f.kid, f.code])).toEqual([
      [text.indexOf(relabelled), k1.kid, 'TOKEN_AUTH_FAILED'],
      [text.indexOf(unknown), 'AAAAAAAAAAAA', 'KEY_UNKNOWN'],
    ]);
    for (const f of result.failures) expect(f.message).not.toMatch(/gina|10\.9\.8\.7/);
  });

  it('leaves token syntax whose kid no logveil key can have, and does not echo that kid', async () => {
    const { open } = await setup();
    const secret = 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A';
    const text = `x [[EMAIL:tk1.${secret}.${'A'.repeat(40)}]] y`;
    const result = await detokenizeText(text, await open(10));
    expect(result).toEqual({ text, tokens: 0, kids: [], failures: [] });
  });

  it('returns the text unchanged when there is nothing to reverse', async () => {
    const { open } = await setup();
    const result = await detokenizeText('plain [[IP]] text', await open(10));
    expect(result).toEqual({ text: 'plain [[IP]] text', tokens: 0, kids: [], failures: [] });
  });

  it('reports a key it cannot decrypt on every token of that kid', async () => {
    const { open, registryPath } = await setup();
    const writer = await open(10);
    const key = await writer.current();
    const token = wrapToken('EMAIL', encryptToken(key, 'EMAIL', 'hal@example.com', 'randomized'));
    writeFileSync(registryPath, readFileSync(registryPath, 'utf8').replace('"app":"logveil"', '"app":"other"'));
    const result = await detokenizeText(`${token} ${token}`, await open(10));
    expect(result.tokens).toBe(2);
    expect(result.text).toBe(`${token} ${token}`);
    expect(result.failures.map((f) => f.code)).toEqual(['KEY_DECRYPT_FAILED', 'KEY_DECRYPT_FAILED']);
  });
});
