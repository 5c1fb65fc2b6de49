import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { analyze, foldCase, requiredLiterals, seedAnalyses, selectivePrefix, sharedAnalyses, type Literal } from '../../../src/detect/literals.js';

const texts = (l: Literal[] | undefined): string[] | undefined => l?.map((x) => (x.nocase ? `(?i)${x.text}` : x.text)).sort();

describe('requiredLiterals', () => {
  it('takes literal prefixes, small classes and alternations', () => {
    expect(texts(requiredLiterals('\\bgh[pous]_[A-Za-z0-9]{36}\\b'))).toEqual(['gho_', 'ghp_', 'ghs_', 'ghu_']);
    expect(texts(requiredLiterals('\\b(?:AKIA|ASIA)[A-Z2-7]{16}\\b'))).toEqual(['AKIA', 'ASIA']);
    expect(texts(requiredLiterals('xox[pe]-\\d+'))).toEqual(['xoxe-', 'xoxp-']);
  });

  it('folds case where the pattern does, and only there', () => {
    expect(texts(requiredLiterals('(?i)bearer\\s+\\S+'))).toEqual(['(?i)bearer']);
    expect(texts(requiredLiterals('(?i:token)=ABC'))).toEqual(['(?i)token=abc']);
    expect(texts(requiredLiterals('(?i:x)(?-i:SECRET)\\d'))).toEqual(['(?i)xsecret']);
  });

  it('keeps the most selective run of a concatenation', () => {
    expect(texts(requiredLiterals('[a-z]+@example\\.com\\b'))).toEqual(['@example.com']);
    expect(texts(requiredLiterals('"private_key_id"\\s*:\\s*"([a-f0-9]{40})"'))).toEqual(['"private_key_id"']);
  });

  it('gives up where a match needs no literal', () => {
    expect(requiredLiterals('\\d{3}-\\d{2}-\\d{4}')).toBeUndefined();
    expect(requiredLiterals('(?:abc)?\\d+')).toBeUndefined();
    expect(requiredLiterals('abc|\\d+')).toBeUndefined();
    expect(requiredLiterals('(?:token)*x')).toBeUndefined();
    expect(requiredLiterals('[^abc]+')).toBeUndefined();
  });

  it('narrows a large alternation to what its branches share', () => {
    const lits = requiredLiterals('(?i)(?:circle[_-]?(?:ci)?[_-]?(?:api[_-]?)?token|circleci)');
    expect(lits).toBeDefined();
    expect(lits?.length).toBeLessThanOrEqual(64);
    for (const s of ['circle_ci_api_token', 'CIRCLECI', 'circle-token']) {
      expect(lits?.some((l) => s.toLowerCase().includes(l.text))).toBe(true);
    }
  });

  it('narrows first the branches whose shared part is still a strong literal, and a short one only while too many', () => {
    const dateOfBirth = '(?i)(?:dob|date[ _-]?of[ _-]?birth|birth[ _-]?date|data[ _-]?(?:de[ _-]?)?nascimento|fecha[ _-]?(?:de[ _-]?)?nacimiento|n[ée]e? le)';
    const lits = texts(requiredLiterals(dateOfBirth));
    expect(lits).toEqual(['(?i)birth', '(?i)dob', '(?i)nacimiento', '(?i)nascimento', '(?i)ne le', '(?i)nee le', '(?i)né le', '(?i)née le']);
    // Each branch alike cut to what its strings share gave ` le`, which starts many words.
    expect(lits).not.toContain('(?i) le');
    // Still too many once the strong ones are narrowed: the others, the largest first.
    const crowded = `(?i)(?:${Array.from({ length: 30 }, (_, i) => `k${i}[ _]x`).join('|')}|n[ée]e? le)`;
    const narrowed = requiredLiterals(crowded);
    expect(narrowed?.length).toBeLessThanOrEqual(64);
    expect(narrowed?.some((l) => 'née le'.includes(l.text))).toBe(true);
  });

  it('reads escapes, \\Q...\\E, named groups and flag groups', () => {
    expect(texts(requiredLiterals('\\Qa.b*c\\E'))).toEqual(['a.b*c']);
    expect(texts(requiredLiterals('(?P<secret>\\x41BC\\.)'))).toEqual(['ABC.']);
    expect(texts(requiredLiterals('(?s:abc).'))).toEqual(['abc']);
    expect(texts(requiredLiterals('[[:alpha:]]abc[\\d_]'))).toEqual(['abc']);
  });

  it('weighs counted repetitions by their upper bound', () => {
    expect(analyze('a{10}').weight).toBe(10);
    expect(analyze('(?:ab){2,5}').weight).toBe(10);
    expect(analyze('\\d{12}|x').weight).toBe(13);
  });
});

/** A random regex with a string it matches, built together (ASCII only). */
interface Sample {
  source: string;
  text: string;
}

const ALPHABET = 'abcXYZ_-.:019';
const escapeChar = (c: string): string => (/[.*+?^${}()|[\]\\/-]/.test(c) ? `\\${c}` : c);

