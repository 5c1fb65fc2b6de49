import { describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../../src/act/actions.js';
import { CompiledPolicy } from '../../../src/detect/compile.js';
import { scanText, type TraceEntry } from '../../../src/detect/scan.js';
import { processBatch } from '../../../src/pipeline/batch.js';
import { builtinPolicy, LIMITS } from '../../helpers/engine.js';
import { localKeys } from '../../helpers/keys.js';
import { policyFromYaml } from '../../helpers/policy.js';

const PACK = `
pack: t
detectors:
  - id: eleven-digits
    name: eleven digits
    category: pii
    severity: medium
    label: ELEVEN
    regex: '\\b\\d{11}\\b'
    action: mask
    allowlist:
      - regex: '(?i)[\\w.-]*bytes["'']?[ \\t]*[=:][ \\t]*["'']?\\d+'
        target: context
    tests:
      match: ['id 50250624497']
      nomatch: ['rx_bytes=50250624497']
  - id: vault-word
    name: a word after vault
    category: secret
    severity: high
    label: VAULT
    regex: '\\bs\\.[a-z]{8}\\b'
    keywords: [vault]
    action: mask
    tests:
      match: ['vault s.abcdefgh']
      nomatch: ['s.abcdefgh']
`;

async function run(policy: CompiledPolicy, lines: string[]): Promise<string[]> {
  const { keys } = await localKeys();
  const tokenKey = await keys.current();
  const r = processBatch(
    { seq: 0, file: 'in.jsonl', firstLine: 1, firstOffset: 0, data: Buffer.from(lines.join('\n') + '\n') },
    { policy, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey },
  );
  return Buffer.from(r.output).toString('utf8').split('\n').slice(0, lines.length);
}

describe("an allowlist entry on a value's context, in JSON", () => {
  it('reads a value under its key as text reads `key: value`', async () => {
    const policy = policyFromYaml(PACK);
    const lines = [
      'rx_bytes=50250624497',
      '{"rx_bytes":50250624497}',
      '{"rx_bytes":"50250624497"}',
      // A key above that holds a keyword reads the value with it; the value's own key still allows it.
      '{"vault":{"rx_bytes":50250624497}}',
      '{"msg":"rx_bytes: 50250624497"}',
      // Other keys, and the key's text in another value, allow nothing.
      '{"id":50250624497}',
      '{"tx_bytes":[50250624497]}',
      '{"rx_bytes_id":1,"n":"50250624497"}',
      '{"vault":50250624497}',
      'id=50250624497',
    ];
    expect(await run(policy, lines)).toEqual([
      ...lines.slice(0, 5),
      '{"id":"[[ELEVEN]]"}',
      '{"tx_bytes":["[[ELEVEN]]"]}',
      '{"rx_bytes_id":1,"n":"[[ELEVEN]]"}',
      '{"vault":"[[ELEVEN]]"}',
      'id=[[ELEVEN]]',
    ]);
  });

  it('names the key in the trace', () => {
    const policy = policyFromYaml(PACK);
    const trace: TraceEntry[] = [];
    expect(scanText(policy, '50250624497', trace, undefined, { under: 'rx_bytes' })).toEqual([]);
    expect(trace).toEqual([expect.objectContaining({ detectorId: 'eleven-digits', verdict: 'allowlisted', detail: expect.stringContaining('read with its key "rx_bytes" before it') })]);
    expect(scanText(policy, '50250624497', undefined, undefined, { under: 'id' })).toHaveLength(1);
    // Clean under its key is not clean alone: the value is not remembered as clean.
    expect(scanText(policy, '50250624497')).toHaveLength(1);
  });

  it('leaves a counter of the built-in library alone and still takes the id under its keyword', async () => {
    const lines = ['{"iface":"eth0","rx_bytes":50250624497,"offset":44051401458}', '{"pesel":"44051401458"}'];
    const out = await run(builtinPolicy(), lines);
    expect(out[0]).toBe(lines[0]);
    expect(out[1]).toMatch(/^\{"pesel":"\[\[NATIONAL_ID:[^\]]+\]\]"\}$/);
  });

  it("takes no id for a credential assigned to an ancestor's key, and still reads other values under it", async () => {
    const lines = [
      '{"auth":{"entity_id":"3f9a1c2e-7b4d-4e8a-9c6f-1d2b3a4c5e6f","clientId":"9a1c2e3f-7b4d-4e8a-9c6f-1d2b3a4c5e6f"}}',
      '{"auth":{"prod":"Zk39aLq0pW8xN2vB7cM4Yt6H"}}',
      // An id that is no UUID under a key that names it: a document's keyword above still counts.
      '{"passport":{"id":"C01X00T47","country":"DE"},"ssn":{"id":"536274189"}}',
      // A phone under a key an allowlist entry names: only a number is read with its key.
      '{"order":"415-555-2671"}',
    ];
    const out = (await run(builtinPolicy(), lines)).map((l) => l.replace(/\[\[([A-Z_]+):[^\]]+\]\]/g, '[[$1]]'));
    expect(out).toEqual([lines[0], '{"auth":{"prod":"[[API_KEY]]"}}', '{"passport":{"id":"[[PASSPORT]]","country":"DE"},"ssn":{"id":"[[SSN]]"}}', '{"order":"[[PHONE]]"}']);
  });
});
