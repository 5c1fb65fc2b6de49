import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Finding } from '../../../src/record.js';
import { findingsEvent, isoNow } from '../../../src/telemetry/events.js';

const SOURCE = { file: 'a.log', line: 3, offset: 40 };

describe('isoNow', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the current time as toISOString does, and a new one once the clock moves', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-30T10:00:00.123Z'));
    expect(isoNow()).toBe('2026-11-30T10:00:00.123Z');
    expect(isoNow()).toBe('2026-11-30T10:00:00.123Z');
    vi.setSystemTime(new Date('2026-11-30T10:00:00.124Z'));
    expect(isoNow()).toBe('2026-11-30T10:00:00.124Z');
    // A clock set back is followed too.
    vi.setSystemTime(new Date('2025-01-01T00:00:00.000Z'));
    expect(isoNow()).toBe('2025-01-01T00:00:00.000Z');
  });

  it('agrees with the real clock', () => {
    const before = Date.now();
    const ts = Date.parse(isoNow());
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(Date.now());
  });
});

describe('findingsEvent', () => {
  it('holds every field of each finding but its label, in the finding order', () => {
    const tokenized: Finding = { detectorId: 'email', category: 'pii', severity: 'medium', label: 'EMAIL', path: '$.user.email', start: 0, end: 12, action: 'tokenize', kid: 'k1' };
    const masked: Finding = { detectorId: 'ipv4', category: 'pii', severity: 'low', label: 'IP', path: '$.client', start: 3, end: 10, action: 'mask' };
    const e = findingsEvent('h', SOURCE, [tokenized, masked], { traceId: 't', spanId: 's' });
    expect(JSON.stringify(e.findings)).toBe(
      JSON.stringify([
        { detectorId: 'email', category: 'pii', severity: 'medium', path: '$.user.email', start: 0, end: 12, action: 'tokenize', kid: 'k1' },
        { detectorId: 'ipv4', category: 'pii', severity: 'low', path: '$.client', start: 3, end: 10, action: 'mask' },
      ]),
    );
    expect(e).toMatchObject({ type: 'findings', policyHash: 'h', source: SOURCE, traceId: 't', spanId: 's' });
    expect(Object.keys(e)).not.toContain('label');
  });
});
