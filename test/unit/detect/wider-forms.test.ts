import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { gapTail, literalSuffix, unboundedGaps } from '../../../src/detect/wider-forms.js';

describe('unboundedGaps', () => {
  it('leaves gaps unbounded, or only those longer than asked, and not an escaped bracket', () => {
    const source = String.raw`(?i:tel)[^0-9\n]{0,30}?\d{9}|<pw(?:\s[^<>]{0,500})?>[^<>]{0,1000}?</|\[^a]{0,90}`;
    expect(unboundedGaps(source)).toBe(String.raw`(?i:tel)[^0-9\n]*?\d{9}|<pw(?:\s[^<>]*)?>[^<>]*?</|\[^a]{0,90}`);
    expect(unboundedGaps(source, 100)).toBe(String.raw`(?i:tel)[^0-9\n]{0,30}?\d{9}|<pw(?:\s[^<>]*)?>[^<>]*?</|\[^a]{0,90}`);
    expect(unboundedGaps(source, 1000)).toBe(source);
    // Read as text, these would pass for gaps and be rewritten into patterns that match less.
    for (const p of [String.raw`[^[:alpha:]{0,200}]x`, String.raw`\Q[^a]{0,200}\E`, String.raw`[^[:^digit:]]{0,50}`]) expect(unboundedGaps(p), p).toBe(p);
    expect(unboundedGaps(String.raw`key[:=][^\n]{0,200}x`)).toBe(String.raw`key[:=][^\n]*x`);
  });
});

describe('gapTail', () => {
  it('is what follows the first gap, with the flags in force there and its own gaps unbounded', () => {
    expect(gapTail(String.raw`(?i:aba|routing)[^0-9\n]{0,30}?(?:^|[^\w-])(?P<secret>\d{9})\b`)).toBe(String.raw`(?:^|[^\w-])(?P<secret>\d{9})\b`);
    expect(gapTail(String.raw`(?i)(?i:dni|nie)[^0-9\n]{0,30}?(?P<secret>\d{8}[A-Z])\b`)).toBe(String.raw`(?i)(?P<secret>\d{8}[A-Z])\b`);
    expect(gapTail(String.raw`x(?i)y[^a]{0,9}BBBBBBBBB`)).toBe('(?i)BBBBBBBBB');
    expect(gapTail(String.raw`(?s)k[^a]{0,9}.{8}[^b]{0,10}c{8}`)).toBe(String.raw`(?s).{8}[^b]*c{8}`);
  });

  it('is a pattern that matches wherever the whole one does', () => {
    const source = String.raw`(?i)(?:pan|itr)[^0-9\n]{0,30}?(?P<secret>\b[A-Z]{5}\d{4}[A-Z]\b)`;
    const tail = new RE2(gapTail(source) as string, 'u');
    const whole = new RE2(source, 'u');
    for (const text of ['PAN: abcpe1234f', `span${' '.repeat(40)}ABCPE1234F`, 'itr ABCPE1234', 'ABCPE1234F', 'pan 1 ABCPE1234F']) {
      if (whole.test(text)) expect(tail.test(text), text).toBe(true);
    }
    expect(tail.test('abcpe1234f')).toBe(true);
  });

  it('is undefined without a gap after something, or for a tail shorter than asked', () => {
    for (const p of [String.raw`[^a]{0,30}\d{9}`, String.raw`k[^a]{0,5}\d{9}`, String.raw`k[^a]*\d{9}`, String.raw`a|k[^a]{0,30}\d{9}`, String.raw`k[^a]{0,30}`, String.raw`a[^\]x]{0,12}b`, String.raw`k\[^a]{0,30}\d{9}`]) {
      expect(gapTail(p), p).toBeUndefined();
    }
    expect(gapTail(String.raw`k[^a]{0,30}\d{4}`, 4)).toBe(String.raw`\d{4}`);
  });
});

describe('literalSuffix', () => {
  it('is the pattern from its first run of literal characters, at the top level or inside a group there', () => {
    const azure = String.raw`(?:^|[^A-Za-z0-9_~.-])(?P<secret>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?:[^A-Za-z0-9_~.-]|$)`;
    expect(literalSuffix(azure)).toBe(String.raw`Q~[A-Za-z0-9_~.-]{31,34}(?:[^A-Za-z0-9_~.-]|$)`);
    expect(literalSuffix(String.raw`(?i)x[a-z]{3}ab[0-9]{8}`)).toBe('(?i)ab[0-9]{8}');
    expect(literalSuffix(String.raw`[a-z]+\Q::\E\d{9}`)).toBe(String.raw`\Q::\E\d{9}`);
    expect(literalSuffix(String.raw`(x)+ab\d{8}`)).toBe(String.raw`ab\d{8}`);
  });

  it('is a pattern that matches wherever the whole one does', () => {
    const source = String.raw`(?:^|[^A-Za-z0-9_])(?P<secret>\d+:A[A-Za-z0-9_-]{34})(?:[^A-Za-z0-9_-]|$)`;
    const suffix = new RE2(literalSuffix(source) as string, 'u');
    const whole = new RE2(source, 'u');
    const key = 'A' + 'b'.repeat(34);
    for (const text of [`bot123456:${key}`, `x 123456:${key} y`, `123456:${key}`, `:${key}`, `1:${key}x`]) {
      if (whole.test(text)) expect(suffix.test(text), text).toBe(true);
    }
    expect(suffix.test(`:${key}`)).toBe(true);
    expect(whole.test(`:${key}`)).toBe(false);
  });

  it('is undefined for a pattern that starts with its run, a group that does, or a short rest', () => {
    for (const p of [String.raw`"status"\s*:\s*401`, String.raw`\bpat[A-Za-z0-9]{14}\.[a-f0-9]{64}\b`, String.raw`(?:^|[^\w-])(?P<secret>5019\d{12})\b`, String.raw`[a-z]{4}ab\d{3}`, String.raw`[a-z]{4}(?:ab|cd)\d{9}`, String.raw`\d{4}`]) {
      expect(literalSuffix(p), p).toBeUndefined();
    }
  });
});

describe('literalSuffix with a group that sets its own flags', () => {
  it('leaves such a group: its flags would reach what follows it', () => {
    // `Y` is read without case outside the group; a rest under the group's flags would not be.
    const source = String.raw`(?i)x(?-i:[a-z]ab\d{8})Y`;
    expect(new RE2(source, 'u').test('Xqab12345678y')).toBe(true);
    const suffix = literalSuffix(source);
    if (suffix !== undefined) expect(new RE2(suffix, 'u').test('Xqab12345678y')).toBe(true);
    expect(suffix).toBeUndefined();
    expect(literalSuffix(String.raw`x(?i:[a-z]ab\d{8})Y`)).toBeUndefined();
    expect(literalSuffix(String.raw`x(?:[a-z]ab\d{8})Y`)).toBe(String.raw`ab\d{8}Y`);
  });
});
