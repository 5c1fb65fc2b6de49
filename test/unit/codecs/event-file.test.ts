import { describe, expect, it } from 'vitest';
import { EventBytes, EventSplitter, isSavedEventFormat, parseEvent, wholeFileEvents, type EventSpan } from '../../../src/codecs/event-file.js';

/** The spans of `text` fed in chunks of `size` bytes, each with its text. */
function split(text: string, size = text.length || 1): Array<EventSpan & { text: string }> {
  const bytes = Buffer.from(text);
  const splitter = new EventSplitter();
  const spans: EventSpan[] = [];
  for (let at = 0; at < bytes.length; at += size) spans.push(...splitter.push(bytes.subarray(at, at + size)));
  spans.push(...splitter.end());
  return spans.map((s) => ({ ...s, text: bytes.subarray(s.start, s.end).toString() }));
}

const pretty = JSON.stringify({ awslogs: { data: 'H4sI' }, nested: [{ a: '{ [ " }' }] }, null, 2);

describe('EventSplitter', () => {
  it('takes a pretty-printed event whole, at the line it starts on', () => {
    const spans = split(`\n\n${pretty}\n`);
    expect(spans).toEqual([{ start: 2, end: 2 + pretty.length, line: 3, text: pretty }]);
  });

  it('takes one event a line, and values back to back on one line', () => {
    const spans = split('{"a":1}\n{"b":"}"}{"c":[2]}\r\n\n{"d":3}\n');
    expect(spans.map((s) => [s.line, s.text, s.problem])).toEqual([
      [1, '{"a":1}', undefined],
      [2, '{"b":"}"}', undefined],
      [2, '{"c":[2]}', undefined],
      [4, '{"d":3}', undefined],
    ]);
  });

  it("passes over an array's brackets and commas between objects: a stray `]` is no event", () => {
    const spans = split('[{"a":1},\n{"b":"no end\n{"c":2}\n]\n]\n, [3]\n');
    expect(spans.map((s) => [s.line, s.text, s.problem?.code])).toEqual([
      [1, '{"a":1}', undefined],
      [2, '{"b":"no end', 'JSON_INVALID'],
      [3, '{"c":2}', undefined],
      [6, '3]', 'EVENT_INVALID'],
    ]);
  });

  it('cuts the same wherever the chunks end, a byte-order mark before the first value included', () => {
    const text = `\ufeff${pretty}\n{"x":"\\"}\\\\"}\nnot json\n{"cut":"short\n{"y":2}`;
    const whole = split(text);
    expect(whole.map((s) => s.line)).toEqual([1, 11, 12, 13, 14]);
    for (const size of [1, 2, 3, 7, 64]) expect(split(text, size)).toEqual(whole);
  });

  it('makes what is no value a stretch of its own, with what is wrong and nothing of its text', () => {
    const spans = split('{"ok":1}\nsecret=hunter2\n{"s":"no end\n{"next":true}\n{"a":\n{"b":1}\n{"open":[1,\n2');
    expect(spans.map((s) => [s.line, s.text, s.problem?.code])).toEqual([
      [1, '{"ok":1}', undefined],
      [2, 'secret=hunter2', 'EVENT_INVALID'],
      [3, '{"s":"no end', 'JSON_INVALID'],
      [4, '{"next":true}', undefined],
      // A `{` at the start of a line inside a value that started at the start of one is a value of its own.
      [5, '{"a":\n', 'JSON_INVALID'],
      [6, '{"b":1}', undefined],
      [7, '{"open":[1,\n2', 'JSON_INVALID'],
    ]);
    for (const s of spans) expect(s.problem?.message ?? '').not.toMatch(/hunter2|no end|open/);
    expect(spans[2]?.problem?.message).toMatch(/string runs past the end of its line/);
    expect(spans[6]?.problem?.message).toMatch(/file ends inside it/);
  });
});

