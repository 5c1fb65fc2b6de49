// @ts-check
/**
 * Text logs: nginx access lines (combined format plus timings) and syslog lines from daemons and
 * services. As in the JSON corpus, a clean access line has the client truncated to its /24 and a
 * dirty line carries one sensitive value.
 */
import * as S from './sensitive.mjs';
import { AGENTS, HOSTS, SERVICES, WORDS } from './corpus-json.mjs';

/** @typedef {import('./prng.mjs').Rng} Rng */
/** @typedef {import('./sensitive.mjs').SensitiveKind} SensitiveKind */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const PATHS = ['/', '/index.html', '/api/v1/orders', '/api/v1/cart', '/static/css/site.css', '/favicon.ico', '/api/v1/search?q=shoes&page=2', '/healthz'];
const DAEMONS = ['systemd', 'kernel', 'cron', 'dockerd', 'containerd', 'kubelet'];
const DAEMON_MESSAGES = [
  'Started Session 4213 of user deploy.',
  'eth0: link up, 10000 Mbps, full duplex',
  '(root) CMD (/usr/local/bin/rotate-logs --keep 7)',
  'Container health status changed to healthy',
  'pulling image registry.internal/orders:2026.11.3',
  'Volume mounted for pod orders-7d9f6b5c4-x2x8p',
];

/** @param {number} ms */
function clfTime(ms) {
  const d = new Date(ms);
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** @param {number} ms */
function syslogTime(ms) {
  const d = new Date(ms);
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** @param {Rng} rng @param {number} ms @param {SensitiveKind | undefined} dirty */
function nginx(rng, ms, dirty) {
  const client = dirty === 'ipv4' ? S.ipv4(rng) : `${rng.range(11, 223)}.${rng.int(256)}.${rng.int(256)}.x`;
  const path = dirty === 'jwt' ? `/oauth/callback?id_token=${S.jwt(rng)}` : rng.pick(PATHS);
  const status = rng.chance(0.92) ? 200 : rng.pick([301, 304, 404, 500]);
  const rt = (rng.range(1, 900) / 1000).toFixed(3);
  return `${client} - - [${clfTime(ms)}] "${rng.pick(['GET', 'GET', 'GET', 'POST'])} ${path} HTTP/1.1" ${status} ${rng.range(120, 90000)} "-" "${rng.pick(AGENTS)}" rt=${rt} uct=0.00${rng.range(0, 9)}`;
}

/** @param {Rng} rng @param {number} ms @param {SensitiveKind | undefined} dirty */
function syslog(rng, ms, dirty) {
  const host = rng.pick(HOSTS);
  if (dirty) {
    if (dirty === 'ipv4' || dirty === 'password') {
      return `${syslogTime(ms)} ${host} sshd[${rng.range(300, 65000)}]: Failed password for invalid user admin from ${S.ipv4(rng)} port ${rng.range(1024, 65535)} ssh2`;
    }
    const svc = rng.pick(SERVICES);
    return `${syslogTime(ms)} ${host} ${svc}[${rng.range(300, 65000)}]: WARN ${S.phrase(rng, dirty)} request_id=req-${rng.hex(16)}`;
  }
  if (rng.chance(0.3)) return `${syslogTime(ms)} ${host} ${rng.pick(DAEMONS)}[${rng.range(1, 65000)}]: ${rng.pick(DAEMON_MESSAGES)}`;
  const svc = rng.pick(SERVICES);
  return `${syslogTime(ms)} ${host} ${svc}[${rng.range(300, 65000)}]: INFO ${rng.pick(WORDS)} ${rng.pick(WORDS)} order_id=ord_${rng.alnum(10)} user_id=u-${rng.range(10000, 99999)} duration_ms=${rng.range(0, 2500)}`;
}

/**
 * One text line (no newline) and its kind.
 * @param {Rng} rng @param {number} ms @param {SensitiveKind | undefined} dirty
 * @returns {{ line: string, kind: 'nginx' | 'syslog' }}
 */
export function textLine(rng, ms, dirty) {
  const useNginx = dirty === 'ipv4' || dirty === 'jwt' ? rng.chance(0.5) : !dirty && rng.chance(0.55);
  return useNginx ? { line: nginx(rng, ms, dirty), kind: 'nginx' } : { line: syslog(rng, ms, dirty), kind: 'syslog' };
}
