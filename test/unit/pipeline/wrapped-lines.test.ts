import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../../src/act/actions.js';
import { lineEnds } from '../../../src/detect/line-filter.js';
import type { BatchContext, BatchResult } from '../../../src/pipeline/batch.js';
import { namedEdits } from '../../../src/pipeline/line-edits.js';
import { batchText, readEdits, textOf } from '../../../src/pipeline/wrapped-lines.js';
import { batchContext, builtinPolicy, runBatches } from '../../helpers/engine.js';

const policy = builtinPolicy();

/** Docker's json-file record of a line. */
const docker = (line: string): string => JSON.stringify({ log: `${line}\n`, stream: 'stdout', time: '2024-05-01T10:00:00.123456789Z' });
/** A record written with every character past ASCII escaped (`\u00e9`), as Python's json module writes it. */
const asciiOnly = (line: string): string => JSON.stringify({ log: `${line}\n`, stream: 'stdout' }).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
/** A record that writes every character of its line as `\uXXXX`, its line end `\u000d\u000a`. */
const allEscaped = (line: string): string => `{"stream":"stdout","log":"${[...`${line}\r\n`].map((c) => [...c].map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')).join('')}"}`;
/** Fluent Bit's record of a containerd line, `log` after the CRI fields and Kubernetes' after it. */
const fluentBit = (line: string): string => JSON.stringify({ time: '2024-05-01T10:00:00Z', stream: 'stderr', _p: 'F', log: line, kubernetes: { pod_name: 'api-1', labels: { log: 'x' } } });

/** The lines batchText reads from `lines` (one batch), and which it read from a record. */
function read(lines: readonly string[]): { lines: string[]; wrapped: number[] } | undefined {
  const data = Buffer.from(lines.join('\n') + '\n');
  const text = batchText(data, lineEnds(data));
  if (!text) return undefined;
  expect(textOf(data).equals(text.data)).toBe(true);
  return { lines: text.data.toString('utf8').split('\n').slice(0, -1), wrapped: [...text.wrapped.keys()].filter((i) => text.wrapped[i] === 1) };
}

