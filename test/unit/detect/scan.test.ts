import { describe, expect, it } from 'vitest';
import { explainText } from '../../../src/detect/explain.js';
import { scanText, type TraceEntry } from '../../../src/detect/scan.js';
import { policyFromYaml } from '../../helpers/policy.js';

const PACK = `
pack: t
allowlist:
  - value: 'user@example.invalid'
detectors:
  - id: email
    name: Email
    category: pii
    severity: medium
    regex: '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}'
    action: tokenize
    tests: {match: ['a@b.co']}
  - id: card
    name: Card
    category: financial
    severity: high
    regex: '\\b\\d(?:[ -]?\\d){12,18}\\b'
    validator: luhn
    action: {type: partial, keepLast: 4}
    tests: {match: ['4111111111111111']}
  - id: digits
    name: Long digit run
    category: pii
    severity: low
    regex: '\\b\\d{16}\\b'
    action: mask
    tests: {match: ['4111111111111111']}
  - id: pin
    name: PIN behind a keyword
    category: credential
    severity: critical
    regex: '\\b(?P<secret>\\d{4})\\b'
    keywords: [pin]
    keywordWindow: 10
    allowlist:
      - value: '0000'
    action: mask
    tests: {match: ['pin 1234']}
`;

describe('scanText', () => {
  const policy = policyFromYaml(PACK);

  it('finds positions of confirmed matches in order', () => {
    const text = 'mail a.b@example.com and card 4111 1111 1111 1111 now';
    const found = scanText(policy, text).map((m) => [m.detector.spec.id, text.slice(m.start, m.end)]);
    expect(found).toEqual([
      ['email', 'a.b@example.com'],
      ['card', '4111 1111 1111 1111'],
    ]);
  });

  it('resolves overlaps to the longest, then the most severe match', () => {
    // card and digits match the same 16 digits: same length, card is more severe.
    const found = scanText(policy, 'x 4111111111111111 y').map((m) => m.detector.spec.id);
    expect(found).toEqual(['card']);
    const trace: TraceEntry[] = [];
    scanText(policy, 'x 4111111111111111 y', trace);
    expect(trace).toContainEqual(expect.objectContaining({ detectorId: 'digits', verdict: 'overlapped', detail: 'overlapped by "card"' }));
  });

  it('rejects a match whose validator fails, and says why', () => {
    const trace: TraceEntry[] = [];
    const found = scanText(policy, 'card 4111111111111112', trace);
    expect(found.map((m) => m.detector.spec.id)).toEqual(['digits']);
    expect(trace).toContainEqual(expect.objectContaining({ detectorId: 'card', verdict: 'validator-failed' }));
  });

  it('needs a keyword within the window before the match', () => {
    expect(scanText(policy, 'pin: 4321').map((m) => m.detector.spec.id)).toEqual(['pin']);
    expect(scanText(policy, 'pin is far far away: 4321')).toEqual([]);
    expect(scanText(policy, 'code 4321')).toEqual([]);
  });

  it('redacts only the secret group', () => {
    const [m] = scanText(policy, 'PIN=9876;');
    expect(m && 'PIN=9876;'.slice(m.start, m.end)).toBe('9876');
  });

  it('honours detector and pack allowlists', () => {
    expect(scanText(policy, 'pin 0000')).toEqual([]);
    expect(scanText(policy, 'to user@example.invalid')).toEqual([]);
    const explained = explainText(policy, 'to user@example.invalid');
    expect(explained.entries).toContainEqual(
      expect.objectContaining({ detectorId: 'email', verdict: 'allowlisted', detail: 'pack allowlist value entry' }),
    );
  });

  it("never detects logveil's own tokens again", () => {
    const text = 'seen [[EMAIL:tk1.AbCdEfGhIjKl.aGVsbG8td29ybGQtdGhpcy1pcy1hLXRva2Vu]] and [[CARD]] and [[EMAIL:h1.q83vEjRFZ3iJq83vEjRFZw]]';
    expect(scanText(policy, text)).toEqual([]);
  });

  it('explains detectors that had a keyword but no prefilter hit', () => {
    const explained = explainText(policy, 'my pin is secret');
    expect(explained.entries).toContainEqual(expect.objectContaining({ detectorId: 'pin', verdict: 'no-prefilter-hit' }));
    expect(explained.redacted).toEqual([]);
  });
});

describe('overlap ranking', () => {
  it('lets a match yield to an enclosing match with a different span (the password inside a connection string)', () => {
    const policy = policyFromYaml(`
pack: o
detectors:
  - id: email
    name: Email
    category: pii
    severity: medium
    regex: '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}'
    action: mask
    tests: {match: ['a@b.co']}
  - id: db-uri
    name: Connection string password
    category: credential
    severity: high
    regex: 'postgres://[^:/\\s]+:(?P<secret>[^@/\\s]+)@[^\\s]+'
    action: mask
    tests: {match: ['postgres://u:p@h/db']}
`);
    const text = 'postgres://app:S3cret-pw@db.example.net:5432/orders';
    const found = scanText(policy, text).map((m) => [m.detector.spec.id, text.slice(m.start, m.end)]);
    expect(found).toEqual([['db-uri', 'S3cret-pw']]);
  });
});
