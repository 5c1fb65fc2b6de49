/**
 * `phone`: a phone number that libphonenumber-js (full "max" metadata: per-type number patterns,
 * not only lengths) calls valid. A number written with `+` is checked as it is; a national number
 * needs `defaultCountry` (one ISO 3166 alpha-2 code, or a list: valid for any of them passes). An
 * international call prefix written in place of `+` (`00 44 ...`, `011 44 ...`, `001-212-...`) is
 * accepted too, and so is an extension (`x1234`, `ext. 12`). With `international: true` a value
 * without `+` is read as country code and number (`44 20 7946 0958`, `91-415-555-0132`). With
 * `minDigits: n` a number with fewer than n digits (an extension not counted) is rejected: some
 * numbering plans (DE) accept very short national numbers that, without context, are just numbers.
 * With `possibleWhenGrouped: true` a number written with `+` or an international call prefix, in
 * three or more digit groups, the country code one of them (`+1-944-435-4352`, `001-944-435-4352`,
 * `+44 20 7946 0958`), needs only a possible length for its country code, not a range the
 * numbering plan has assigned: the writing is the evidence, and a range assigned after the
 * metadata was made, a fake test number or a typo is still a phone number to keep out of logs.
 * It needs ten digits or more, the country code counted, and a NANP (+1) number an area code and
 * exchange that start with 2-9; a dotted IPv4 address after a `+` is not one.
 */
import { isPossiblePhoneNumber, isSupportedCountry, isValidPhoneNumber, type CountryCode } from 'libphonenumber-js/max';
import { BoundedMap } from '../../util/bounded-map.js';
import { LogveilError } from '../../errors.js';
import { fail, OK, unknownParams, type ValidatorSpec } from './common.js';

const PARAM_PROBLEM = 'phone "defaultCountry" must be an ISO 3166 alpha-2 code (e.g. "US") or a non-empty list of them';
const INTERNATIONAL_PROBLEM = 'phone "international" must be true or false';
const MIN_DIGITS_PROBLEM = 'phone "minDigits" must be an integer between 1 and 17';
const GROUPED_PROBLEM = 'phone "possibleWhenGrouped" must be true or false';

/** Longer values are not phone numbers (E.164 has at most 15 digits; allow separators and an extension). */
const MAX_LENGTH = 48;

/** The countries named by `params.defaultCountry`: [] when absent, undefined when malformed. */
function countriesOf(params: Record<string, unknown>): CountryCode[] | undefined {
  const raw = params['defaultCountry'];
  if (raw === undefined) return [];
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: CountryCode[] = [];
  for (const c of list) {
    if (typeof c !== 'string' || !/^[A-Z]{2}$/.test(c) || !isSupportedCountry(c)) return undefined;
    out.push(c);
  }
  return out;
}

/** `params.minDigits`: 0 when absent, undefined when malformed. */
function minDigitsOf(params: Record<string, unknown>): number | undefined {
  const raw = params['minDigits'];
  if (raw === undefined) return 0;
  return typeof raw === 'number' && Number.isInteger(raw) && raw >= 1 && raw <= 17 ? raw : undefined;
}

/** The number of digits before an extension (`x12`, `ext. 12`, `extension 12`). */
function digitCount(text: string): number {
  const main = text.replace(/\s*(?:x|ext\.?|extension)\s*\d+$/i, '');
  return main.replace(/\D/g, '').length;
}

/**
 * True when a `+` number (an extension left out) may stand on its length alone: written in three or
 * more digit groups (the country code one of them), with ten digits or more, not shaped as an IPv4
 * address (`+10.120.130.140` on a diff line), and, for +1, with an area code and exchange that start
 * with 2-9 as every NANP number's do (`+1 123 456 7890` is a placeholder).
 */
function mayBePossible(text: string): boolean {
  const main = text.replace(/\s*(?:x|ext\.?|extension)\s*\d+$/i, '');
  if (main.split(/[ .()-]+/).filter((g) => g.length > 0).length < 3) return false;
  const digits = main.replace(/\D/g, '');
  if (digits.length < 10 || /^\+\d{1,3}(?:\.\d{1,3}){3}$/.test(main)) return false;
  return !digits.startsWith('1') || (digits.length === 11 && /^1[2-9]\d\d[2-9]/.test(digits));
}

/** The value with an international call prefix (00, 011) replaced by `+`, or undefined. */
function withPlus(value: string): string | undefined {
  const m = /^\(?(?:00|011)\)?[ .-]?([1-9][\s\S]*)$/.exec(value);
  return m ? `+${m[1] ?? ''}` : undefined;
}

