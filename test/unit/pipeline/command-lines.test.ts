import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { processBatch, type BatchContext } from '../../../src/pipeline/batch.js';
import { batchLines, halves } from '../../../src/pipeline/batcher.js';
import { commandValues, openCommand } from '../../../src/pipeline/command-lines.js';
import { batchContext, builtinPolicy } from '../../helpers/engine.js';
import { batchText, lookbackMarks } from '../../helpers/line-marks.js';

const policy = builtinPolicy();

/** The values each marked line of `lines` (one batch) holds, as `line: value (pattern)`. */
const marked = (lines: readonly string[]): string[] => lookbackMarks(lines, policy, commandValues);

const HEADER = 'info: Microsoft.EntityFrameworkCore.Database.Command[20101]';
const executed = (params: string): string => `      Executed DbCommand (4ms) [Parameters=[${params}], CommandType='Text', CommandTimeout='30']`;
const INSERT = [
  HEADER,
  executed("@p0='5acb1925-deeb-4395-ba6c-0498eae199b6', @p1='peggy@example.com' (Nullable = false) (Size = 256), @p2='tiger^th'TiB621' (Nullable = false) (Size = 4000), @p3=NULL (DbType = String)"),
  '      SET IMPLICIT_TRANSACTIONS OFF;',
  '      SET NOCOUNT ON;',
  '      INSERT INTO [Users] ([Id], [Email], [Password], [ApiToken])',
  '      VALUES (@p0, @p1, @p2, @p3);',
];

describe("Entity Framework Core's parameters before their statement in a text log", () => {
  it('takes each parameter by the column its name stands for in the lines after it, to the message end', () => {
    expect(marked(INSERT)).toEqual(["1: tiger^th'TiB621 -> tiger^th'TiB621 (password)"]);
    // Serilog writes the statement's lines as they are; an UPDATE's SET and WHERE.
    expect(
      marked([
        "[10:09:25 INF] Executed DbCommand (2ms) [Parameters=[@p1='7', @p0='Pw-Zq8v!pL2' (Size = 4000)], CommandType='Text', CommandTimeout='30']",
        'UPDATE [Users] SET [PasswordHash] = @p0',
        'WHERE [Id] = @p1;',
      ]),
    ).toEqual(['0: Pw-Zq8v!pL2 -> Pw-Zq8v!pL2 (*passwordhash)']);
    // Behind a Compose service's prefix, each line; a file logger's timestamp before the entry only.
    const compose = (line: string): string => `api-1  | ${line}`;
    expect(marked([...INSERT.map(compose), 'db-1  | LOG:  checkpoint starting: time'])).toEqual(["1: tiger^th'TiB621 -> tiger^th'TiB621 (password)"]);
    expect(marked([INSERT[1] as string, 'db-1  |       INSERT INTO [Users] ([Password]) VALUES (@p2);'])).toEqual([]);
    expect(marked([`2024-05-01T10:09:25.123Z ${(INSERT[1] as string).trim()}`, ...INSERT.slice(2)])).toEqual(["0: tiger^th'TiB621 -> tiger^th'TiB621 (password)"]);
    // The next entries of a file logger's timestamps are not its lines.
    const stamped = [`2024-05-01T10:09:25.123Z ${executed("@p0='Pw-Zq8v!pL2'").trim()}`, '2024-05-01T10:09:25.130Z GET /health 200', '2024-05-01T10:09:25.131Z UPDATE [Users] SET [Password] = @p0'];
    expect(marked(stamped)).toEqual([]);
    expect(openCommand(Buffer.from(batchText(['GET /', ...stamped])))).toBe(0);
  });

  it("reads no statement past the message's end, and leaves a value that is a token already", () => {
    // The next entry, a blank line, a timestamped line, another command: none is the statement.
    for (const end of [HEADER, '', '2024-05-01T10:00:00Z INSERT INTO [Users] ([Password]) VALUES (@p0)', executed("@p0='x'")]) {
      expect(marked([executed("@p0='Pw-Zq8v!pL2'"), end, '      INSERT INTO [Users] ([Password]) VALUES (@p0);']).filter((m) => m.startsWith('0:'))).toEqual([]);
    }
    expect(marked([executed("@p0='[[PASSWORD]]'"), '      INSERT INTO [Users] ([Password]) VALUES (@p0);'])).toEqual([]);
  });

  it('tells the batcher how many last lines to carry to the next batch: those of a message it would cut', () => {
    const carry = (lines: readonly string[]): number => openCommand(Buffer.from(batchText(lines)));
    expect(carry(['GET /', ...INSERT.slice(0, 4)])).toBe(3);
    expect(carry(['GET /', ...INSERT.slice(0, 2)])).toBe(1);
    // A message that has ended; one that starts the batch is all of its lines.
    expect(carry(['GET /', ...INSERT, HEADER])).toBe(0);
    expect(carry(INSERT.slice(1, 4))).toBe(3);
    expect(carry(['GET /', 'GET /health'])).toBe(0);
  });

  it('cuts a batch in halves between messages, or not at all when it is one', () => {
    const serilog = (n: number): string[] => [`[10:09:2${n} INF] Executed DbCommand (2ms) [Parameters=[@p0='Pw-${n}'], CommandType='Text', CommandTimeout='30']`, 'UPDATE [Users] SET [Password] = @p0', 'WHERE [Id] = 1;'];
    const firstLines = (lines: readonly string[]): number[] | undefined =>
      halves({ seq: 0, file: 'c.log', firstLine: 1, firstOffset: 0, data: Buffer.from(batchText(lines)) })?.map((t) => t.firstLine);
    expect(firstLines([...serilog(1), ...serilog(2)])).toEqual([1, 4]);
    expect(firstLines([...serilog(1), ...serilog(2), ...serilog(3)])).toEqual([1, 4]);
    expect(firstLines(['GET /', ...INSERT.slice(1)])).toEqual([1, 2]);
    expect(firstLines(INSERT.slice(1))).toBeUndefined();
    // No message is longer than the lines a batch reads for one.
    const long = [executed("@p0='x'"), ...Array.from({ length: 600 }, (_, i) => `   at Frame${i}()`)];
    expect(firstLines(long)).toHaveLength(2);
  });
});

