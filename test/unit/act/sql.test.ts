import { describe, expect, it } from 'vitest';
import { embeddedValues } from '../../../src/act/embedded.js';
import { boundMembers } from '../../../src/act/embedded-objects.js';
import { boundParameters, boundTextValues, sqlValues } from '../../../src/act/sql.js';
import { runEngine } from '../../helpers/engine.js';
import { KeyRules } from '../../../src/detect/key-rules.js';
import type { KeyRuleSpec } from '../../../src/detect/pack.js';

const rules = new KeyRules([
  { keys: ['password', '*_token', 'api_key'], mode: 'redact', label: 'SECRET', category: 'credential', severity: 'high' } as KeyRuleSpec,
  { keys: ['first_name', 'last_name'], mode: 'redact', label: 'NAME', category: 'pii', severity: 'medium', matching: '\\p{L}' } as KeyRuleSpec,
  { keys: ['dob'], mode: 'redact', label: 'DOB', category: 'pii', severity: 'medium' } as KeyRuleSpec,
  { keys: ['trace_id'], mode: 'skip' } as KeyRuleSpec,
]);
/** What the rules take in `text`, with each value's column pattern, and the value as read where that differs. */
const taken = (text: string): string[] => sqlValues(text, rules).map((v) => `${v.pattern}=${text.slice(v.start, v.end)}${v.value === undefined ? '' : ` (${v.value})`}`);

