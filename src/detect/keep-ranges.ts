/**
 * Address ranges left in the clear by the whole policy (config `network.keepRanges`): every
 * detector that validates IPv4 or IPv6 addresses keeps them, as its validator's `keep` parameter
 * would (docs/patterns.md), together with any range its pack keeps already. The built-in `ipv4`
 * and `ipv6` detectors need no pack of one's own to leave private or loopback addresses alone.
 */
import type { PolicySpec } from './pack.js';
import { policyHash } from './load.js';
import { IP_RANGES, type IpRange } from './validators/ip.js';

const ADDRESS_VALIDATORS: ReadonlySet<string> = new Set(['ipv4', 'ipv6']);

/**
 * `spec` with `ranges` kept by every IPv4 and IPv6 validator, and its hash recomputed (events quote
 * the policy that ran); `spec` itself when `ranges` is empty.
 */
export function keepAddressRanges(spec: PolicySpec, ranges: readonly IpRange[]): PolicySpec {
  if (ranges.length === 0) return spec;
  const packs = spec.packs.map((pack) => ({
    ...pack,
    detectors: pack.detectors.map((d) => {
      if (!d.validator || !ADDRESS_VALIDATORS.has(d.validator.name)) return d;
      const own = Array.isArray(d.validator.params['keep']) ? (d.validator.params['keep'] as string[]) : [];
      const keep = IP_RANGES.filter((r) => ranges.includes(r) || own.includes(r));
      return { ...d, validator: { ...d.validator, params: { ...d.validator.params, keep } } };
    }),
  }));
  return { packs, hash: policyHash(packs) };
}
