import { describe, expect, it } from 'vitest';
import { explainRecord } from '../../../src/act/explain-record.js';
import { builtinPolicy } from '../../helpers/engine.js';

describe('explainRecord', () => {
  const policy = builtinPolicy();

  it('is nothing for a text that is not a JSON object or array', () => {
    expect(explainRecord(policy, 'sin=245061239', 64)).toBeUndefined();
    expect(explainRecord(policy, '"245061239"', 64)).toBeUndefined();
  });

  it('reads each value with the keys above it, as redact reads a JSON line', () => {
    const r = explainRecord(policy, '{"customer":{"sin":"245061239","note":"ok"}}', 64);
    expect(r?.entries.map((e) => [e.verdict, e.detectorId, e.path, e.start, e.end, e.text])).toEqual([['fired', 'ca-sin-keyword', '$.customer.sin', 0, 9, '245061239']]);
    expect(r?.redacted).toEqual({ detectors: 1, keyRules: 0 });
  });

  it('does not take a value for a keyword that stands in another field, where the text alone would', () => {
    // As plain text, "phone" stands within phone-national-bare's window before the number.
    const r = explainRecord(policy, '{"phone_verified":true,"n":"3125550178"}', 64);
    expect(r?.entries.filter((e) => e.verdict === 'fired')).toEqual([]);
    expect(r?.redacted).toEqual({ detectors: 0, keyRules: 0 });
  });

  it('counts the key rules, and marks a redacted value found again in another field as a repeat', () => {
    const r = explainRecord(policy, '{"password":"Wint3r!Deploy42","msg":"login with Wint3r!Deploy42 failed"}', 64);
    // the repeat is the key rule's finding
    expect(r?.redacted).toEqual({ detectors: 0, keyRules: 2 });
    expect(r?.entries.map((e) => [e.verdict, e.detectorId, e.path])).toEqual([
      ['key-redact', 'key:password', '$.password'],
      ['repeat', 'key:password', '$.msg'],
    ]);
    expect(r?.entries[1]).toMatchObject({ start: 11, end: 26, text: 'Wint3r!Deploy42' });
  });

  it('lists what a scan nearly found, with its field and reason', () => {
    const r = explainRecord(policy, '{"customer":{"sin":"245061230"}}', 64);
    expect(r?.redacted.detectors).toBe(0);
    expect(r?.entries).toContainEqual(expect.objectContaining({ detectorId: 'ca-sin-keyword', verdict: 'validator-failed', path: '$.customer.sin', text: '245061230' }));
  });
});
