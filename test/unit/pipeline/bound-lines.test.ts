import { describe, expect, it } from 'vitest';
import { boundValues } from '../../../src/pipeline/bound-lines.js';
import { linesAfter } from '../../../src/pipeline/lookback.js';
import { builtinPolicy, runEngine } from '../../helpers/engine.js';
import { batchText, expectSameMarksAtEveryCut, lookbackMarks } from '../../helpers/line-marks.js';

const policy = builtinPolicy();

/** The values each marked line of `lines` (one batch) holds, as `line: value (pattern)`. */
const marked = (lines: readonly string[], before?: readonly string[]): string[] => lookbackMarks(lines, policy, boundValues, before);

const after = (lines: readonly string[], before?: readonly string[]): readonly string[] | undefined => linesAfter(Buffer.from(batchText(lines)), before);

const SPRING = '2024-05-01 23:58:23.721 TRACE 11776 --- [nio-8080-exec-2] o.h.type.descriptor.sql.BasicBinder      : ';
const HIBERNATE_SQL = '2024-05-01 23:58:23.720 DEBUG 11776 --- [nio-8080-exec-2] org.hibernate.SQL                        : ';
const ALCHEMY = '2024-01-17 07:50:40,059 INFO sqlalchemy.engine.Engine ';

describe('bind parameters on the lines after their statement', () => {
  it("takes Hibernate's binder lines by the columns of the statement before them", () => {
    const lines = [
      `${HIBERNATE_SQL}insert into users (email, password, phone, api_token, id) values (?, ?, ?, ?, ?)`,
      `${SPRING}binding parameter [1] as [VARCHAR] - [frank.wilson@example.com]`,
      `${SPRING}binding parameter [2] as [VARCHAR] - [F-pkV3bbH!uy8qM3]`,
      `${SPRING}binding parameter [3] as [VARCHAR] - [+1-415-859-6440]`,
      `${SPRING}binding parameter [4] as [VARCHAR] - [Qsby[CUuH]MoveidQfscY]`,
      `${SPRING}binding parameter [5] as [BIGINT] - [9771155294]`,
    ];
    expect(marked(lines)).toEqual(['2: F-pkV3bbH!uy8qM3 -> F-pkV3bbH!uy8qM3 (password)', '4: Qsby[CUuH]MoveidQfscY -> Qsby[CUuH]MoveidQfscY (*_token)']);
    // Hibernate 6.2's form, an UPDATE's SET and WHERE; a null is no value.
    const update = [
      `${HIBERNATE_SQL}update customers set card_number=?, password_hash=?, secret=? where id=?`,
      `${SPRING}binding parameter (1:VARCHAR) <- [5524809178271326]`,
      `${SPRING}binding parameter (2:VARCHAR) <- [.I#gpuaYiPQj]`,
      `${SPRING}binding parameter (3:VARCHAR) <- [null]`,
      `${SPRING}binding parameter (4:BIGINT) <- [4819112814]`,
    ];
    expect(marked(update)).toEqual(['2: .I#gpuaYiPQj -> .I#gpuaYiPQj (*password_hash)']);
  });

  it("takes SQLAlchemy's tuple and list of tuples, and Prisma's Params array, by place", () => {
    expect(
      marked([
        `${ALCHEMY}UPDATE users SET password=?, api_token=? WHERE users.email = ?`,
        `${ALCHEMY}[cached since 41.27s ago] ('falcon$hj0hur63', "it's-Zq8vpL2mN0xRt5", 'pmartin71@example.co.uk')`,
      ]),
    ).toEqual(['1: falcon$hj0hur63 -> falcon$hj0hur63 (password)', "1: it's-Zq8vpL2mN0xRt5 -> it's-Zq8vpL2mN0xRt5 (*_token)"]);
    expect(
      marked([
        `${ALCHEMY}INSERT INTO accounts (name, api_key) VALUES (?, ?)`,
        `${ALCHEMY}[generated in 0.00021s] [('ann', 'k-Zq8vpL2mN0xRt5'), ('bob', 'k-d0VnwVvByQ1zs')]`,
      ]),
    ).toEqual(['1: k-Zq8vpL2mN0xRt5 -> k-Zq8vpL2mN0xRt5 (api_key)', '1: k-d0VnwVvByQ1zs -> k-d0VnwVvByQ1zs (api_key)']);
    // An item the reader cannot read (an argument that is a name), casts after the placeholders (asyncpg).
    expect(
      marked([
        `${ALCHEMY}UPDATE users SET password=?, updated_at=? WHERE users.id = ?`,
        `${ALCHEMY}[generated in 0.00015s] ('Pw-tz-aware-1!', datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc), {1, 2}, 5)`,
      ]),
    ).toEqual(['1: Pw-tz-aware-1! -> Pw-tz-aware-1! (password)']);
    expect(marked([`${ALCHEMY}INSERT INTO users (name, password) VALUES ($1::VARCHAR, $2::VARCHAR(64))`, `${ALCHEMY}[generated in 0.00015s] ('ann', 'Pw-asyncpg-8!')`])).toEqual([
      '1: Pw-asyncpg-8! -> Pw-asyncpg-8! (password)',
    ]);
    // Python's DB-API format placeholders (MySQL, psycopg2 with a tuple).
    expect(marked([`${ALCHEMY}INSERT INTO users (email, password) VALUES (%s, %s)`, `${ALCHEMY}[raw sql] ('ann@example.com', b'k-Zq8vpL2mN0xRt5')`])).toEqual([
      '1: k-Zq8vpL2mN0xRt5 -> k-Zq8vpL2mN0xRt5 (password)',
    ]);
    expect(
      marked([
        'prisma:query INSERT INTO "public"."User" ("email","password","createdAt") VALUES ($1,$2,$3) RETURNING "public"."User"."id"',
        'Params: ["oscar@example.net","falcon#X3W2O785","2024-03-05 14:22:31.123 UTC"]',
        'Duration: 3ms',
      ]),
    ).toEqual(['1: falcon#X3W2O785 -> falcon#X3W2O785 (password)']);
  });

  it("takes PostgreSQL's parameters by number and MyBatis's by place", () => {
    const PG = '2024-05-01 10:00:00.123 UTC [4242] ';
    expect(
      marked([
        `${PG}LOG:  execute <unnamed>: INSERT INTO users (email, password, note, api_token) VALUES ($1, $2, $3, $4)`,
        `${PG}DETAIL:  parameters: $1 = 'a@b.c', $2 = 'Zx9#Vb2!Lq8P''w4Rt', $3 = NULL, $4 = ''`,
        'LOG:  execute S_1: UPDATE accounts SET password = $2 WHERE id = $1',
        "DETAIL:  parameters: $1 = '42', $2 = 'Qw8#Rt5!Zx2'",
        // A value the line ends inside of is not read.
        'LOG:  execute S_2: UPDATE accounts SET password = $2 WHERE id = $1',
        "DETAIL:  parameters: $1 = 'y', $2 = 'Pw-cut-short",
      ]),
    ).toEqual(["1: Zx9#Vb2!Lq8P''w4Rt -> Zx9#Vb2!Lq8P'w4Rt (password)", '3: Qw8#Rt5!Zx2 -> Qw8#Rt5!Zx2 (password)']);
    const MYBATIS = '2024-05-01 10:00:01 DEBUG c.e.UserMapper.insert - ';
    expect(
      marked([
        `${MYBATIS}==>  Preparing: INSERT INTO users (email, password, age, secret) VALUES (?, ?, ?, ?)`,
        `${MYBATIS}==> Parameters: a@b.c(String), Zx9#Vb2!Lq8Pw4Rt(String), 42(Integer), null`,
        `${MYBATIS}<==    Updates: 1`,
        '==>  Preparing: UPDATE users SET password=?, token=? WHERE id=?',
        '==> Parameters: null, tok 9f8e(7d6c), 5b4a(String), 7(Long)',
      ]),
    ).toEqual(['1: Zx9#Vb2!Lq8Pw4Rt -> Zx9#Vb2!Lq8Pw4Rt (password)', '4: tok 9f8e(7d6c), 5b4a -> tok 9f8e(7d6c), 5b4a (token)']);
    // A value that holds `(Type), ` reads as two items: those after it may stand a place further on than they are read.
    expect(marked(['==>  Preparing: insert into users (nickname, password) values (?, ?)', '==> Parameters: a(String), b(String), Hunter3Secret!(String)'])).toEqual([
      '1: b -> b (password)',
      '1: Hunter3Secret! -> Hunter3Secret! (password)',
    ]);
    expect(marked(['==>  Preparing: update users set password=? where id=? limit ?', '==> Parameters: Hunter3Secret!(String), 7(Long), 1(Integer)'])).toEqual(['1: Hunter3Secret! -> Hunter3Secret! (password)']);
  });

  it('reads a statement written over several lines, from the word that starts it, or on the parameter line itself', () => {
    // SQLAlchemy writes a SELECT over several lines; a ? of a log prefix before the statement counts for nothing.
    expect(
      marked([
        `${ALCHEMY}SELECT api_tokens.id, api_tokens.secret `,
        'FROM users JOIN api_tokens ON users.id = api_tokens.user_id AND api_tokens.kind = ?',
        'WHERE api_tokens.secret = ?',
        `${ALCHEMY}[generated in 0.00015s] ('personal', 'Pw-join-2!')`,
      ]),
    ).toEqual(['3: Pw-join-2! -> Pw-join-2! (secret)']);
    expect(
      marked([
        '2024-05-01 10:00:00.000 DEBUG 1 --- [GET /api/users?page=2] org.hibernate.SQL : update users set password=?, email=? where id=?',
        `${SPRING}binding parameter [1] as [VARCHAR] - [F-pkV3bbH!uy8qM3]`,
        `${SPRING}binding parameter [2] as [VARCHAR] - [ann@example.com]`,
      ]),
    ).toEqual(['1: F-pkV3bbH!uy8qM3 -> F-pkV3bbH!uy8qM3 (password)']);
    // Hibernate's format_sql.
    expect(marked(['Hibernate: ', '    insert ', '    into', '        users', '        (email, password, id) ', '    values', '        (?, ?, ?)', `${SPRING}binding parameter [2] as [VARCHAR] - [F-pkV3bbH!uy8qM3]`])).toEqual([
      '7: F-pkV3bbH!uy8qM3 -> F-pkV3bbH!uy8qM3 (password)',
    ]);
    expect(marked(['Query: INSERT INTO "User" ("email","password") VALUES ($1,$2) Params: ["a@b.c","falcon#X3W2O785"]'])).toEqual(['0: falcon#X3W2O785 -> falcon#X3W2O785 (password)']);
    // SQLAlchemy 2.0's notes for many rows (insertmanyvalues).
    const insert = `${ALCHEMY}INSERT INTO users (name, password) VALUES (?, ?)`;
    for (const note of ['[generated in 0.00026s (insertmanyvalues) 1/2 (ordered; batch not supported)]', '[insertmanyvalues 2/2 (ordered; batch not supported)]']) {
      expect(marked([insert, `${ALCHEMY}${note} ('john', 'Pw-many-1!')`]), note).toEqual(['1: Pw-many-1! -> Pw-many-1! (password)']);
    }
  });

  it('passes over a subquery, prose and a statement word in a log prefix, and reads a long parameter line by its first bytes', () => {
    const formatted = ['    update', '        users ', '    set', '        password=?,', '        api_token=? ', '    where', '        id in (', '            select', '                u.id ', '            from', '                users u ', '            where', '                u.email=?', '        )'];
    expect(marked([...formatted, `${SPRING}binding parameter [1] as [VARCHAR] - [Pw-AC!xyzq]`, `${SPRING}binding parameter [2] as [VARCHAR] - [Tok-AD!xyzq]`])).toEqual([
      '14: Pw-AC!xyzq -> Pw-AC!xyzq (password)',
      '15: Tok-AD!xyzq -> Tok-AD!xyzq (*_token)',
    ]);
    const insert = `${HIBERNATE_SQL}insert into users (email, password) values (?, ?)`;
    expect(marked([insert, '2024-05-01 10:00:00 INFO c.a.Cache : Cache update complete', `2024-05-01 [update-worker-1] ${SPRING}binding parameter [2] as [VARCHAR] - [Pw-G!xyzq]`])).toEqual([
      '2: Pw-G!xyzq -> Pw-G!xyzq (password)',
    ]);
    const docs = `${HIBERNATE_SQL}insert into docs (id, payload, password) values (?, ?, ?)`;
    expect(marked([docs, `${SPRING}binding parameter [1] as [BIGINT] - [1]`, `${SPRING}binding parameter [2] as [VARCHAR] - [${'{"a":1}'.repeat(800)}]`, `${SPRING}binding parameter [3] as [VARCHAR] - [Pw-Z!xyzq]`])).toEqual([
      '3: Pw-Z!xyzq -> Pw-Z!xyzq (password)',
    ]);
  });

  it('takes nothing without a statement with placeholders close enough before', () => {
    const binder = `${SPRING}binding parameter [2] as [VARCHAR] - [F-pkV3bbH!uy8qM3]`;
    expect(marked([binder])).toEqual([]);
    // A statement with its values written: the parameter lines after it take no column.
    expect(marked([`${HIBERNATE_SQL}insert into users (email, password) values ('a', 'b')`, binder])).toEqual([]);
    // Too far after it.
    const statement = `${HIBERNATE_SQL}insert into users (email, password) values (?, ?)`;
    expect(marked([statement, ...Array<string>(64).fill('GET /health 200'), binder])).toEqual([]);
    expect(marked([statement, ...Array<string>(63).fill('GET /health 200'), binder])).toHaveLength(1);
    // Parameters of the statement between it and the line: that line's have no statement.
    expect(marked([statement, `${ALCHEMY}[generated in 0.00015s] ('a', 'b-s3cret')`, 'COMMIT', binder])).toEqual(['1: b-s3cret -> b-s3cret (password)']);
  });

  it('redacts the values in a run, and leaves every line otherwise as it was', async () => {
    const input = [
      `${HIBERNATE_SQL}insert into users (email, password) values (?, ?)`,
      `${SPRING}binding parameter [1] as [VARCHAR] - [ann]`,
      `${SPRING}binding parameter [2] as [VARCHAR] - [F-pkV3bbH!uy8qM3]`,
      `${ALCHEMY}UPDATE users SET password=? WHERE id = ?`,
      `${ALCHEMY}[no key 0.00010s] ('falcon$hj0hur63', 7)`,
      'LOG:  execute <unnamed>: UPDATE users SET password = $1 WHERE id = $2',
      "DETAIL:  parameters: $1 = 'it''s-Zq8vpL2mN0xRt5', $2 = '7'",
      '==>  Preparing: UPDATE users SET password=? WHERE id=?',
      '==> Parameters: Qw8#Rt5!Zx2(String), 7(Long)',
    ].join('\n');
    const r = await runEngine(input + '\n');
    expect(r.summary).toMatchObject({ recordsIn: 9, appOut: 9, quarantined: 0 });
    expect(r.output).not.toContain('F-pkV3bbH!uy8qM3');
    expect(r.output).not.toContain('falcon$hj0hur63');
    const out = r.output.split('\n');
    expect(out[6]).toMatch(/^DETAIL: {2}parameters: \$1 = '\[\[[^']+\]\]', \$2 = '7'$/);
    expect(out[8]).toMatch(/^==> Parameters: \[\[[^(]+\]\]\(String\), 7\(Long\)$/);
    expect(out[1]).toBe(`${SPRING}binding parameter [1] as [VARCHAR] - [ann]`);
    expect(out[2]).toMatch(/binding parameter \[2\] as \[VARCHAR\] - \[\[\[.+\]\]\]$/);
    expect(out[4]).toMatch(/^.+\[no key 0\.00010s\] \('\[\[.+\]\]', 7\)$/);
  });

  it('marks the same lines whatever the batches are cut at, with the state the batcher carries', () => {
    const vocabulary = [
      `${HIBERNATE_SQL}insert into users (email, password) values (?, ?)`,
      `${HIBERNATE_SQL}update users set api_token=? where id=?`,
      `${HIBERNATE_SQL}select u.id from users u where u.email='a@example.com'`,
      `${SPRING}binding parameter [1] as [VARCHAR] - [F-pkV3bbH!uy8qM3]`,
      `${SPRING}binding parameter [2] as [VARCHAR] - [x where y = 1]`,
      `${SPRING}binding parameter (2:VARCHAR) <- [Zq8v!pL2mN0xRt5]`,
      `${ALCHEMY}[generated in 0.00021s] ('Zq8v!pL2mN0xRt5', 'd0VnwVvByQ1zs')`,
      'Params: ["a","d0VnwVvByQ1zs"]',
      "DETAIL:  parameters: $1 = 'Zq8v!pL2mN0xRt5', $2 = NULL",
      '==> Parameters: d0VnwVvByQ1zs(String), 7(Long)',
      `${ALCHEMY}SELECT users.id `,
      'FROM users WHERE users.password = ?',
      '    insert ',
      '        (api_key, id) values (?, ?)',
      `x${'y'.repeat(4096)} binding parameter [1] as [VARCHAR] - [F-pkV3bbH!uy8qM3]`,
      'GET /health 200',
      '',
    ];
    expectSameMarksAtEveryCut(vocabulary, 12, marked, after);
  });
});
