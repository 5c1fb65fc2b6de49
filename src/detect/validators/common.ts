/**
 * Types and helpers shared by every validator module (see `../validators.ts` for the registry).
 *
 * Values seen by validators are secrets or PII: a `reason` describes the failure generically and
 * never quotes the value (a country code, or a constant such as `666`, is the most it names).
 */

/** The outcome of one validation; `reason` is set when `ok` is false. */
export interface ValidatorResult {
  ok: boolean;
  /** Why the value was rejected, e.g. `'Luhn checksum fails'`. Never contains the value. */
  reason?: string;
}

/** One named validator. */
export interface ValidatorSpec {
  /**
   * Checks the parameters given in a pack; returns problems (empty = valid), e.g.
   * `['entropy needs a numeric "min" between 0 and 8']`. A `name` key is ignored, so the
   * pack's object form (`{name: entropy, min: 3.5}`) may be passed as it is.
   */
  checkParams(params: Record<string, unknown>): string[];
  /**
   * Confirms a matched value. `params` must have passed {@link ValidatorSpec.checkParams};
   * a validator that needs parameters throws a `LogveilError` (`VALIDATOR_PARAMS`) otherwise.
   */
  validate(value: string, params: Record<string, unknown>): ValidatorResult;
  /**
   * An answer costs tens of microseconds or more, most of it in reading the validator's own data
   * (a phone number's country metadata), which the rest of a batch's work evicts from the CPU's
   * caches: the structured path asks about a batch's candidates together, ahead of their scans.
   */
  costly?: true;
}

export const OK: ValidatorResult = Object.freeze({ ok: true });

export function fail(reason: string): ValidatorResult {
  return { ok: false, reason };
}

/** Keys of `params` that are not `name` and not in `allowed`, as problems. */
export function unknownParams(validator: string, params: Record<string, unknown>, allowed: readonly string[]): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(params)) {
    if (key === 'name' || allowed.includes(key)) continue;
    problems.push(
      allowed.length === 0
        ? `${validator} takes no parameters, got "${key}"`
        : `${validator} does not know the parameter "${key}" (known: ${allowed.map((a) => `"${a}"`).join(', ')})`,
    );
  }
  return problems;
}

/** A validator without parameters. */
export function simple(name: string, validate: (value: string) => ValidatorResult): ValidatorSpec {
  return {
    checkParams: (params) => unknownParams(name, params, []),
    validate: (value) => validate(value),
  };
}

/** The digits of `s` as numbers (`s` must hold ASCII digits only). */
export function digitsOf(s: string): number[] {
  return Array.from(s, (ch) => ch.charCodeAt(0) - 48);
}

/** True when every character of `s` is the same (and `s` is not empty). */
export function allSame(s: string): boolean {
  return s.length > 0 && [...s].every((c) => c === s[0]);
}

/** Luhn (mod 10) over a digit string, check digit last. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Sum of `digits[i] * weights[i]` over the shorter of the two. */
export function weightedSum(digits: readonly number[], weights: readonly number[]): number {
  let sum = 0;
  const n = Math.min(digits.length, weights.length);
  for (let i = 0; i < n; i++) sum += (digits[i] ?? 0) * (weights[i] ?? 0);
  return sum;
}

/** True when year/month/day name a day of the Gregorian calendar. */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

/** Remainder of a string of decimal digits modulo `m`, for numbers too long for a safe integer. */
export function decimalMod(digits: string, m: number): number {
  let rem = 0;
  for (const ch of digits) rem = (rem * 10 + (ch.charCodeAt(0) - 48)) % m;
  return rem;
}
