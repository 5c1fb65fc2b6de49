import { describe, expect, it } from 'vitest';
import type { JsonValue, LogRecord } from '../../../src/record.js';
import { recordTimeMs } from '../../../src/route/record-time.js';

const record = (body: string | JsonValue, timestamp?: number): LogRecord => ({ body, structured: typeof body !== 'string', attributes: {}, resource: {}, source: {}, ...(timestamp !== undefined ? { timestamp } : {}) });
const T = Date.UTC(2025, 2, 14, 9, 0, 1);

describe('a record\'s own time', () => {
  it('reads the time fields of a JSON record, as ISO text or as seconds, ms, us or ns since the epoch', () => {
    expect(recordTimeMs(record({ timestamp: '2025-03-14T09:00:01Z' }))).toBe(T);
    expect(recordTimeMs(record({ '@timestamp': '2025-03-14T10:00:01.000+01:00' }))).toBe(T);
    expect(recordTimeMs(record({ eventTime: '2025-03-14T09:00:01Z', eventName: 'ConsoleLogin' }))).toBe(T);
    expect(recordTimeMs(record({ ts: T / 1000 }))).toBe(T);
    expect(recordTimeMs(record({ time: T }))).toBe(T);
    expect(recordTimeMs(record({ timeUnixNano: String(T * 1e6) }))).toBe(T);
    expect(recordTimeMs(record({ ts: T * 1000 }))).toBe(T);
  });

  it('reads the time near the start of a text line: ISO 8601, Apache access and error logs', () => {
    expect(recordTimeMs(record('2025-03-14 09:00:01,000 WARN login failed'))).toBe(T);
    expect(recordTimeMs(record('https 2025-03-14T09:00:01.000000Z app/my-lb/50dc 203.0.113.9:46532'))).toBe(T);
    expect(recordTimeMs(record('203.0.113.9 - - [14/Mar/2025:10:00:01 +0100] "POST /login HTTP/1.1" 401 178'))).toBe(T);
    expect(recordTimeMs(record('[Fri Mar 14 09:00:01 2025] [error] [client 61.37.222.240] Directory index forbidden'))).toBe(T);
  });

  it('takes no compact date for a count, no time before 2000 or more than a day ahead, and reads a time without a zone as UTC', () => {
    expect(recordTimeMs(record({ ts: '20250314153000' }))).toBeUndefined();
    expect(recordTimeMs(record({ ts: '202503141530' }))).toBeUndefined();
    expect(recordTimeMs(record({ timestamp: '2100-01-01T00:00:00Z' }))).toBeUndefined();
    expect(recordTimeMs(record({ timestamp: '1999-12-31T23:59:59Z' }))).toBeUndefined();
    expect(recordTimeMs(record({ timestamp: '2025-03-14 09:00:01' }))).toBe(T);
    expect(recordTimeMs(record({ timestamp: '2025-03-14T09:00:01,5Z' }))).toBe(T + 500);
    expect(recordTimeMs(record({ time: String(T) }))).toBe(T);
  });

  it('prefers the record\'s own timestamp (a CloudWatch Logs event\'s), and has none for what tells none', () => {
    expect(recordTimeMs(record('[Fri Mar 14 09:00:01 2025] x', 1_700_000_000_000))).toBe(1_700_000_000_000);
    for (const body of ['Dec 10 06:55:46 host sudo[99]: bob', { status: 401 }, { time: 'soon' }, { ts: 12 }, [1, 2], 'x'.repeat(200) + ' 2025-03-14T09:00:01Z']) {
      expect(recordTimeMs(record(body as JsonValue))).toBeUndefined();
    }
  });
});
