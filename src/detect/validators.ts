/**
 * Validators: after a detector's regex matches, an optional validator confirms the matched value
 * (checksums, registries, structure, entropy). See the Validators table in `docs/patterns.md`.
 *
 * Values seen here are secrets or PII: a `reason` describes the failure generically and never
 * quotes the value (a country code, or a constant such as `666`, is the most it names).
 */

import { LogveilError } from '../errors.js';
import { abaRouting, caSin, cnpj, mxClabe, usItin, usSsn } from './validators/americas.js';
import { auAbn, auAcn, auMedicare, auTfn, inPan, jpMyNumber } from './validators/apac.js';
import { fail, luhnValid, OK, simple, unknownParams, type ValidatorResult, type ValidatorSpec } from './validators/common.js';
import { date } from './validators/dates.js';
import { ipv4, ipv6 } from './validators/ip.js';
import { deTaxId, esDni, frNir, itCodiceFiscale, nhsMod11, nlBsn, plPesel, ukNino } from './validators/europe.js';
import { phone } from './validators/phone.js';
import { beNationalNumber, chAhv, clRut, cnResidentId, fiHetu, ilId, krRrn, mxCurp, sePersonnummer, sgNric, trTcKimlik, zaId, mrzTd3 } from './validators/world.js';
import { base58check, basicCredentials, githubChecksum, githubFineGrainedChecksum } from './validators/tokens.js';

export type { ValidatorResult, ValidatorSpec } from './validators/common.js';

// ---------------------------------------------------------------------------------------------
// Shannon entropy

/**
 * Shannon entropy of `s` in bits per character (characters are Unicode code points).
 * The empty string has entropy 0.
 */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  let n = 0;
  for (const ch of s) {
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
    n++;
  }
  // One distinct character (or none): exactly 0, which the formula below only approximates.
  if (counts.size <= 1) return 0;
  // H = log2(n) - (1/n) * sum(c * log2(c)): exact for uniform counts over powers of two.
  let sum = 0;
  for (const c of counts.values()) sum += c * Math.log2(c);
  return Math.log2(n) - sum / n;
}

const ENTROPY_PARAM_PROBLEM = 'entropy needs a numeric "min" between 0 and 8';

function entropyMin(params: Record<string, unknown>): number | undefined {
  const min = params['min'];
  return typeof min === 'number' && Number.isFinite(min) && min >= 0 && min <= 8 ? min : undefined;
}

/** Formats two numbers with the fewest decimals (2..6) that tell them apart. */
function formatPair(a: number, b: number): [string, string] {
  for (let d = 2; d < 6; d++) {
    const fa = a.toFixed(d);
    const fb = b.toFixed(d);
    if (fa !== fb) return [fa, fb];
  }
  return [a.toFixed(6), b.toFixed(6)];
}

const entropy: ValidatorSpec = {
  checkParams(params) {
    const problems = entropyMin(params) === undefined ? [ENTROPY_PARAM_PROBLEM] : [];
    return problems.concat(unknownParams('entropy', params, ['min']));
  },
  validate(value, params) {
    const min = entropyMin(params);
    if (min === undefined) throw new LogveilError('VALIDATOR_PARAMS', ENTROPY_PARAM_PROBLEM);
    const h = shannonEntropy(value);
    if (h >= min) return OK;
    const [hs, ms] = formatPair(h, min);
    return fail(`entropy ${hs} < ${ms}`);
  },
};

// ---------------------------------------------------------------------------------------------
// Luhn

const luhn = simple('luhn', (value) => {
  const digits = value.replace(/[ .-]/g, '');
  if (!/^[0-9]*$/.test(digits)) return fail('Luhn input has characters other than digits, spaces, dots and dashes');
  if (digits.length < 12 || digits.length > 20) return fail(`Luhn needs 12-20 digits, got ${digits.length}`);
  return luhnValid(digits) ? OK : fail('Luhn checksum fails');
});

// ---------------------------------------------------------------------------------------------
// IBAN (ISO 13616)

/** IBAN length per country, from the SWIFT ISO 13616 IBAN registry. */
const IBAN_LENGTHS: Readonly<Record<string, number>> = Object.freeze({
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27,
  BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28,
  EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23,
  GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26,
  IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21,
  LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22,
  RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25,
  SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
});

/** ISO 7064 MOD 97-10 remainder of an uppercase alphanumeric string (letters A=10 .. Z=35). */
function mod97(s: string): number {
  let rem = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    rem = c <= 57 ? (rem * 10 + (c - 48)) % 97 : (rem * 100 + (c - 55)) % 97;
  }
  return rem;
}