describe('sqlValues', () => {
  it("takes a settings table's value by the name its row gives it", () => {
    expect(taken("UPDATE settings SET value = 'JjQ1rIrKO5j#aw6!' WHERE name = 'smtp_token'")).toEqual(['*_token=JjQ1rIrKO5j#aw6!']);
    expect(taken("INSERT INTO app_settings (name, value) VALUES ('api_key', 'k-93jd8'), ('smtp_host', 'mail.example.com')")).toEqual(['api_key=k-93jd8']);
    // A name no rule takes, two names compared, a name on another line: nothing.
    expect(taken("UPDATE settings SET value = '25' WHERE name = 'smtp_port'")).toEqual([]);
    expect(taken("UPDATE settings SET value = 'x9' WHERE name = 'password' OR name = 'host'")).toEqual([]);
    expect(taken("SELECT 1 WHERE name = 'password';\nUPDATE t SET value = 'x9' WHERE id = 4")).toEqual([]);
  });

  it("takes an INSERT's values by the position of their columns, in every row", () => {
    expect(taken("INSERT INTO users (first_name, email, password) VALUES ('Dana', 'd@example.com', 'S3cr3t!'), ('Max', NULL, 'Hunter2')")).toEqual([
      'first_name=Dana',
      'password=S3cr3t!',
      'first_name=Max',
      'password=Hunter2',
    ]);
    // Quoted and qualified names, N'' strings, '' and \' inside, numbers, placeholders.
    expect(taken(`insert into "public"."users" ("Last_Name", \`dob\`, [reset_token], x) values (N'O''Brien', 19840614, 'a\\'b', ?)`)).toEqual([
      "last_name=O''Brien (O'Brien)",
      'dob=19840614',
      "*_token=a\\'b (a'b)",
    ]);
    expect(taken('INSERT IGNORE INTO t (api_key) VALUES ($1)')).toEqual([]);
  });

  it('leaves a row whose values cannot all be read, and a row of another length, to the detectors', () => {
    expect(taken("INSERT INTO t (password, first_name) VALUES (crypt('S3cr3t', gen_salt('bf')), 'Dana')")).toEqual([]);
    expect(taken("INSERT INTO t (password, first_name) VALUES ('S3cr3t')")).toEqual([]);
    expect(taken("INSERT INTO t (password, first_name) SELECT 'S3cr3t', 'Dana'")).toEqual([]);
  });

  it('takes the operand of a comparison by its column: =, <>, LIKE and each item of IN', () => {
    expect(taken("UPDATE users SET password = 'S3cr3t', updated_at = NOW() WHERE u.last_name LIKE 'Smi%' AND first_name IN ('Ann', 'Bob') AND dob <> '1984-06-14'")).toEqual([
      'password=S3cr3t',
      'last_name=Smi%',
      'first_name=Ann',
      'first_name=Bob',
      'dob=1984-06-14',
    ]);
    // A rule that takes strings of a form leaves a number; a skip rule and other columns take nothing.
    expect(taken("SELECT 1 FROM t WHERE first_name = 42 AND trace_id = 'abc' AND status = 'x'")).toEqual([]);
    // A column compared with a column, an expression or a subquery.
    expect(taken('SELECT 1 FROM t WHERE password = other.password OR api_key = (SELECT k FROM keys)')).toEqual([]);
  });

  it('reads a long run of word characters after WHERE once, not from each of its characters', () => {
    // Quadratic, this would take minutes and time the test out.
    expect(taken(`SELECT 1 FROM t WHERE ${'a'.repeat(400_000)} IS NOT NULL AND password = 'S3cr3t'`)).toEqual(['password=S3cr3t']);
  });

  it('reads nothing in text without a statement', () => {
    expect(taken("using key password = 'hunter2-xyz'")).toEqual([]);
    expect(taken("password = 'S3cr3t' is how the config reads")).toEqual([]);
    expect(sqlValues("UPDATE t SET password = 'x'", new KeyRules([]))).toEqual([]);
  });

  it('takes the parameters TypeORM logs after a statement by the columns of their placeholders', () => {
    expect(taken('query: INSERT INTO "user"("first_name", "x", "dob") VALUES ($1, $2, $3) -- PARAMETERS: ["Dana",7,"1984-06-14"]')).toEqual(['first_name=Dana', 'dob=1984-06-14']);
    expect(taken('query: SELECT * FROM u WHERE u.x = $1 AND u.password = $2 -- PARAMETERS: ["a","S3cr\\"et"]')).toEqual(['password=S3cr\\"et (S3cr"et)']);
    // Question marks by their rank, one inside a string not counted; too few parameters.
    expect(taken("query: UPDATE t SET note = '?', api_key = ? WHERE first_name = ? -- PARAMETERS: [\"k1\",\"Ann\"]")).toEqual(['api_key=k1', 'first_name=Ann']);
    expect(taken('query: UPDATE t SET api_key = $3 -- PARAMETERS: ["k1"]')).toEqual([]);
  });

  it('takes the bindings Laravel logs after a statement, a JSON array ending the line, by the columns of their placeholders', () => {
    expect(taken('[2024-05-01 10:00:00] local.DEBUG: select * from `users` where `api_token` = ? limit 1 ["xMEUbfpIpQm60N81uhZ5toLSm6CGqL8YtHCFATdE"]')).toEqual([
      '*_token=xMEUbfpIpQm60N81uhZ5toLSm6CGqL8YtHCFATdE',
    ]);
    expect(taken('insert into `users` (`email`, `password`, `first_name`) values (?, ?, ?) ["a@b.co","S3cr\\"et","Ann"]  \r')).toEqual(['password=S3cr\\"et (S3cr"et)', 'first_name=Ann']);
    // Each line of a text by itself; a string in the bindings that holds ` [`; no array at the end; no placeholder.
    expect(taken('update users set password = ? where id = ? ["a [b] c", 4]\nselect 1 from t where first_name = ? ["Ann"]')).toEqual(['password=a [b] c', 'first_name=Ann']);
    expect(taken('update users set password = ? where id = ? ["S3cr3t", 4] (12 ms)')).toEqual([]);
    expect(taken('update users set password = \'x\' [retry 2]')).toEqual(['password=x']);
  });

  it("takes the values Laravel's QueryException puts in an INSERT without quotes, by their columns", () => {
    const error = (sql: string): string => `[2024-03-05 14:22:31] production.ERROR: SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry (Connection: mysql, SQL: ${sql}) {"exception":"[object] (Illuminate\\Database\\QueryException(code: 23000): at /var/www/x.php:829)"}`;
    expect(taken(error('insert into `users` (`email`, `password`, `first_name`) values (a@example.com, dragon(Orange)445-, Ann)'))).toEqual(['password=dragon(Orange)445-', 'first_name=Ann']);
    // Laravel 9's form; a value holding ", " (which value is whose cannot be told: the row under each column a rule takes).
    expect(taken('SQLSTATE[23000]: x (SQL: insert into users (email, password) values (a@example.com, pass, word!))')).toEqual(['password=a@example.com, pass, word!']);
    // Quoted literals are read as SQL's; a number is no string for a rule that takes strings only.
    expect(taken(error("insert into users (email, password) values ('a@example.com', 'S3cr3t!')"))).toEqual(['password=S3cr3t!']);
    expect(taken(error('insert into users (email, first_name) values (a@example.com, 42)'))).toEqual([]);
    // PostgreSQL's RETURNING; a message with no quote at all, read through embeddedValues.
    expect(taken('SQLSTATE[23505]: x (Connection: pgsql, SQL: insert into "users" ("name", "password") values (Ann, Pw-M4!xyzq) returning "id")')).toEqual(['password=Pw-M4!xyzq']);
    const bare = 'SQLSTATE[HY000]: General error: 1205 Lock wait timeout exceeded; try restarting transaction (Connection: mysql, SQL: insert into `users` (`email`, `password`) values (ann@example.com, Pw-M1!xyzq))';
    expect(embeddedValues(bare, rules).map((v) => bare.slice(v.start, v.end))).toEqual(['Pw-M1!xyzq']);
  });

  it("takes the values of an UPDATE's SET clause in Laravel's QueryException by their columns", () => {
    const error = (sql: string): string => `[2024-03-05 14:22:31] production.ERROR: SQLSTATE[40001]: Serialization failure: 1213 Deadlock found (Connection: mysql, SQL: ${sql}) {"exception":"[object] (Illuminate\\Database\\QueryException(code: 40001): at /var/www/x.php:829)"}`;
    expect(taken(error('update `users` set `remember_token` = Tk-Zq8vpL2mN0xRt5, `first_name` = Ann, Lee, `updated_at` = 2024-05-01 10:00:00 where `id` = 5'))).toEqual([
      '*_token=Tk-Zq8vpL2mN0xRt5',
      'first_name=Ann, Lee',
    ]);
    // Without WHERE; quoted literals are the statement reader's; a number is no string for a rule that takes strings only.
    expect(taken('SQLSTATE[22001]: x (Connection: mysql, SQL: update users set password = Pw-L6!xyzq)')).toEqual(['password=Pw-L6!xyzq']);
    expect(taken(error("update users set password = 'Pw-L6!xyzq' where id = 5"))).toEqual(['password=Pw-L6!xyzq']);
    expect(taken(error('update users set first_name = 42 where id = 5'))).toEqual([]);
    // A WHERE clause's conditions, to the next AND or OR, or what may follow the clause.
    expect(taken(error('select * from `users` where `email` = a@b.c and `password` = Pw-L7 and me!xyzq limit 1'))).toEqual(['password=Pw-L7 and me!xyzq']);
    expect(taken(error('update `users` set `api_key` = k-Zq8vpL2mN0xRt5 where (`remember_token` = Tk-1!xyzq or `id` = 5)'))).toEqual(['api_key=k-Zq8vpL2mN0xRt5', '*_token=Tk-1!xyzq']);
    expect(taken('SQLSTATE[HY000]: x (Connection: mysql, SQL: delete from sessions where session_token = St-2!xyzq)')).toEqual(['*_token=St-2!xyzq']);
  });

  it("reads Laravel's messages in time linear in their length, each statement given once", () => {
    const n = 20_000;
    expect(taken("'x' " + '(SQL: insert into t (a, password) values (x'.repeat(n))).toEqual([]);
    expect(taken("'x' " + '(SQL: insert into t (a, password) values (x, y, z'.repeat(n) + '))')).toEqual(['password=x, y, z']);
    expect(taken("'x' " + '(SQL: update t set a = x, password = '.repeat(n))).toEqual([]);
    expect(taken("'x' " + '(SQL: select * from t where a = x and password = y or '.repeat(n))).toEqual([]);
  });

  it('takes the parameters Entity Framework Core logs before its statement by the columns their names stand for', () => {
    const command = (parameters: string, sql: string): string => `Executed DbCommand (4ms) [Parameters=[${parameters}], CommandType='Text', CommandTimeout='30']\n${sql}`;
    expect(taken(command("@p0='2e771bd6-0001', @p1='OrangeCopper9414$' (Nullable = false) (Size = 4000), @p2='Ann' (Size = 256)", 'SET NOCOUNT ON;\nINSERT INTO [Users] ([Id], [Password], [first_name])\nVALUES (@p0, @p1, @p2);'))).toEqual([
      'password=OrangeCopper9414$',
      'first_name=Ann',
    ]);
    // EF Core writes a quote in a value as it is; SQL Server's OUTPUT clause; a size of -1; a list; NULL.
    expect(taken(command("@p0='O'Brien' (Size = 4000), @p1='Hunt'er7Zq' (Size = -1), @p2={ 'a', 'b' } (DbType = Object), @p3=NULL (DbType = Int32), @p4='x'", 'INSERT INTO [Users] ([first_name], [Password], [Tags], [Age], [api_key])\nOUTPUT INSERTED.[Id]\nVALUES (@p0, @p1, @p2, @p3, @p4);'))).toEqual([
      "first_name=O'Brien",
      "password=Hunt'er7Zq",
      'api_key=x',
    ]);
    // SQL Server's insert of several rows: a MERGE whose source is the rows, named after them.
    const merge = "MERGE [Users] USING (\nVALUES (@p0, @p1, 0),\n(@p2, @p3, 1)) AS i ([first_name], [Password], _Position) ON 1=0\nWHEN NOT MATCHED THEN\nINSERT ([first_name], [Password])\nVALUES (i.[first_name], i.[Password])\nOUTPUT INSERTED.[Id], i._Position;";
    expect(taken(command("@p0='Ann' (Size = 256), @p1='Pw-One-9x' (Size = 4000), @p2='Bob' (Size = 256), @p3='Pw-Two-9x' (Size = 4000)", merge))).toEqual(['first_name=Ann', 'password=Pw-One-9x', 'first_name=Bob', 'password=Pw-Two-9x']);
    expect(taken("MERGE INTO users USING (VALUES ('Ann', 'Pw-Lit-9x')) AS s (first_name, password) ON users.first_name = s.first_name")).toEqual(['first_name=Ann', 'password=Pw-Lit-9x']);
    // Each command's parameters by its own statement.
    const two = `${command("@p0='S3cr3tOne'", 'UPDATE [Users] SET [Password] = @p0;')}\n${command("@p0='Ann'", 'INSERT INTO [Users] ([first_name]) VALUES (@p0);')}`;
    expect(taken(two)).toEqual(['password=S3cr3tOne', 'first_name=Ann']);
    expect(taken(command("@__token_0='k9Jd83hfLq0sPz' (Size = 64)", 'SELECT TOP(1) [u].[Id] FROM [Users] AS [u] WHERE [u].[api_token] = @__token_0'))).toEqual(['*_token=k9Jd83hfLq0sPz']);
    // Without sensitive data logging; a name the statement does not use; NULL.
    expect(taken(command("@p0='?' (DbType = Guid), @p1='?' (Size = 4000)", 'INSERT INTO [Users] ([Id], [Password]) VALUES (@p0, @p1);'))).toEqual([]);
    expect(taken(command("@p9='S3cr3t', @p1=NULL", 'INSERT INTO [Users] ([Id], [Password]) VALUES (@p0, @p1);'))).toEqual([]);
  });

  it("takes an EF Core query's parameter by the variable it is named after where its statement is not in the text", async () => {
    expect(taken("      Executed DbCommand (2ms) [Parameters=[@__api_key_0='k-Zq8vpL2mN0xRt5' (Size = 64), @__first_name_1='Ann', @p0='x'], CommandType='Text', CommandTimeout='30']")).toEqual([
      'api_key=k-Zq8vpL2mN0xRt5',
      'first_name=Ann',
    ]);
    // A text log's line, alone.
    const line = "      Executed DbCommand (2ms) [Parameters=[@__apiKey_0='k-Zq8vpL2mN0xRt5' (Size = 64)], CommandType='Text', CommandTimeout='30']";
    const r = await runEngine(`info: Microsoft.EntityFrameworkCore.Database.Command[20101]\n${line}\n      SELECT TOP(1) [u].[Id]\n`);
    expect(r.output).not.toContain('k-Zq8vpL2mN0xRt5');
    // With its statement, by the column the statement compares.
    expect(taken("Executed DbCommand (2ms) [Parameters=[@__token_0='k-Zq8vpL2mN0xRt5'], CommandType='Text']\nSELECT 1 FROM [Users] WHERE [u].[dob] = @__token_0")).toEqual(['dob=k-Zq8vpL2mN0xRt5']);
  });

  it('reads many EF Core parameter lists, values with quotes and no end in time linear in their length', () => {
    const n = 20_000;
    const insert = '\nINSERT INTO t (password) VALUES (@p0)';
    expect(taken(`[Parameters=[@p0='${"a'".repeat(n)}${insert}`)).toEqual([]);
    expect(taken(`${"[Parameters=[@p0='x ".repeat(n)}${insert}`)).toEqual([]);
    // Ambiguous: a value may hold what looks like the next parameter; it ends at the first quote a parameter follows.
    expect(taken(`[Parameters=[@p0='a', @p1='b' (Size = 1)]${insert}`)).toEqual(['password=a']);
  });

  it('reads a line of many ` [` and placeholders in time linear in its length', () => {
    const n = 100_000;
    const text = `update t set password = ? where x = ?${' [a'.repeat(n)} ["S3cr3t"]\n`.repeat(4);
    expect(taken(text)).toEqual([]);
  });

  it('names the parameters an object holds beside its statement, by their columns', () => {
    const bound = (object: Record<string, unknown>): Array<[number, string]> => [...(boundParameters(rules, object as never, Object.keys(object))?.items ?? [])].map(([i, p]) => [i, p.pattern]);
    expect(bound({ sql: 'insert into users (first_name, age, dob) values (?, ?, ?)', bindings: ['Ann', 42, '1984-06-14'] })).toEqual([[0, 'first_name'], [2, 'dob']]);
    expect(bound({ Bind: [1, 'S3cr3t'], query: 'UPDATE u SET password = $2 WHERE id = $1' })).toEqual([[1, 'password']]);
    // A rule that takes strings of a form leaves a number; no statement; no parameters member.
    expect(bound({ sql: 'select 1 from t where first_name = ?', params: [42] })).toEqual([]);
    expect(bound({ msg: 'retrying', params: ['Ann'] })).toEqual([]);
    expect(bound({ sql: 'select 1 from t where first_name = ?', list: ['Ann'] })).toEqual([]);
    // Prisma's query event gives its params as a string of JSON.
    const prisma = { query: 'SELECT "id" FROM "User" WHERE ("email" = $1 AND "reset_token" = $2) LIMIT $3', params: '["ann@example.com", "20db5c120a\\"cd271b", 1]' };
    const items = boundParameters(rules, prisma as never, Object.keys(prisma))?.items;
    expect([...(items ?? [])].map(([i, p]) => [i, p.pattern])).toEqual([[1, '*_token']]);
    expect(boundTextValues(prisma.params, items ?? new Map()).map((v) => [prisma.params.slice(v.start, v.end), v.value])).toEqual([['20db5c120a\\"cd271b', '20db5c120a"cd271b']]);
    expect(bound({ query: 'SELECT 1 WHERE "resetToken" = $1', params: '[not json' })).toEqual([]);
    // An array or an object item is taken whole.
    const list = { query: 'UPDATE "User" SET "password" = $2 WHERE "email" = $1', params: '["ann@example.com",["Pw-PA!xyzq"]]' };
    const listItems = boundParameters(rules, list as never, Object.keys(list))?.items ?? new Map();
    expect(boundTextValues(list.params, listItems).map((v) => list.params.slice(v.start, v.end))).toEqual(['["Pw-PA!xyzq"]']);
  });

  it("redacts a bind parameter in a string of JSON in place, the rest of the record as it was", async () => {
    const line = JSON.stringify({ timestamp: '2024-03-05T14:22:31.123Z', query: 'SELECT "public"."User"."id" FROM "public"."User" WHERE ("public"."User"."email" = $1 AND "public"."User"."resetToken" = $2) LIMIT $3', params: '["peggy@example.co.uk", "20db5c120acd271b3e34f8404a9530ea35e7241a", 1]', duration: 2 });
    const r = await runEngine(`${line}\n`);
    expect(r.summary).toMatchObject({ recordsIn: 1, appOut: 1 });
    const out = JSON.parse(r.output) as { params: string; duration: number };
    expect(out.params).not.toContain('20db5c120acd271b3e34f8404a9530ea35e7241a');
    expect(out.params).toMatch(/^\["\[\[EMAIL:[^"]+\]\]", "\[\[[A-Z_]+[^"]*\]\]", 1\]$/);
    expect(out.duration).toBe(2);
  });

  it('takes the parameters of an object inside a text, in its array or in the string of JSON that holds them', () => {
    const held = (text: string): string[] => boundMembers(text, rules).map((v) => `${v.pattern}=${text.slice(v.start, v.end)}${v.value === undefined ? '' : ` (${v.value})`}`);
    // Prisma's query event as a container's line holds it: a string of JSON inside a string of JSON.
    const prisma = JSON.stringify({ query: 'SELECT "id" FROM "User" WHERE ("email" = $1 AND "reset_token" = $2) LIMIT $3', params: '["ann@example.com", "20db5c\\"cd271b\\u00e9", 1]' });
    expect(held(prisma)).toEqual(['*_token=20db5c\\\\\\"cd271b\\\\u00e9 (20db5c"cd271bé)']);
    // An array beside its statement, after a text prefix; objects inside others.
    expect(held('prisma:query {"sql":"insert into users (first_name, password) values (?, ?)","bindings":["Ann","S3cr3t!"]} 3ms')).toEqual(['first_name=Ann', 'password=S3cr3t!']);
    expect(held('{"event":{"db":{"query":"UPDATE u SET password = $2 WHERE id = $1","params":[7,"Pw-9x!q"]}}}')).toEqual(['password=Pw-9x!q']);
    // No statement, parameters that are no array, no object: nothing.
    expect(held('{"msg":"retry","params":["S3cr3t!"]}')).toEqual([]);
    expect(held('{"sql":"update u set password = ?","params":"[not json"}')).toEqual([]);
    expect(held('"params": ["S3cr3t!"] update u set password = ?')).toEqual([]);
    // A key given twice: JSON reads the last.
    expect(held('{"query":"UPDATE u SET password = $1 WHERE id = $2","params":["public-H8",7],"params":["S3cret-H8b",7]}')).toEqual(['password=S3cret-H8b']);
  });

  it('redacts the parameters of a query event a container runtime wrapped, in place', async () => {
    const event = JSON.stringify({ query: 'UPDATE "User" SET "password" = $1 WHERE "id" = $2', params: '["Pw-Zq8v!pL2mN0x", 7]', duration: 2 });
    const r = await runEngine(`${JSON.stringify({ log: `${event}\n`, stream: 'stdout', time: '2024-05-01T10:00:00Z' })}\n`);
    expect(r.summary).toMatchObject({ recordsIn: 1, appOut: 1 });
    expect(r.output).not.toContain('Pw-Zq8v!pL2mN0x');
    const inner = JSON.parse((JSON.parse(r.output) as { log: string }).log) as { params: string; duration: number };
    expect(JSON.parse(inner.params)).toEqual(['[[PASSWORD]]', 7]);
    expect(inner.duration).toBe(2);
  });

  it('counts question marks once each, however many a statement holds', () => {
    const n = 200_000;
    const text = `INSERT INTO t (${Array.from({ length: n }, (_, i) => `c${i}`).join(',')}, dob) VALUES (${'?,'.repeat(n)}?) -- PARAMETERS: [${'0,'.repeat(n)}"1984-06-14"]`;
    expect(taken(text)).toEqual(['dob=1984-06-14']);
  });

  it('is read through embeddedValues, in the readings of a text too (JSON escapes once more)', () => {
    const text = String.raw`{"db.statement":"INSERT INTO \"users\" (\"first_name\", \"password\") VALUES ('Dana', 'S3cr3t')"}`;
    expect(embeddedValues(text, rules).map((v) => text.slice(v.start, v.end))).toEqual(['Dana', 'S3cr3t']);
  });
});
