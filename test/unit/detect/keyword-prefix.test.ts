import { describe, expect, it } from 'vitest';
import { builtinPatternsDir } from '../../../src/config/config.js';
import { keywordPrefix } from '../../../src/detect/keyword-prefix.js';
import { loadPolicy } from '../../../src/detect/load.js';

describe('keywordPrefix', () => {
  it('splits a regex into the keywords it writes in, the window and the value part', () => {
    expect(keywordPrefix("(?i:ssn|social security|ss#)[^0-9\\n]{0,30}?(?:^|[^\\w-])(?P<secret>\\d{9})\\b")).toEqual({
      keywords: ['ssn', 'social security', 'ss#'],
      window: 30,
      value: '(?:^|[^\\w-])(?P<secret>\\d{9})\\b',
    });
    expect(keywordPrefix('(?i)(?i:dni|nie)[^0-9\\n]{0,12}(?P<secret>\\d{8}[A-Z])')).toEqual({
      keywords: ['dni', 'nie'],
      window: 12,
      value: '(?i)(?P<secret>\\d{8}[A-Z])',
    });
    expect(keywordPrefix("(?i:tel\\.|driver's license|\"sin\")[^\\d]{0,5}\\d+")?.keywords).toEqual(['tel.', "driver's license", '"sin"']);
    // a gap that may be left out, for keywords that may touch the value (sin=245061239)
    expect(keywordPrefix('(?i:sin=|sin:|social insurance)(?:[^0-9\\n]{0,30}?[^\\w-])?(?P<secret>\\d{9})\\b')).toEqual({
      keywords: ['sin=', 'sin:', 'social insurance'],
      window: 30,
      value: '(?:^|[^\\w-])(?P<secret>\\d{9})\\b',
    });
    // a word boundary at a keyword's start or end bounds it (aba, not database's)
    expect(keywordPrefix('(?i:routing|\\baba|rtn\\b)[^0-9\\n]{0,30}?(?P<secret>\\d{9})')?.keywords).toEqual(['routing', 'aba', 'rtn']);
    // a gap that stops at another key's separator, and may end in one (phone_number": "4155552671)
    expect(keywordPrefix("(?i:phone|mobile)(?:[^0-9\\n=:]{0,30}?(?:(?:=>|[:=])[ \\t\"']{0,3})?[^\\w+.-])?(?P<secret>\\d{10})\\b")).toEqual({
      keywords: ['phone', 'mobile'],
      window: 30,
      value: '(?:^|[^\\w+.-])(?P<secret>\\d{10})\\b',
    });
  });

  it('takes no regex whose keywords are patterns, or that has no bounded gap or no value after it', () => {
    for (const regex of [
      '(?i)\\b(?:dob|d\\.o\\.b\\.?|date[ _-]?of[ _-]?birth)[^0-9]{0,5}\\d+',
      '(?i:ssn|\\bs\\bs)[^0-9]{0,30}\\d{9}',
      '(?i:ssn)[^0-9]*\\d{9}',
      '(?i:ssn) \\d{9}',
      '(?i:ssn)[^0-9]{0,30}',
      '(?i:ssn|)[^0-9]{0,30}\\d',
      '\\bssn[^0-9]{0,30}\\d{9}',
      '(?i:ssn[^0-9]{0,30}\\d{9}',
    ]) {
      expect(keywordPrefix(regex), regex).toBeUndefined();
    }
  });

  it('reads the built-in identity detectors that write their keywords in', () => {
    const spec = loadPolicy([builtinPatternsDir()]);
    const ids = spec.packs.flatMap((p) => p.detectors.filter((d) => keywordPrefix(d.regex)).map((d) => d.id));
    for (const id of ['us-ssn-bare', 'phone-national-bare', 'card-uatp', 'de-tax-id', 'in-pan', 'au-tfn', 'uk-nhs-number-keyword']) expect(ids).toContain(id);
    expect(ids.length).toBeGreaterThanOrEqual(20);
  });
});
