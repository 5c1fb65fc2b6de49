/**
 * IPv4 and IPv6 addresses, with an optional `keep` list of address ranges to leave in the clear
 * (`validator: {name: ipv4, keep: [private, loopback]}`): an address in a kept range fails
 * validation, so it is not redacted. Without `keep`, every valid address is redacted.
 */
import { isIPv6 } from 'node:net';
import { fail, OK, type ValidatorResult, type ValidatorSpec } from './common.js';

/** Ranges a pack may keep. */
export const IP_RANGES = ['private', 'loopback', 'link-local', 'multicast', 'documentation'] as const;
export type IpRange = (typeof IP_RANGES)[number];

const OCTET = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$/;

export function isStrictIPv4(s: string): boolean {
  const octets = s.split('.');
  return octets.length === 4 && octets.every((o) => OCTET.test(o));
}

/** The range an IPv4 address (already valid) belongs to, if one of {@link IP_RANGES}. */
function rangeOfV4(s: string): IpRange | undefined {
  const [a = 0, b = 0, c = 0] = s.split('.').map(Number);
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return 'private';
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a >= 224 && a <= 239) return 'multicast';
  if ((a === 192 && b === 0 && c === 2) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return 'documentation';
  return undefined;
}

/** The range an IPv6 address (already valid, zone removed) belongs to. */
function rangeOfV6(addr: string): IpRange | undefined {
  const lower = addr.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  if (mapped) return rangeOfV4(mapped[1] as string);
  if (/^(?:0{0,4}:){2,7}0{0,3}1$/.test(lower) || lower === '::1') return 'loopback';
  const first = parseInt(lower.startsWith('::') ? '0' : (lower.split(':')[0] as string), 16);
  if ((first & 0xfe00) === 0xfc00) return 'private';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xff00) === 0xff00) return 'multicast';
  if (lower.startsWith('2001:db8:') || lower.startsWith('2001:0db8:')) return 'documentation';
  return undefined;
}

function keepOf(params: Record<string, unknown>): IpRange[] | undefined {
  const keep = params['keep'];
  if (keep === undefined) return [];
  if (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string' && (IP_RANGES as readonly string[]).includes(k))) return undefined;
  return keep as IpRange[];
}

function ipValidator(name: string, check: (value: string) => { problem?: string; range?: IpRange }): ValidatorSpec {
  const problem = `${name} "keep" must be a list of: ${IP_RANGES.join(', ')}`;
  return {
    checkParams(params) {
      const problems = keepOf(params) === undefined ? [problem] : [];
      for (const key of Object.keys(params)) if (key !== 'name' && key !== 'keep') problems.push(`${name} does not know the parameter "${key}" (known: "keep")`);
      return problems;
    },
    validate(value, params): ValidatorResult {
      const r = check(value);
      if (r.problem) return fail(r.problem);
      const keep = keepOf(params) ?? [];
      if (r.range && keep.includes(r.range)) return fail(`${r.range} address kept by the "keep" parameter`);
      return OK;
    },
  };
}

/** Four octets joined by dashes, as a host name holds its address (`ip-10-1-2-3`, `c-73-15-2-9.hsd1...`). */
const DASHED_V4 = /^\d{1,3}(?:-\d{1,3}){3}$/;

export const ipv4 = ipValidator('ipv4', (written) => {
  const value = DASHED_V4.test(written) ? written.replaceAll('-', '.') : written;
  if (!isStrictIPv4(value)) return { problem: 'IPv4 needs four decimal octets 0-255 without leading zeros' };
  // 0.x.x.x is "this network" (RFC 1122), never a host: what reads as one is a version (0.0.0.6).
  if (value.startsWith('0.') && value !== '0.0.0.0') return { problem: 'IPv4 in 0.0.0.0/8 is not a host address' };
  return { range: rangeOfV4(value) };
});

const HEXTET = /^[0-9A-Fa-f]{1,4}$/;
const ZONE = /^[0-9A-Za-z._~-]+$/;

/** Validates an IPv6 address (with optional `%zone`); returns a reason or undefined. */
function ipv6Problem(value: string): string | undefined {
  let addr = value;
  const pct = value.indexOf('%');
  if (pct >= 0) {
    if (!ZONE.test(value.slice(pct + 1))) return 'IPv6 zone id is empty or has invalid characters';
    addr = value.slice(0, pct);
  }
  if (addr.includes('.')) {
    const colon = addr.lastIndexOf(':');
    if (colon < 0) return 'IPv6 needs hex groups before an embedded IPv4';
    if (!isStrictIPv4(addr.slice(colon + 1))) return 'IPv6 embedded IPv4 is invalid';
    addr = `${addr.slice(0, colon + 1)}0:0`; // the IPv4 takes the last two groups
  }
  const first = addr.indexOf('::');
  if (first !== addr.lastIndexOf('::')) return 'IPv6 has more than one "::"';
  const groupsOf = (s: string): string[] => (s === '' ? [] : s.split(':'));
  let groups: string[];
  if (first >= 0) {
    groups = [...groupsOf(addr.slice(0, first)), ...groupsOf(addr.slice(first + 2))];
    if (groups.length > 7) return 'IPv6 has too many groups for "::"';
  } else {
    groups = addr.split(':');
    if (groups.length !== 8) return 'IPv6 needs 8 groups without "::"';
  }
  if (!groups.every((g) => HEXTET.test(g))) return 'IPv6 group is not 1-4 hex digits';
  if (!isIPv6(pct >= 0 ? value.slice(0, pct) : value)) return 'IPv6 is rejected by node:net';
  return undefined;
}

export const ipv6 = ipValidator('ipv6', (value) => {
  const problem = ipv6Problem(value);
  if (problem) return { problem };
  const pct = value.indexOf('%');
  return { range: rangeOfV6(pct >= 0 ? value.slice(0, pct) : value) };
});

/**
 * The range of an address as the validators read it: one of {@link IP_RANGES}, `public` for any
 * other valid IPv4 or IPv6 address (a zone allowed), undefined for a value neither accepts.
 */
export function ipRange(value: string): IpRange | 'public' | undefined {
  for (const check of [ipv4, ipv6]) {
    if (!check.validate(value, {}).ok) continue;
    const pct = value.indexOf('%');
    const addr = pct >= 0 ? value.slice(0, pct) : value;
    return (addr.includes(':') ? rangeOfV6(addr) : rangeOfV4(addr)) ?? 'public';
  }
  return undefined;
}
