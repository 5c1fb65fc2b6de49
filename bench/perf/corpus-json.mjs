// @ts-check
/**
 * JSON-lines records as services write them: web access logs, application logs, auth events and
 * trace spans. `dirty` names the sensitive value to carry (or undefined for a clean line); each
 * kind puts it where such a value turns up in real logs.
 */
import * as S from './sensitive.mjs';

/** @typedef {import('./prng.mjs').Rng} Rng */
/** @typedef {import('./sensitive.mjs').SensitiveKind} SensitiveKind */
/** @typedef {'access'|'app'|'auth'|'span'} JsonKind */

export const SERVICES = ['checkout', 'orders', 'billing', 'catalog', 'search', 'accounts', 'notifications', 'inventory'];
export const HOSTS = ['web-01', 'web-02', 'web-03', 'api-07', 'api-08', 'worker-2', 'worker-5'];
export const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  'okhttp/4.12.0',
  'curl/8.10.1',
  'Go-http-client/2.0',
  'kube-probe/1.31',
];
const ROUTES = ['/api/v1/orders/{id}', '/api/v1/users/{id}/profile', '/api/v1/cart', '/api/v1/search?q={word}&page={n}', '/static/js/app.{hex}.js', '/healthz', '/metrics', '/api/v2/catalog/items/{id}', '/api/v1/payments/{id}/status'];
const METHODS = /** @type {const} */ ([['GET', 70], ['POST', 18], ['PUT', 6], ['DELETE', 3], ['PATCH', 3]]);
const STATUSES = /** @type {const} */ ([[200, 80], [201, 5], [204, 3], [301, 2], [304, 4], [400, 2], [401, 1], [404, 2], [500, 0.7], [503, 0.3]]);
const LEVELS = /** @type {const} */ ([['info', 75], ['debug', 12], ['warn', 9], ['error', 4]]);
export const WORDS = ['cache', 'miss', 'hit', 'retry', 'upstream', 'timeout', 'queue', 'flushed', 'batch', 'committed', 'order', 'invoice', 'shipment', 'reserved', 'released', 'session', 'refreshed', 'config', 'reloaded', 'latency', 'budget', 'exceeded', 'pool', 'connection', 'idle'];
const APP_MESSAGES = ['order placed', 'order shipped', 'payment authorized', 'invoice generated', 'cart updated', 'inventory reserved', 'price recalculated', 'email queued', 'cache warmed', 'feature flag evaluated', 'job completed', 'retrying upstream call'];
const AUTH_EVENTS = ['login_success', 'login_success', 'login_success', 'logout', 'login_failure', 'mfa_challenge', 'password_changed', 'session_refreshed'];
const SPAN_NAMES = ['GET /api/v1/orders/:id', 'POST /api/v1/cart', 'SELECT orders', 'redis GET', 'kafka publish orders.events', 'grpc inventory.Reserve', 'http billing.charge'];

/** @param {Rng} rng @param {string} route */
function fillRoute(rng, route) {
  return route.replace('{id}', String(rng.range(1000, 999999))).replace('{word}', rng.pick(WORDS)).replace('{n}', String(rng.range(1, 20))).replace('{hex}', rng.hex(8));
}

/**
 * @param {Rng} rng
 * @param {string} ts
 * @param {string} level
 * @param {string} service
 */
function head(rng, ts, level, service) {
  return `{"ts":"${ts}","level":"${level}","service":"${service}","host":"${rng.pick(HOSTS)}"`;
}

/** @param {Rng} rng @param {string} ts @param {SensitiveKind | undefined} dirty */
function access(rng, ts, dirty) {
  const method = rng.weighted(METHODS);
  let path = fillRoute(rng, rng.pick(ROUTES));
  if (dirty === 'jwt') path = `/oauth/callback?id_token=${S.jwt(rng)}&state=${rng.hex(8)}`;
  // Clean lines log the client truncated to its /24, as privacy-minded proxies do; a dirty line has the full address.
  const client = dirty === 'ipv4' ? S.ipv4(rng) : `${rng.range(11, 223)}.${rng.int(256)}.${rng.int(256)}.x`;
  const headers = dirty === 'bearer' ? `,"headers":{"authorization":"Bearer ${S.bearer(rng)}"}` : '';
  return (
    head(rng, ts, 'info', 'edge-proxy') +
    `,"kind":"access","client_ip":"${client}","method":"${method}","path":"${path}","status":${rng.weighted(STATUSES)},"latency_ms":${rng.range(1, 900)},"bytes":${rng.range(120, 90000)},"user_agent":"${rng.pick(AGENTS)}","request_id":"req-${rng.hex(16)}"${headers}}`
  );
}

