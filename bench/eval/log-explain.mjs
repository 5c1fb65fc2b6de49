// @ts-check
/**
 * What each finding kept on the real logs is, read from its value and the text around it, so that
 * every one is explained rather than sampled: `private IPv4 address with a port`, `MAC address of a
 * vendor (universal)`, `e-mail address as a URL's user name`. A finding no rule here explains is
 * reported as unexplained; a secret or credential finding is never explained (these logs hold no
 * secrets, so each one is a false positive).
 */
import { ipRange } from '../../dist/detect/validators/ip.js';
import { isSecretFinding } from './refs.mjs';

/** The explanation a finding gets when no rule below takes it. */
export const UNEXPLAINED = 'unexplained';

const MAC = /^[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$/;

/**
 * @param {{ id: string, category: string, start: number, end: number }} finding
 * @param {string} line the text the finding was made in
 * @returns {string}
 */
export function explainLogFinding(finding, line) {
  if (isSecretFinding(finding)) return UNEXPLAINED;
  const value = line.slice(finding.start, finding.end);
  const before = line.slice(Math.max(0, finding.start - 3), finding.start);
  const after = line.slice(finding.end, finding.end + 2);
  if (finding.category === 'network') {
    const range = ipRange(value);
    if (range) {
      const v6 = value.includes(':');
      const what = !v6 && value.endsWith('.0') ? 'network number' : 'address';
      const where = before.endsWith('://') ? ' in a URL' : /^:\d/.test(after) && !v6 ? ' with a port' : '';
      return `${range} IPv${v6 ? 6 : 4} ${what}${where}`;
    }
    if (MAC.test(value)) {
      const first = parseInt(value.slice(0, 2), 16);
      if (first & 1) return 'multicast MAC address';
      return first & 2 ? 'MAC address, locally administered' : 'MAC address of a vendor (universal)';
    }
    return UNEXPLAINED;
  }
  if (finding.category === 'pii' && EMAIL.test(value.replace(/%40/gi, '@').replace(/@([^@]*)@.*$/, '@$1'))) {
    if (/%40/i.test(value) && value.includes('@')) return "percent-encoded e-mail address as a URL's user name";
    if (/%40/i.test(value)) return 'percent-encoded e-mail address in a URL path';
    if (before.endsWith('://')) return "e-mail address as a URL's user name";
    return 'e-mail address';
  }
  return UNEXPLAINED;
}
