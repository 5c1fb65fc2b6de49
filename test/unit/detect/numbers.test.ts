import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../../src/act/actions.js';
import { HIDDEN_NUMBER_PATTERN, mayHideNumber, numberView, plainNumber } from '../../../src/detect/numbers.js';
import { explainText } from '../../../src/detect/explain.js';
import { processBatch } from '../../../src/pipeline/batch.js';
import { builtinPolicy, LIMITS } from '../../helpers/engine.js';
import { localKeys } from '../../helpers/keys.js';

describe('plainNumber', () => {
  it('writes out numbers whose exponent or sign hides their digits', () => {
    expect(plainNumber('4.111111111111111E15')).toBe('4111111111111111');
    expect(plainNumber('41111111111111110e-1')).toBe('4111111111111111.0');
    expect(plainNumber('-4111111111111111')).toBe('4111111111111111');
    // Python writes a float card number with a fraction.
    expect(plainNumber('-4111111111111111.0')).toBe('4111111111111111.0');
    expect(plainNumber('4.2E15')).toBe('4200000000000000');
    // However many digits it has: only the zeros the exponent adds are bounded.
    expect(plainNumber(`4111111111111111${'0'.repeat(49)}e-49`)).toBe(`4111111111111111.${'0'.repeat(49)}`);
    expect(plainNumber(`${'9'.repeat(70)}e1`)).toBe(`${'9'.repeat(70)}0`);
    expect(plainNumber('1E+21')).toBe('1000000000000000000000');
    expect(plainNumber('0.0411111111e7')).toBe('411111.111');
    expect(plainNumber('1.23456E+5')).toBe('123456');
  });

  it('leaves other numbers alone, and those whose whole part is short', () => {
    for (const t of ['4111111111111111', '4111111111111111.0', '-1', '1.5e-3', '-122.419416', '123456e-9', '1.23456E+2', '-12345.678', '1e400', '9e99', '1e-70', 'x', '1.2.3e4', '-']) {
      expect(plainNumber(t), t).toBeUndefined();
    }
  });

  it('gives back the digits of an integer however its exponent form places the point', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9]\d{5,18}$/), fc.nat(), fc.boolean(), (digits, at, negative) => {
        const k = at % digits.length;
        const mantissa = k === digits.length - 1 ? digits : `${digits.slice(0, k + 1)}.${digits.slice(k + 1)}`;
        const written = `${negative ? '-' : ''}${mantissa}E${digits.length - k - 1}`;
        expect(plainNumber(written)).toBe(digits);
      }),
    );
  });

  it('has a raw-line pattern that every number with a plain form in a JSON line matches', () => {
    const re = new RE2(HIDDEN_NUMBER_PATTERN, 'u');
    const number = fc.oneof(
      fc.stringMatching(/^-?\d{1,20}(\.\d{1,6})?([eE][-+]?0{0,2}\d{1,2})?$/),
      fc.constantFrom('-4111111111111111', '4.111111111111111E15', '4.111111111111111e+015', '0.0000004111111e20', '-0.00123456e3', '-4111111111111111.5', '4.2E15', '1234567e-1'),
    );
    fc.assert(
      fc.property(number, fc.constantFrom(':', ': ', '[', ',', ',\t'), (n, before) => {
        if (plainNumber(n) !== undefined) expect(re.test(`{"a"${before}${n}}`), n).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('has a raw-line pattern that every number numberView writes out in text matches', () => {
    const re = new RE2(HIDDEN_NUMBER_PATTERN, 'u');
    const number = fc.oneof(
      fc.stringMatching(/^-?\d{1,20}(\.\d{1,6})?([eE][-+]?0{0,2}\d{1,2})?$/),
      fc.constantFrom('-4111111111111111', '4.111111111111111E15', '4.111111111111111E+015', '-0.00123456e3', '4.2E15', '1234567e-1', '-536274189'),
    );
    const around = fc.constantFrom(' ', '=', '"', '(', ':', ', ', '\t', '+', '');
    fc.assert(
      fc.property(fc.string({ maxLength: 6 }), around, number, around, fc.string({ maxLength: 6 }), (head, before, n, after, tail) => {
        const text = head + before + n + after + tail;
        const view = numberView(text);
        if (view) expect(re.test(text), text).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('mayHideNumber', () => {
  it('holds for every text numberView writes out, and not for a minus sign inside a word', () => {
    const number = fc.oneof(
      fc.stringMatching(/^-?\d{1,20}(\.\d{1,6})?([eE][-+]?0{0,2}\d{1,2})?$/),
      fc.constantFrom('-4111111111111111', '4.111111111111111E15', '-0.00123456e3', '1234567e-1', '-536274189'),
    );
    const around = fc.constantFrom(' ', '=', '"', '(', ':', '_', '.', '-', 'a', '+', '');
    fc.assert(
      fc.property(fc.string({ maxLength: 6 }), around, number, around, fc.string({ maxLength: 6 }), (head, before, n, after, tail) => {
        const text = head + before + n + after + tail;
        if (numberView(text)) expect(mayHideNumber(text), text).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(mayHideNumber('BLOCK* NameSystem.allocateBlock: blk_-1608999687919862906')).toBe(false);
    expect(mayHideNumber('n=-1608999687919862906')).toBe(true);
  });
});

describe('numberView', () => {
  it('writes out each number with a plain form, its digits mapped onto the whole number', () => {
    const text = 'card=4.111111111111111E15 n=-4111111111111111.5 t=1.5e-3 id=3e8f';
    const view = numberView(text);
    expect(view?.text).toBe('card=4111111111111111 n=4111111111111111.5 t=1.5e-3 id=3e8f');
    const v = view as { text: string; at: number[]; end: number[] };
    const first = v.text.indexOf('4111');
    // The digits start where the number starts; a span ending inside them ends where it ends.
    expect(v.at[first]).toBe(5);
    expect(v.end[first + 16]).toBe(5 + '4.111111111111111E15'.length);
    expect(v.end[first]).toBe(5);
    expect(v.at[v.text.length]).toBe(text.length);
    expect(numberView('no numbers 12345 or -1 or 1.5e-3 here')).toBeUndefined();
    // A negative number is read plain from 12 digits on (a card number), not as a hash code.
    expect(numberView('hash -536274189')).toBeUndefined();
    expect(numberView('n=-411111111111')?.text).toBe('n=411111111111');
    // Exponents written with leading zeros (.NET's E+015) are read, three-digit ones are not.
    expect(numberView('amount 4.111111111111111E+015')?.text).toBe('amount 4111111111111111');
    expect(numberView('Mobile/15E148')).toBeUndefined();
    // After a + (a space in form encoding).
    expect(numberView('q=card+4.111111111111111E15')?.text).toBe('q=card+4111111111111111');
    expect(numberView('hash 3e8f2a 4e5x')).toBeUndefined();
  });

  it('reads digit groups that form encoding joined with + as typed, one unit for one', () => {
    const text = 'POST /pay card=4111+1111+1111+1111&iban=DE89+3704+0044+0532+0130+00&q=a+b';
    const view = numberView(text);
    expect(view?.text).toBe('POST /pay card=4111 1111 1111 1111&iban=DE89 3704 0044 0532 0130 00&q=a+b');
    expect(view?.at).toEqual(Array.from({ length: text.length + 1 }, (_, i) => i));
    expect(view?.how).toBe('+ between digit groups read as spaces');
    expect(numberView('tel=+44+20+7946+0958')?.text).toBe('tel=+44 20 7946 0958');
    // With a number read plain as well: both, the digits mapped onto the number as written.
    const both = numberView('n=4.111111111111111E15 tel=415+555+2671') as { text: string; end: number[]; how: string };
    expect(both.text).toBe('n=4111111111111111 tel=415 555 2671');
    expect(both.how).toBe('numbers read as their plain digits, + between digit groups read as spaces');
    expect(both.end[2 + 16]).toBe(2 + '4.111111111111111E15'.length);
    // One + between digits is a time zone's offset or a sum; two groups hold nothing a detector reads.
    for (const t of ['at 10:00:00+01:00', '2026-12-04 10:00:00,123+0100', 'n=1+2', 'x+1+y']) expect(numberView(t), t).toBeUndefined();
    // A long run of digits beside a joined run: each run is read from where its digits start.
    const long = `${'7'.repeat(20000)} card=4111+1111+1111+1111`;
    expect(numberView(long)?.text).toBe(`${'7'.repeat(20000)} card=4111 1111 1111 1111`);
    expect(mayHideNumber('at 10:00:00+01:00')).toBe(false);
    expect(mayHideNumber('sum 1+2+3')).toBe(true);
    expect(new RE2(HIDDEN_NUMBER_PATTERN, 'u').test('card=4111+1111+1111+1111')).toBe(true);
  });
});

describe('a number in text whose writing hides a card number', () => {
  it('is redacted whole, in a text line and in JSON held in a string', async () => {
    const { keys } = await localKeys();
    const tokenKey = await keys.current();
    const base = { policy: builtinPolicy(), actions: new ActionPolicy(), format: 'auto' as const, limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey };
    const lines = [
      'payment card=4.111111111111111E15 status=declined',
      'refund n=-4111111111111111 ok',
      '{"body":"{\\"card\\":4.111111111111111E15}"}',
      'latency=1.5e-3 offset=-12345 build 3e8f2a',
      'GET /pay?n=%2D4111111111111111&card%3D4.111111111111111E%2B15 HTTP/1.1',
      '{"body":"card=4111+1111+1111+1111&exp=12%2F27"}',
      'POST /pay card=5500+0055+5555+5559 tel=+44+20+7946+0958 at 10:00:00+01:00',
    ];
    const task = { seq: 0, file: 'app.log', firstLine: 1, firstOffset: 0, data: Buffer.from(lines.join('\n') + '\n') };
    for (const fastPath of [true, false]) {
      const r = processBatch(task, { ...base, fastPath });
      const out = Buffer.from(r.output).toString('utf8').split('\n');
      expect(out[0], `fast path ${fastPath}`).toBe('payment card=************1111 status=declined');
      expect(out[1]).toBe('refund n=************1111 ok');
      expect(out[2]).toBe('{"body":"{\\"card\\":************1111}"}');
      expect(out[3]).toBe(lines[3]);
      // Spelled with escapes, read plain in the view that decodes them.
      expect(out[4]).toBe('GET /pay?n=************1111&card%3D************1111 HTTP/1.1');
      // Digit groups joined by + (form encoding's spaces), in JSON and in text.
      expect(out[5]).toBe('{"body":"card=***************1111&exp=12%2F27"}');
      expect(out[6]).toMatch(/^POST \/pay card=\*{15}5559 tel=\[\[PHONE:tk1\.[^\]]+\]\] at 10:00:00\+01:00$/);
      // The event's offsets are those of the number as written.
      const findings = r.events.flatMap((e) => ('findings' in e ? e.findings : []));
      expect(findings[0]).toMatchObject({ detectorId: 'card-visa', start: 13, end: 13 + '4.111111111111111E15'.length });
    }
    expect(explainText(builtinPolicy(), 'card=4.111111111111111E15').entries.find((x) => x.verdict === 'fired')).toMatchObject({
      detectorId: 'card-visa',
      start: 5,
      end: 25,
      detail: 'with its numbers read as their plain digits',
    });
  });
});

describe('a JSON number whose writing hides a card number', () => {
  it('is redacted on the fast and the structured path alike, also under a redacted key', async () => {
    const { keys } = await localKeys();
    const tokenKey = await keys.current();
    const base = { policy: builtinPolicy(), actions: new ActionPolicy(), format: 'auto' as const, limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey };
    const lines = ['{"amount":4.111111111111111E15}', '{"n":[1,-4111111111111111.0]}', '{"alice@example.com":{"c":41111111111111110e-1}}', '{"delta":-122.4194155,"n":-1,"x":1.5e-3}'];
    const task = { seq: 0, file: 'app.log', firstLine: 1, firstOffset: 0, data: Buffer.from(lines.join('\n') + '\n') };
    for (const fastPath of [true, false]) {
      const out = Buffer.from(processBatch(task, { ...base, fastPath }).output).toString('utf8').split('\n');
      expect(out[0], `fast path ${fastPath}`).toBe('{"amount":"************1111"}');
      // A finding in the plain digits replaces the whole number as written.
      expect(out[1]).toBe('{"n":[1,"************1111"]}');
      expect(out[2]).toMatch(/^\{"\[\[EMAIL:tk1\.[^\]]+\]\]":\{"c":"\*{12}1111"\}\}$/);
      expect(out[3]).toBe(lines[3]);
    }
  });
});
