import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLine, decodeLineText, encodeBody, firstInvalidUtf8, readsAsText, type LineFormat } from '../../../src/codecs/jsonl.js';
import { splitLines } from '../../../src/codecs/lines.js';
import { CodecError } from '../../../src/errors.js';

const limits = { maxRecordBytes: 1024 };
const src = { file: 'in.log', line: 1 };

describe('line splitting', () => {
  it('keeps line numbers, byte offsets and CRLF across chunk boundaries', async () => {
    const chunks = [Buffer.from('ab'), Buffer.from('c\r\nde'), Buffer.from('f\n\nlast')];
    const lines = [];
    for await (const l of splitLines(Readable.from(chunks))) lines.push({ ...l, bytes: l.bytes.toString() });
    expect(lines).toEqual([
      { bytes: 'abc', line: 1, offset: 0, crlf: true },
      { bytes: 'def', line: 2, offset: 5, crlf: false },
      { bytes: '', line: 3, offset: 9, crlf: false },
      { bytes: 'last', line: 4, offset: 10, crlf: false },
    ]);
  });
});

describe('JSON-lines and text codec', () => {
  it('parses JSON objects as structured records and anything else as text', () => {
    expect(decodeLine(Buffer.from('{"a":1}'), src, 'auto', limits)).toMatchObject({ structured: true, body: { a: 1 } });
    expect(decodeLine(Buffer.from('plain text'), src, 'auto', limits)).toMatchObject({ structured: false, body: 'plain text' });
    expect(decodeLine(Buffer.from('{not json'), src, 'auto', limits)).toMatchObject({ structured: false, body: '{not json' });
    expect(decodeLine(Buffer.from('{"a":1}'), src, 'text', limits)).toMatchObject({ structured: false });
  });

  it('parses JSON after a byte-order mark or a carriage return, and gives back the mark to write in front', () => {
    const bom = decodeLineText(Buffer.from('\uFEFF{"token":"x"}'), src, 'auto', limits);
    expect(bom).toMatchObject({ record: { structured: true, body: { token: 'x' } }, text: '{"token":"x"}', lead: '\uFEFF' });
    expect(decodeLineText(Buffer.from('\uFEFF[1]'), src, 'jsonl', limits)).toMatchObject({ record: { body: [1] }, lead: '\uFEFF' });
    expect(decodeLineText(Buffer.from('\r {"a":1}'), src, 'auto', limits)).toMatchObject({ record: { structured: true }, text: '\r {"a":1}', lead: '' });
    // A mark before text that is not JSON stays part of the text body.
    expect(decodeLineText(Buffer.from('\uFEFFhello'), src, 'auto', limits)).toMatchObject({ record: { structured: false, body: '\uFEFFhello' }, lead: '' });
    expect(decodeLineText(Buffer.from('\uFEFF{not json'), src, 'auto', limits)).toMatchObject({ record: { structured: false, body: '\uFEFF{not json' } });
  });

  it('rejects a non-JSON line in strict jsonl mode with a named error', () => {
    expect(() => decodeLine(Buffer.from('hello'), src, 'jsonl', limits)).toThrow(CodecError);
    expect(() => decodeLine(Buffer.from('{"a":'), src, 'jsonl', limits)).toThrow(/invalid JSON/);
  });

  it('rejects invalid UTF-8 and names the byte offset, without echoing the bytes', () => {
    const bad = Buffer.concat([Buffer.from('user=bob '), Buffer.from([0xc3, 0x28]), Buffer.from(' ok')]);
    expect(firstInvalidUtf8(bad)).toBe(9);
    expect(() => decodeLine(bad, src, 'auto', limits)).toThrow(/invalid UTF-8 at byte 9/);
  });

  it('rejects records over the size limit', () => {
    expect(() => decodeLine(Buffer.alloc(2048, 0x61), src, 'auto', limits)).toThrow(/exceeds maxRecordBytes 1024/);
  });

  it('writes records back keeping field order', () => {
    const body = { z: 1, a: { y: 'x', b: [true, null] } };
    expect(encodeBody(body, true)).toBe('{"z":1,"a":{"y":"x","b":[true,null]}}');
    expect(encodeBody('text', false)).toBe('text');
  });
});

describe('auto mode', () => {
  it('reads a line as JSON exactly when it parses as a JSON object or array, and as text otherwise', () => {
    // What auto mode means, said plainly: a parse of whatever opens with { or [.
    const meant = (text: string): { structured: boolean; body: unknown } => {
      const json = text.startsWith('\uFEFF') ? text.slice(1) : text;
      const first = json.trimStart()[0];
      if (first === '{' || first === '[') {
        try {
          return { structured: true, body: JSON.parse(json) as unknown };
        } catch {
          // text
        }
      }
      return { structured: false, body: text };
    };
    const piece = fc.constantFrom('{', '}', '[', ']', '"a"', ':', ',', '1', ' ', '\t', '\r', 'x', '\uFEFF', 'true', 'null', '"}"', '"]"');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (pieces) => {
        const text = pieces.join('');
        const { record } = decodeLineText(Buffer.from(text), src, 'auto', limits);
        expect({ structured: record.structured, body: record.body }).toEqual(meant(text));
      }),
      { numRuns: 2000 },
    );
  });
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('readsAsText', () => {
  it('names the lines any decode reads as text: all in text mode, none in jsonl mode, in auto mode those that do not open and close an object or array', () => {
    const text = (line: string, format: LineFormat): boolean => readsAsText(Buffer.from(line), format);
    expect(text('{"a":1}', 'text')).toBe(true);
    expect(text('plain', 'jsonl')).toBe(false);
    const texts = ['plain', '', '  \t x {', '2025-01-01 [INFO] {"a":1}', '\uFEFF x', '"quoted"', '7', '[notice] ok', '  {', '[', '{"a":1]', '[1} '];
    expect(texts.map((l) => text(l, 'auto'))).toEqual(texts.map(() => true));
    // These are JSON if they parse, which only the decode tells.
    const maybe = ['{"a":1}', '\uFEFF{"a":1}', '\uFEFF \r[1]', '[1, 2 ]  ', '{not json}', '[]'];
    expect(maybe.map((l) => text(l, 'auto'))).toEqual(maybe.map(() => false));
  });

  it('agrees with the decoder: a line it calls text decodes to a text body', () => {
    const piece = fc.constantFrom('{', '[', ' ', '\t', '\r', '\uFEFF', '"', 'a', '1', '}', ']', ':', 'é');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), fc.constantFrom<LineFormat>('auto', 'text'), (pieces, format) => {
        const bytes = Buffer.from(pieces.join(''));
        const { structured } = decodeLineText(bytes, src, format, limits).record;
        if (readsAsText(bytes, format)) expect(structured).toBe(false);
        // And the other way: a line it leaves to the parse is JSON whenever the parse succeeds.
        else if (format === 'auto') expect(structured).toBe(isJson(bytes.toString('utf8').replace(/^\uFEFF/, '')));
      }),
      { numRuns: 500 },
    );
  });
});