/** @param {Rng} rng @param {string} ts @param {SensitiveKind | undefined} dirty */
function app(rng, ts, dirty) {
  const level = rng.weighted(LEVELS);
  const service = rng.pick(SERVICES);
  const user = `u-${rng.range(10000, 99999)}`;
  const order = `ord_${rng.alnum(10)}`;
  let msg = rng.pick(APP_MESSAGES);
  let extra = '';
  switch (dirty) {
    case 'email': extra = `,"user":{"id":"${user}","email":"${S.email(rng)}"}`; break;
    case 'phone': msg = `sms verification sent to ${S.phone(rng)}`; break;
    case 'card': msg = 'payment authorized'; extra = `,"card":"${S.card(rng)}","amount":${rng.range(5, 900)}.${rng.range(10, 99)}`; break;
    case 'iban': msg = `payout scheduled to ${S.iban(rng)}`; break;
    case 'aws-key-id': msg = `assumed role deploy-bot with access key ${S.awsKeyId(rng)}`; break;
    case 'github-token': msg = `mirror sync using ${S.githubToken(rng)} for acme/${rng.pick(WORDS)}`; break;
    case 'password': msg = `db connect failed: host=db-${rng.range(1, 9)} user=app password=${S.password(rng)}`; break;
    case 'bearer': msg = `upstream call failed, sent Authorization: Bearer ${S.bearer(rng)}`; break;
    case 'jwt': extra = `,"id_token":"${S.jwt(rng)}"`; break;
    case 'ipv4': msg = `connection reset by peer ${S.ipv4(rng)}`; break;
    default:
      // About one error in four carries a stack trace: escaped newlines, as JSON loggers write them.
      if (level === 'error' && rng.chance(0.25)) msg += `: TimeoutError: upstream ${rng.pick(SERVICES)} timed out\\n    at Client.call (/app/src/client.js:${rng.range(10, 400)}:13)\\n    at async Handler.run (/app/src/handler.js:${rng.range(10, 200)}:5)`;
  }
  return head(rng, ts, level, service) + `,"logger":"${service}.${rng.pick(WORDS)}","msg":"${msg}","user_id":"${user}","order_id":"${order}","duration_ms":${rng.range(0, 2500)}${extra}}`;
}

/** @param {Rng} rng @param {string} ts @param {SensitiveKind | undefined} dirty */
function auth(rng, ts, dirty) {
  const event = rng.pick(AUTH_EVENTS);
  const who = dirty === 'email' ? S.email(rng) : `u-${rng.range(10000, 99999)}`;
  const ip = dirty === 'ipv4' ? `,"ip":"${S.ipv4(rng)}"` : '';
  const reason = dirty === 'password' ? `,"detail":"invalid credentials for password=${S.password(rng)}"` : event === 'login_failure' ? ',"detail":"invalid credentials"' : '';
  const method = rng.pick(['password', 'sso', 'webauthn', 'mfa']);
  return head(rng, ts, event === 'login_failure' ? 'warn' : 'info', 'accounts') + `,"kind":"auth","event":"${event}","principal":"${who}","method":"${method}","client":"${rng.pick(['web', 'ios', 'android', 'cli'])}"${ip}${reason}}`;
}

/** @param {Rng} rng @param {string} ts @param {SensitiveKind | undefined} dirty */
function span(rng, ts, dirty) {
  const name = rng.pick(SPAN_NAMES);
  const peer = dirty === 'ipv4' ? S.ipv4(rng) : `${rng.pick(SERVICES)}.internal`;
  const db = dirty === 'email' ? `,"db.statement":"SELECT id FROM users WHERE email = '${S.email(rng)}'"` : '';
  return (
    head(rng, ts, 'info', rng.pick(SERVICES)) +
    `,"kind":"span","trace_id":"${rng.hex(32)}","span_id":"${rng.hex(16)}","parent_span_id":"${rng.hex(16)}","name":"${name}","duration_ms":${rng.range(0, 1500)},"status":"${rng.chance(0.97) ? 'OK' : 'ERROR'}","attributes":{"http.status_code":${rng.weighted(STATUSES)},"net.peer.name":"${peer}","thread.id":${rng.range(1, 64)}${db}}}`
  );
}

/** Where each sensitive kind can go. @type {Record<SensitiveKind, readonly JsonKind[]>} */
const HOMES = {
  email: ['app', 'auth', 'span'],
  ipv4: ['access', 'auth', 'span', 'app'],
  phone: ['app'],
  card: ['app'],
  iban: ['app'],
  'aws-key-id': ['app'],
  'github-token': ['app'],
  jwt: ['access', 'app'],
  password: ['app', 'auth'],
  bearer: ['access', 'app'],
};

const KINDS = /** @type {const} */ ([['access', 40], ['app', 35], ['auth', 8], ['span', 17]]);
const MAKERS = { access, app, auth, span };

/**
 * One JSON line (no newline) and its kind.
 * @param {Rng} rng @param {string} ts @param {SensitiveKind | undefined} dirty
 * @returns {{ line: string, kind: JsonKind }}
 */
export function jsonLine(rng, ts, dirty) {
  const kind = dirty ? rng.pick(HOMES[dirty]) : rng.weighted(KINDS);
  return { line: MAKERS[kind](rng, ts, dirty), kind };
}
