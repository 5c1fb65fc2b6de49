import { describe, expect, it } from 'vitest';
import { lineEnds } from '../../../src/detect/line-filter.js';
import { tableStateAfter, tableValues, type TableState } from '../../../src/pipeline/table-values.js';
import { batchContext, builtinPolicy, outputLines, runBatches, runEngine } from '../../helpers/engine.js';
import { batchText, describeMarks, expectSameMarksAtEveryCut } from '../../helpers/line-marks.js';

const policy = builtinPolicy();

/** What the lines before a batch leave it: the table open, and the last line (its rule's header, maybe). */
interface Before {
  table?: TableState;
  last?: string;
}

/** The cells each row of `lines` (one batch) has marked, as `line: value as written -> value as read (pattern)`. */
function marked(lines: readonly string[], before?: Before): string[] {
  const data = Buffer.from(batchText(lines));
  return describeMarks(lines, tableValues(data, lineEnds(data), before?.table, before?.last, policy) ?? []);
}

/** What the batcher carries past `lines`, `before` what it carried before them. */
function after(lines: readonly string[], before?: Before): Before | undefined {
  const table = tableStateAfter(Buffer.from(batchText(lines)), before?.table, before?.last === undefined ? undefined : [before.last]);
  const last = lines.length > 0 ? lines[lines.length - 1] : before?.last;
  return table === undefined && last === undefined ? undefined : { ...(table && { table }), ...(last !== undefined && { last }) };
}

const MYSQL = [
  '+----+-------+--------------+',
  '| id | user  | password     |',
  '+----+-------+--------------+',
  '|  1 | bob   | S3cr3tPass!  |',
  '|  2 | alice | Tr0ub4dor&3  |',
  '+----+-------+--------------+',
  '2 rows in set (0.00 sec)',
];
const PSQL = [' id | user  |  password', '----+-------+-------------', '  1 | bob   | S3cr3tPass!', '  2 | alice | Tr0ub4dor&3', '(2 rows)', ''];
const BATCH = ['id\tuser\tpassword', '1\tbob\tS3cr3tPass!', '2\talice\tTr0ub4dor&3'];
const COLUMN = ['id  user   password   ', '--  -----  -----------', '1   bob    S3cr3tPass!', '2   alice  Tr0ub4dor&3', 'sqlite> .quit'];
const BOX = ['┌────┬───────┬─────────────┐', '│ id │ user  │  password   │', '├────┼───────┼─────────────┤', '│ 1  │ bob   │ S3cr3tPass! │', '│ 2  │ alice │ Tr0ub4dor&3 │', '└────┴───────┴─────────────┘'];
const CSV = ['id,user,password', '1,bob,S3cr3tPass!', '2,alice,"Tr0ub""4dor,3"'];
const SPANNED = ['3,"a', 'b",Zq8xW2vLp9Rt', '4,a|b,"x'];

