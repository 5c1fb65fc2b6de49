import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataKey, HashKey } from '../../src/crypto/keys/cache.js';
import { kidFor } from '../../src/crypto/keys/registry.js';
import {
  decryptToken,
  encryptToken,
  findTokens,
  hashToken,
  TOKEN_REGEX_SOURCE,
  type TokenMode,
  wrapToken,
} from '../../src/crypto/token.js';

const key = DataKey.fromPlaintext(kidFor(randomBytes(61)), randomBytes(32));
const otherKey = DataKey.fromPlaintext(kidFor(randomBytes(61)), randomBytes(32));
const hashKey = HashKey.fromPlaintext(kidFor(randomBytes(61)), randomBytes(32));

/** Any code point, astral ones included; the empty string is in range. */
const unicode = fc.string({ unit: 'binary', maxLength: 64 });
/** Any UTF-16 code units, lone surrogates included: what JSON.parse can hand us. */
const utf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 32 });
const value = fc.oneof(unicode, utf16, fc.constantFrom('', '😀', '\ud800', 'a\u0000b'));
const label = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,15}$/);
const mode = fc.constantFrom<TokenMode>('deterministic', 'randomized');

const TOKEN_CHARS = /^[A-Za-z0-9_.:[\]-]+$/;

function failureCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? 'untyped';
  }
  return undefined;
}

describe('tk1 tokens (property)', () => {
  it('decrypt(encrypt(v)) = v in both modes', () => {
    fc.assert(
      fc.property(label, value, mode, (l, v, m) => {
        expect(decryptToken(key, l, encryptToken(key, l, v, m))).toBe(v);
      }),
      { numRuns: 500 },
    );
  });

  it('deterministic mode: equal values give equal tokens, different values different tokens', () => {
    fc.assert(
      fc.property(label, value, value, (l, a, b) => {
        const ta = encryptToken(key, l, a, 'deterministic');
        expect(encryptToken(key, l, a, 'deterministic')).toBe(ta);
        expect(encryptToken(key, l, b, 'deterministic') === ta).toBe(a === b);
      }),
      { numRuns: 500 },
    );
  });

  it('randomized mode: two encryptions of the same value differ', () => {
    fc.assert(
      fc.property(label, value, (l, v) => {
        expect(encryptToken(key, l, v, 'randomized')).not.toBe(encryptToken(key, l, v, 'randomized'));
      }),
    );
  });

  it('any single changed payload byte fails authentication or parsing', () => {
    fc.assert(
      fc.property(label, value, mode, fc.nat(), fc.integer({ min: 1, max: 255 }), (l, v, m, at, flip) => {
        const token = encryptToken(key, l, v, m);
        const [, kid, payload] = token.split('.') as [string, string, string];
        const bytes = Buffer.from(payload, 'base64url');
        bytes[at % bytes.length]! ^= flip;
        const code = failureCode(() => decryptToken(key, l, `tk1.${kid}.${bytes.toString('base64url')}`));
        expect(['TOKEN_AUTH_FAILED', 'TOKEN_INVALID']).toContain(code);
      }),
      { numRuns: 500 },
    );
  });

  it('any single changed payload character fails authentication or parsing', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(label, value, mode, fc.nat(), fc.integer({ min: 1, max: 63 }), (l, v, m, at, shift) => {
        const token = encryptToken(key, l, v, m);
        const [, kid, payload] = token.split('.') as [string, string, string];
        const i = at % payload.length;
        const changed = alphabet[(alphabet.indexOf(payload[i]!) + shift) % 64]!;
        const body = `tk1.${kid}.${payload.slice(0, i)}${changed}${payload.slice(i + 1)}`;
        expect(['TOKEN_AUTH_FAILED', 'TOKEN_INVALID']).toContain(failureCode(() => decryptToken(key, l, body)));
      }),
      { numRuns: 500 },
    );
  });

  it('a relabelled token or one with its kid swapped does not decrypt', () => {
    fc.assert(
      fc.property(label, label, value, mode, (l, other, v, m) => {
        fc.pre(l !== other);
        const token = encryptToken(key, l, v, m);
        expect(failureCode(() => decryptToken(key, other, token))).toBe('TOKEN_AUTH_FAILED');
        const swapped = token.replace(`tk1.${key.kid}.`, `tk1.${otherKey.kid}.`);
        expect(['TOKEN_AUTH_FAILED', 'TOKEN_INVALID']).toContain(failureCode(() => decryptToken(otherKey, l, swapped)));
        expect(['TOKEN_AUTH_FAILED', 'TOKEN_INVALID']).toContain(failureCode(() => decryptToken(key, l, swapped)));
      }),
    );
  });
});

/** A wrapped token of any kind, as it would appear in output. */
const wrapped = fc.oneof(
  label.map((l) => wrapToken(l)),
  fc.tuple(label, value, mode).map(([l, v, m]) => wrapToken(l, encryptToken(key, l, v, m))),
  fc.tuple(label, value).map(([l, v]) => wrapToken(l, hashToken(hashKey, l, v))),
);

describe('wrapped tokens in text (property)', () => {
  it('are ASCII from [A-Za-z0-9_.:[]-] and match TOKEN_REGEX_SOURCE whole', () => {
    fc.assert(
      fc.property(wrapped, (t) => {
        expect(t).toMatch(TOKEN_CHARS);
        expect(t).toMatch(new RegExp(`^(?:${TOKEN_REGEX_SOURCE})$`));
        expect(JSON.stringify(t)).toBe(`"${t}"`);
        expect(encodeURIComponent(t).replace(/%5B/g, '[').replace(/%5D/g, ']').replace(/%3A/g, ':')).toBe(t);
      }),
      { numRuns: 300 },
    );
  });

  it('findTokens finds every token placed in arbitrary text, at its position', () => {
    const filler = fc.oneof(value, fc.constantFrom('[', '[[', ']', '[[A', '[[A:', '[[A:tk1.', ']]', ':', '[[B:h1.x'));
    fc.assert(
      fc.property(fc.array(fc.tuple(filler, wrapped), { maxLength: 6 }), filler, (parts, end) => {
        let text = '';
        const placed: Array<{ start: number; token: string }> = [];
        for (const [before, token] of parts) {
          text += before;
          placed.push({ start: text.length, token });
          text += token;
        }
        text += end;
        const found = findTokens(text);
        for (const p of placed) {
          const ref = found.find((r) => r.start === p.start);
          expect(ref).toBeDefined();
          expect(text.slice(ref!.start, ref!.end)).toBe(p.token);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a tk1 body found in text decrypts back to the value', () => {
    fc.assert(
      fc.property(value, label, value, mode, (before, l, v, m) => {
        const text = `${before}${wrapToken(l, encryptToken(key, l, v, m))}`;
        const ref = findTokens(text).find((r) => r.kind === 'tk1' && r.start === before.length);
        expect(ref?.kid).toBe(key.kid);
        expect(decryptToken(key, ref!.label, ref!.body!)).toBe(v);
      }),
    );
  });
});
