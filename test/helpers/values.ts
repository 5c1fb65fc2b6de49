import fc from 'fast-check';

/** Generators of well-formed sensitive values in their real formats. */

const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const chars = (alphabet: string, min: number, max = min): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet.split('')), { minLength: min, maxLength: max }).map((a) => a.join(''));

export const email = fc
  .tuple(chars('abcdefghijklmnopqrstuvwxyz0123456789', 3, 12), chars('abcdefghijklmnopqrstuvwxyz', 3, 10), fc.constantFrom('com', 'org', 'net', 'io', 'de'))
  .map(([user, domain, tld]) => `${user}@${domain}.${tld}`);

export const ipv4 = fc
  .tuple(fc.integer({ min: 11, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 }))
  .filter(([a]) => a !== 127 && a !== 10)
  .map((o) => o.join('.'));

function luhnComplete(digits: number[]): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits[digits.length - 1 - i] as number;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.join('') + String((10 - (sum % 10)) % 10);
}

/** Visa and Mastercard numbers with a valid Luhn check digit. */
export const card = fc
  .tuple(fc.constantFrom([4], [5, 1], [5, 5]), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 14, maxLength: 14 }))
  .map(([prefix, rest]) => luhnComplete([...prefix, ...rest].slice(0, 15)));

export const awsKeyId = chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16).map((s) => `AKIA${s}`);

export const githubToken = chars(alnum, 36).map((s) => `ghp_${s}`);

export const sensitiveValue = fc.oneof(email, ipv4, card, awsKeyId, githubToken);

const word = fc.constantFrom('user', 'login', 'from', 'ok', 'error', 'sent', 'to', 'id=42', 'status:', '-', '|', 'GET', '/api/v1', 'done.');

/** A log message: words with sensitive values mixed in; returns the text and the values. */
export const message = fc
  .array(fc.oneof({ weight: 3, arbitrary: word.map((w) => ({ w, secret: false })) }, { weight: 1, arbitrary: sensitiveValue.map((w) => ({ w, secret: true })) }), { minLength: 1, maxLength: 8 })
  .map((parts) => ({ text: parts.map((p) => p.w).join(' '), values: parts.filter((p) => p.secret).map((p) => p.w) }));
