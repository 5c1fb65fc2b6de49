// @ts-check
/**
 * Makers for the sensitive values the corpus carries: each is well-formed enough that logveil's
 * validators accept it (Luhn for cards, mod-97 for IBANs, a decodable header with "alg" for
 * JWTs), so a "dirty" line is a line that should really be redacted.
 */

/** @typedef {import('./prng.mjs').Rng} Rng */

/** @typedef {'email'|'ipv4'|'phone'|'card'|'iban'|'aws-key-id'|'github-token'|'jwt'|'password'|'bearer'} SensitiveKind */

/** @type {readonly SensitiveKind[]} */
export const SENSITIVE_KINDS = ['email', 'ipv4', 'phone', 'card', 'iban', 'aws-key-id', 'github-token', 'jwt', 'password', 'bearer'];

export const FIRST = ['maria', 'john', 'wei', 'amara', 'lukas', 'sofia', 'omar', 'yuki', 'noah', 'elena', 'ravi', 'chloe', 'diego', 'anna', 'kofi', 'mila'];
export const LAST = ['lopez', 'smith', 'zhang', 'okafor', 'muller', 'rossi', 'haddad', 'tanaka', 'brown', 'petrova', 'patel', 'martin', 'garcia', 'novak', 'mensah', 'berg'];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'customers.example.io', 'example.co.uk'];
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const PW = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%*+?@^';

/** @param {Rng} rng */
export function email(rng) {
  return `${rng.pick(FIRST)}.${rng.pick(LAST)}${rng.range(1, 99)}@${rng.pick(DOMAINS)}`;
}

/** A routable-looking IPv4 (first octet 11-223 but not 127: the packs allowlist loopback). @param {Rng} rng */
export function ipv4(rng) {
  const first = rng.range(11, 222);
  return `${first >= 127 ? first + 1 : first}.${rng.int(256)}.${rng.int(256)}.${rng.range(1, 254)}`;
}

/** Assigned US area codes: a validator that knows the numbering plan rejects unassigned ones. */
const US_AREA = ['212', '312', '415', '617', '206', '303', '512', '646', '718', '202', '305', '404', '503', '602', '713', '917'];

/** A US exchange: [2-9]XX, not 555 (mostly fictional) nor N11. @param {Rng} rng */
function usExchange(rng) {
  for (;;) {
    const x = String(rng.range(200, 999));
    if (x !== '555' && !x.endsWith('11')) return x;
  }
}

/** @param {Rng} rng */
export function phone(rng) {
  switch (rng.int(4)) {
    case 0:
      return `+1 ${rng.pick(US_AREA)} ${usExchange(rng)} ${rng.digits(4)}`;
    case 1:
      return `(${rng.pick(US_AREA)}) ${usExchange(rng)}-${rng.digits(4)}`;
    case 2:
      return `+44 20 7946 ${rng.digits(4)}`;
    default:
      return `+49 30 ${rng.range(1, 9)}${rng.digits(7)}`;
  }
}

/** Luhn check digit for a string of digits. @param {string} body */
export function luhnDigit(body) {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A Visa, Mastercard or Amex number with a valid Luhn digit, plain or grouped. @param {Rng} rng */
export function card(rng) {
  const brand = rng.int(3);
  const body = brand === 0 ? '4' + rng.digits(14) : brand === 1 ? `5${rng.range(1, 5)}` + rng.digits(13) : rng.pick(['34', '37']) + rng.digits(12);
  const num = body + luhnDigit(body);
  if (rng.chance(0.5)) return num;
  const sep = rng.pick([' ', '-']);
  return num.length === 15 ? [num.slice(0, 4), num.slice(4, 10), num.slice(10)].join(sep) : /** @type {string[]} */ (num.match(/.{4}/g)).join(sep);
}

/** mod 97 of a decimal string of any length. @param {string} digits */
function mod97(digits) {
  let r = 0;
  for (let i = 0; i < digits.length; i += 7) r = Number(String(r) + digits.slice(i, i + 7)) % 97;
  return r;
}

/** A German or British IBAN with valid check digits, compact or in groups of four. @param {Rng} rng */
export function iban(rng) {
  const de = rng.chance(0.6);
  const country = de ? 'DE' : 'GB';
  const bban = de ? rng.digits(18) : rng.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4) + rng.digits(14);
  const numeric = (bban + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  const check = String(98 - mod97(numeric)).padStart(2, '0');
  const value = country + check + bban;
  return rng.chance(0.5) ? value : /** @type {string[]} */ (value.match(/.{1,4}/g)).join(' ');
}

/** @param {Rng} rng */
export function awsKeyId(rng) {
  return 'AKIA' + rng.chars(B32, 16);
}

/** @param {Rng} rng */
export function githubToken(rng) {
  return 'ghp_' + rng.alnum(36);
}

/** @param {string} s */
function b64url(s) {
  return Buffer.from(s).toString('base64url');
}

/** A signed JWT whose header and payload decode to JSON objects. @param {Rng} rng */
export function jwt(rng) {
  const header = b64url(JSON.stringify({ alg: rng.pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub: `u-${rng.range(10000, 99999)}`, iat: 1790000000 + rng.int(1e6), scope: rng.pick(['read', 'read write', 'admin']) }));
  return `${header}.${payload}.${rng.chars(B64URL, 43)}`;
}

/** @param {Rng} rng */
export function password(rng) {
  return rng.chars(PW, rng.range(10, 18));
}

/** @param {Rng} rng */
export function bearer(rng) {
  return rng.chars(B64URL, rng.range(32, 48));
}

/**
 * The value in a short phrase as a log message would put it (`password=...`, `Bearer ...`).
 * @param {Rng} rng @param {SensitiveKind} kind @returns {string}
 */
export function phrase(rng, kind) {
  switch (kind) {
    case 'email': return `password reset requested by ${email(rng)}`;
    case 'ipv4': return `connection from ${ipv4(rng)} closed`;
    case 'phone': return `sms code sent to ${phone(rng)}`;
    case 'card': return `charge declined for card ${card(rng)}`;
    case 'iban': return `payout scheduled to ${iban(rng)}`;
    case 'aws-key-id': return `assumed role with access key ${awsKeyId(rng)}`;
    case 'github-token': return `mirror sync using ${githubToken(rng)}`;
    case 'jwt': return `session issued id_token=${jwt(rng)}`;
    case 'password': return `db connect failed user=app password=${password(rng)}`;
    case 'bearer': return `upstream sent Authorization: Bearer ${bearer(rng)}`;
  }
}