describe('the cells of a table under a credential column', () => {
  it("marks the password column's cells of mysql's, psql's, sqlite3's and a CSV export's tables, and nothing else", () => {
    const two = (a: number, b: number): string[] => [`${a}: S3cr3tPass! -> S3cr3tPass! (password)`, `${b}: Tr0ub4dor&3 -> Tr0ub4dor&3 (password)`];
    expect(marked(MYSQL)).toEqual(two(3, 4));
    expect(marked(PSQL)).toEqual(two(2, 3));
    expect(marked(BATCH)).toEqual(two(1, 2));
    expect(marked(COLUMN)).toEqual(two(2, 3));
    expect(marked(BOX)).toEqual(two(3, 4));
    // A quoted CSV cell: its quotes stay, its `""` read as `"`.
    expect(marked(CSV)).toEqual(['1: S3cr3tPass! -> S3cr3tPass! (password)', '2: Tr0ub""4dor,3 -> Tr0ub"4dor,3 (password)']);
    // psql's table of one column.
    expect(marked([' password', '-------------', ' S3cr3tPass!', '(1 row)'])).toEqual(['2: S3cr3tPass! -> S3cr3tPass! (password)']);
  });

  it("takes a column as the key rules take a member of that name: the rule's pattern, its values", () => {
    expect(marked([' id | api_key          | github_token', '----+------------------+----------------', '  1 | ak_9f8e7d6c5b4a  | ghs_abcdefgh12'])).toEqual([
      '2: ak_9f8e7d6c5b4a -> ak_9f8e7d6c5b4a (api_key)',
      '2: ghs_abcdefgh12 -> ghs_abcdefgh12 (*_token)',
    ]);
    // An empty cell, mysql's NULL, a mask and one of logveil's tokens are left.
    expect(marked(['id,user,password', '1,bob,', '2,carl,NULL', '3,dan,********', '4,eve,[[PASSWORD]]'])).toEqual([]);
  });

  it('marks nothing under a header that names no credential column', () => {
    expect(marked(['+----+-------+-------+', '| id | user  | email |', '+----+-------+-------+', '|  1 | bob   | b@x.y |', '+----+-------+-------+'])).toEqual([]);
    expect(marked(['id,user,role', '1,bob,S3cr3tPass!'])).toEqual([]);
    expect(marked([' Field    | Type         | Key', '----------+--------------+-----', ' password | varchar(255) |'])).toEqual([]);
  });

  it('reads a prose line with pipes as no row, and closes the table at it', () => {
    // No rule under it: prose with bars opens nothing.
    expect(marked(['user | password | note', 'bob | S3cr3tPass! | x'])).toEqual([]);
    expect(marked(['step 1 | step 2', '------+-------', 'done | S3cr3tPass!'])).toEqual([]);
    // A line of prose among rows closes the table: the rows after it are no table's.
    expect(marked([...PSQL.slice(0, 3), 'query took 2ms | retrying', '  2 | alice | Tr0ub4dor&3'])).toEqual(['2: S3cr3tPass! -> S3cr3tPass! (password)']);
    // Prose after a CSV header, of another number of cells, is no row.
    expect(marked(['id,user,password', 'Connecting as bob, attempt 2', '2,alice,Tr0ub4dor&3'])).toEqual([]);
  });

  it("reads by position a row of mysql's, sqlite3's box or psql's table whose cell holds a bar, and the rows below it", () => {
    const mysql = ['+----+-------+--------------+', '| id | user  | password     |', '+----+-------+--------------+', '|  1 | a|b   | Zq8xW2vLp9Rt |', '|  2 | bob   | Hk3mN7bQs1Yf |', '+----+-------+--------------+'];
    expect(marked(mysql)).toEqual(['3: Zq8xW2vLp9Rt -> Zq8xW2vLp9Rt (password)', '4: Hk3mN7bQs1Yf -> Hk3mN7bQs1Yf (password)']);
    const psql = [' id |  user  |   password', '----+--------+--------------', '  3 | car|ol | Hk3mN7bQs1Yf', '  4 | dan    | Zq8xW2vLp9Rt', '(2 rows)'];
    expect(marked(psql)).toEqual(['2: Hk3mN7bQs1Yf -> Hk3mN7bQs1Yf (password)', '3: Zq8xW2vLp9Rt -> Zq8xW2vLp9Rt (password)']);
    // The credential cell holds the bar.
    expect(marked([...psql.slice(0, 2), '  3 | carol  | Hk3m|N7bQs1Y'])).toEqual(['2: Hk3m|N7bQs1Y -> Hk3m|N7bQs1Y (password)']);
    const box = ['│ id │ user  │  password   │', '├────┼───────┼─────────────┤', '│ 1  │ a│b   │ Zq8xW2vLp9R │', '│ 2  │ bob   │ Hk3mN7bQs1Y │'];
    expect(marked(box)).toEqual(['2: Zq8xW2vLp9R -> Zq8xW2vLp9R (password)', '3: Hk3mN7bQs1Y -> Hk3mN7bQs1Y (password)']);
    // A row not padded to the rule is split at its bars, as before.
    expect(marked([...mysql.slice(0, 3), '| 1 | bob | Zq8xW2vLp9Rt |'])).toEqual(['3: Zq8xW2vLp9Rt -> Zq8xW2vLp9Rt (password)']);
  });

  it('reads a CSV row whose quoted cell spans lines, and a row of any text in its cells', () => {
    expect(marked(['id,note,password', '1,"line one', 'line two",Zq8xW2vLp9Rt', '2,x,Hk3mN7bQs1Yf'])).toEqual(['2: Zq8xW2vLp9Rt -> Zq8xW2vLp9Rt (password)', '3: Hk3mN7bQs1Yf -> Hk3mN7bQs1Yf (password)']);
    // The quoted credential cell itself spans lines: each part is taken.
    expect(marked(['id,password', '1,"Zq8xW2v', 'Lp9Rt""x"', '2,Hk3mN7bQs1Yf'])).toEqual(['1: Zq8xW2v -> Zq8xW2v (password)', '2: Lp9Rt""x -> Lp9Rt"x (password)', '3: Hk3mN7bQs1Yf -> Hk3mN7bQs1Yf (password)']);
    expect(marked(['id,password,note', '1,Zq8xW2vLp9Rt,has "quote" inside', '2, Hk3mN7bQs1Yf, x'])).toEqual(['1: Zq8xW2vLp9Rt -> Zq8xW2vLp9Rt (password)', '2: Hk3mN7bQs1Yf -> Hk3mN7bQs1Yf (password)']);
    // An unclosed quote holds the table open no further than 64 lines.
    const long = Array.from({ length: 70 }, (_, k) => `text ${k}`);
    expect(marked(['id,note,password', '1,"open', ...long, '2,x,Hk3mN7bQs1Yf'])).toEqual([]);
    expect(after(['id,note,password', '1,"line one'])?.table).toMatchObject({ format: 'csv', quoted: { column: 1, lines: 1 } });
  });

  it('closes the table at a row of another column count', () => {
    expect(marked(['id,user,password', '1,bob', '2,alice,Tr0ub4dor&3'])).toEqual([]);
    expect(marked(['id\tuser\tpassword', '1\tbob\tS3cr3tPass!\textra', '2\talice\tTr0ub4dor&3'])).toEqual([]);
    expect(marked([...MYSQL.slice(0, 3), '|  1 | bob   |', '|  2 | alice | Tr0ub4dor&3  |'])).toEqual([]);
    // A psql cell wider than its column is no row of it.
    expect(marked([...PSQL.slice(0, 2), '  1 | bob and more | S3cr3tPass!'])).toEqual([]);
  });

  it('reads rows behind a log prefix of the shape of their header', () => {
    const ci = (n: number, line: string): string => `2024-05-01T10:00:0${n}.1234567Z ${line}`;
    const lines = PSQL.slice(0, 4).map((l, n) => ci(n, l));
    expect(marked(lines)).toEqual(['2: S3cr3tPass! -> S3cr3tPass! (password)', '3: Tr0ub4dor&3 -> Tr0ub4dor&3 (password)']);
    // A row behind another prefix, or none, is no row of it.
    expect(marked([...lines.slice(0, 2), `web-1  | ${PSQL[2] as string}`])).toEqual([]);
    expect(marked([...lines.slice(0, 2), PSQL[2] as string])).toEqual([]);
  });

  it('marks at every cut what the whole marks, given what the batcher carries', () => {
    const vocabulary = [...new Set([...MYSQL, ...PSQL, ...BATCH, ...COLUMN, ...BOX, ...CSV, ...SPANNED, '|  3 | a|b   | Zq8xW2vLp9Rt |', '  3 | a|b   | Zq8xW2vLp9Rt', 'plain text | with a bar', ''])];
    expectSameMarksAtEveryCut(vocabulary, 14, marked, after);
  });

  it('redacts a table cut across batches, with a finding for each cell, and leaves the rest', async () => {
    const rows = Array.from({ length: 40 }, (_, k) => `| ${String(k).padStart(2)} | u${String(k).padEnd(4)} | S3cr3t-${String(k).padStart(2, '0')}    |`);
    const lines = [...MYSQL.slice(0, 3), ...rows, MYSQL[5] as string, MYSQL[6] as string];
    const ctx = await batchContext(policy);
    for (const size of [1, 2, 7]) {
      const out = outputLines(await runBatches(ctx, lines, size, true));
      expect(out).toHaveLength(lines.length);
      expect(out.join('\n')).not.toMatch(/S3cr3t-/);
      expect(out.slice(0, 3)).toEqual(MYSQL.slice(0, 3));
      expect(out[3]).toMatch(/^\| {2}0 \| u0 {3} \| \[\[PASSWORD[^\]]*\]\] {4}\|$/);
    }
    const r = await runEngine(batchText([...PSQL, ...CSV]));
    expect(r.output).not.toMatch(/S3cr3tPass|Tr0ub/);
    expect(r.summary).toMatchObject({ recordsIn: 9, appOut: 9, findings: { 'key:password': 4 } });
  });

  it('closes a table at a blank line and at a JSON line, which the batcher reads no further back than', () => {
    expect(marked([...CSV.slice(0, 2), '', CSV[2] as string])).toEqual(['1: S3cr3tPass! -> S3cr3tPass! (password)']);
    expect(marked([...COLUMN.slice(0, 3), '   ', COLUMN[3] as string])).toEqual(['2: S3cr3tPass! -> S3cr3tPass! (password)']);
    expect(marked([...BATCH.slice(0, 2), '{"a":1}', BATCH[2] as string])).toEqual(['1: S3cr3tPass! -> S3cr3tPass! (password)']);
    expect(after([...BATCH, '{"a":1}'])).toEqual({ last: '{"a":1}' });
    expect(after(BATCH)?.table).toMatchObject({ format: 'tsv', columns: ['id', 'user', 'password'], prefix: '' });
  });

  it('reads a JSON line by its first byte, and opens no table in it', () => {
    const data = Buffer.from('{"id":1,"user":"bob","password":"x"}\n{"a":"b"}\n');
    expect(tableStateAfter(data, undefined, undefined)).toBeUndefined();
    expect(tableValues(data, lineEnds(data), undefined, undefined, policy)).toBeUndefined();
  });
});
