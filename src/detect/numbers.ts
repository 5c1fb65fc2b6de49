/**
 * JSON numbers whose writing hides their digits. A detector reads a number as written (a card
 * number logged as a number is still a card number), but `4.111111111111111E15` (how Jackson
 * writes a double) and `-4111111111111111` do not read as the digits they hold. Such a number is
 * also read as its plain digits, when its whole part has at least {@link MIN_DIGITS} digits:
 * shorter ones hold nothing a detector looks for, and logs are full of `-1`, `1.5e-3` and
 * coordinates such as `-122.419416`.
 */

/** Digits the whole part of a number's plain form needs before that form is read. */
export const MIN_DIGITS = 6;

/** Plain forms longer than this (`1e400`) are not written out. */
const MAX_PLAIN = 64;

const NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/;

/**
 * A raw-line pattern that occurs wherever a JSON number has a plain form: after the delimiter
 * before it, a number with an exponent that is not negative, one with a negative exponent and six
 * digits or more before it, or a negative number whose whole part has six digits or more.
 */
export const HIDDEN_NUMBER_PATTERN = '[:\\[,]\\s*(?:-?\\d[\\d.]*[eE]\\+?\\d|-?(?:\\d\\.?){6,}[eE]-|-\\d{6})';

/**
 * The plain digits of a number written with an exponent (`4.111111111111111E15` gives
 * `4111111111111111`, `41111111111111110e-1` gives `4111111111111111.0`) or with a minus sign
 * (`-4111111111111111.0` gives `4111111111111111.0`), or undefined: for any other writing, for a
 * whole part of fewer than {@link MIN_DIGITS} digits, and for plain forms longer than {@link MAX_PLAIN}.
 */
export function plainNumber(text: string): string | undefined {
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  const [, sign, int = '', frac = '', exp] = m;
  let plain: string;
  if (exp === undefined) {
    if (sign === '') return undefined;
    plain = frac === '' ? int : `${int}.${frac}`;
  } else {
    const digits = int + frac;
    const point = int.length + Number(exp);
    if (Math.abs(point) > MAX_PLAIN || digits.length > MAX_PLAIN) return undefined;
    if (point <= 0) plain = `0.${'0'.repeat(-point)}${digits}`;
    else if (point >= digits.length) plain = digits + '0'.repeat(point - digits.length);
    else plain = `${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  // Leading zeros of the whole part go (`0.0411e5` is 4110), one stays before a point.
  plain = plain.replace(/^0+(?=\d)/, '');
  const whole = plain.indexOf('.') === -1 ? plain.length : plain.indexOf('.');
  return whole >= MIN_DIGITS && plain[0] !== '0' ? plain : undefined;
}