describe('lines inside the records of a container runtime', () => {
  it("reads a record's log member as the line it holds, wherever the member stands, escapes decoded", () => {
    expect(read([docker('  ["password"]=>'), fluentBit('  string(7) "a\\"b\tc"'), 'plain text', docker('café ☕ 𝄞 \u2514')])).toEqual({
      lines: ['  ["password"]=>', '  string(7) "a\\"b\tc"', 'plain text', 'café ☕ 𝄞 \u2514'],
      wrapped: [0, 1, 3],
    });
    // Spaces around the colon, a line end written \r\n, a last line without its end.
    const data = Buffer.from('{ "log" : "x = 1\\r\\n", "stream": "stdout"}\r\n{"log":"last"}');
    const text = batchText(data, lineEnds(data));
    expect(text?.data.toString()).toBe('x = 1\nlast');
    expect([...(text?.ends ?? [])]).toEqual([5, 10]);
    expect(textOf(data).toString()).toBe('x = 1\nlast');
    // Escapes of every kind, a surrogate pair written as two.
    expect(read([asciiOnly('café 𝄞 └ <b> \\ \b\f/'), '{"log":"\\/x\\u00E9\\r\\n"}'])?.lines).toEqual(['café 𝄞 └ <b> \\ \b\f/', '/xé']);
    // Line ends written as \u escapes.
    expect(read([allEscaped('a "b" └'), '{"log":"c\\u000a"}', '{"log":"d\\u000D\\n"}', '{"log":"e\\r"}'])?.lines).toEqual(['a "b" └', 'c', 'd', 'e']);
  });

  it('reads no line from a record whose log is not a top-level string of one line', () => {
    const kept = [
      JSON.stringify({ msg: 'the "log": "x" member', n: 1 }),
      JSON.stringify({ meta: { log: 'nested' } }),
      JSON.stringify({ log: 'two\nlines\n' }),
      JSON.stringify({ log: 5 }),
      '{"log":"\\ud800 lone"}',
      '{"log":"\\udd1e lone"}',
      '{"log":"two\\r\\nlines"}',
      '{"log":"bad \\x escape"}',
      '{"log":"bad \\u12g4 escape"}',
      '{"log":"two\\u000alines"}',
      '{"log":"two\\n\\n"}',
      '{"log":"raw\rcr"}',
      '{"log":"first\\n","log":"last\\n"}',
      '{"log":"unclosed',
      'text with "log":"inside"',
    ];
    expect(read(kept)).toBeUndefined();
    // A "log" inside an earlier string is passed over to the member itself.
    expect(read([JSON.stringify({ msg: '{"log":"not this"}', log: 'this one' })])?.lines).toEqual(['this one']);
  });

  it("writes an edit of the line in the record's string, escaped, its finding under $.log", () => {
    const line = '    value: "Pa\\"ss\tw0rd-é"';
    const record = JSON.stringify({ time: 't', log: `${line}\n` });
    const start = line.indexOf('"');
    const rule = policy.keyRules.decide('password').rule;
    if (!rule) throw new Error('the built-in policy has a password rule');
    const edits = readEdits(record, true, false, () => namedEdits([{ start: start + 1, end: line.length - 1, value: 'Pa"ss\tw0rd-é', rule, pattern: 'password', quoting: 'double', outer: { start, end: line.length } }], new ActionPolicy()));
    expect(edits).toHaveLength(1);
    const e = edits?.[0];
    if (!e) return;
    // The span is the quoted value, quotes and escapes as the record writes them.
    expect(record.slice(e.start, e.end)).toBe(JSON.stringify(line).slice(1, -1).slice(JSON.stringify(line.slice(0, start)).length - 2));
    expect(e.path).toBe('$.log');
    expect(e.at).toEqual({ start: start + 1, end: line.length - 1 });
    const changed = record.slice(0, e.start) + (e.encode?.('[[PASSWORD]]') ?? '') + record.slice(e.end);
    expect(JSON.parse(changed)).toEqual({ time: 't', log: '    value: "[[PASSWORD]]"\n' });
    expect(readEdits('plain text', true, false, () => [])).toBeUndefined();
  });
});