describe('a command cut into batches', () => {
  let ctx: BatchContext;
  beforeAll(async () => {
    ctx = await batchContext(policy);
  });

  /**
   * The output of `lines` (the last without its end, `open`) cut by the batcher into batches of
   * `size` lines (each cut in two again, `split`), given in chunks of `chunk` bytes, tokens as
   * their labels. Each batch's data is all of a buffer the batcher was given for it, or none.
   */
  async function run(lines: readonly string[], size: number, split: boolean, open = false, chunk = 1 << 20): Promise<string> {
    let seq = 0;
    const text = batchText(lines);
    const data = Buffer.from(open ? text.replace(/\n$/, '') : text);
    const given = new Set<Uint8Array>();
    const alloc = (n: number): Uint8Array => {
      const room = new Uint8Array(n);
      given.add(room);
      return room;
    };
    let out = '';
    const chunks = async function* (): AsyncGenerator<Buffer> {
      for (let at = 0; at < data.length; at += chunk) yield data.subarray(at, at + chunk);
    };
    for await (const task of batchLines('c.log', chunks(), { maxBatchRecords: size, maxBatchBytes: 1 << 20 }, () => seq++, alloc)) {
      expect(given.has(task.data) || ![...given].some((g) => g.buffer === task.data.buffer)).toBe(true);
      for (const t of (split && halves(task)) || [task]) out += Buffer.from(processBatch(t, ctx).output).toString('utf8');
    }
    return out.replace(/\[\[([A-Z0-9_]+):[^\]]*\]\]/g, '[[$1]]');
  }

  it('finds a parameter line the chunks it came in cut anywhere, escaped in a record or coloured too', async () => {
    const update = ['GET /health 200', HEADER, executed("@p0='Pw-Zq8v!pL2'"), '      UPDATE [Users] SET [Password] = @p0', 'GET /health 200'];
    // The batcher reads the bytes it holds for the parameter list's opening, or a \u escape a record's text decodes into it.
    const record = (line: string): string => JSON.stringify({ log: `${line}\n`, stream: 'stdout' }).replace('[Parameters=[', '\\u005bParameters=\\u005b');
    // A colour inside the opening, which the batch's text leaves out.
    const coloured = (line: string): string => line.replace('[Parameters=[', '[Param\x1b[1meters=[');
    for (const lines of [update, update.map(record), update.map(coloured)]) {
      const whole = await run(lines, 1000, false);
      expect(whole).not.toContain('Pw-Zq8v!pL2');
      for (let chunk = 1; chunk <= 48; chunk++) for (const size of [3, 4]) expect(await run(lines, size, false, false, chunk)).toBe(whole);
    }
  });

  it('redacts it as one batch does, wherever the batches would be cut', async () => {
    const update = [HEADER, executed("@p0='Pw-Zq8v!pL2'"), '      UPDATE [Users] SET [Password] = @p0'];
    const vocabulary = [INSERT, update, update.map((l) => `api-1  | ${l}`), ['GET /health 200'], ['db-1  | LOG:  checkpoint'], ['']];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...vocabulary), { maxLength: 12 }), fc.integer({ min: INSERT.length + 1, max: 40 }), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 2000 }), async (messages, size, split, open, chunk) => {
        const lines = messages.flat();
        const whole = await run(lines, 1000, false, open);
        expect(whole).not.toContain('Pw-Zq8v!pL2');
        expect(await run(lines, size, split, open, chunk)).toBe(whole);
      }),
      { numRuns: 300 },
    );
  });
});
