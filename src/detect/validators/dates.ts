/**
 * `date`: the value names a day of the calendar, written as year-month-day (2024-06-11,
 * 2024/6/11, 20240611), day-month-year or month-day-year with the same separator twice
 * (11.06.1984, 6/11/84: valid when either reading is), or with an English month name
 * (11 June 1984, Jun 11th, 1984, 11-Jun-1984). Four-digit years must lie in 1900-2099. A
 * year-month-day may carry a time of day, as Java and .NET write dates (1985-03-14T00:00:00Z).
 */
import { fail, isCalendarDate, OK, simple } from './common.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Month number of an English month name or its 3-letter abbreviation (Sept too), else 0. */
function monthOf(name: string): number {
  const lower = name.toLowerCase().replace(/\.$/, '');
  const i = MONTHS.indexOf(lower.slice(0, 3)) + 1;
  if (i === 0) return 0;
  const full = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'][i - 1] ?? '';
  return lower.length === 3 || lower === full || lower === 'sept' ? i : 0;
}

function yearOk(y: string): boolean {
  if (y.length === 2) return true;
  const n = Number(y);
  return y.length === 4 && n >= 1900 && n <= 2099;
}

/** True when the parts make a date; two-digit years are read as 19yy or 20yy (either leap rule). */
function dayOk(y: string, m: number, d: number): boolean {
  if (!yearOk(y)) return false;
  if (y.length === 4) return isCalendarDate(Number(y), m, d);
  return isCalendarDate(1900 + Number(y), m, d) || isCalendarDate(2000 + Number(y), m, d);
}

const YMD = /^([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?$/;
const COMPACT = /^([0-9]{4})([0-9]{2})([0-9]{2})$/;
const NUMERIC = /^([0-9]{1,2})([-/. ])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})$/;
const DAY_NAME_YEAR = /^([0-9]{1,2})(?:st|nd|rd|th)?[ -]+([A-Za-z]{3,9}\.?)[ ,-]+([0-9]{4})$/;
const NAME_DAY_YEAR = /^([A-Za-z]{3,9}\.?)[ -]+([0-9]{1,2})(?:st|nd|rd|th)?,?[ -]+([0-9]{4})$/;

export const date = simple('date', (value) => {
  let m = YMD.exec(value) ?? COMPACT.exec(value);
  if (m) {
    const [y, mo, d] = m[0].length === 8 ? [m[1], m[2], m[3]] : [m[1], m[3], m[4]];
    return dayOk(y ?? '', Number(mo), Number(d)) ? OK : fail('not a calendar date (year 1900-2099, month 1-12, day of that month)');
  }
  m = NUMERIC.exec(value);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const y = m[4] ?? '';
    return dayOk(y, b, a) || dayOk(y, a, b) ? OK : fail('not a calendar date as day-month-year or month-day-year');
  }
  m = DAY_NAME_YEAR.exec(value);
  if (m) {
    const month = monthOf(m[2] ?? '');
    if (month === 0) return fail('not an English month');
    return dayOk(m[3] ?? '', month, Number(m[1])) ? OK : fail('not a calendar date');
  }
  m = NAME_DAY_YEAR.exec(value);
  if (m) {
    const month = monthOf(m[1] ?? '');
    if (month === 0) return fail('not an English month');
    return dayOk(m[3] ?? '', month, Number(m[2])) ? OK : fail('not a calendar date');
  }
  return fail('not a date format (y-m-d, d/m/y, m/d/y, d.m.y or with an English month)');
});