function sampleArb(): fc.Arbitrary<Sample> {
  const { tree } = fc.letrec<{ tree: Sample; leaf: Sample }>((tie) => ({
    leaf: fc.oneof(
      fc.constantFrom(...ALPHABET).map((c) => ({ source: escapeChar(c), text: c })),
      fc.subarray([...'abc1_'], { minLength: 1 }).chain((cls) =>
        fc.constantFrom(...cls).map((c) => ({ source: `[${cls.map(escapeChar).join('')}]`, text: c })),
      ),
      fc.constantFrom({ source: '\\d', text: '7' }, { source: '\\w', text: 'q' }, { source: '.', text: '#' }, { source: '\\s', text: ' ' }),
    ),
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('leaf'),
      fc.array(tie('tree'), { minLength: 1, maxLength: 4 }).map((parts) => ({
        source: parts.map((p) => `(?:${p.source})`).join(''),
        text: parts.map((p) => p.text).join(''),
      })),
      fc.tuple(fc.array(tie('tree'), { minLength: 2, maxLength: 3 }), fc.nat()).map(([alts, k]) => ({
        source: alts.map((a) => a.source).join('|'),
        text: (alts[k % alts.length] as Sample).text,
      })),
      fc.tuple(tie('tree'), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.nat()).map(([p, min, extra, k]) => {
        const max = min + extra;
        const times = min + (k % (extra + 1));
        return { source: `(?:${p.source}){${min},${max}}`, text: p.text.repeat(times) };
      }),
      fc.tuple(tie('tree'), fc.constantFrom('?', '*', '+'), fc.boolean()).map(([p, q, take]) => ({
        source: `(?:${p.source})${q}`,
        text: q === '+' || take ? p.text : '',
      })),
      fc.tuple(tie('tree'), fc.array(fc.boolean(), { maxLength: 40 })).map(([p, flips]) => ({
        source: `(?i:${p.source})`,
        text: [...p.text].map((c, i) => (flips[i] ? c.toUpperCase() : c.toLowerCase())).join(''),
      })),
      tie('leaf').map((p) => ({ source: `(${p.source})`, text: p.text })),
    ),
  }));
  return tree;
}

describe('selectivePrefix', () => {
  it('cuts a long pattern after the items that need a keyword', () => {
    expect(selectivePrefix('(?i:ssn|social security)[^0-9\\n]{0,30}?\\b\\d{9}\\b')).toBe('(?i:ssn|social security)');
    expect(selectivePrefix('\\bpat[A-Za-z0-9]{14}\\.[a-f0-9]{64}\\b')).toBe('\\bpat');
  });

  it('keeps patterns with no such point, or too little to save', () => {
    expect(selectivePrefix('\\d{3}-\\d{2}-\\d{4}')).toBeUndefined();
    expect(selectivePrefix('abc\\d')).toBeUndefined();
    expect(selectivePrefix('abc|\\d{40}')).toBeUndefined();
  });
});

describe('shared analyses', () => {
  it('hold every answer given, and survive a copy to another thread', () => {
    const pattern = 'sk_live_[0-9a-zA-Z]{24}';
    const mine = analyze(pattern);
    const prefix = selectivePrefix('(?i:ssn|social security)[^0-9\\n]{0,30}?\\b\\d{9}\\b');
    const shared = new Map(structuredClone(sharedAnalyses()));
    expect(shared.get(`a3\0${pattern}`)).toEqual(mine);
    expect(shared.get('p3,20\0(?i:ssn|social security)[^0-9\\n]{0,30}?\\b\\d{9}\\b')).toEqual({ prefix });
  });

  it('are what analyze answers once seeded: a worker does not make them again', () => {
    const pattern = 'seeded-only-[a-z]{3}xyz';
    seedAnalyses([[`a3\0${pattern}`, { literals: [{ text: 'seeded', nocase: false }], weight: 7 }]]);
    expect(analyze(pattern)).toEqual({ literals: [{ text: 'seeded', nocase: false }], weight: 7 });
    // Not seeded for another minimum length: analyzed.
    expect(texts(analyze(pattern, 4).literals)).toEqual(['seeded-only-']);
  });
});

describe('requiredLiterals (property)', () => {
  it('every string a pattern matches holds one of its literals', () => {
    fc.assert(
      fc.property(sampleArb(), fc.string({ unit: fc.constantFrom(...' xyz'), maxLength: 3 }), (sample, pad) => {
        // The generator's string is a match: RE2 agrees, so the property checks the analysis.
        expect(new RE2(`^(?:${sample.source})$`, 'u').test(sample.text)).toBe(true);
        const lits = requiredLiterals(sample.source, 1);
        if (!lits) return;
        const text = pad + sample.text + pad;
        expect(lits.some((l) => (l.nocase ? text.toLowerCase().includes(l.text) : text.includes(l.text)))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('foldCase', () => {
  it('lowers each character as RE2 folds it, keeping those JavaScript lowers to two', () => {
    expect(foldCase('SSN Número')).toBe('ssn número');
    expect(foldCase('İD')).toBe('İd');
    expect(foldCase('ẞ')).toBe('ß');
  });
});

describe('requiredLiterals and characters RE2 reads differently from JavaScript', () => {
  it('keeps `İ` as written in a case-folded literal', () => {
    expect(requiredLiterals('(?i)İdent\\d+')).toEqual([{ text: 'İdent', nocase: true }]);
  });

  it('never cuts a literal inside a surrogate pair', () => {
    for (const l of requiredLiterals('abcdefghijklmnopqrstuvw😀xyz\\d+') ?? []) expect(l.text).not.toMatch(/[\uD800-\uDBFF]$/);
    const many = Array.from({ length: 33 }, (_, i) => `k${String(i).padStart(2, '0')}[😀😁]`).join('|');
    for (const l of requiredLiterals(`(?:${many})\\d`) ?? []) expect(l.text).not.toMatch(/[\uD800-\uDBFF]$|^[\uDC00-\uDFFF]/);
  });
});