const ibanMod97 = simple('iban-mod97', (value) => {
  // Printed groups are separated by spaces or dashes.
  const compact = value.replace(/[ -]/g, '');
  // Check ASCII before upper-casing: toUpperCase maps some non-ASCII letters (e.g. U+0131) to A-Z.
  if (!/^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9]+$/.test(compact)) {
    return fail('IBAN needs a country code, two check digits and an alphanumeric account number');
  }
  const iban = compact.toUpperCase();
  const country = iban.slice(0, 2);
  const expected = Object.hasOwn(IBAN_LENGTHS, country) ? IBAN_LENGTHS[country] : undefined;
  if (expected === undefined) return fail('IBAN country code is not in the ISO 13616 registry');
  if (iban.length !== expected) return fail(`IBAN length ${iban.length} != ${expected} for ${country}`);
  return mod97(iban.slice(4) + iban.slice(0, 4)) === 1 ? OK : fail('IBAN mod-97 checksum fails');
});

// ---------------------------------------------------------------------------------------------
// JWT / JWE structure

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a base64url part to a JSON object, or undefined when it is not one. */
function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  if (part.length === 0 || part.length % 4 === 1 || !BASE64URL.test(part)) return undefined;
  try {
    const parsed: unknown = JSON.parse(utf8.decode(Buffer.from(part, 'base64url')));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // not UTF-8 or not JSON
  }
  return undefined;
}

function isBase64url(part: string): boolean {
  return part.length % 4 !== 1 && BASE64URL.test(part);
}

/**
 * A JWS (header.payload.signature), a JWS without its signature (header.payload, or with an empty
 * third part: the signing input, or an unsecured "alg: none" token) or a compact JWE (5 parts).
 * Header and payload must be base64url JSON objects and the header must name an `alg`.
 */
const jwtStructure = simple('jwt-structure', (value) => jwtProblem(value, true));

/**
 * Header parameters a JOSE header may hold (RFC 7515, 7516, 7518, 7797, 8225, 8555, 9278), and the
 * registered claims a JWT may replicate there (RFC 7519, section 5.3).
 */
const JOSE_PARAMS = new Set([
  ...['alg', 'enc', 'zip', 'jku', 'jwk', 'kid', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'typ', 'cty', 'crit', 'epk', 'apu', 'apv', 'iv', 'tag', 'p2s', 'p2c', 'b64', 'ppt', 'url', 'nonce', 'svt'],
  ...['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'],
]);

/**
 * Why `value` is not a JWT, or OK. `needAlg`: the header must name an `alg`, as RFC 7515 asks of
 * every token; without it, one header parameter JOSE registers is enough.
 */
function jwtProblem(value: string, needAlg: boolean): ValidatorResult {
  const parts = value.split('.');
  if (parts.length < 2 || parts.length > 5 || parts.length === 4) {
    return fail('JWT needs 2 or 3 parts (JWS) or 5 parts (JWE)');
  }
  const header = decodeJsonObject(parts[0] ?? '');
  if (!header) return fail('JWT header is not a base64url JSON object');
  const alg = header['alg'];
  if (needAlg && (typeof alg !== 'string' || alg.length === 0)) return fail('JWT header has no string "alg"');
  if (!needAlg && !Object.keys(header).some((k) => JOSE_PARAMS.has(k))) return fail('JWT header names no JOSE header parameter');
  const enc = header['enc'];

  if (parts.length === 5) {
    if (typeof enc !== 'string' || enc.length === 0) return fail('JWE header has no string "enc"');
    const [, encryptedKey = '', iv = '', ciphertext = '', tag = ''] = parts;
    if (![encryptedKey, iv, ciphertext, tag].every(isBase64url)) return fail('JWE part is not base64url');
    if (ciphertext.length === 0) return fail('JWE ciphertext is empty');
    return OK;
  }

  // A signed token's header names no "enc"; a base64-wrapped one (`needAlg` false) is a token
  // whatever its header says, as long as its payload and signature have a token's shape.
  if (enc !== undefined && needAlg) return fail('JWT header names "enc" but a JWE needs 5 parts');
  const [, payload = '', signature = ''] = parts;
  if (payload.length === 0) return fail('JWT payload is empty');
  if (!decodeJsonObject(payload)) return fail('JWT payload is not a base64url JSON object');
  if (!isBase64url(signature)) return fail('JWT signature is not base64url');
  return OK;
}

const BASE64_ANY = /^[A-Za-z0-9+/_-]+$/;

/**
 * A JWT encoded in base64 once more, as a Kubernetes Secret's data or a CI variable holds one
 * (`ZXlK` is the base64 of `eyJ`): the value decodes to UTF-8 text that jwt-structure would
 * accept, but that its header may name any JOSE header parameter instead of `alg` (the double
 * encoding is the evidence an `alg` gives the plain form).
 */