/**
 * libphonenumber's answers, by country and number. One parse with full metadata costs 25-80 us,
 * and the phone detectors ask the same question of the same number (a US number is tried by the
 * US, the national and the formatted detector); logs repeat numbers too.
 */
const answers = new BoundedMap<string, boolean>(2048);

function answer(key: string, ask: () => boolean): boolean {
  let ok = answers.get(key);
  if (ok === undefined) {
    ok = ask();
    answers.set(key, ok);
  }
  return ok;
}

function isValid(text: string, country?: CountryCode): boolean {
  return answer(`${country ?? ''}\0${text}`, () => (country ? isValidPhoneNumber(text, country) : isValidPhoneNumber(text)));
}

function isPossible(text: string): boolean {
  return answer(`+possible\0${text}`, () => isPossiblePhoneNumber(text));
}

/** A detector's phone parameters, read. */
interface Settings {
  countries: CountryCode[];
  international: boolean | undefined;
  minDigits: number;
  grouped: boolean | undefined;
}

/**
 * The settings of each parameters object, read on its first use: a detector validates with the
 * same object every time, and checking a list of 26 countries costs more than a cached parse.
 */
const settings = new WeakMap<Record<string, unknown>, Settings>();

/** @throws LogveilError `VALIDATOR_PARAMS` for parameters that fail {@link phone}'s checkParams. */
function settingsOf(params: Record<string, unknown>): Settings {
  const known = settings.get(params);
  if (known) return known;
  const countries = countriesOf(params);
  if (countries === undefined) throw new LogveilError('VALIDATOR_PARAMS', PARAM_PROBLEM);
  const international = params['international'];
  if (international !== undefined && typeof international !== 'boolean') {
    throw new LogveilError('VALIDATOR_PARAMS', INTERNATIONAL_PROBLEM);
  }
  const minDigits = minDigitsOf(params);
  if (minDigits === undefined) throw new LogveilError('VALIDATOR_PARAMS', MIN_DIGITS_PROBLEM);
  const grouped = params['possibleWhenGrouped'];
  if (grouped !== undefined && typeof grouped !== 'boolean') throw new LogveilError('VALIDATOR_PARAMS', GROUPED_PROBLEM);
  const read: Settings = { countries, international, minDigits, grouped };
  settings.set(params, read);
  return read;
}

export const phone: ValidatorSpec = {
  costly: true,
  checkParams(params) {
    const problems = countriesOf(params) === undefined ? [PARAM_PROBLEM] : [];
    const international = params['international'];
    if (international !== undefined && typeof international !== 'boolean') problems.push(INTERNATIONAL_PROBLEM);
    if (minDigitsOf(params) === undefined) problems.push(MIN_DIGITS_PROBLEM);
    const grouped = params['possibleWhenGrouped'];
    if (grouped !== undefined && typeof grouped !== 'boolean') problems.push(GROUPED_PROBLEM);
    return problems.concat(unknownParams('phone', params, ['defaultCountry', 'international', 'minDigits', 'possibleWhenGrouped']));
  },
  validate(value, params) {
    const { countries, international, minDigits, grouped } = settingsOf(params);
    // A country code in brackets, as signatures and contact forms write it: (+44) 20 7946 0958.
    // Such a number must be valid: the right length alone is also a delta's ((+1) 200 300 4000).
    const bracketed = /^\(\+[1-9]\d{0,2}\)/.test(value.trim());
    const text = value.trim().replace(/^\(\+([1-9]\d{0,2})\)/, '+$1');
    if (text.length === 0 || text.length > MAX_LENGTH) return fail('phone number is empty or too long');
    if (!/[0-9]/.test(text)) return fail('phone number has no digits');
    if (digitCount(text) < minDigits) return fail(`phone number has fewer than ${minDigits} digits`);
    if (text.startsWith('+')) {
      if (isValid(text)) return OK;
      if (grouped === true && !bracketed && mayBePossible(text)) {
        return isPossible(text) ? OK : fail('not a possible international phone number (wrong length for its country code)');
      }
      return fail('not a valid international phone number');
    }
    if (international === true && /^\(?[1-9]/.test(text) && isValid(`+${text}`)) return OK;
    for (const country of countries) {
      if (isValid(text, country)) return OK;
    }
    const plus = withPlus(text);
    if (plus !== undefined && (isValid(plus) || (grouped === true && mayBePossible(plus) && isPossible(plus)))) return OK;
    if (international === true) return fail('not a valid international phone number');
    if (countries.length === 0) return fail('phone number has no country code and no defaultCountry is given');
    return fail(`not a valid phone number for ${countries.join(', ')}`);
  },
};
