import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { countFileLines, eachFileLine, eachFileLineWhile, firstFileLine, scanBytes, type ScannedLine } from '../../../src/sinks/ledger/scan.js';

const dir = mkdtempSync(join(tmpdir(), 'lv-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Lines of JSON and of other text, some longer than a chunk, with or without a torn tail. */
const fileBytes = fc
  .tuple(
    fc.array(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), fc.string({ unit: 'binary', maxLength: 40 }).map((t) => t.replace(/\n/g, ' '))), { maxLength: 30 }),
    fc.option(fc.string({ maxLength: 20 }).map((t) => t.replace(/\n/g, ' '))),
  )
  .map(([lines, torn]) => Buffer.from(lines.map((l) => `${l}\n`).join('') + (torn ?? ''), 'utf8'));

describe('reading a ledger file a chunk at a time', () => {
  it('gives the lines, offsets, values and torn tail that reading it whole gives, whatever the chunk size', () => {
    let file = 0;
    fc.assert(
      fc.property(fileBytes, fc.integer({ min: 1, max: 64 }), (data, chunk) => {
        const path = join(dir, `f-${file++}`);
        writeFileSync(path, data);
        const whole = scanBytes(data);
        const lines: ScannedLine[] = [];
        const read = eachFileLine(path, (l) => lines.push(l), chunk);
        expect(lines).toEqual(whole.lines);
        expect(read).toEqual({ lines: whole.lines.length, completeBytes: whole.completeBytes, tornBytes: whole.tornBytes, size: whole.size });
        expect(countFileLines(path, chunk)).toBe(whole.lines.length);
        expect(firstFileLine(path)).toEqual(whole.lines[0]);
        // Stopped at a line: nothing after it is read, and the answer says it stopped.
        const upTo = Math.floor(whole.lines.length / 2);
        const seen: ScannedLine[] = [];
        const stopped = eachFileLineWhile(path, (l) => seen.push(l) <= upTo, chunk);
        expect(stopped === undefined).toBe(whole.lines.length > upTo);
        expect(seen).toEqual(whole.lines.slice(0, upTo + 1));
      }),
      { numRuns: 300 },
    );
  });

  it.runIf(process.platform === 'linux')('closes the file when the caller throws or stops', () => {
    const path = join(dir, 'close');
    writeFileSync(path, '{"a":1}\n{"a":2}\n{"a":3}\n');
    const open = (): number => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 5; i++) {
      expect(() =>
        eachFileLine(path, () => {
          throw new Error('no');
        }),
      ).toThrow('no');
      expect(() =>
        eachFileLineWhile(path, () => {
          throw new Error('no');
        }),
      ).toThrow('no');
      expect(eachFileLineWhile(path, () => false)).toBeUndefined();
      expect(firstFileLine(path)?.value).toEqual({ a: 1 });
    }
    expect(open()).toBe(before);
  });
});
