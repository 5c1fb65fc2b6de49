/**
 * Numbers whose writing hides their digits. A detector reads a number as written (a card number
 * logged as a number is still a card number), but `4.111111111111111E15` (how Jackson writes a
 * double, and Java's string of one) and `-4111111111111111` do not read as the digits they hold,
 * nor do digit groups that form encoding joined with `+` for the spaces typed between them
 * (`card=4111+1111+1111+1111`, `iban=DE89+3704+0044+0532+0130+00`, `tel=+44+20+7946+0958`): those
 * are also read with each such `+` as a space.
 * Such a number, a JSON number or one in text (`card=4.111111111111111E15`), is also read as its
 * plain digits when its whole part has at least {@link MIN_DIGITS} digits ({@link MIN_SIGNED_DIGITS}
 * for a negative number without an exponent): shorter ones hold nothing a detector looks for, and
 * logs are full of `-1`, `1.5e-3`, hash codes such as `-536274189` and coordinates such as
 * `-122.419416`.
 */
import type { DecodedView } from './escapes.js';

/** Digits the whole part of a number's plain form needs before that form is read. */
export const MIN_DIGITS = 6;

/** Digits the whole part of a negative number without an exponent needs before it is read plain. */
export const MIN_SIGNED_DIGITS = 12;

/** Plain forms that need more zeros than this written out (`1e400`) are not made. */
const MAX_ZEROS = 64;

const NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/;

/**
 * A raw-line pattern that occurs wherever a number in a JSON line or a text line has a plain form:
 * after a character that is not part of a word or a number, a number with an exponent of one or
 * two digits (after any leading zeros: .NET writes `E+015`) that is not negative, one with a
 * negative exponent and six digits or more before it, or a negative number whose whole part has
 * {@link MIN_SIGNED_DIGITS} digits or more; or three digit groups joined by `+`. (Exponents of
 * three digits are left out: no plain form is that long, and `Mobile/15E148` is in every iOS user
 * agent.)
 */
export const HIDDEN_NUMBER_PATTERN = '(?:^|[^\\w.-])(?:-?\\d[\\d.]*[eE]\\+?0*\\d{1,2}\\b|-?(?:\\d\\.?){6,}[eE]-|-\\d{12})|\\d\\+\\d+\\+\\d';

/**
 * A number in text, not part of a word or of a longer number (see {@link numberView}). A `+` may
 * stand before it: form encoding writes a space so (`q=card+4.111111111111111E15`).
 */
const TEXT_NUMBER = /(?<![\w.-])-?\d+(?:\.\d+)?(?:[eE][-+]?0*\d{1,2})?(?!\w|\.\d)/g;
/**
 * Digit groups joined by `+` (see above): three groups at least, as no value a detector reads is
 * typed in two, and one `+` between digits is mostly a time zone's offset (`10:00:00+01:00`) or a sum.
 * A run starts where its digits do, so a long run of digits is read once, not once from each of them.
 */
const FORM_GROUPS = /(?<!\d)\d+(?:\+\d+){2,}/g;
/**
 * Text that may hold a number with a plain form: an exponent, a minus sign before 12 digits that
 * stands where a number can start (not `blk_-1608999687919862906`, a block id in every HDFS line),
 * or digit groups joined by `+`.
 */
const MAY_HIDE = /\d[eE][-+]?\d|(?<![\w.-])-\d{12}|\d\+\d+\+\d/;

/** True when `text` may hold a number that {@link numberView} writes out. */
export function mayHideNumber(text: string): boolean {
  return MAY_HIDE.test(text);
}

/**
 * `text` with each number that has a plain form (see {@link plainNumber}) written as its plain
 * digits, and each `+` between digit groups joined so read as a space, or undefined when it holds
 * neither. A span found in the digits maps onto the whole number as written: its start to where
 * the number starts (`at`), its end to where it ends (`end`).
 */
export function numberView(text: string): DecodedView | undefined {
  if (!MAY_HIDE.test(text)) return undefined;
  const plain = plainDigits(text);
  const spaced = spacedGroups(plain?.text ?? text);
  if (!spaced) return plain;
  const how = '+ between digit groups read as spaces';
  return plain ? { ...plain, text: spaced, how: `${plain.how}, ${how}` } : { text: spaced, at: Array.from({ length: text.length + 1 }, (_, i) => i), how };
}

/** `text` with each number that has a plain form written as its plain digits (see {@link numberView}). */
function plainDigits(text: string): DecodedView | undefined {
  let out = '';
  const at: number[] = [];
  const end: number[] = [];
  let pos = 0;
  for (const m of text.matchAll(TEXT_NUMBER)) {
    const plain = plainNumber(m[0]);
    if (plain === undefined) continue;
    for (let i = pos; i < m.index; i++) {
      at.push(i);
      end.push(i);
    }
    out += text.slice(pos, m.index) + plain;
    const numberEnd = m.index + m[0].length;
    for (let k = 0; k < plain.length; k++) {
      at.push(m.index);
      end.push(k === 0 ? m.index : numberEnd);
    }
    pos = numberEnd;
  }
  if (out === '') return undefined;
  for (let i = pos; i <= text.length; i++) {
    at.push(i);
    end.push(i);
  }
  out += text.slice(pos);
  return { text: out, at, end, how: 'numbers read as their plain digits' };
}

/** `text` with the `+` of each run of digit groups joined by it as a space (one unit for one), or undefined when it has none. */
function spacedGroups(text: string): string | undefined {
  const out = text.replace(FORM_GROUPS, (run) => run.replaceAll('+', ' '));
  return out === text ? undefined : out;
}

/**
 * The plain digits of a number written with an exponent (`4.111111111111111E15` gives
 * `4111111111111111`, `41111111111111110e-1` gives `4111111111111111.0`) or with a minus sign
 * (`-4111111111111111.0` gives `4111111111111111.0`), or undefined: for any other writing, for a
 * whole part of fewer than {@link MIN_DIGITS} digits, and for plain forms that need more than
 * {@link MAX_ZEROS} zeros written out.
 */
export function plainNumber(text: string): string | undefined {
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  const [, sign, int = '', frac = '', exp] = m;
  let plain: string;
  if (exp === undefined) {
    // A minus sign alone hides a card number (12 digits and more), not a shorter id: -536274189
    // is a hash code far more often than a negative SSN.
    if (sign === '' || int.length < MIN_SIGNED_DIGITS) return undefined;
    plain = frac === '' ? int : `${int}.${frac}`;
  } else {
    const digits = int + frac;
    const point = int.length + Number(exp);
    // However many digits the number has (`4111111111111111` and 49 zeros, `e-49`), only the zeros
    // the exponent adds are bounded.
    if (point > digits.length + MAX_ZEROS || point < -MAX_ZEROS) return undefined;
    if (point <= 0) plain = `0.${'0'.repeat(-point)}${digits}`;
    else if (point >= digits.length) plain = digits + '0'.repeat(point - digits.length);
    else plain = `${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  // Leading zeros of the whole part go (`0.0411e5` is 4110), one stays before a point.
  plain = plain.replace(/^0+(?=\d)/, '');
  const whole = plain.indexOf('.') === -1 ? plain.length : plain.indexOf('.');
  return whole >= MIN_DIGITS && plain[0] !== '0' ? plain : undefined;
}
