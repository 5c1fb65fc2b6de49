import { describe, expect, it } from 'vitest';
import { gateStrength } from '../../../src/detect/rarity.js';

const lit = (text: string, nocase = true): { text: string; nocase: boolean } => ({ text, nocase });

describe('gateStrength', () => {
  it('counts a literal in UTF-8 bytes, as RE2 reads the input', () => {
    expect(gateStrength(lit('ghp_', false))).toBe('strong');
    expect(gateStrength(lit('電話'))).toBe('strong');
    expect(gateStrength(lit('tél'))).toBe('strong');
    expect(gateStrength(lit('ab'))).toBe('none');
  });

  it('finds digits alone too common, however long', () => {
    expect(gateStrength(lit('12345678', false))).toBe('none');
  });

  it('gates strongly by three case-sensitive characters mixing letters and digits', () => {
    expect(gateStrength(lit('A3T', false))).toBe('strong');
    expect(gateStrength(lit('a3t'))).toBe('weak');
  });

  it('gates weakly by other three-byte literals, but not by letter runs of common log words', () => {
    for (const t of ['ssn', 'dob', 'dl#', 'sk-', 'ni:', 'fax']) expect(gateStrength(lit(t)), t).toBe('weak');
    // path, span, database, manifest, api, Intel in user agents
    for (const t of ['pat', 'pan', 'aba', 'nif', 'api', 'tel']) expect(gateStrength(lit(t)), t).toBe('none');
    expect(gateStrength(lit('PAT', false))).toBe('none');
  });

  it('finds three bytes with at most one letter or digit too common to gate', () => {
    for (const t of ['://', '","', ' - ', 'a::', '電']) expect(gateStrength(lit(t, false)), t).toBe('none');
  });
});
