/**
 * JSON numbers whose writing hides their digits. A detector reads a number as written (a card
 * number logged as a number is still a card number), but `4.111111111111111E15` (how Jackson
 * writes a double) and `-4111111111111111` do not read as the digits they hold. Such a number is
 * also read as its plain digits. Only numbers with at least {@link MIN_DIGITS} significant digits
 * are: shorter ones hold nothing a detector looks for, and logs are full of `-1` and `1.5e-3`.
 */

/** Significant digits a number needs before its plain form is read. */
export const MIN_DIGITS = 6;

/** Plain forms longer than this (`1e400`) are not written out. */
const MAX_PLAIN = 64;

const NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/;

/**
 * A raw-line pattern that occurs wherever a JSON number has a plain form (a superset: a number,
 * after the delimiter before it, written with an exponent, or negative, with six digits or more).
 */
export const HIDDEN_NUMBER_PATTERN = '[:\\[,]\\s*(?:-?(?:\\d\\.?){6,}[eE]|-\\d{6})';

/**
 * The plain digits of a number written with an exponent (`4.111111111111111E15` gives
 * `4111111111111111`, `41111111111111110e-1` gives `4111111111111111.0`) or of a negative integer
 * (`-4111111111111111` gives its digits), or undefined: for any other writing, for fewer than
 * {@link MIN_DIGITS} significant digits, and for plain forms longer than {@link MAX_PLAIN}.
 */
export function plainNumber(text: string): string | undefined {
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  const [, sign, int = '', frac = '', exp] = m;
  if (exp === undefined && (sign === '' || frac !== '')) return undefined;
  const digits = int + frac;
  if (digits.replace(/^0+/, '').length < MIN_DIGITS) return undefined;
  if (exp === undefined) return int;
  const point = int.length + Number(exp);
  if (Math.abs(point) > MAX_PLAIN || digits.length > MAX_PLAIN) return undefined;
  let plain: string;
  if (point <= 0) plain = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) plain = digits + '0'.repeat(point - digits.length);
  else plain = `${digits.slice(0, point)}.${digits.slice(point)}`;
  // Leading zeros of the integer part go (`0.0411e5` is 4110), one stays before a point.
  return plain.replace(/^0+(?=\d)/, '');
}
