import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../src/act/actions.js';
import type { LineFormat } from '../../src/codecs/jsonl.js';
import type { DataKey, HashKey } from '../../src/crypto/keys/cache.js';
import type { BatchContext, BatchResult } from '../../src/pipeline/batch.js';
import { hasCorpora } from '../helpers/corpora.js';
import { builtinPolicy, LIMITS } from '../helpers/engine.js';
import { bothPaths, corpusLines } from '../helpers/fast-path.js';
import { localKeys } from '../helpers/keys.js';
import { card, message } from '../helpers/values.js';

const policy = builtinPolicy();

describe('the raw-line fast path gives the same result as the structured path', () => {
  let base: Omit<BatchContext, 'fastPath'>;

  beforeAll(async () => {
    const { keys } = await localKeys();
    const tokenKey: DataKey = await keys.current();
    const hashKey: HashKey = await keys.hashKey();
    base = { policy, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey, quarantineKey: tokenKey };
  });

  const both = (lines: Array<string | Buffer>, format: LineFormat = 'auto'): BatchResult => bothPaths(base, lines, format);

  it.skipIf(!hasCorpora)('on real log lines and labelled PII sentences', () => {
    const lines = corpusLines();
    for (let i = 0; i < lines.length; i += 500) both(lines.slice(i, i + 500));
    // Strictly as JSON lines: the text lines are rejected on both paths alike.
    for (let i = 0; i < lines.length; i += 2000) both(lines.slice(i, i + 500), 'jsonl');
  });

  it('on strict JSON lines: a line that is one and holds nothing passes as it came, the others are rejected alike', () => {
    const lines = ['{"a":1}', 'plain text', '{"msg":"mail bob@example.com"}', '[1, 2]', '{bad json}', '[notice] x', '\uFEFF{"x":1}', '{"n":1} '];
    const r = both(lines, 'jsonl');
    expect(r.fastPathLines).toBe(4);
    expect(r.quarantine.map((q) => [(q.source as { line: number }).line, q.code])).toEqual([
      [2, 'INVALID_JSON'],
      [5, 'INVALID_JSON'],
      [6, 'INVALID_JSON'],
    ]);
    expect(Buffer.from(r.output).toString()).not.toContain('bob@example.com');
  });

  it('on a JSON field a detector finds though the whole raw line, read as text, holds no match', () => {
    // Its own pattern wants a space or the end after the final point: the JSON line has a quote there.
    const line = '{"note":"Manchester: 0161 496 0000."}';
    both([line, 'Manchester: 0161 496 0000.', ` ${line}`, line.replace('{', '[').replace('}', ']')]);
    both([line], 'text');
  });

  it('on lines where a keyword stands near a number, or further from it than its detector reads', () => {
    // aba-routing-number and in-pan are held by what follows their keyword's gap (a PAN in upper
    // case is also taken without one, as is a DNI).
    const far = ' while waiting for a free connection slot';
    const lines = [
      `{"msg":"database${far}, retry 123456789"}`,
      '{"msg":"routing number 011000028"}',
      `{"span_id":"5f1c","note":"pan${far} ABCPE1234F"}`,
      '{"note":"PAN ABCPE1234F"}',
      `{"note":"pan${far} abcpe1234f"}`,
      '{"note":"pan abcpe1234f"}',
      '{"db":"database","n":123456789}',
      '{"123456789":"x","ABCPE1234F":2}',
      `{"routing${far} 011000028":1}`,
      '{"routing":{"v2":"011000028"}}',
      `{"k":"DNI${far} 1234567L"}`,
      '{"k":"DNI 1234567L"}',
      `routing${far}011000028`,
    ];
    for (const format of ['auto', 'text'] as const) {
      const r = both(lines, format);
      expect(r.quarantine, format).toEqual([]);
      expect(Object.keys(r.findings).sort(), format).toEqual(['aba-routing-number', 'es-dni-nie', 'in-pan', 'in-pan-no-keyword']);
    }
  });

  it('on JSON lines whose only escapes are line breaks and tabs: passed as written when nothing hides behind them', () => {
    const trace = '{"level":"error","msg":"TimeoutError: upstream timed out\\n    at Client.call (/app/src/client.js:59:13)\\n\\tat async run (/app/h.js:41:5)\\r\\n"}';
    // The number stands after a tab once parsed; as written, after the letter of the escape.
    const hidden = '{"msg":"ssn\\t078-05-1120"}';
    const lines = [trace, hidden, '{"a":"x\\ny","a":"z"}', '{"a":"ssn\\t078-05-1120","a":"z"}', '{"m":"c:\\\\new"}', `${trace.slice(0, -1)}`];
    const r = both(lines);
    // The trace, the repeated key that hides nothing and the path (a backslash and an n once parsed); not a line read as text (it does not close).
    expect(r.fastPathLines).toBe(3);
    expect([...r.outcomes]).toEqual([0, 1, 0, 3, 0, 0]);
    expect(Buffer.from(r.output).toString()).not.toContain('078-05-1120');
  });

  it('on JSON lines that carry JSON inside a string, its quotes escaped: passed as written when it holds nothing', () => {
    const lines = [
      '{"body":{"stringValue":"{\\"ts\\":\\"2024-01-01T00:00:00Z\\",\\"level\\":\\"info\\",\\"msg\\":\\"GET \\/health 200\\"}"}}',
      '{"body":{"stringValue":"{\\"user\\":\\"bob@example.com\\"}"}}',
      '{"m":"{\\"api_token\\":\\"x1y2z3w4\\"}"}',
      '{"m":"{\\"name\\":\\"DB_PASSWORD\\",\\"value\\":\\"hunter2xyz\\"}"}',
      '{"m":"{\\\\\\"api_token\\\\\\":\\\\\\"q9w8e7r6\\\\\\"}"}',
    ];
    const r = both(lines);
    expect(r.fastPathLines).toBe(1);
    const out = Buffer.from(r.output).toString();
    for (const secret of ['bob@example.com', 'x1y2z3w4', 'hunter2xyz', 'q9w8e7r6']) expect(out).not.toContain(secret);
  });

  it('on JSON lines with \\u escapes (Go writes & < > so, ASCII-only encoders every accent): passed as written when nothing hides behind them', () => {
    const lines = [
      '{"level":"info","msg":"GET /search?q=shoes\\u0026page=2 200","tag":"\\u003cnone\\u003e"}',
      '{"who":"Ren\\u00e9e M\\u00fcller","city":"\\u6771\\u4eac","mood":"\\ud83d\\ude00"}',
      '{"msg":"mail bob\\u0040example.com"}',
      '{"msg":"to=carol%\\u00340example.net"}',
      '{"msg":"bob\\u0026#64;example.com"}',
      '{"msg":"{\\u0022api_token\\u0022:\\u0022x1y2z3w4\\u0022}"}',
      '{"msg":"c:\\u005cu0040 \\ud83d\\ude00"}',
      '{mail=dave\\u0040example.org}',
      '{"p\\u0061ssword":"q9w8e7r6"}',
      '{"path":"C:\\\\Users\\\\Alice\\\\AppData\\\\Local","re":"^\\\\d+$"}',
      '{"m":"C:\\\\temp\\\\u0040 cfg={\'password\': \'q9\\\\\'w8e7r6\'}"}',
    ];
    const r = both(lines);
    // The first two and the Windows path; not the lines whose escapes spell a value, an escape, a backslash, a surrogate or a key.
    expect(r.fastPathLines).toBe(3);
    expect(Buffer.from(r.output).toString().split('\n').slice(0, 2)).toEqual(lines.slice(0, 2));
    const out = Buffer.from(r.output).toString();
    for (const hidden of ['bob\\u0040example.com', 'carol%\\u00340example.net', 'bob\\u0026#64;example.com', 'x1y2z3w4', 'dave\\u0040example.org', 'q9w8e7r6', 'w8e7r6']) expect(out).not.toContain(hidden);
  });

  it('on escaped backslashes before a control escape\'s letter, which key rules inside text read as that escape once more', () => {
    const R = String.raw;
    const lines = [
      R`{"path":"C:\\temp\\new\\bin\\app.log","level":"info"}`,
      R`{"m":"{\"name\":\\t\"DB_PASSWORD\",\"value\":\"hunter2xyz\"}"}`,
      R`{"m":"{\"key\":\\t\"api_token\",\"value\":\\t\"x1y2z3w4\"}"}`,
    ];
    const r = both(lines);
    // The path alone: the name-value objects spell their pairs with a tab once read twice.
    expect(r.fastPathLines).toBe(1);
    const out = Buffer.from(r.output).toString();
    for (const secret of ['hunter2xyz', 'x1y2z3w4']) expect(out).not.toContain(secret);
  });

  it('on OTLP bytes values, which base64 hides: never passed unparsed', () => {
    const b64 = (t: string): string => Buffer.from(t).toString('base64');
    const lines = [
      `{"scope":0,"logRecord":{"body":{"bytesValue":"${b64('user bob@example.com')}"}}}`,
      `{"scope":0,"logRecord":{"attributes":[{"key":"blob","value":{"bytes_value":"${b64('AKIAIOSFODNN7REALKEY')}"}}]}}`,
      `{"scope":0,"logRecord":{"body":{"bytesValue":"${b64('nothing here')}"}}}`,
    ];
    const r = both(lines);
    expect(r.fastPathLines).toBe(0);
    expect(Object.keys(r.findings).sort()).toEqual(['aws-access-key-id', 'email']);
    expect(Buffer.from(r.output).toString().split('\n')[2]).toBe(lines[2]);
  });

  it('on name-value objects inside a string spaced, prefixed or quoted as key rules inside text read them, and on lines read as text with escaped slashes and tabs', () => {
    const lines = [
      '{"m":"{\\"name\\":\\n\\"DB_PASSWORD\\",\\"value\\":\\"hunter2xyz\\"}"}',
      '{"m":"{\\"name\\"\\n: \\"DB_PASSWORD\\",\\"value\\":\\"hunter2xyz\\"}"}',
      '{"m":"{\\"name\\": u\\"DB_PASSWORD\\", \\"value\\": \\"hunter2xyz\\"}"}',
      '{"m":"{\\"name\\":\\"it\'s_password\\",\\"value\\":\\"hunter2xyz\\"}"}',
      '{"body":{"stringValue":"{\\"env\\":[{\\"name\\":\\r\\n\\"DB_PASSWORD\\",\\"value\\":\\"hunter2xyz\\"}]}"}}',
      '{"m":"{\'name\': u\'DB_PASSWORD\', \'value\': \'hunter2xyz\'}"}',
      "cfg={'name': u'DB_PASSWORD', 'value': 'hunter2xyz'}",
      '{"name":"it\'s_password","value":"hunter2xyz"}',
      '{"a":"{\\"name\\":\\n\\"DB_PASSWORD\\",\\"value\\":\\"hunter2xyz\\"}","a":"x"}',
      '{"a":"x","a":"{\\"name\\":\\n\\"DB_PASSWORD\\",\\"value\\":\\"hunter2xyz\\"}"}',
      '{conn=postgres:\\/\\/admin:hunt\\ter2@localhost\\/db}',
      '{"msg":"conn postgres:\\/\\/admin:hunt\\ter2@localhost\\/db",}',
      '{"msg":"login\\n","url":"https:\\/\\/admin:s3cr\\tet@localhost"}{"n":1}',
      // A name that holds an apostrophe before what names the value, or starts with one.
      '{"value":"hunter2xyz","name":"user\'s db_password"}',
      '{"name":"\'aws_secret_access_key","value":"dVoxkSmGUNEPvjAg5IHhu7YaNPCy/wzEKXSL6ULo"}',
      // A MIME encoded word whose base64 holds a `\/`, as PHP's json_encode writes it (Zoë Brontë <zoe@example.co.uk>).
      '{"subject":"=?UTF-8?B?Wm\\/DqyBCcm9udMOrIDx6b2VAZXhhbXBsZS5jby51az4=?="}',
    ];
    for (const format of ['auto', 'jsonl'] as const) {
      const r = both(lines, format);
      const out = Buffer.from(r.output).toString();
      for (const secret of ['hunter2xyz', 'hunt\\ter2', 's3cr\\tet', 'dVoxkSmG', 'Wm\\/Dqy']) expect(out, format).not.toContain(secret);
    }
  });

  it('on keys and names with line-break and tab escapes, which detection also reads as their words', () => {
    // `social\tsecurity` is read `social security: ...`; no reading of the raw line spells that.
    const lines = [
      '{"social\\tsecurity":"301482276"}',
      '{"\\npan\\n":"1234 10835 924518"}',
      '{"transit\\tnumber\\n":"124316081"}',
      '{"driver\\tlicense\\n":"07911123456"}',
      '{"msg":"ok","social\\tsecurity\\n":{"v":"301482276"}}',
      '[{"tax\\tid":"996-549652"}]',
      '\uFEFF{"uid\\tno":"784575441599"}',
      '{"name":"social\\tsecurity","value":"301482276"}',
      '{"social\\tsecurity":"301482276","social\\tsecurity":"z"}',
    ];
    const r = both(lines);
    expect(r.fastPathLines).toBe(0);
    const out = Buffer.from(r.output).toString();
    for (const secret of ['301482276', '1234 10835 924518', '124316081', '07911123456', '996-549652', '784575441599']) expect(out).not.toContain(secret);
    expect(r.outcomes[8]).toBe(3);
  });

  it('on keys that hold a keyword of several words apart by other characters than a space', () => {
    // Detection reads `social.security` as `social security: ...`; the raw line holds no `social security`.
    const lines = ['{"social.security":"301482276"}', '{"social  security":"301482276"}', '{"social\u00a0security":"301482276"}', '{"SOCIAL/SECURITY":"301482276"}', '{"name":"social.security","value":"301482276"}', '{"x":{"social|security":["301482276"]}}'];
    const r = both(lines);
    expect(r.fastPathLines).toBe(0);
    expect(Buffer.from(r.output).toString()).not.toContain('301482276');
  });

  it('on arrays of command-line arguments, Redis AUTH commands and name-value objects of other names, spelled with escapes or not', () => {
    const lines = ['{"p":[{"ParameterKey":"DbPassword","ParameterValue":"Sup3rS3cretPW"}]}', '{"e":[{"field":"pass\\u0077ord","rejectedValue":"Sup3rS3cretPW"}]}', '{"args":["--password","Sup3rS3cretPW"]}', '{"args":["--pass\\u0077ord","Sup3rS3cretPW"]}', '{"args":["-storepass" , 12345678]}', '{"args":["--db-password","x1y2z3w4"]}', '{"c":[["--api_key","k"]]}', '{"c":[["pass\\u0077ord","x1y2z3w4"],["host","db"]]}', '{"c":[[ "password" , "x1y2z3w4"]]}', '{"c":[["memorable_word","x1y2z3w4"],["host","db"]]}', '{"c":[["grant_type","authorization_code"],["code","x1y2z3w4"]]}', '{"rawHeaders":["Host","x","X-Api-Key","abcdefgh12345678ZZ"]}', '{"h":[["x-auth-\\u0074oken","abcdefgh12345678ZZ"]]}', '{"cmd":["AUTH","x1y2z3w4"]}', '{"cmd":[ "\\u0041UTH" , "default", "x1y2z3w4"]}', '{"a":["HELLO",3,"AUTH","default","x1y2z3w4","SETNAME","web"]}', '{"c":["sshpass","-p","x1y2z3w4","ssh","h"]}', '{"c":["/usr/bin/sshpass","-px1y2z3w4","ssh"]}', '{"c":["curl","-u","admin:x1y2z3w4","https://h"]}', '{"smtp":"S: 334 UGFzc3dvcmQ6\\r\\nC: eDF5MnozdzQ=\\r\\nS: 235 ok"}', 'type=EXECVE msg=audit(1700000000.123:456): argc=4 a0="sshpass" a1="-p" a2="x1y2z3w4" a3="ssh"', '{"message":"type=EXECVE msg=audit(1700000000.123:457): argc=3 a0=\\"mysql\\" a1=\\"-px1y2z3w4\\" a2=\\"shop\\""}', '{"m":"[\\"C:\\\\bin\\\\curl.exe\\",\\"--user\\",\\"admin:x1y2z3w4\\"]"}'];
    const r = both(lines);
    expect(r.fastPathLines).toBe(0);
    expect(Buffer.from(r.output).toString()).not.toMatch(/Sup3rS3cretPW|12345678|x1y2z3w4|eDF5MnozdzQ=/);
  });

  it('on names of name-value objects: read with the value beside them, and passed as written on a line without one (a span\'s name)', () => {
    // In the JSON lines the routing number's keywords stand only in the name: under another member
    // (`"n":"bank_rtn"`) the value is read alone and nothing finds it, so these lines fail unless the
    // name is read with the value. The text line is scanned whole on both paths.
    const lines = [
      '{"kind":"span","name":"grpc inventory.Reserve","duration_ms":25}',
      '{"kind":"span","name":"bank rtn lookup","attributes":{"n":1}}',
      '{"env":[{"name":"bank_rtn","value":"011000028"}]}',
      '{"attributes":[{"key":"aba routing","value":{"stringValue":"011000028"}}]}',
      "obj {'name': 'bank rtn', 'value': '011000028'}",
    ];
    const r = both(lines);
    expect(r.fastPathLines).toBe(2);
    const out = Buffer.from(r.output).toString().split('\n');
    expect(out.slice(0, 2)).toEqual(lines.slice(0, 2));
    for (const line of out.slice(2, 5)) expect(line).not.toContain('011000028');
  });

  it('on PowerShell encoded commands, bind parameters beside their statement, conditions met inside strings and change records', () => {
    const script = (text: string): string => Buffer.from(text, 'utf16le').toString('base64');
    const lines = [
      `{"CommandLine":"powershell.exe -NoProfile -EncodedCommand ${script('$password = "Sup3rS3cretPW"')}"}`,
      `{"CommandLine":"\\"C:\\\\powershell.exe\\" -enc \\"${script('$pw = "Sup3rS3cretPW"')}\\""}`,
      `4688 pwsh -e ${script('$password = "Sup3rS3cretPW"')}`,
      `{"CommandLine":"pwsh -e ${script('Get-Date')}"}`,
      `{"process":{"args":["powershell.exe","-enc","${script('$password = "Sup3rS3cretPW"')}"]}}`,
      `{"args":["-EncodedCommand", "${script('$pw = "Sup3rS3cretPW"')}"],"command":["pwsh"]}`,
      `{"m":"{\\"args\\":[\\"pwsh\\",\\"-e\\",\\"${script('$password = "Sup3rS3cretPW"')}\\"]}"}`,
      '{"sql":"insert into users (password, dob) values (?, ?)","bindings":["Sup3rS3cretPW","1984-06-14"]}',
      '{"q":"UPDATE u SET password = $2 WHERE id = $1","values":[1,"Sup3rS3cretPW"]}',
      'query: SELECT 1 FROM u WHERE u.x = 1 AND u.password = $1 -- PARAMETERS: ["Sup3rS3cretPW"]',
      '{"m":"apply {\\"kind\\":\\"Secret\\",\\"data\\":{\\"k\\":\\"Sup3rS3cretPW\\"}}"}',
      `{"m":"created {u'kind': u'Secret', u'data': {u'k': u'Sup3rS3cretPW'}}"}`,
      `obj {'api_version': 'v1', 'string_data': None, 'data': {'k': 'Sup3rS3cretPW'}, 'kind': 'Secret'}`,
      `obj {'kind': rb'Secret', 'string_data': {'k': 'Sup3rS3cretPW'}}`,
      '{"manifest":"kind: Secret\\nstringData:\\n  cfg: |\\n    user: admin\\n\\n    pw: Sup3rS3cretPW\\n  \\"k\\": v\\n"}',
      '{"manifest":"stringData: {pw: Sup3rS3cretPW}\\nkind: Secret"}',
      '{"value":"Sup3rS3cretPW","id":"https://kv1.vault.azure.net/secrets/db/01"}',
      '{"changes":[{"field":"password","old":"Sup3rS3cretPW","new":"Sup3rS3cretPW2"}]}',
      `{"payload":"${Buffer.from('{"password":"Sup3rS3cretPW"}').toString('base64')}"}`,
      `sent data=${Buffer.from('[{"user":"bob","api_token":"Sup3rS3cretPW"}]').toString('base64url')} ok`,
      `{"m":"record ${Buffer.from('{"inner":"' + Buffer.from('{"password":"Sup3rS3cretPW"}').toString('base64') + '"}').toString('base64')}"}`,
      `user-data script=${Buffer.from('#!/bin/bash\nexport DB_PASSWORD=Sup3rS3cretPW\n').toString('base64')}`,
      `{"vault":"kv get","value":"${Buffer.from('password=Sup3rS3cretPW').toString('base64url')}"}`,
      `{"m":"firehose data ${Buffer.from('2025-03-04 INFO ' + Buffer.from('db password: Sup3rS3cretPW').toString('base64')).toString('base64').replaceAll('/', '\\/')}"}`,
      `tcpdump payload 0x${Buffer.from('export API_TOKEN=Sup3rS3cretPW\n').toString('hex')}`,
      `{"bytes":"${Buffer.from('password=Sup3rS3cretPW').toString('hex').toUpperCase()}"}`,
      // One encoding inside the other, and a body wrapped at 76 characters.
      `user-data ${Buffer.from(`<powershell>\npowershell.exe -NoProfile -EncodedCommand ${Buffer.from('$password = "Sup3rS3cretPW"', 'utf16le').toString('base64')}\n</powershell>`).toString('base64')}`,
      `pwsh -enc ${Buffer.from(`iex (FromBase64String("${Buffer.from('export DB_PASSWORD=Sup3rS3cretPW').toString('base64')}"))`, 'utf16le').toString('base64')}`,
      `{"body":"${Buffer.from(`export REGION=eu-west-1\nexport LOG_LEVEL=debug and more words here\nexport DB_PASSWORD=Sup3rS3cretPW\n`).toString('base64').replace(/(.{76})(?=.)/g, '$1\\r\\n')}"}`,
    ];
    const r = both(lines);
    // Every one is read closer, the encoded command that spells nothing too: only its script can tell.
    expect(r.fastPathLines).toBe(0);
    const out = Buffer.from(r.output).toString();
    expect(out).not.toContain('Sup3rS3cretPW');
    // Base64 of JSON is written again as base64, of the JSON redacted.
    const spelled = (text: string, depth = 0): string =>
      depth > 3 ? text : text.replace(/(?:eyJ|W3s)[A-Za-z0-9+/_=-]{16,}/g, (b64) => spelled(Buffer.from(b64, /[-_]/.test(b64) ? 'base64url' : 'base64').toString(), depth + 1));
    expect(spelled(out)).toContain('{"password":"[[PASSWORD:');
    expect(spelled(out)).not.toContain('Sup3rS3cretPW');
    // Base64 of a text too: no run of the output spells the secret, however deep.
    const decodedRuns = (text: string, depth = 0): string =>
      depth > 3 ? text : text.replaceAll('\\/', '/').replaceAll('\\r\\n', '').replace(/[A-Za-z0-9+/_-]{16,}={0,2}/g, (b64) => decodedRuns(Buffer.from(b64, /[-_]/.test(b64) ? 'base64url' : 'base64').toString('latin1').replaceAll('\u0000', ''), depth + 1));
    expect(decodedRuns(out)).not.toContain('Sup3rS3cretPW');
    expect(decodedRuns(out)).toContain('export DB_PASSWORD=[[');
    const hexRuns = out.match(/(?<=0x|")[0-9A-Fa-f]{24,}/g) ?? [];
    expect(hexRuns).toHaveLength(2);
    for (const run of hexRuns) expect(Buffer.from(run, 'hex').toString()).toMatch(/^(?:export API_TOKEN=|password=)\[\[/);
    for (const b64 of out.match(/(?<=-(?:EncodedCommand|enc|e)(?: \\?"?|\\?", ?\\?"))[A-Za-z0-9+/=]{16,}/g) ?? []) expect(Buffer.from(b64, 'base64').toString('utf16le')).not.toContain('Sup3rS3cretPW');
  });

  const keyName = fc.constantFrom('social\\u0020security', 'p\\u00e4ss', 'social\\tsecurity', 'x\\npan\\n', 'tax\\r\\nid', 'msg', 'user', 'password', 'api_token', 'trace_id', 'Authorization', 'note', 'p\\u0061ssword', 'alice@example.com', '10.1.2.3', 'ssn', 'phones', 'rtn', 'bankRtn', 'span_id', 'cpf', 'a\\"b', 'x\\/y');
  const utf16 = (script: string): string => Buffer.from(script, 'utf16le').toString('base64');
  const text = fc.oneof(
    message.map((m) => m.text),
    fc.constantFrom(`powershell -enc ${utf16('$password = "hunter2xyz"')}`, `["pwsh","-enc","${utf16('$pw = "hunter2xyz"')}"]`, `pwsh -e ${utf16('Get-Date')} -x`, 'query: UPDATE u SET pw = $2, password = $1 -- PARAMETERS: ["hunter2xyz",2]', 'apply {"kind":"Secret","data":{"k":"dmFsdWU="}}', `data ${Buffer.from('{"password":"hunter2xyz"}').toString('base64')}`, `d=${Buffer.from('{"n":1}').toString('base64url')}`, `b=${Buffer.from('token=hunter2xyz and more').toString('base64')}`, `u=${Buffer.from('export PASSWORD=hunter2xyz').toString('base64url')}`, `t=${Buffer.from('plain words, nothing else').toString('base64')}`, `h=0x${Buffer.from('token=hunter2xyz').toString('hex')}`, `h=${Buffer.from('plain words, nothing else').toString('hex').toUpperCase()}`, 'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln'),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom('mail a\\u0040b.com', 'mail bob\\x40example.com', 'mail bob\\\\x40example.com', 't=\\x67\\x68\\x70', 'to=carol%40example.net&p=%2F', 'next=%2Fcb%3Fto%3Ddave%2540example.org', 'dob=n%C3%A9e le 12/03/1980', 'card=4.111111111111111E15', 'n=-4111111111111111 ok', 'CPU 95%', 'x\\"y', 'plain', 'ip 10.1.2.3', 'ok', 'c:\\\\temp\\\\file', '[[X:h1.4111111111111111]]', '[[EMAIL]]', 'mail bob&#64;example.com', 'to =?utf-8?B?am9lcmcubXVlbGxlckBleGFtcGxlLmRl?= ok', '=?iso-8859-1?Q?j=F6rg=40example=2Ede?=', '=?utf-8?B?am9lcmcu?= =?utf-8?B?bXVlbGxlckBleGFtcGxlLmRl?=', 'q=?x?B?abc', 'c=4111&#32;1111&#32;1111&#32;1111', 'AT&T; R&amp;D', 'payload={"api_token":"x1y2z3","n":"ok"}', 'Manchester: 0161 496 0000.', "h={'Cookie': 'sid=zq81', 'x_token':['a1b2c3']}", 'st=%7B%22access_token%22%3A%22zq81kd02%22%7D', 'Error: boom\\n    at f (/app/a.js:1:2)\\n\\tat g', 'password:\\n  hunter2xyz', 'call\\n(202) 555-0143 now', 'ssn\\t078-05-1120', 'card\\r\\n4111 1111 1111 1111', 'mail\\nbob@example.com', 'routing\\n011000028', '4111\\n1111\\n1111\\n1111', 'tel:\\t+44 20 7946 0958', 'card=4111+1111+1111+1111&x=1', 'tel=+44+20+7946+0958', 'x\\\\ny', 'x=1\\u0026y=\\u003cb\\u003e', 'Ren\\u00e9e \\u96fb\\u8a71', 'to=carol%\\u00340example.net', 'bob&\\u002364;example.com', 'api_token\\u003dx1y2z3w4', 'ssn\\u0009078-05-1120', 'card\\u000a4111 1111 1111 1111', 'c:\\u005cu0040', '\\ud83d\\ude00 ok', 'nul\\u0000', 'social\\u0020security 301482276', '%\\u0032540', "INSERT INTO u (first_name, pw) VALUES ('Dana', 1)", "UPDATE u SET first_name = 'Dana' WHERE dob = 19840614", "insert into \\\"u\\\" (\\\"last_name\\\") values (N'Smith')", "WHERE x_token IN ('a1', 'b2')"),
  );
  // Values as JSON text: strings, booleans and numbers, card numbers and big integers among them.
  const valueText = fc.oneof(
    fc.constantFrom('{"sql":"select 1 from u where dob = ?","bindings":["1984-06-14"]}', '{"value":"Zq9pW2xK","id":"https://kv.vault.azure.net/secrets/a/1"}', '[{"field":"password","old":"hunter2xyz","new":"x"}]', '"{\\"kind\\":\\"Secret\\",\\"data\\":{\\"k\\":\\"dmFsdWU=\\"}}"'),
    text.map((v) => `"${v.replace(/"/g, '')}"`),
    fc.integer().map(String),
    fc.boolean().map(String),
    card,
    fc.constantFrom('12345678901234567890', '-0.5e-3', '4111111111111111', '-4111111111111111', '4.111111111111111E15', '-122.4194155', '1.0E7', '1E+21', '[4111111111111111, 2]', '{"email":"bob@example.com"}', '587316420', '"2025550143"', '["587316421","n/a",587316422]', '[["2025550143"],"2025550144"]', '[1,"587316421"]', '{"home":"2025550143"}', '5.87316420E8', '"202%20555%200143"', '[1,"011000028"]', '{"n":"52998224725"}', '[{"name":"DB_PASSWORD","value":"hunter2xyz"}]', '[{"key":"pwd","value":"abc"}]', '{"key":"bank_rtn","value":{"stringValue":"011000028"}}', '{"Key":"ssn","Value":[1,"536221234"]}', '"req {\\"client_secret\\": \\"s3cr3t\\"}"', '{"bytesValue":"dXNlciBib2JAZXhhbXBsZS5jb20="}', '{"bytesValue":"bm90aGluZw=="}', '{"bytes_value":"QUtJQUlPU0ZPRE5ON1JFQUxLRVk"}'),
    // Quotes and slashes escaped: JSON logged inside a message, a URL as some encoders write it.
    fc.constantFrom('"say \\"hi\\" to 078-05-1120"', '"{\\"email\\":\\"bob@example.com\\"}"', '"{\\"api_token\\":\\"x1y2z3w4\\"}"', '"{\\"name\\":\\"DB_PASSWORD\\",\\"value\\":\\"hunter2xyz\\"}"', '"{\\"social security\\":\\"301482276\\"}"', '"{\\"ssn\\": 301482276}"', '"{\\"pass\\\\u0077ord\\":\\"x\\"}"', '"http:\\/\\/a.example\\/cb?to=carol@example.net"', '"{\\"routing\\":\\"011000028\\"}"', '"{\\"phones\\":[\\"2025550143\\"]}"', '"[\\"x\\", \\"4111 1111 1111 1111\\"]"', '"{\\"k\\":\\"v\\",\\"n\\":2}"', '"quote \\" alone\\n"', '"{\\"Cookie\\": [\\"sid=zq81\\"]}"', '"{\\"name\\":\\n\\"DB_PASSWORD\\",\\"value\\":\\"hunter2xyz\\"}"', '"{\\"key\\" : b\\"api_token\\", \\"value\\": \\"x1y2z3w4\\"}"', '"{\\"name\\":\\"it\'s_password\\",\\"value\\":\\"q9w8e7r6\\"}"', '"postgres:\\/\\/admin:hunt\\ter2@localhost\\/db"', '"{\\u0022email\\u0022:\\u0022bob@example.com\\u0022}"', '"{\\u0022name\\u0022:\\u0022DB_PASSWORD\\u0022,\\u0022value\\u0022:\\u0022hunter2xyz\\u0022}"', '"http:\\u002f\\u002fa.example\\u002fcb?to=carol\\u0040example.net"'),
  );
  const jsonLine = fc
    .array(fc.tuple(keyName, valueText, fc.constantFrom('', ' ')), { maxLength: 5 })
    .map((entries) => '{' + entries.map(([k, v, sp]) => `"${k}":${sp}${v}`).join(',') + '}');
  const deepLine = fc.integer({ min: 60, max: 70 }).map((d) => '['.repeat(d) + '"x"' + ']'.repeat(d));
  const badUtf8 = message.map((m) => Buffer.concat([Buffer.from(m.text), Buffer.from([0xc3, 0x28])]));
  // Text lines whose values stand against separators and line edges, where a detector's widened
  // raw-line form and its own pattern can disagree (a line read as text is scanned with the latter).
  const edgeText = fc
    .array(fc.constantFrom('03-17', ' ', '  ', '16:13:38.811', '1702', '(0)', '0171 555 0199', '(020) 7946 0958', '+44 20 7946 0958', '10.1.2.3', '078-05-1120', '4111 1111 1111 1111', ':', ',', '"', '.', '-', '/', '\t', '[', '{', '}', ']', 'R02-M1-N0-C:J12-U11', '2005.06.03', 'ssn', 'tel', 'id=', '\uFEFF'), { maxLength: 8 })
    .map((pieces) => pieces.join(''));
  // JSON lines broken on purpose (a trailing comma, two objects, no quotes): read as text.
  const brokenJson = jsonLine.chain((l) => fc.constantFrom(`${l.slice(0, -1)},}`, `${l}{"n":1}`, l.replace(/"/g, '')));
  // JSON lines whose strings hold \\u escapes, alone or finishing what detection decodes in turn.
  const unicodeValue = fc
    .array(fc.constantFrom('x', ' ', 'bob', '\\u0040', 'example.com', 'bob%\\u00340example.com', 'bob&\\u002364;example.com', 'ssn%\\u00320078-05-1120', '%', '\\u0034', '0', '&', '\\u0023', '64;', '\\u0026', '\\u003c', '\\u00e9', '\\u96fb', '\\ud83d\\ude00', '\\ud83d', '\\ude00', '\\u0022', '\\u003d', 'password', 'hunter2xyz', '078-05-1120', '\\u0009', '\\u000a', '\\n', '\\"', '\\/', '\\u002f', 'C:\\\\Users', 'C:\\\\temp', '{\\"name\\":\\\\t\\"DB_PASSWORD\\",\\"value\\":\\"hunter2xyz\\"}', 'api_token\\\\t x1y2z3w4', 'cfg={\\"password\\":\\\\t\\"hunter2xyz\\"}', 'ssn\\\\t078-05-1120', '\\\\', '\\\\d+', 't', 'u0040', "'", 'pass\\\\', "cfg={'password': 'q9\\\\'w8e7r6'}"), { minLength: 1, maxLength: 8 })
    .map((pieces) => `"${pieces.join('')}"`);
  const unicodeLine = fc
    .array(fc.tuple(fc.constantFrom('msg', 'note', 'user', 'password', 'p\\u0061ss'), unicodeValue), { minLength: 1, maxLength: 3 })
    .map((entries) => '{' + entries.map(([k, v]) => `"${k}":${v}`).join(',') + '}');
  // Terminal sequences put anywhere: raw in text, as JSON writes them in JSON (which a line broken by one is read as text with).
  const sequence = fc.constantFrom('\x1b[0m', '\x1b[1m', '\x1b[1;31m', '\x1b[38;5;208m', '\x1b[K', '\x1b(B', '\x1b]8;;https://a.example\x07', '\x1b', '\x1b[');
  const withSequences = (escape: boolean) => (l: string) =>
    fc.array(fc.tuple(fc.nat(), sequence), { minLength: 1, maxLength: 4 }).map((put) => {
      let out = l;
      for (const [at, seq] of put) {
        const k = at % (out.length + 1);
        out = out.slice(0, k) + (escape ? seq.replaceAll('\x1b', '\\u001b').replaceAll('\x07', '\\u0007') : seq) + out.slice(k);
      }
      return out;
    });
  const coloured = fc.oneof(text.chain(withSequences(false)), edgeText.chain(withSequences(false)), jsonLine.chain(withSequences(true)));
  const line = fc.oneof(jsonLine, unicodeLine, text, edgeText, deepLine, badUtf8, brokenJson, unicodeLine.map((l) => l.replace(/"/g, '')), text.map((t) => `${t}\r`), edgeText.map((t) => `${t}\r`), coloured);

  it('on generated lines, read as JSON lines, as strict JSON lines or as text: JSON with escapes and key rules, text (values against separators and line edges), CRLF, deep nesting, invalid UTF-8', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 20 }), fc.constantFrom<LineFormat>('auto', 'text', 'jsonl'), (lines, format) => void both(lines, format)),
      { numRuns: 300 },
    );
  });
});
