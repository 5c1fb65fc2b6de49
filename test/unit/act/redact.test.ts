import { deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../../src/act/actions.js';
import { partial, redactRecord, type RedactOptions } from '../../../src/act/redact.js';
import type { DataKey, HashKey } from '../../../src/crypto/keys/cache.js';
import { detokenizeText } from '../../../src/crypto/detokenize.js';
import type { JsonValue, LogRecord } from '../../../src/record.js';
import { localKeys } from '../../helpers/keys.js';
import { policyFromYaml } from '../../helpers/policy.js';

const PACK = `
pack: t
detectors:
  - id: email
    name: Email
    category: pii
    severity: medium
    label: EMAIL
    regex: '[a-z0-9.]+@[a-z0-9.-]+\\.[a-z]{2,}'
    action: tokenize
    tests: {match: ['a@b.co']}
  - id: ip
    name: IPv4
    category: network
    severity: low
    label: IP
    regex: '\\b\\d{1,3}(?:\\.\\d{1,3}){3}\\b'
    action: hash
    tests: {match: ['10.0.0.1']}
  - id: card
    name: Card
    category: financial
    severity: high
    regex: '\\b\\d{16}\\b'
    action: {type: partial, keepLast: 4}
    tests: {match: ['4111111111111111']}
  - id: kill
    name: Drop-record marker
    category: secret
    severity: critical
    regex: 'TOPSECRET-[A-Z]+'
    action: drop-record
    tests: {match: ['TOPSECRET-X']}
  - id: field
    name: Drop-field marker
    category: secret
    severity: high
    regex: 'INTERNAL-[0-9]+'
    action: drop-field
    tests: {match: ['INTERNAL-1']}
keyRules:
  - keys: [password, '*_token']
    mode: redact
    label: SECRET
    action: mask
  - keys: [trace_id]
    mode: skip
`;

const record = (body: string | JsonValue): LogRecord => ({
  body,
  structured: typeof body !== 'string',
  attributes: {},
  resource: {},
  source: { file: 't', line: 1 },
});

describe('redactRecord', () => {
  let options: RedactOptions;
  let tokenKey: DataKey;
  let hashKey: HashKey;
  let keys: Awaited<ReturnType<typeof localKeys>>['keys'];

  beforeAll(async () => {
    keys = (await localKeys()).keys;
    tokenKey = await keys.current();
    hashKey = await keys.hashKey();
    options = {
      policy: policyFromYaml(PACK),
      actions: new ActionPolicy(),
      keys: { tokenKey: () => tokenKey, hashKey: () => hashKey },
      maxDepth: 8,
    };
  });

  it('scans every string leaf, keeps keys, numbers, booleans and field order', () => {
    const body = { z: 'mail bob@example.com', n: 42, ok: true, nested: { list: ['10.1.2.3', 7] }, a: null };
    const out = redactRecord(record(body), options);
    expect(out.kind).toBe('keep');
    if (out.kind !== 'keep') return;
    expect(Object.keys(out.body as object)).toEqual(['z', 'n', 'ok', 'nested', 'a']);
    const b = out.body as { z: string; n: number; ok: boolean; nested: { list: [string, number] } };
    expect(b.z).toMatch(/^mail \[\[EMAIL:tk1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\]\]$/);
    expect(b.n).toBe(42);
    expect(b.ok).toBe(true);
    expect(b.nested.list[0]).toMatch(/^\[\[IP:h1\.[A-Za-z0-9_-]+\]\]$/);
    expect(b.nested.list[1]).toBe(7);
    expect(out.findings.map((f) => [f.detectorId, f.path, f.start, f.end])).toEqual([
      ['email', '$.z', 5, 20],
      ['ip', '$.nested.list[0]', 0, 8],
    ]);
    expect(out.findings[0]?.kid).toBe(tokenKey.kid);
  });

  it('keeps a member named __proto__ as a member when it copies an object', () => {
    const body = JSON.parse('{"__proto__":{"x":1},"z":"mail bob@example.com"}') as JsonValue;
    const out = redactRecord(record(body), options);
    const copy = (out.kind === 'keep' ? out.body : null) as Record<string, JsonValue>;
    expect(Object.keys(copy)).toEqual(['__proto__', 'z']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(JSON.stringify(copy)).toMatch(/^\{"__proto__":\{"x":1\},"z":"mail \[\[EMAIL:tk1\./);
  });

  describe('OTLP bytes values, which base64 hides from every detector', () => {
    const b64 = (bytes: string | Buffer): string => Buffer.from(bytes).toString('base64');
    const bytesOut = (out: ReturnType<typeof redactRecord>): Buffer => {
      if (out.kind !== 'keep') throw new Error('dropped');
      const body = out.body as { attributes: Array<{ value: { bytesValue: string } }> };
      return Buffer.from((body.attributes[0] as { value: { bytesValue: string } }).value.bytesValue, 'base64');
    };
    const attr = (value: JsonValue): JsonValue => ({ attributes: [{ key: 'payload', value }] });

    it('reads UTF-8 bytes as their text and encodes the redacted text again', async () => {
      const out = redactRecord(record(attr({ bytesValue: b64('{"to":"bob@example.com","n":1}') })), options);
      const text = bytesOut(out).toString('utf8');
      expect(text).toMatch(/^\{"to":"\[\[EMAIL:tk1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\]\]","n":1\}$/);
      expect((await detokenizeText(text, keys)).text).toBe('{"to":"bob@example.com","n":1}');
      expect(out.findings.map((f) => [f.detectorId, f.path])).toEqual([['email', '$.attributes[0].value.bytesValue']]);
    });

    it('reads other bytes byte by byte: the secret goes, the binary around it stays', () => {
      const blob = Buffer.concat([Buffer.from([0x00, 0xff, 0x9c, 0x0a]), Buffer.from(' 10.1.2.3 '), Buffer.from([0xc3, 0x28, 0x01])]);
      const out = bytesOut(redactRecord(record(attr({ bytesValue: b64(blob) })), options));
      expect(out.subarray(0, 5)).toEqual(blob.subarray(0, 5));
      expect(out.subarray(-3)).toEqual(blob.subarray(-3));
      expect(out.toString('latin1')).toMatch(/^.{5}\[\[IP:h1\.[A-Za-z0-9_-]+\]\] /s);
      expect(out.includes('10.1.2.3')).toBe(false);
    });

    it('leaves bytes that hold nothing as written, and a bytes member outside an AnyValue to the usual reading', () => {
      const value = { bytesValue: b64('plain bytes, no secret').replace(/=+$/, '') };
      const out = redactRecord(record(attr(value)), options);
      expect(out.kind === 'keep' && out.body).toEqual(attr(value));
      expect(out.findings).toEqual([]);
      // Too short to be read as base64 of text (see base64-text.ts), which the bytes of an AnyValue are.
      expect(redactRecord(record(attr({ bytesValue: b64('ann@x.io') })), options).findings).toHaveLength(1);
      const loose = { bytesValue: b64('ann@x.io'), other: 1 };
      expect(redactRecord(record(loose), options).findings).toEqual([]);
      // The .proto's spelling too; and a value that is not base64 is read as written.
      expect(redactRecord(record(attr({ bytes_value: b64('bob@example.com') })), options).findings).toHaveLength(1);
      expect(redactRecord(record(attr({ bytesValue: 'mail bob@example.com' })), options).findings).toHaveLength(1);
    });

    it('reads wrapped base64 too, and keeps bytes bytes: a key rule\'s replacement and a wide mask character are encoded as them', () => {
      const wrapped = b64('mail bob@example.com').replace(/(.{8})/g, '$1\r\n');
      const text = bytesOut(redactRecord(record(attr({ bytesValue: wrapped })), options)).toString('utf8');
      expect(text).toMatch(/^mail \[\[EMAIL:tk1\./);
      // A key rule on the attribute's key (password) replaces the bytes with bytes.
      const keyed = redactRecord(record({ attributes: [{ key: 'password', value: { bytesValue: b64('hunter2-Sup3rSecret!') } }] }), options);
      const value = keyed.kind === 'keep' ? (keyed.body as { attributes: Array<{ value: { bytesValue: string } }> }).attributes[0]?.value.bytesValue : undefined;
      expect(Buffer.from(value as string, 'base64').toString('utf8')).toBe('[[SECRET]]');
      const snake = redactRecord(record({ attributes: [{ key: 'password', value: { bytes_value: b64('hunter2-Sup3rSecret!') } }] }), options);
      expect(JSON.stringify(snake.kind === 'keep' && snake.body)).toBe(`{"attributes":[{"key":"password","value":{"bytes_value":"${b64('[[SECRET]]')}"}}]}`);
      const wide = redactRecord(record(attr({ bytesValue: b64(Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from(' 4111111111111111 ')])) })), { ...options, actions: new ActionPolicy({ byDetector: { card: { type: 'partial', keepFirst: 0, keepLast: 4, maskChar: '•' } } }) });
      expect(bytesOut(wide).subarray(2).toString('utf8')).toBe(' ••••••••••••1111 ');
    });

    it('reads bytes that are compressed text inflated, and writes them back compressed the same way', () => {
      for (const [compress, inflate] of [
        [gzipSync, gunzipSync],
        [deflateSync, inflateSync],
      ] as const) {
        const out = redactRecord(record(attr({ bytesValue: b64(compress(Buffer.from('token for bob@example.com'))) })), options);
        expect(out.findings.map((f) => f.detectorId)).toEqual(['email']);
        expect(inflate(bytesOut(out)).toString('utf8')).toMatch(/^token for \[\[EMAIL:tk1\.[^\]]+\]\]$/);
      }
      // Text that only starts as a zlib header does (`x^`) is read as the bytes it is.
      const text = redactRecord(record(attr({ bytesValue: b64('x^ note: contact alice@example.com') })), options);
      expect(text.findings.map((f) => f.detectorId)).toEqual(['email']);
      expect(bytesOut(text).toString('utf8')).toMatch(/^x\^ note: contact \[\[EMAIL:/);
    });

    it('takes the whole value when a detector matches the base64 as written: a part of it left would still decode', () => {
      const b64jwt = `  - id: b64jwt
    name: A JWT in base64
    category: secret
    severity: high
    regex: 'ZXlK[A-Za-z0-9+/]{8,}'
    action: tokenize
    tests: {match: ['ZXlKaGJHY2lPaUpJVXpJMU5p']}
`;
      const policy = policyFromYaml(PACK.replace('keyRules:', `${b64jwt}keyRules:`));
      // The JWT starts on a multiple of 3 bytes: its base64 holds ZXlK, after the address's.
      const value = b64('to bob@example.com then eyJhbGciOiJIUzI1NiJ9');
      expect(value).toContain('ZXlK');
      const out = redactRecord(record(attr({ bytesValue: value })), { ...options, policy });
      expect(bytesOut(out).toString('utf8')).toMatch(/^\[\[B64JWT:tk1\.[^\]]+\]\]$/);
      expect(out.findings.map((f) => [f.detectorId, f.start, f.end])).toEqual([['b64jwt', 0, value.length]]);
    });

    it('drops the field or the record as a finding in any string would', () => {
      expect(redactRecord(record(attr({ bytesValue: b64('x TOPSECRET-ABC y') })), options).kind).toBe('drop');
      const out = redactRecord(record(attr({ bytesValue: b64('x INTERNAL-7 y') })), options);
      expect(out.kind === 'keep' && out.body).toEqual({ attributes: [{ key: 'payload', value: {} }] });
    });
  });

  it('does not mutate its input', () => {
    const body = { user: { email: 'x@y.org', password: 'pw' } };
    const copy = structuredClone(body);
    redactRecord(record(body), options);
    expect(body).toEqual(copy);
  });

  it('applies key rules: redact whole values of any type, skip never scans', () => {
    const out = redactRecord(record({ password: 'a@b.org', api_token: 12345, trace_id: 'c@d.org' }), options);
    expect(out.kind === 'keep' && out.body).toEqual({ password: '[[SECRET]]', api_token: '[[SECRET]]', trace_id: 'c@d.org' });
    expect(out.findings.map((f) => f.detectorId)).toEqual(['key:password', 'key:*_token']);
  });

  it('redacts a repeated value inside bytes, base64 and hex, and writes an AnyValue back as the first pass writes it', () => {
    const pw = 'Zq7RB-pass1';
    const b64 = (t: string): string => Buffer.from(t).toString('base64');
    const body = {
      attributes: [
        { key: 'password', value: { stringValue: pw } },
        // Bytes spelling it, or a text that holds it; base64 of it in a plain string; hex of a text holding it.
        { key: 'payload', value: { bytesValue: b64(pw) } },
        { key: 'note', value: { bytesValue: b64(`retrying login for bob with ${pw} now`) } },
        { key: 'echo', value: { stringValue: `data ${b64(`retrying login for bob with ${pw} now`)}` } },
        { key: 'hex', value: { stringValue: Buffer.from(`retrying login for bob with ${pw} now`).toString('hex') } },
        // The base64 as written repeats a value (a password that is base64): written back as bytes still.
        { key: 'cfg', value: { bytesValue: 'cHc9WnE3QjY0cw==' } },
      ],
      again: { bytesValue: 'cHc9WnE3QjY0cw==' },
      db: { password: 'cHc9WnE3QjY0cw==' },
      // A number that repeats one: held by a string once replaced.
      pin: { password: '73519028' },
      code: { intValue: '73519028' },
      ratio: { doubleValue: 73519028 },
    };
    const out = redactRecord(record(body as unknown as JsonValue), options);
    const text = JSON.stringify(out.kind === 'keep' && out.body);
    expect(text).not.toContain(pw);
    const decoded = (v: string): string => Buffer.from(v, 'base64').toString();
    const attrs = (out.kind === 'keep' && (out.body as unknown as typeof body).attributes) || [];
    expect(decoded((attrs[1]?.value as { bytesValue: string }).bytesValue)).toBe('[[SECRET]]');
    expect(decoded((attrs[2]?.value as { bytesValue: string }).bytesValue)).toBe('retrying login for bob with [[SECRET]] now');
    expect(decoded(((attrs[3]?.value as { stringValue: string }).stringValue).slice(5))).toBe('retrying login for bob with [[SECRET]] now');
    expect(Buffer.from((attrs[4]?.value as { stringValue: string }).stringValue, 'hex').toString()).toBe('retrying login for bob with [[SECRET]] now');
    expect(decoded((attrs[5]?.value as { bytesValue: string }).bytesValue)).toBe('[[SECRET]]');
    const rest = out.kind === 'keep' ? (out.body as Record<string, unknown>) : {};
    expect(rest['code']).toEqual({ stringValue: '[[SECRET]]' });
    expect(rest['ratio']).toEqual({ stringValue: '[[SECRET]]' });
  });

  it('applies redact rules to the JSON a string holds, escaped once more too, and the value again where it repeats', () => {
    const body = {
      msg: 'request {"user":"bob","password": "Hunter2x", "n":1, "pin_token":42, "trace_id":"t1", "note":"a@b.org"}',
      raw: '{\\"app_token\\":\\"zz9yy8\\",\\"x\\":\\"\\"}',
      again: 'login Hunter2x failed',
    };
    const out = redactRecord(record(body), options);
    const shaped = JSON.parse(JSON.stringify(out.kind === 'keep' && out.body).replace(/tk1\.[\w.-]+/g, 'tk1')) as unknown;
    expect(shaped).toEqual({
      msg: 'request {"user":"bob","password": "[[SECRET]]", "n":1, "pin_token":[[SECRET]], "trace_id":"t1", "note":"[[EMAIL:tk1]]"}',
      raw: '{\\"app_token\\":\\"[[SECRET]]\\",\\"x\\":\\"\\"}',
      again: 'login [[SECRET]] failed',
    });
    expect(out.findings.map((f) => [f.detectorId, f.path])).toEqual([
      ['key:password', '$.msg'],
      ['key:*_token', '$.msg'],
      ['email', '$.msg'],
      ['key:*_token', '$.raw'],
      ['key:password', '$.again'],
    ]);
    // In a text body too; a key rule takes the whole value where a detector matched inside it.
    const text = redactRecord(record('payload={"password":"x a@b.org y","ok":"a@b.org"}'), options);
    expect(text.kind === 'keep' && text.body).toMatch(/^payload=\{"password":"\[\[SECRET\]\]","ok":"\[\[EMAIL:tk1\.[^\]]+\]\]"\}$/);
  });

  it('looks again for what an object a rule took holds, and for its member names only where they may be values', () => {
    // Field names (value, origin, username) are the object's shape, shared by other members and messages.
    const body = { password: { value: 'Hunter2xyz', origin: 'environment', sk_Live_9xQ2: 'prod' }, other: { origin: 'file', value: 'plain' }, msg: 'origin of Hunter2xyz and sk_Live_9xQ2' };
    const out = redactRecord(record(body), options);
    expect(out.kind === 'keep' && out.body).toEqual({ password: '[[SECRET]]', other: { origin: 'file', value: 'plain' }, msg: 'origin of [[SECRET]] and [[SECRET]]' });
    // In a text body too.
    const text = redactRecord(record('cfg {"password":{"value":"Hunter2xyz","origin":"environment"}} origin=file Hunter2xyz'), options);
    expect(text.kind === 'keep' && text.body).toBe('cfg {"password":[[SECRET]]} origin=file [[SECRET]]');
    // A long name of letters alone may be a passphrase or a seed, as may any name with a digit.
    const seeds = { password: { CorrectHorseBatteryStaple: true, JBSWYTDPEHPKXPXP: 'totp', origin: 'env' }, msg: 'login with CorrectHorseBatteryStaple, seed JBSWYTDPEHPKXPXP, origin env' };
    const kept = redactRecord(record(seeds), options);
    expect(kept.kind === 'keep' && kept.body).toEqual({ password: '[[SECRET]]', msg: 'login with [[SECRET]], seed [[SECRET]], origin env' });
    const inText = redactRecord(record('cfg {"password":{"tangerine-elephant-rocket":true}} retry tangerine-elephant-rocket'), options);
    expect(inText.kind === 'keep' && inText.body).toBe('cfg {"password":[[SECRET]]} retry [[SECRET]]');
  });

  it('a skip rule spares a scalar only: what an object or array under the key holds is redacted', () => {
    const out = redactRecord(record({ trace_id: { email: 'c@d.org' }, nested: { trace_id: ['e@f.org', 'ok'] } }), options);
    expect(JSON.stringify(out.kind === 'keep' && out.body)).not.toMatch(/c@d\.org|e@f\.org/);
    expect(out.findings.map((f) => f.path)).toEqual(['$.trace_id.email', '$.nested.trace_id[0]']);
  });

  it('redacts keys a detector matches, names them <object>{key}, and paths below use the redacted key', () => {
    const out = redactRecord(record({ 'bob@example.com': { ip: '10.0.0.1' }, hosts: { '10.0.0.2': 'up' } }), options);
    const text = JSON.stringify(out.kind === 'keep' && out.body);
    expect(text).not.toMatch(/bob@example\.com|10\.0\.0\.[12]/);
    expect(out.findings.map((f) => [f.detectorId, f.path.replace(/\[\[[^\]]*\]\]/, 'TOKEN')])).toEqual([
      ['email', '$' + '{key}'],
      ['ip', '$["TOKEN"].ip'],
      ['ip', '$.hosts{key}'],
    ]);
    // Two keys redacted to the same text would merge two members: the record cannot be redacted.
    const masking = { ...options, actions: new ActionPolicy({ byDetector: { email: { type: 'mask' } } }) };
    expect(() => redactRecord(record({ 'a@b.org': 1, 'c@d.org': 2 }), masking)).toThrow(expect.objectContaining({ code: 'KEY_COLLISION' }));
  });

  it("names no path in an error's message through a key that holds a value of the record", () => {
    const secret = 'Hunter2Secret!xyz';
    const masking = { ...options, actions: new ActionPolicy({ byDetector: { email: { type: 'mask' } } }) };
    let deep: JsonValue = 1;
    for (let i = 0; i < 70; i++) deep = { d: deep };
    const encoded = (text: string, times: number): string => (times === 0 ? text : encoded(Buffer.from(`note ${text}`).toString('base64'), times - 1));
    const cases: Array<[JsonValue, string, RedactOptions]> = [
      // Nesting too deep under a key that holds the password (the repeats pass redacts it after the walk).
      [{ password: secret, x: { [`note pw ${secret}`]: deep } }, 'RECORD_TOO_DEEP', options],
      // Two keys masked to the same text, under a key that is the password.
      [{ [secret]: { 'a@b.org': 1, 'c@d.org': 2 }, password: secret }, 'KEY_COLLISION', masking],
      // Text in base64 nested too deep, under a key that spells the password with an escape the path reads.
      [{ a: { [secret.replace('!', '%21')]: encoded('mail bob@example.com', 10) }, password: secret }, 'RECORD_TOO_DEEP', options],
      // A key that is a value found inside a text elsewhere.
      [{ msg: `login password=${secret}`, x: { [secret]: { 'a@b.org': 1, 'c@d.org': 2 } } }, 'KEY_COLLISION', masking],
    ];
    for (const [body, code, opts] of cases) {
      let thrown: unknown;
      try {
        redactRecord(record(body), opts);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, code).toMatchObject({ code });
      const message = (thrown as Error).message;
      expect(message).toContain('a field whose key holds a value of the record');
      expect(message).not.toMatch(/Hunter2|%21xyz/);
      expect((thrown as Error).stack).not.toContain('Hunter2');
    }
    // Where no key holds one, the path is named.
    expect(() => redactRecord(record({ x: { note: deep }, password: secret }), options)).toThrow(/at \$\.x\.note\.d\.d/);
  });

  it('trusts token syntax only where no detector finds anything inside it', () => {
    const fake = redactRecord(record({ msg: 'ref [[X:h1.4111111111111111]]', password: '[[X:h1.4111111111111111]]' }), options);
    expect(JSON.stringify(fake.kind === 'keep' && fake.body)).not.toContain('4111111111111111');
    const once = redactRecord(record({ msg: 'mail bob@example.com', password: 'pw' }), options);
    const body = once.kind === 'keep' ? once.body : null;
    const again = redactRecord(record(body as JsonValue), options);
    expect(again).toMatchObject({ kind: 'keep', changed: false, findings: [] });
  });

  it('partial keeps the last digits; drop-field removes the field; drop-record drops the record', () => {
    expect(partial('4111111111111111', 0, 4, '*')).toBe('************1111');
    const a = redactRecord(record('card 4111111111111111'), options);
    expect(a.kind === 'keep' && a.body).toBe('card ************1111');
    const b = redactRecord(record({ keep: 'x', gone: 'ref INTERNAL-77', arr: ['INTERNAL-1', 'y'] }), options);
    expect(b.kind === 'keep' && b.body).toEqual({ keep: 'x', arr: ['y'] });
    const c = redactRecord(record({ msg: 'TOPSECRET-ALPHA' }), options);
    expect(c).toMatchObject({ kind: 'drop', reason: 'drop-record by "kill"' });
  });

  it('counts every finding of a string whose field or record is dropped, and tokenizes none of them', () => {
    const uses = tokenKey.uses;
    const field = redactRecord(record({ keep: 'x', gone: 'mail bob@example.com ref INTERNAL-77 from 10.0.0.1' }), options);
    expect(field.kind === 'keep' && field.body).toEqual({ keep: 'x' });
    expect(field.findings.map((f) => [f.detectorId, f.path, f.action, f.kid])).toEqual([
      ['email', '$.gone', 'tokenize', undefined],
      ['field', '$.gone', 'drop-field', undefined],
      ['ip', '$.gone', 'hash', undefined],
    ]);
    const rec = redactRecord(record('mail bob@example.com TOPSECRET-ALPHA ref INTERNAL-1'), options);
    expect(rec).toMatchObject({ kind: 'drop', reason: 'drop-record by "kill"' });
    expect(rec.findings.map((f) => f.detectorId)).toEqual(['email', 'kill', 'field']);
    expect(tokenKey.uses).toBe(uses);
  });

  it('category and detector overrides change the action', () => {
    const overridden = { ...options, actions: new ActionPolicy({ byCategory: { pii: { type: 'mask' } }, byDetector: { ip: { type: 'mask', text: '<ip>' } } }) };
    const out = redactRecord(record('bob@example.com from 10.0.0.1'), overridden);
    expect(out.kind === 'keep' && out.body).toBe('[[EMAIL]] from <ip>');
  });

  it('fails on nesting deeper than maxDepth, naming the path', () => {
    let deep: JsonValue = 'x';
    for (let i = 0; i < 20; i++) deep = { d: deep };
    expect(() => redactRecord(record(deep), options)).toThrow(/deeper than 8 levels at \$\.d\.d\.d\.d\.d\.d\.d\.d/);
  });

  it('reads compressed text in base64 inflated, redacts it there, and quarantines a run that inflates too far, naming the path', () => {
    const payload = JSON.stringify({ logEvents: [{ message: 'mail bob@example.com' }] });
    const out = redactRecord(record({ event: { awslogs: { data: gzipSync(payload).toString('base64') } } }), options);
    expect(out.findings.map((f) => [f.detectorId, f.path])).toEqual([['email', '$.event.awslogs.data']]);
    const body = out.kind === 'keep' ? (out.body as { event: { awslogs: { data: string } } }) : undefined;
    expect(gunzipSync(Buffer.from(body?.event.awslogs.data ?? '', 'base64')).toString()).toMatch(/^\{"logEvents":\[\{"message":"mail \[\[EMAIL:tk1\.[^\]]+\]\]"\}\]\}$/);
    // Runs nested in a run count against the record's one budget.
    const inner = gzipSync(Buffer.alloc(6 * 1024 * 1024, 0x61)).toString('base64');
    const nested = gzipSync(`one ${inner} two ${inner} three ${inner}`).toString('base64');
    expect(() => redactRecord(record({ data: `blob ${nested}` }), options)).toThrow(/inflates past \d+ bytes \(all that one record's runs may inflate to\) at \$\.data/);
  });

  it('reads encoded commands inside encoded commands down to 8 levels, and quarantines deeper ones, naming the path', () => {
    const nest = (levels: number): string => {
      let script = 'Send-MailMessage -To bob@example.com';
      for (let i = 0; i < levels; i++) script = `powershell.exe -NoProfile -EncodedCommand ${Buffer.from(script, 'utf16le').toString('base64')}`;
      return script;
    };
    expect(redactRecord(record({ cmd: nest(8) }), options).findings.map((f) => [f.detectorId, f.path])).toEqual([['email', '$.cmd']]);
    expect(() => redactRecord(record({ cmd: nest(9) }), options)).toThrow(/encoded commands and texts nested deeper than 8 levels at \$\.cmd/);
  });

  it('names no path whose key repeats a value of the record, as written or with its escapes read', () => {
    let deep: JsonValue = 'x';
    for (let i = 0; i < 20; i++) deep = [deep];
    for (const key of ['hunter2xyz', 'hunter2%78yz']) {
      expect(() => redactRecord(record({ password: 'hunter2xyz', a: { [key]: deep } }), options)).toThrow(/^JSON nesting deeper than 8 levels$/);
      // With the JSON text the record came from, the text is searched (an earlier value of a repeated key counts).
      const source = `{"password":"x","password":"hunter2xyz","a":{"${key}":[]}}`;
      expect(() => redactRecord(record({ password: 'x', a: { [key]: deep } }), { ...options, source })).toThrow(/^JSON nesting deeper than 8 levels$/);
    }
    expect(() => redactRecord(record({ password: 'hunter2xyz', a: { other: deep } }), options)).toThrow(/levels at \$\.a\.other\[0\]/);
    // A value JSON writes with escapes (a tab) is found in the text as JSON wrote it.
    const tabbed = 'a\tsecretxy';
    const text = JSON.stringify({ password: tabbed, [tabbed]: [] });
    expect(() => redactRecord(record({ password: tabbed, [tabbed]: deep }), { ...options, source: text })).toThrow(/^JSON nesting deeper than 8 levels$/);
  });

  it('matches key rules whatever the case of the key in the rule and in the record', () => {
    const policy = policyFromYaml(PACK, 'pack: m\ndetectors: []\nkeyRules:\n  - keys: [sessionId]\n    mode: redact\n    label: SESSION\n');
    const out = redactRecord(record({ sessionId: 'abc', SESSIONID: 'def', sessionid: 'ghi' }), { ...options, policy });
    expect(out.kind === 'keep' && out.body).toEqual({ sessionId: '[[SESSION]]', SESSIONID: '[[SESSION]]', sessionid: '[[SESSION]]' });
  });

  it('tokens decrypt back to the original values', async () => {
    const out = redactRecord(record('from carol@example.net'), options);
    const text = out.kind === 'keep' ? String(out.body) : '';
    const back = await detokenizeText(text, keys);
    expect(back.text).toBe('from carol@example.net');
    expect(back.failures).toEqual([]);
  });
});
