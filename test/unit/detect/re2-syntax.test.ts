import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { captureAlwaysTakesPart, captureRepeats, mayMatchBeforeSecret, minLength, nameCapture, parseRegex, splitLeadingGroup, withoutCaptures } from '../../../src/detect/re2-syntax.js';
import { sampleRegex } from '../../../src/detect/import/sample.js';

/** Regexes whose parentheses are easy to miscount. */
const TRICKY = [
  String.raw`[]()](a)`,
  String.raw`[^]()](a)`,
  String.raw`\Q(()\E(a)`,
  String.raw`(?i:(a))(?i)(b)`,
  String.raw`(?P<n>(b))(?<m>c)`,
  String.raw`\\(c)\(d\)`,
  String.raw`[[:alpha:](](e)`,
  String.raw`\x28(d)\x{29}`,
  String.raw`\p{Greek}(e)\pL`,
  String.raw`a{2}(f){1,3}a{,3}(g)`,
  String.raw`(?s:.){0,3}?(h)|(i)`,
  String.raw`(?-i:A|B)(?U)(j+)`,
];

/** Capture groups as RE2 counts them. */
const re2Groups = (source: string): number => (new RE2(`(?:${source})|`, 'u').exec('')?.length ?? 1) - 1;

describe('RE2 syntax', () => {
  it.each(TRICKY)('counts the capture groups of %s as RE2 does, and samples a string it matches', (source) => {
    const parsed = parseRegex(source);
    expect(parsed.groups.map((g) => g.index)).toEqual(Array.from({ length: re2Groups(source) }, (_, i) => i + 1));
    for (let seed = 0; seed < 20; seed++) {
      const sample = sampleRegex(parsed.root, { seed, plain: seed === 0, maxExtra: 3 });
      expect(sample, `seed ${seed}`).toBeDefined();
      expect(new RE2(`^(?:${source})$`, 'u').test(sample?.text ?? ''), `${JSON.stringify(sample?.text)} (seed ${seed})`).toBe(true);
    }
  });

  it('renames exactly the group asked for', () => {
    const source = String.raw`[(](?:x)\((a)(?P<k>b)(c)`;
    const parsed = parseRegex(source);
    expect(nameCapture(source, parsed, 2, 'secret')).toBe(String.raw`[(](?:x)\((a)(?P<secret>b)(c)`);
    expect(nameCapture(source, parsed, 3, 'secret')).toBe(String.raw`[(](?:x)\((a)(?P<k>b)(?P<secret>c)`);
  });

  it('knows which groups take part in every match and how short they can be', () => {
    const { root } = parseRegex(String.raw`((a)|(b))(c)?(d*)((e)+)`);
    expect([1, 2, 3, 4, 5, 6, 7].map((i) => captureAlwaysTakesPart(root, i))).toEqual([true, false, false, false, true, true, true]);
    expect(minLength(root)).toBe(2);
  });

  it('knows which groups lie inside a repeat that can match more than once', () => {
    const { root } = parseRegex(String.raw`(a)((b){3})(c)?((d)|e)*(f){1}(?:(g)+)`);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((i) => captureRepeats(root, i))).toEqual([false, false, true, false, true, true, false, true]);
  });

  it('records where each capture group of a sample lies', () => {
    const parsed = parseRegex(String.raw`key=(\d{4})-(x)`);
    const sample = sampleRegex(parsed.root, { seed: 1, plain: true, maxExtra: 0 });
    const [start, end] = sample?.captures.get(1) ?? [0, 0];
    expect(sample?.text.slice(start, end)).toMatch(/^\d{4}$/);
    expect(sample?.captures.get(2)).toEqual([9, 10]);
  });
});

describe('withoutCaptures', () => {
  it('makes every group non-capturing and leaves the rest as it was', () => {
    expect(withoutCaptures('(?:^|[^\\w.])(?P<secret>\\d{1,3}(\\.\\d+){3,})[(]\\(')).toBe('(?:^|[^\\w.])(?:\\d{1,3}(?:\\.\\d+){3,})[(]\\(');
    expect(withoutCaptures('(?i)(a)|(?<b>c)')).toBe('(?i)(?:a)|(?:c)');
  });
});

describe('splitLeadingGroup', () => {
  it('splits a concatenation after its leading non-capturing group', () => {
    expect(splitLeadingGroup('(?:^|[^\\w-])(?P<secret>4\\d{3})\\b')).toEqual({ lead: '(?:^|[^\\w-])', rest: '(?P<secret>4\\d{3})\\b' });
    expect(splitLeadingGroup('(?:[)(]|\\))x|y')).toBeUndefined();
    expect(splitLeadingGroup('(?:[)(]|\\))(?:x|y)')).toEqual({ lead: '(?:[)(]|\\))', rest: '(?:x|y)' });
  });

  it('leaves what it cannot split without changing what matches', () => {
    // A `|` outside the group, a quantifier on it, flags before it, a capture, nothing after it.
    for (const p of ['(?:a)b|c', '(?:a)+b', '(?:a){2}b', '(?i)(?:a)b', '(a)b', '(?P<n>a)b', '(?:ab)', '(?i:a)b', 'a(?:b)c']) {
      expect(splitLeadingGroup(p), p).toBeUndefined();
    }
  });
});

describe('mayMatchBeforeSecret', () => {
  it('asks the items before the secret group, sets by RE2, and the whole expression without one', () => {
    expect(mayMatchBeforeSecret('://[\\w.-]+/hooks/(?P<secret>[a-z0-9]{26})(?:[^a-z]|$)', ' ')).toBe(false);
    expect(mayMatchBeforeSecret('[^0-9]{0,30}(?P<secret>\\d{9})', ' ')).toBe(true);
    expect(mayMatchBeforeSecret('(?:x|(?P<secret>\\d{9}) )', ' ')).toBe(true);
    expect(mayMatchBeforeSecret('\\d{11}(?: \\d{11})*', ' ')).toBe(true);
    expect(mayMatchBeforeSecret('\\d{11}(?:\\d{11})*', ' ')).toBe(false);
  });
});
