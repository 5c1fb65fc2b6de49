import { describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../../src/act/actions.js';
import { explainKeys } from '../../../src/act/explain-keys.js';
import { processBatch } from '../../../src/pipeline/batch.js';
import { builtinPolicy, LIMITS } from '../../helpers/engine.js';
import { localKeys } from '../../helpers/keys.js';

const policy = builtinPolicy();
const PW = 'Vq7rT2mXk9Lw#Hd4!';

/** OTLP AnyValues as the JSON mapping writes them. */
const str = (s: string): string => `{"stringValue":${JSON.stringify(s)}}`;
const arr = (...items: string[]): string => `{"arrayValue":{"values":[${items.join(',')}]}}`;
const kv = (key: string, value: string): string => `{"key":${JSON.stringify(key)},"value":${value}}`;
const kvlist = (...entries: string[]): string => `{"kvlistValue":{"values":[${entries.join(',')}]}}`;
const args = (...items: string[]): string => arr(...items.map(str));
/** A log record line as `serve` cuts it from a request, with its body and attributes. */
const record = (body: string, attributes: string[] = []): string => `{"scope":0,"logRecord":{"timeUnixNano":"1741080000000000000","body":${body},"attributes":[${attributes.join(',')}]}}`;
/** An export request whose resource holds `attributes`, on one line, as `redact` reads OTLP JSON. */
const request = (resources: string, items: string, item: string, ...attributes: string[]): string =>
  `{"${resources}":[{"resource":{"attributes":[${[kv('service.name', str('api')), ...attributes].join(',')}]},"${items}":[{"scope":{"name":"app"},"${item}":[]}]}]}`;

/**
 * The lines redacted on the raw-line fast path and on the structured path alike (the same output
 * and findings), with how many the fast path passed unparsed.
 */
async function run(lines: string[]): Promise<{ out: string[]; fast: number }> {
  const { keys } = await localKeys();
  const tokenKey = await keys.current();
  const hashKey = await keys.hashKey();
  const task = { seq: 0, file: 'in.jsonl', firstLine: 1, firstOffset: 0, data: Buffer.from(lines.join('\n') + '\n') };
  const [fast, slow] = [true, false].map((fastPath) => processBatch(task, { policy, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey, quarantineKey: tokenKey, fastPath }));
  if (!fast || !slow) throw new Error('no batch result');
  expect(Buffer.from(fast.output).toString('utf8')).toBe(Buffer.from(slow.output).toString('utf8'));
  expect(fast.findings).toEqual(slow.findings);
  return { out: Buffer.from(fast.output).toString('utf8').split('\n').slice(0, lines.length), fast: fast.fastPathLines };
}

const redacted = (line: string): string => line.replaceAll(JSON.stringify(PW).slice(1, -1), '[[PASSWORD]]');

describe('an OTLP arrayValue, read by the item rules as a plain array of its values', () => {
  it('has the value after an option a rule selects redacted, the AnyValue kept, on the fast path too', async () => {
    const lines = [
      // The semantic-conventions resource attribute OTel SDK process detectors fill in.
      request('resourceLogs', 'scopeLogs', 'logRecords', kv('process.command_args', args('/usr/bin/java', '-jar', 'app.jar', '--spring.datasource.password', PW))),
      request('resourceSpans', 'scopeSpans', 'spans', kv('process.command_args', args('redis-server', '--port', '6379', '--requirepass', PW))),
      record(args('--db-host', 'db1', '--db-password', PW)),
      // The .proto's member names, spaces around the items, a number's AnyValue after an option.
      record(`{"array_value":{"values":[{"string_value":"--password"},{"string_value":"${PW}"}]}}`),
      record(`{"arrayValue": {"values": [ {"stringValue": "-storepass"} , {"stringValue": "${PW}"} ]}}`),
      record(arr(str('-keypass'), '{"intValue":"73518264"}')),
    ];
    const { out, fast } = await run(lines);
    expect(out.slice(0, 5)).toEqual(lines.slice(0, 5).map(redacted));
    // A number replaced by text is held as a string: an int64 it is not (a reader of the OTLP would refuse it).
    expect(out[5]).toBe(record(arr(str('-keypass'), '{"stringValue":"[[PASSWORD]]"}')));
    expect(fast).toBe(0);
  });

  it("holds a number's replacement as a string, in the spelling of the number's member: a card in an intValue, a double", async () => {
    const card = '4111111111111111';
    const lines = [
      record(str('ok'), [kv('card', `{"intValue":"${card}"}`), kv('n', `{"intValue":"42"}`)]),
      record(`{"int_value":${card}}`),
      record(`{"doubleValue":${card}}`),
    ];
    const { out } = await run(lines);
    // The built-in action masks a card but its last four digits.
    expect(out).toEqual([
      record(str('ok'), [kv('card', '{"stringValue":"************1111"}'), kv('n', '{"intValue":"42"}')]),
      record('{"string_value":"************1111"}'),
      record('{"stringValue":"************1111"}'),
    ]);
  });

  it('keeps bytes as bytes: the replacement is encoded as the value was', async () => {
    const b64 = (t: string): string => Buffer.from(t).toString('base64');
    const line = record(arr(str('--password'), `{"bytesValue":"${b64(PW)}"}`));
    const { out } = await run([line]);
    expect(out[0]).toBe(record(arr(str('--password'), `{"bytesValue":"${b64('[[PASSWORD]]')}"}`)));
  });

  it("has the password of a Redis AUTH command and a client's password argument redacted", async () => {
    const lines = [
      record(args('AUTH', 'default', PW)),
      record(arr(str('HELLO'), '{"intValue":"3"}', str('AUTH'), str('app'), str(PW), str('SETNAME'), str('web'))),
      record(args('redis-cli', '-h', 'cache', '-a', PW, 'ping')),
    ];
    const { out, fast } = await run(lines);
    expect(out).toEqual(lines.map(redacted));
    expect(fast).toBe(0);
  });

  it('reads an option, AUTH and a name spelled with escapes as the structured path reads them', async () => {
    const lines = [
      record(arr('{"stringValue":"--db-pass\\u0077ord"}', str(PW))),
      record(arr('{"stringValue":"\\u0041UTH"}', str(PW))),
      record(kvlist(kv('name', '{"stringValue":"DB_PASS\\u0057ORD"}'), kv('value', str(PW)))),
      record(kvlist('{"key":"n\\u0061me","value":{"stringValue":"DB_PASSWORD"}}', kv('value', str(PW)))),
    ];
    const { out } = await run(lines);
    for (const line of out) expect(line).not.toContain(PW);
  });

  it('leaves arrays whose items select no rule as they came, unparsed', async () => {
    const lines = [
      record(args('--db-host', 'db1', '--port', '5432')),
      // Another program's -a, and -a alone: redis-cli's is a password, these are not.
      record(args('-a', 'x')),
      record(args('/bin/ls', '-a', 'x')),
      request('resourceLogs', 'scopeLogs', 'logRecords', kv('process.command_args', args('/usr/bin/java', '-Xmx512m', '-jar', 'app.jar', '--server.port', '8080'))),
    ];
    const { out, fast } = await run(lines);
    expect(out).toEqual(lines);
    expect(fast).toBe(lines.length);
  });

  it('leaves lists that are no Redis command or whose secret option has no value after it', async () => {
    const lines = [record(args('AUTH', 'a', 'b', 'c')), record(args('auth', 'db', 'cache')), record(args('--verbose', '--password'))];
    const { out } = await run(lines);
    expect(out).toEqual(lines);
  });

  it('is explained by patterns explain as the redaction reads it', () => {
    const line = request('resourceLogs', 'scopeLogs', 'logRecords', kv('process.command_args', args('/usr/bin/java', '--spring.datasource.password', PW)));
    const entries = explainKeys(policy, line);
    expect(entries.map((e) => [e.path, e.detail])).toEqual([
      ['$.resourceLogs[0].resource.attributes[1].value.arrayValue.values[2]', 'the value after "--spring.datasource.password" is redacted whole'],
    ]);
  });
});

describe('an OTLP kvlistValue whose entries make a name-value object', () => {
  it('has the value its name selects redacted, in a list of kvlists or alone, the members of an entry in either order, on the fast path too', async () => {
    const lines = [
      record(str('ok'), [kv('env', arr(kvlist(kv('name', str('DB_PASSWORD')), kv('value', str(PW)))))]),
      record(kvlist(kv('name', str('SMTP_PASSWORD')), kv('value', str(PW)))),
      record(kvlist(`{"value":${str('REDIS_PASSWORD')},"key":"name"}`, `{"value":${str(PW)},"key":"value"}`)),
      // The value first, and a list of two environment entries, one of them plain.
      record(str('ok'), [kv('env', arr(kvlist(kv('name', str('LOG_LEVEL')), kv('value', str('debug'))), kvlist(kv('value', str(PW)), kv('name', str('APP_DB_PASSWORD')))))]),
    ];
    const { out, fast } = await run(lines);
    expect(out).toEqual(lines.map(redacted));
    expect(fast).toBe(0);
  });

  it('reads the value with the name its entries give, as a detector reads a value under its key, on the fast path too', async () => {
    // Found only with its name beside it: as `{"name":"AWS_SECRET_ACCESS_KEY","value":"..."}` is.
    const secret = '9Xk2Lp0qRt7vWz4nYb8cDe1fGh3jKm5sUa6wQx0o';
    const lines = [
      record(kvlist(kv('name', str('AWS_SECRET_ACCESS_KEY')), kv('value', str(secret)))),
      record(str('ok'), [kv('name', str('aws_secret_access_key')), kv('value', str(secret))]),
      `{"name":"AWS_SECRET_ACCESS_KEY","value":${str(secret)}}`,
      // Another name: the value is no secret.
      record(kvlist(kv('name', str('BUILD_ID')), kv('value', str(secret)))),
    ];
    const { out, fast } = await run(lines);
    const tokens = (line: string) => line.replace(/\[\[AWS_SECRET:[^\]]+\]\]/g, '[[AWS_SECRET]]');
    expect(out.map(tokens)).toEqual([...lines.slice(0, 3).map((l) => l.replace(secret, '[[AWS_SECRET]]')), lines[3]]);
    expect(fast).toBe(1);
  });

  it('keeps an AnyValue that holds a list or a map an AnyValue when its name takes it whole', async () => {
    const lines = [record(str('ok'), [kv('password', args('a', PW)), kv('env', arr(kvlist(kv('name', str('DB_PASSWORD')), kv('value', kvlist(kv('v', str(PW)))))))])];
    const { out } = await run(lines);
    expect(out).toEqual([record(str('ok'), [kv('password', str('[[PASSWORD]]')), kv('env', arr(kvlist(kv('name', str('DB_PASSWORD')), kv('value', str('[[PASSWORD]]')))))])]);
  });

  it('leaves a list whose name selects no rule as it came, unparsed', async () => {
    const lines = [record(str('ok'), [kv('env', arr(kvlist(kv('name', str('LOG_LEVEL')), kv('value', str('debug')))))]), record(kvlist(kv('name', str('region')), kv('value', str('eu-west-1'))))];
    const { out, fast } = await run(lines);
    expect(out).toEqual(lines);
    expect(fast).toBe(lines.length);
  });

  it('is explained by patterns explain as the redaction reads it', () => {
    const line = record(str('ok'), [kv('env', arr(kvlist(kv('name', str('DB_PASSWORD')), kv('value', str(PW)))))]);
    const entries = explainKeys(policy, line);
    expect(entries.map((e) => [e.path, e.detail])).toEqual([
      ['$.logRecord.attributes[0].value.arrayValue.values[0].kvlistValue.values[1].value', 'the value under name "DB_PASSWORD" is redacted whole, whatever it holds'],
    ]);
  });
});
