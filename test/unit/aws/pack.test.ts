import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkRecords, joinLineParts, packLines, splitLine, type LinePart } from '../../../src/sinks/firehose/pack.js';
import { backoffMs, isRetryableAwsError } from '../../../src/sinks/firehose/retry.js';

const token = fc.constantFrom('[[EMAIL:tk1.AbCdEf012345.c2VjcmV0LXBheWxvYWQ]]', '[[IPV4:h1.q83vEjRWeJA]]', '[[PASSWORD]]');
const text = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), token, fc.constantFrom(' ', '"', '\\', '\n', 'é', '😀')), { maxLength: 200 }).map((a) => a.join(''));

describe('splitting a line too long for one record', () => {
  it('gives parts within the limit that join back to the line (property)', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 200, max: 2000 }), (line, max) => {
        const parts = splitLine(line, max);
        for (const p of parts) expect(Buffer.byteLength(p) + 1).toBeLessThanOrEqual(max);
        expect(joinLineParts(parts.map((p) => JSON.parse(p) as LinePart))).toBe(line);
      }),
      { numRuns: 300 },
    );
  });

  it('never cuts inside a token (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(token, fc.constantFrom('word ', 'x', ', ')), { minLength: 50, maxLength: 300 }), (pieces) => {
        const line = pieces.join('');
        const parts = splitLine(line, 300).map((p) => (JSON.parse(p) as LinePart).text);
        const whole = (s: string): string[] => s.match(/\[\[[A-Z]+(?::[A-Za-z0-9_.-]+)?\]\]/g) ?? [];
        expect(parts.flatMap(whole)).toEqual(whole(line));
      }),
      { numRuns: 200 },
    );
  });
});

describe('packing', () => {
  it('packs whole lines up to the record limit and keeps their tags', () => {
    const records = packLines(
      ['aaaa', 'bbbb', 'cccc'].map((line, tag) => ({ line, tag })),
      10,
    );
    expect(records.map((r) => [r.data.toString(), r.tags])).toEqual([
      ['aaaa\nbbbb\n', [0, 1]],
      ['cccc\n', [2]],
    ]);
  });

  it('cuts calls at 500 records or 4 MiB, in order', () => {
    const small = Array.from({ length: 1001 }, (_, i) => ({ data: Buffer.alloc(1), tags: [i] }));
    expect(chunkRecords(small).map((c) => c.length)).toEqual([500, 500, 1]);
    const big = Array.from({ length: 9 }, (_, i) => ({ data: Buffer.alloc(1000 * 1024), tags: [i] }));
    expect(chunkRecords(big).map((c) => c.length)).toEqual([4, 4, 1]);
  });
});

describe('retry policy', () => {
  it('spaces retries with full-jitter exponential backoff up to the cap', () => {
    expect(backoffMs(1, 100, 5000, () => 0.999)).toBe(99);
    expect(backoffMs(4, 100, 5000, () => 0.5)).toBe(400);
    expect(backoffMs(20, 100, 5000, () => 0.999)).toBe(4995);
    expect(backoffMs(3, 100, 5000, () => 0)).toBe(0);
  });

  it('retries throttling, 5xx and network errors, not permissions or missing resources', () => {
    const sdk = (name: string, status: number): unknown => Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status } });
    expect(isRetryableAwsError(sdk('ThrottlingException', 400))).toBe(true);
    expect(isRetryableAwsError(sdk('ServiceUnavailableException', 503))).toBe(true);
    expect(isRetryableAwsError(sdk('Whatever', 502))).toBe(true);
    expect(isRetryableAwsError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableAwsError(sdk('AccessDeniedException', 400))).toBe(false);
    expect(isRetryableAwsError(sdk('ResourceNotFoundException', 400))).toBe(false);
    expect(isRetryableAwsError(new TypeError('bug'))).toBe(false);
  });
});