describe('EventSplitter on what Python writes with indent=0', () => {
  it("keeps an object that starts a line where an array expects its next item in its event, in every chunking", () => {
    const event = (id: string): unknown => ({ invocationId: id, records: [{ recordId: 'r0', data: 'eA==' }, { recordId: 'r1', data: { nested: [{ a: 1 }, [{ b: 2 }]] } }] });
    const indent0 = (v: unknown): string => JSON.stringify(v, null, 1).replace(/\n +/g, '\n');
    const one = indent0(event('a'));
    const two = indent0(event('b'));
    for (const text of [`${one}\n${two}\n`, indent0([event('a'), event('b')])]) {
      for (const size of [1, 5, text.length]) {
        expect(split(text, size).map((x) => [x.line, x.text, x.problem])).toEqual([
          [text.indexOf('{') === 0 ? 1 : 2, one, undefined],
          [text.slice(0, text.lastIndexOf(two)).split('\n').length, two, undefined],
        ]);
      }
    }
  });
});

describe('wholeFileEvents', () => {
  const spans = (text: string): Array<[number, string]> | undefined => {
    const bytes = Buffer.from(text);
    return wholeFileEvents(bytes)?.map((s) => [s.line, bytes.subarray(s.start, s.end).toString()]);
  };

  it("reads a valid file whole: an event whose lines start with `{` inside it, as Python's indent=0 writes", () => {
    // json.dumps(event, indent=0): every nested object starts a line with `{`.
    const event = { invocationId: 'inv', records: [{ recordId: 'r0', data: 'eA==' }, { recordId: 'r1', data: 'eQ==' }] };
    const indent0 = JSON.stringify(event, null, 1).replace(/\n +/g, '\n');
    expect(indent0).toMatch(/\n\{\n"recordId"/);
    expect(split(indent0).map((x) => x.text)).toEqual([indent0]);
    expect(spans(`\ufeff\n${indent0}\n`)).toEqual([[2, indent0]]);
  });

  it('reads a top-level array as its elements, each at the line it starts on, and no `]` as an event', () => {
    const a = JSON.stringify({ awslogs: { data: 'x]' } });
    const b = JSON.stringify({ awslogs: { data: 'y' } }, null, 2);
    expect(spans(`[${a},\n${b}\n]\n`)).toEqual([
      [1, a],
      [2, b],
    ]);
    expect(spans(`[\n  ${a} ,\n  7,\n  [1, {"z": "]"}]\n]`)).toEqual([
      [2, a],
      [3, '7'],
      [4, '[1, {"z": "]"}]'],
    ]);
    expect(spans('[]')).toEqual([]);
  });

  it('leaves a file that is not one JSON value, or a scalar, to the splitter', () => {
    expect(spans('{"a":1}\n{"b":2}\n')).toBeUndefined();
    expect(spans('[{"a":1},\n{"b":\n]')).toBeUndefined();
    expect(spans('"text"')).toBeUndefined();
    expect(wholeFileEvents(Buffer.from([0x7b, 0xff, 0x7d]))).toBeUndefined();
  });
});

describe('EventBytes', () => {
  it('gives each span its bytes, keeping only what an open span needs and at most the bound of it', () => {
    const text = Buffer.from(`{"a":"${'x'.repeat(100)}"}\n{"b":1}\n`);
    const splitter = new EventSplitter();
    const kept = new EventBytes(40);
    const got: string[] = [];
    for (let at = 0; at < text.length; at += 16) {
      const chunk = text.subarray(at, at + 16);
      kept.add(chunk);
      for (const span of splitter.push(chunk)) got.push(kept.take(span).toString());
      kept.keep(splitter.openSince());
    }
    expect(got).toEqual([text.subarray(0, 40).toString(), '{"b":1}']);
  });
});

describe('parseEvent', () => {
  it('names the position of bad JSON, never its text', () => {
    expect(parseEvent(Buffer.from('{"a":[1]}'))).toEqual({ a: [1] });
    expect(() => parseEvent(Buffer.from('{"password":"hunter2",}'))).toThrow(/^invalid JSON at character \d+$/);
    expect(() => parseEvent(Buffer.from([0x7b, 0xff, 0x7d]))).toThrow(/not valid UTF-8/);
  });
});

describe('isSavedEventFormat', () => {
  it("tells the handlers' event formats from the line formats", () => {
    expect(['cloudwatch', 'firehose', 'kinesis'].map(isSavedEventFormat)).toEqual([true, true, true]);
    expect(['auto', 'jsonl', 'text', 'Records', undefined].map(isSavedEventFormat)).toEqual([false, false, false, false, false]);
  });
});
