import { describe, expect, it } from 'vitest';
import { explainKeys } from '../../../src/act/explain-keys.js';
import { policyFromYaml } from '../../helpers/policy.js';

const PACK = `
pack: t
detectors:
  - id: never
    name: Never in these texts
    category: pii
    severity: low
    regex: 'zzz-never-zzz'
    action: mask
    tests: {match: ['zzz-never-zzz']}
keyRules:
  - keys: [password, '*_token']
    mode: redact
    label: SECRET
    category: credential
    severity: high
  - keys: [request_id]
    mode: skip
`;

describe('explainKeys', () => {
  const policy = policyFromYaml(PACK);

  it('names each field of a JSON text a redact rule takes or a skip rule spares, with its path and rule', () => {
    const text = JSON.stringify({
      user: 'ann',
      password: { nested: 'taken whole' },
      request_id: 'r-1',
      env: [{ name: 'API_TOKEN', value: 'x1' }, { name: 'HOME', value: '/root' }],
    });
    const entries = explainKeys(policy, text);
    expect(entries.map((e) => [e.verdict, e.detectorId, e.path])).toEqual([
      ['key-redact', 'key:password', '$.password'],
      ['key-skip', 'key:request_id', '$.request_id'],
      ['key-redact', 'key:*_token', '$.env[0].value'],
    ]);
    expect(entries[0]).toMatchObject({ name: 'SECRET', category: 'credential', source: 'inline-0.yaml:12' });
    expect(entries[2]?.detail).toBe('the value under name "API_TOKEN" is redacted whole, whatever it holds');
  });

  it('finds the values a redact key takes inside a string of the JSON and in a text line', () => {
    const json = JSON.stringify({ msg: 'payload={"api_token":"zz9"}' });
    expect(explainKeys(policy, json)).toEqual([expect.objectContaining({ verdict: 'key-redact', detectorId: 'key:*_token', path: '$.msg', start: 22, end: 25 })]);
    const line = 'login ok payload={"password":"s3cr3t"} done';
    const [e] = explainKeys(policy, line);
    expect(e).toMatchObject({ verdict: 'key-redact', detectorId: 'key:password', path: '$' });
    expect(line.slice(e?.start, e?.end)).toBe('s3cr3t');
    // A value a line of a message names on the line before it.
    const dump = 'Config {\n    password: Some(\n        "Zq8v!pL2mN0xRt5",\n    ),\n}';
    const [d] = explainKeys(policy, JSON.stringify({ msg: dump }));
    expect(d).toMatchObject({ verdict: 'key-redact', detectorId: 'key:password', path: '$.msg' });
    expect(dump.slice(d?.start, d?.end)).toBe('Zq8v!pL2mN0xRt5');
  });

  it('reads a name-value object and a skip rule as the walk does: a name redacts, never skips; skip spares scalars only', () => {
    const text = JSON.stringify({ a: { name: 'request_id', value: 'r-9' }, request_id: { nested: 'walked' }, b: { key: 'password', value: 'x' } });
    expect(explainKeys(policy, text).map((e) => [e.verdict, e.path])).toEqual([['key-redact', '$.b.value']]);
  });

  it('says nothing of text no rule selects, or of a policy without key rules', () => {
    expect(explainKeys(policy, '{"user":"ann","n":[1,2]}')).toEqual([]);
    expect(explainKeys(policy, 'a plain line')).toEqual([]);
    expect(explainKeys(policyFromYaml(PACK.split('keyRules:')[0] as string), '{"password":"x"}')).toEqual([]);
  });
});
