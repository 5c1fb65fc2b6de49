import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinPatternsDir, loadConfig } from '../../../src/config/config.js';
import { CompiledPolicy } from '../../../src/detect/compile.js';
import { keepAddressRanges } from '../../../src/detect/keep-ranges.js';
import { loadPackText, loadPolicy, policyHash } from '../../../src/detect/load.js';
import { scanText } from '../../../src/detect/scan.js';
import { ConfigError, type Problem } from '../../../src/errors.js';
import { tempDir } from '../../helpers/keys.js';

const PACK = `
pack: t
detectors:
  - id: v4
    name: IPv4, loopback kept by the pack
    category: network
    severity: low
    regex: '\\b\\d{1,3}(?:\\.\\d{1,3}){3}\\b'
    validator: {name: ipv4, keep: [loopback]}
    action: mask
    tests: {match: ['8.8.8.8']}
  - id: dotted
    name: Dotted numbers, no address validator
    category: pii
    severity: low
    regex: '\\bv(?P<secret>\\d+\\.\\d+\\.\\d+\\.\\d+)\\b'
    action: mask
    tests: {match: ['v10.1.2.3']}
`;

function spec() {
  const problems: Problem[] = [];
  const pack = loadPackText('t.yaml', PACK, problems);
  expect(problems).toEqual([]);
  return { packs: [pack!], hash: policyHash([pack!]) };
}

describe('keepAddressRanges', () => {
  it('adds the ranges to every address validator, beside those a pack keeps, and changes the hash', () => {
    const before = spec();
    const after = keepAddressRanges(before, ['private']);
    expect(after.packs[0]?.detectors[0]?.validator).toEqual({ name: 'ipv4', params: { keep: ['private', 'loopback'] } });
    expect(after.packs[0]?.detectors[1]).toBe(before.packs[0]?.detectors[1]);
    expect(after.hash).toBe(policyHash(after.packs));
    expect(after.hash).not.toBe(before.hash);
    expect(before.packs[0]?.detectors[0]?.validator?.params).toEqual({ keep: ['loopback'] }); // not changed in place
    const found = (s: typeof before, text: string) => scanText(new CompiledPolicy(s), text).map((m) => text.slice(m.start, m.end));
    const text = 'from 10.1.2.3 via 127.0.0.1 to 8.8.8.8 build v10.1.2.4';
    expect(found(before, text)).toEqual(['10.1.2.3', '8.8.8.8', '10.1.2.4']);
    expect(found(after, text)).toEqual(['8.8.8.8', '10.1.2.4']);
  });

  it('returns the policy itself when no range is kept', () => {
    const s = spec();
    expect(keepAddressRanges(s, [])).toBe(s);
  });

  it('keeps private and loopback IPv4 and IPv6 addresses of the built-in packs, and redacts the others', () => {
    const policy = new CompiledPolicy(keepAddressRanges(loadPolicy([builtinPatternsDir()]), ['private', 'loopback']));
    const text = 'peers 10.0.0.7, 192.168.1.20, 127.0.0.1, fd12:3456::1, ::1 and 8.8.4.4, 2606:4700::1111';
    expect(scanText(policy, text).map((m) => text.slice(m.start, m.end))).toEqual(['8.8.4.4', '2606:4700::1111']);
  });
});

describe('config network.keepRanges', () => {
  it('defaults to none, and reads the ranges in their canonical order', () => {
    const dir = tempDir('logveil-keep-');
    expect(loadConfig(undefined, { LOGVEIL_HOME: dir }).network).toEqual({ keepRanges: [] });
    writeFileSync(join(dir, 'c.yaml'), 'network: { keepRanges: [loopback, private] }\n');
    expect(loadConfig(join(dir, 'c.yaml'), { LOGVEIL_HOME: dir }).network).toEqual({ keepRanges: ['private', 'loopback'] });
  });

  it('reports a range it does not know, and a repeated one, with the line', () => {
    const dir = tempDir('logveil-keep-');
    writeFileSync(join(dir, 'c.yaml'), 'format: auto\nnetwork:\n  keepRanges: [intranet, private, private]\n');
    let error: unknown;
    try {
      loadConfig(join(dir, 'c.yaml'), { LOGVEIL_HOME: dir });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.length).toBeGreaterThanOrEqual(2);
    for (const p of problems) expect(p.line).toBe(3);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/keepRanges/);
  });
});
