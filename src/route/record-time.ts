/**
 * When a record happened, as the record says, for threshold rules: five failed logins within a
 * minute are five records whose own times lie within a minute, not five records read within one
 * (a day of logs replayed in seconds would fire on failures hours apart). Read from the record's
 * own timestamp (a CloudWatch Logs event's), else a top-level time field of a JSON record, else a
 * time near the start of a text line (ISO 8601, Apache's access and error log forms). A time
 * without a zone is read as UTC. Undefined when none is found, or when the time found lies before
 * 2000 or more than a day after now (a compact date such as `20250314153000` read as a count, a
 * clock gone wrong, or a line written to steer the threshold gate): the caller counts by arrival
 * then.
 */
import type { JsonValue, LogRecord } from '../record.js';

/** Top-level fields that hold a record's time, in the order they are looked for. */
const TIME_FIELDS = ['timestamp', '@timestamp', 'time', 'eventTime', 'ts', 'datetime', 'date', 'Timestamp', 'EventTime', 'timeUnixNano', 'observedTimeUnixNano'];

/** How far into a text line its time is looked for. */
const TEXT_HEAD = 96;

const ISO = /\b(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?)(Z|[+-]\d{2}:?\d{2})?/;
const APACHE_ACCESS = /\[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}:\d{2}:\d{2}) ([+-]\d{4})\]/;
const APACHE_ERROR = /\[[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{2}) (\d{2}:\d{2}:\d{2})(?:\.\d+)? (\d{4})\]/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The earliest time taken: 2000-01-01. */
const EARLIEST_MS = Date.UTC(2000, 0, 1);
/** How far past now a time is taken. */
const AHEAD_MS = 24 * 3600 * 1000;

/** The record's time in ms since the epoch, or undefined. */
export function recordTimeMs(record: LogRecord, nowMs: number = Date.now()): number | undefined {
  const t = foundTimeMs(record);
  return t !== undefined && t >= EARLIEST_MS && t <= nowMs + AHEAD_MS ? t : undefined;
}

function foundTimeMs(record: LogRecord): number | undefined {
  if (record.timestamp !== undefined && Number.isFinite(record.timestamp)) return record.timestamp;
  const body = record.body;
  if (typeof body === 'string') return textTimeMs(body.slice(0, TEXT_HEAD));
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  for (const field of TIME_FIELDS) {
    const t = valueTimeMs(body[field]);
    if (t !== undefined) return t;
  }
  return undefined;
}

/** A time field's value in ms: an ISO 8601 string, or a number (or digits) of seconds, ms, us or ns since the epoch. */
export function valueTimeMs(v: JsonValue | undefined): number | undefined {
  if (typeof v === 'string') {
    // Digits alone: a count of seconds (10), ms (13), us (16) or ns (19); not a compact date.
    if (/^\d+$/.test(v)) return [10, 13, 16, 19].includes(v.length) ? epochMs(Number(v)) : undefined;
    return isoMs(v.slice(0, TEXT_HEAD));
  }
  return typeof v === 'number' ? epochMs(v) : undefined;
}

/** A count since the epoch read by its size: seconds from 2001 (1e9) up, then ms, us and ns. */
function epochMs(n: number): number | undefined {
  if (!Number.isFinite(n) || n < 1e9) return undefined;
  if (n < 1e11) return n * 1000;
  if (n < 1e14) return n;
  if (n < 1e17) return n / 1000;
  return n / 1e6;
}

/** The first time of a known form in a text. */
function textTimeMs(head: string): number | undefined {
  const iso = isoMs(head);
  if (iso !== undefined) return iso;
  const access = APACHE_ACCESS.exec(head);
  if (access) {
    const [, day, mon, year, hms, zone] = access as unknown as string[];
    return utc(year, mon, day, hms, `${(zone as string).slice(0, 3)}:${(zone as string).slice(3)}`);
  }
  const error = APACHE_ERROR.exec(head);
  if (error) {
    const [, mon, day, hms, year] = error as unknown as string[];
    return utc(year, mon, day, hms, 'Z');
  }
  return undefined;
}

/** The first ISO 8601 time in a text, in ms; read as UTC without a zone. */
function isoMs(text: string): number | undefined {
  const iso = ISO.exec(text);
  if (!iso) return undefined;
  const t = Date.parse(`${iso[1]}T${(iso[2] as string).replace(',', '.')}${iso[3] ?? 'Z'}`);
  return Number.isFinite(t) ? t : undefined;
}

function utc(year: string | undefined, mon: string | undefined, day: string | undefined, hms: string | undefined, zone: string): number | undefined {
  const m = MONTHS.indexOf(mon as string) + 1;
  if (m === 0) return undefined;
  const t = Date.parse(`${year}-${String(m).padStart(2, '0')}-${day}T${hms}${zone}`);
  return Number.isFinite(t) ? t : undefined;
}