describe('the line of a record, against JSON.parse', () => {
  /** A character of a line, some of the kinds JSON escapes. */
  const char = fc.oneof(fc.constantFrom('"', '\\', '/', '\t', '\b', '\r', '\n', '\u2028', 'é', '└', '𝄞', '\ud800', '\u0000', 'a', ' ', '"log"'), fc.string({ maxLength: 3 }));
  /** A record whose log holds `value`, each UTF-16 unit of it written as JSON.stringify writes it or as `\uXXXX`. */
  const record = fc.tuple(fc.array(char, { maxLength: 12 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), fc.boolean()).map(([chars, escape, first]) => {
    const value = chars.join('');
    let written = '';
    for (let i = 0; i < value.length; i++) {
      const unit = value[i] as string;
      written += escape[i % 40] ? `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}` : JSON.stringify(unit).slice(1, -1);
    }
    return { value, text: first ? `{"log":"${written}","stream":"stdout"}` : `{"time":"t","log":"${written}"}` };
  });

  it('reads the line JSON reads, a line end at its end left out, and no other', () => {
    fc.assert(
      fc.property(record, ({ value, text }) => {
        const data = Buffer.from(`${text}\n`);
        const read = batchText(data, lineEnds(data));
        const line = value.replace(/(?:\r\n|\r|\n)$/, '');
        const one = !/[\r\n]/.test(line) && Buffer.from(line, 'utf8').toString('utf8') === line;
        expect(read?.data.toString('utf8')).toEqual(one ? `${line}\n` : undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it("moves an edit of the line into the record's string, which JSON then reads edited", () => {
    fc.assert(
      fc.property(record, fc.nat(), fc.nat(), fc.string({ maxLength: 4 }), ({ value, text }, a, b, by) => {
        const line = value.replace(/(?:\r\n|\r|\n)$/, '');
        // Ends that cut no surrogate pair.
        const cuts = [...Array(line.length + 1).keys()].filter((k) => !/[\ud800-\udbff]/.test(line[k - 1] ?? '') || !/[\udc00-\udfff]/.test(line[k] ?? ''));
        const [start, end] = [cuts[a % cuts.length] as number, cuts[b % cuts.length] as number].sort((x, y) => x - y) as [number, number];
        const edits = readEdits(text, true, false, (read) => {
          expect(read).toBe(line);
          return [{ start, end, value: line.slice(start, end), id: 'x', category: 'secret', severity: 'high', label: 'X', action: { type: 'mask' } as never }];
        });
        if (edits === undefined) return;
        const e = edits[0] as (typeof edits)[number];
        const changed = text.slice(0, e.start) + (e.encode?.(by) ?? by) + text.slice(e.end);
        expect((JSON.parse(changed) as { log: string }).log).toBe(line.slice(0, start) + by + line.slice(end) + value.slice(line.length));
        expect(e.at).toEqual({ start, end });
      }),
      { numRuns: 3000 },
    );
  });
});

/** Lines read across lines (a key block, values named above, bind parameters, traceback values) and lines around them. */
const VOCABULARY = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
  'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK',
  'Ab3Xw==',
  '-----END RSA PRIVATE KEY-----',
  '  ["password"]=>',
  '  string(15) "Rocket-7Hyi8t19"',
  '    db_password: Some(',
  '        "KGJG72R2w.pwOxK!t",',
  '    ),',
  '  - name: SMTP_PASSWORD',
  '    value: dIo3VPGvQieeh&ces$',
  'insert into users (email, password) values (?, ?)',
  'binding parameter [1] as [VARCHAR] - [ann@example.com]',
  'binding parameter [2] as [VARCHAR] - [F-pkV3bbH!uy8qM3]',
  '    user = authenticate(username, password)',
  "           │            │         └ 'MaplePurple3638.'",
  "           │            └ 'wendy'",
  'GET /health 200 "ok"\tcafé',
  '',
];

/** Tokens differ from run to run: each written as its label alone. */
const tokensOut = (text: string): string => text.replace(/\[\[([A-Z0-9_]+):[^\]]*\]\]/g, '[[$1]]');

describe('a record that wraps a line is redacted as the line', () => {
  let ctx: BatchContext;
  beforeAll(async () => {
    ctx = await batchContext(policy);
  });

  const run = (lines: readonly string[], size: number, split: boolean): Promise<BatchResult[]> => runBatches(ctx, lines, size, split);

  it('marks and replaces what the bare lines have marked and replaced, cut into batches alike', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...VOCABULARY), fc.constantFrom('bare', 'docker', 'fluent-bit', 'ascii', 'escaped')), { maxLength: 24 }), fc.integer({ min: 1, max: 25 }), fc.boolean(), async (picked, size, split) => {
        const bare = picked.map(([l]) => l);
        const wrapped = picked.map(([l, how]) => (how === 'bare' ? l : how === 'docker' ? docker(l) : how === 'ascii' ? asciiOnly(l) : how === 'escaped' ? allEscaped(l) : fluentBit(l)));
        const plain = await run(bare, size, split);
        const inRecords = await run(wrapped, size, split);
        const outLines = inRecords
          .flatMap((r) => Buffer.from(r.output).toString('utf8').split('\n').slice(0, -1))
          .map((l, i) => (picked[i]?.[1] === 'bare' ? l : ((JSON.parse(l) as { log: string }).log.replace(/\r?\n$/, ''))));
        expect(outLines.map(tokensOut)).toEqual(plain.flatMap((r) => tokensOut(Buffer.from(r.output).toString('utf8')).split('\n').slice(0, -1)));
        const found = (rs: BatchResult[]): Record<string, number> => rs.reduce<Record<string, number>>((acc, r) => { for (const [k, n] of Object.entries(r.findings)) acc[k] = (acc[k] ?? 0) + n; return acc; }, {});
        expect(found(inRecords)).toEqual(found(plain));
        expect(inRecords.flatMap((r) => r.quarantine)).toEqual([]);
      }),
      { numRuns: 600 },
    );
  });

  it("reads a line without the byte order mark it starts with (a file's first line), bare or in a record", async () => {
    for (const lines of [['\uFEFFDB_PASSWORD:', '  hunter2xyz'], [docker('\uFEFFDB_PASSWORD:'), docker('  hunter2xyz')]]) {
      const out = (await run(lines, 1, false)).map((r) => Buffer.from(r.output).toString('utf8')).join('');
      expect(out).not.toContain('hunter2xyz');
      expect(out.startsWith(lines[0] as string)).toBe(true);
    }
  });

  /** Colours a logger writes around words (see detect/terminal-codes.ts). */
  const SEQUENCES = ['\x1b[0m', '\x1b[1m', '\x1b[1;31m', '\x1b[38;5;208m', '\x1b[2K'];
  const uncoloured = (line: string): string => SEQUENCES.reduce((l, q) => l.replaceAll(q, ''), line);
  /** `line` with sequences put anywhere in it, `at` choosing where. */
  const coloured = (line: string, at: ReadonlyArray<[number, number]>): string => {
    const places = Array.from({ length: line.length + 1 }, (_, k) => k);
    const put = new Map<number, string>();
    for (const [p, q] of at) put.set(places[p % places.length] as number, SEQUENCES[q % SEQUENCES.length] as string);
    return [...line].map((c, k) => (put.get(k) ?? '') + c).join('') + (put.get(line.length) ?? '');
  };

  it('reads a line without its terminal sequences, bare or in a record: what the uncoloured lines have replaced, the sequences kept', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...VOCABULARY), fc.constantFrom('bare', 'docker', 'escaped'), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 })), { maxLength: 24 }),
        fc.integer({ min: 1, max: 25 }),
        fc.boolean(),
        async (picked, size, split) => {
          const lines = picked.map(([l, how, at]) => {
            const c = coloured(l, at);
            return how === 'bare' ? c : how === 'docker' ? docker(c) : allEscaped(c);
          });
          const plain = await run(picked.map(([l]) => l), size, split);
          const withColours = await run(lines, size, split);
          const outLines = withColours
            .flatMap((r) => Buffer.from(r.output).toString('utf8').split('\n').slice(0, -1))
            .map((l, i) => (picked[i]?.[1] === 'bare' ? l : (JSON.parse(l) as { log: string }).log.replace(/\r?\n$/, '')));
          // The sequences stay, in their order, but those inside a span replaced whole (`string(15) "..."` of a PHP dump).
          const sequences = (l: string): string[] => Array.from({ length: l.length }, (_, k) => k).flatMap((k) => SEQUENCES.filter((q) => l.startsWith(q, k)));
          outLines.forEach((l, i) => {
            const given = sequences(coloured(picked[i]?.[0] as string, picked[i]?.[2] ?? []));
            let k = 0;
            for (const q of sequences(l)) k = given.indexOf(q, k) + 1 || Infinity;
            expect(k).toBeLessThan(Infinity);
          });
          expect(outLines.map((l) => tokensOut(uncoloured(l)))).toEqual(plain.flatMap((r) => tokensOut(Buffer.from(r.output).toString('utf8')).split('\n').slice(0, -1)));
          expect(withColours.flatMap((r) => r.quarantine)).toEqual([]);
        },
      ),
      { numRuns: 400 },
    );
  });
});