const jwtBase64 = simple('jwt-base64', (value) => {
  const body = value.replace(/=+$/, '');
  if (!BASE64_ANY.test(body) || body.length % 4 === 1) return fail('not base64');
  let text: string;
  try {
    text = utf8.decode(Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64')).trim();
  } catch {
    return fail('base64 that does not decode to UTF-8');
  }
  const inner = jwtProblem(text, false);
  return inner.ok ? OK : fail(`decoded, ${inner.reason ?? 'not a JWT'}`);
});

// ---------------------------------------------------------------------------------------------
// Verhoeff (Aadhaar)

const VERHOEFF_D: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

function verhoeffValid(digits: string): boolean {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(digits.length - 1 - i) - 48;
    c = VERHOEFF_D[c]?.[VERHOEFF_P[i % 8]?.[d] ?? 0] ?? -1;
  }
  return c === 0;
}

const verhoeff = simple('verhoeff', (value) => {
  const m = /^([0-9]{4})([ :-]?)([0-9]{4})\2([0-9]{4})$/.exec(value);
  if (!m) return fail('Aadhaar needs 12 digits, optionally grouped 4-4-4 by spaces, dashes or colons');
  const digits = `${m[1] ?? ''}${m[3] ?? ''}${m[4] ?? ''}`;
  if (digits[0] === '0' || digits[0] === '1') return fail('Aadhaar cannot start with 0 or 1');
  return verhoeffValid(digits) ? OK : fail('Verhoeff checksum fails');
});

// ---------------------------------------------------------------------------------------------
// CPF (Brazil)

/** CPF check digit over the first `count` digits (weights count+1 .. 2). */
function cpfCheckDigit(digits: readonly number[], count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += (digits[i] ?? 0) * (count + 1 - i);
  return ((sum * 10) % 11) % 10;
}

const cpf = simple('cpf', (value) => {
  const m = /^([0-9]{3})\.([0-9]{3})\.([0-9]{3})-([0-9]{2})$/.exec(value);
  const plain = m ? `${m[1] ?? ''}${m[2] ?? ''}${m[3] ?? ''}${m[4] ?? ''}` : value;
  if (!/^[0-9]{11}$/.test(plain)) return fail('CPF needs 11 digits, plain or as ddd.ddd.ddd-dd');
  if (/^(\d)\1{10}$/.test(plain)) return fail('CPF has all digits the same');
  const digits = Array.from(plain, (ch) => ch.charCodeAt(0) - 48);
  if (cpfCheckDigit(digits, 9) !== digits[9] || cpfCheckDigit(digits, 10) !== digits[10]) {
    return fail('CPF check digits fail');
  }
  return OK;
});

// ---------------------------------------------------------------------------------------------

/**
 * Every validator by the name a pack uses (`validator: luhn` or `validator: {name: entropy, min: 3.5}`);
 * the table in docs/patterns.md lists them.
 */
export const VALIDATORS: Readonly<Record<string, ValidatorSpec>> = Object.freeze(
  // No prototype: a pack naming `constructor` or `toString` finds no validator.
  Object.assign(Object.create(null) as Record<string, ValidatorSpec>, {
    luhn,
    'iban-mod97': ibanMod97,
    'us-ssn': usSsn,
    entropy,
    'jwt-structure': jwtStructure,
    'jwt-base64': jwtBase64,
    ipv4,
    ipv6,
    verhoeff,
    cpf,
    phone,
    'github-checksum': githubChecksum,
    'github-fine-grained-checksum': githubFineGrainedChecksum,
    date,
    'us-itin': usItin,
    'ca-sin': caSin,
    cnpj,
    'aba-routing': abaRouting,
    'mx-clabe': mxClabe,
    'mrz-td3': mrzTd3,
    'uk-nino': ukNino,
    'nhs-mod11': nhsMod11,
    'de-tax-id': deTaxId,
    'es-dni': esDni,
    'it-codice-fiscale': itCodiceFiscale,
    'fr-nir': frNir,
    'nl-bsn': nlBsn,
    'pl-pesel': plPesel,
    'au-tfn': auTfn,
    'au-abn': auAbn,
    'au-acn': auAcn,
    'au-medicare': auMedicare,
    'in-pan': inPan,
    'jp-my-number': jpMyNumber,
    'basic-credentials': basicCredentials,
    base58check,
    'se-personnummer': sePersonnummer,
    'fi-hetu': fiHetu,
    'ch-ahv': chAhv,
    'be-national-number': beNationalNumber,
    'tr-tc-kimlik': trTcKimlik,
    'za-id': zaId,
    'il-id': ilId,
    'sg-nric': sgNric,
    'kr-rrn': krRrn,
    'cn-resident-id': cnResidentId,
    'cl-rut': clRut,
    'mx-curp': mxCurp,
  }),
);
