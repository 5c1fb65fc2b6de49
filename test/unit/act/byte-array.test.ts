import { beforeAll, describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../../src/act/actions.js';
import { byteArraysIn, byteArrayText, writtenByteArray } from '../../../src/act/byte-array.js';
import { redactRecord, type RedactOptions } from '../../../src/act/redact.js';
import { spliceJson } from '../../../src/codecs/json-splice.js';
import { lineEnds } from '../../../src/detect/line-filter.js';
import { markByteArrays } from '../../../src/detect/line-marks.js';
import type { JsonValue, LogRecord } from '../../../src/record.js';
import { localKeys } from '../../helpers/keys.js';
import { policyFromYaml } from '../../helpers/policy.js';

const PACK = `
pack: t
detectors:
  - id: password
    name: Password
    category: secret
    severity: high
    label: PASSWORD
    regex: 'password=(?P<secret>\\S+)'
    action: tokenize
    tests: {match: ['password=x']}
`;

const bytesOf = (text: string | Buffer): number[] => [...Buffer.from(text)];
const record = (body: string | JsonValue): LogRecord => ({ body, structured: typeof body !== 'string', attributes: {}, resource: {}, source: { file: 't', line: 1 } });

describe('byteArrayText', () => {
  it('reads journald\'s array of a field that is not UTF-8 text byte by byte, and writes it again so', () => {
    const bytes = bytesOf(Buffer.concat([Buffer.from('\u001b[31mlogin password=ByteArrPw77 '), Buffer.from([0xff])]));
    const found = byteArrayText(bytes);
    expect(found?.encoding).toBe('latin1');
    expect(found?.text).toBe('\u001b[31mlogin password=ByteArrPw77 \u00ff');
    const line = `{"MESSAGE":[${bytes.join(',')}],"_PID":"79"}`;
    const [run] = byteArraysIn(line);
    expect(line.slice(run?.start, run?.end)).toBe(`[${bytes.join(',')}]`);
    if (run) expect(writtenByteArray('[[X]] \u00ff', run)).toBe(`[${[...bytesOf('[[X]] '), 0xff].join(',')}]`);
    expect(byteArraysIn(`{"MESSAGE": [${bytes.join(', ')}]}`)[0]?.separator).toBe(', ');
    // Only a member's value: an array in running text is left.
    expect(byteArraysIn(`got [${bytes.join(',')}]`)).toEqual([]);
  });

  it('leaves arrays that are no text: numbers past a byte, floats, strings, few items, mostly control bytes', () => {
    for (const items of [[...bytesOf('login password=x'), 256], [...bytesOf('login password=x'), 1.5], [...bytesOf('login password=x'), '1'], bytesOf('password=x'), [...Array(20).fill(1), ...bytesOf('ab')]]) {
      expect(byteArrayText(items as JsonValue[]), JSON.stringify(items)).toBeUndefined();
    }
  });
});

/** A seeded generator of numbers of 0-1 (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('byteArrayText on arrays of numbers that are no text', () => {
  it('reads no array of random bytes (a pixel row), of 12 to 128 numbers, while journald\'s texts still read', () => {
    const random = seeded(80);
    for (let n = 0; n < 6000; n++) {
      const items = Array.from({ length: n < 3000 ? 64 : 12 + Math.floor(random() * 117) }, () => Math.floor(random() * 256));
      expect(byteArrayText(items), JSON.stringify(items)).toBeUndefined();
    }
    // A lone byte of 0x80 or more is no text, however many: bytes of printable ASCII and high bytes only.
    expect(byteArrayText([...bytesOf('P@1Y3.URqv'), 0xe9, 0x80, 0xa0, 0xff, 0xc3, 0xfe, 0x9c, 0xb7, 0xd0, 0xf5, 0x88, 0xab].map((b, i, all) => all[(i * 7) % all.length] as number))).toBeUndefined();
    expect(byteArrayText([...bytesOf('password=ab'), ...Array.from({ length: 30 }, (_, i) => 0x80 + i)])).toBeUndefined();
    // ASCII text with a trailing invalid byte, UTF-8 text, text with a colour escape.
    expect(byteArrayText([...bytesOf('login password=ByteArrPw77'), 0xff])?.encoding).toBe('latin1');
    expect(byteArrayText(bytesOf('connexion refusée pour élodie: password=ByteArrPw77'))).toEqual({ text: 'connexion refusée pour élodie: password=ByteArrPw77', encoding: 'utf8' });
    expect(byteArrayText(bytesOf('\u001b[1;31mЗапрос отклонён password=ByteArrPw77\u001b[0m'))?.encoding).toBe('utf8');
  });
});

describe('an array of bytes as older journald writes it, with blanks', () => {
  const bytes = bytesOf('db login password=OldJournalPw9 user=bob\u0000');
  const line = `{ "__CURSOR" : "s=1", "MESSAGE" : [ ${bytes.join(', ')} ], "_PID" : "79" }`;

  it('is read, and written again with its blanks', () => {
    const [run] = byteArraysIn(line);
    expect(run?.text).toBe('db login password=OldJournalPw9 user=bob\u0000');
    expect(line.slice(run?.start, run?.end)).toBe(`[ ${bytes.join(', ')} ]`);
    if (run) expect(writtenByteArray('x\u0000', run)).toBe('[ 120, 0 ]');
    expect(byteArraysIn(`{"MESSAGE"\t:\t[\t${bytes.join(' ,\t')}\t]}`)[0]?.separator).toBe(' ,\t');
  });

  it('keeps its blanks when a JSON record is written back (spliceJson)', () => {
    const before = JSON.parse(line) as JsonValue;
    const after = { ...(before as Record<string, JsonValue>), MESSAGE: [120, 121] };
    expect(spliceJson(line, before, after)).toBe('{ "__CURSOR" : "s=1", "MESSAGE" : [ 120, 121 ], "_PID" : "79" }');
    const compact = `{"MESSAGE":[${bytes.join(',')}]}`;
    expect(spliceJson(compact, JSON.parse(compact) as JsonValue, { MESSAGE: [120, 121] })).toBe('{"MESSAGE":[120,121]}');
  });

  it('sends its line down the structured path', () => {
    const lines = [line, `{"MESSAGE"  :[${bytes.join(' , ')}]}`, `{ "ids" : [ 1, 2, 3 ] }`, `list : [ ${bytes.join(', ')} ]`];
    const data = Buffer.from(lines.join('\n'));
    const hit = new Uint8Array(lines.length);
    markByteArrays(data, lineEnds(data), hit);
    expect([...hit]).toEqual([1, 1, 0, 0]);
  });
});

describe('markByteArrays', () => {
  it('marks the lines holding a member whose value opens with 12 numbers of 1-3 digits', () => {
    const twelve = Array.from({ length: 12 }, (_, i) => 100 + i);
    const lines = [
      `{"MESSAGE":[${twelve.join(',')}]}`,
      `{"MESSAGE": [${twelve.join(', ')}]}`,
      `{"ids":[${twelve.slice(1).join(',')}]}`,
      `{"ids":[${[...twelve.slice(1), 1000].join(',')}]}`,
      `{"ids":[1,2,3],"n":[${twelve.slice(6).join(',')}]}`,
      `list [${twelve.join(',')}]`,
    ];
    const data = Buffer.from(lines.join('\n'));
    const hit = new Uint8Array(lines.length);
    markByteArrays(data, lineEnds(data), hit);
    expect([...hit]).toEqual([1, 1, 0, 0, 0, 0]);
  });
});

describe('a text written as an array of its bytes', () => {
  let options: RedactOptions;
  beforeAll(async () => {
    const { keys } = await localKeys();
    const tokenKey = await keys.current();
    const hashKey = await keys.hashKey();
    options = { policy: policyFromYaml(PACK), actions: new ActionPolicy(), keys: { tokenKey: () => tokenKey, hashKey: () => hashKey }, maxDepth: 8 };
  });

  it('is read decoded as a JSON value and as text in a string, and redacted as bytes again', () => {
    const bytes = bytesOf('login password=ByteArrPw77 user=bob\u0000');
    const out = redactRecord(record({ MESSAGE: bytes, quoted: `journal: {"MESSAGE":[${bytes.join(',')}]}`, ids: [1, 2, 3], items: [bytes] }), options);
    if (out.kind !== 'keep') throw new Error('dropped');
    const body = out.body as { MESSAGE: number[]; quoted: string; ids: number[]; items: number[][] };
    const redacted = /^login password=\[\[PASSWORD:tk1\.[\w.-]+\]\] user=bob$/;
    const message = Buffer.from(body.MESSAGE).toString('utf8');
    expect(message.endsWith('\u0000') && message.slice(0, -1)).toMatch(redacted);
    const quoted = byteArraysIn(body.quoted)[0]?.text ?? '';
    expect(quoted.endsWith('\u0000') && quoted.slice(0, -1)).toMatch(redacted);
    expect(body.ids).toEqual([1, 2, 3]);
    // An array's item is no member's value (the raw line's scan finds none such).
    expect(body.items).toEqual([bytes]);
    expect(out.findings.map((f) => f.path)).toEqual(['$.MESSAGE', '$.quoted']);
  });
});
