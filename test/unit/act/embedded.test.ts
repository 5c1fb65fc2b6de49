import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withKeyRules, type Edit } from '../../../src/act/edits.js';
import { embeddedValues } from '../../../src/act/embedded.js';
import { KeyRules } from '../../../src/detect/key-rules.js';
import type { TokenRef } from '../../../src/crypto/token.js';
import type { KeyRuleSpec } from '../../../src/detect/pack.js';

const rules = new KeyRules([
  { keys: ['password', '*_token', 'cookie', 'authorization'], mode: 'redact', label: 'SECRET', category: 'credential', severity: 'high' } as KeyRuleSpec,
  { keys: ['trace_id'], mode: 'skip' } as KeyRuleSpec,
]);
/** What the rules take in `text`: each value as written, and as read when that differs. */
const taken = (text: string): Array<[string, string?]> => embeddedValues(text, rules).map((v) => (v.value === undefined ? [text.slice(v.start, v.end)] : [text.slice(v.start, v.end), v.value]));

describe('embeddedValues with rules that hold beside other members', () => {
  const conditional = new KeyRules([{ keys: ['data'], mode: 'redact', label: 'K8S_SECRET', category: 'credential', severity: 'high', where: { kind: ['Secret'] }, source: { file: 't.yaml', line: 1 } } as KeyRuleSpec]);
  const held = (text: string): string[] => embeddedValues(text, conditional).map((v) => text.slice(v.start, v.end));

  it('takes them in an object that meets the conditions, at any depth of the text\'s JSON, and no other', () => {
    expect(held('apply {"items":[{"kind":"Secret","data":{"k":"dmFsdWU="}},{"kind":"ConfigMap","data":{"k":"x"}}]}')).toEqual(['{"k":"dmFsdWU="}']);
    // Neither JSON nor a Python dict, an unbalanced object, a condition in prose.
    expect(held('{"kind":"Secret","data":x}')).toEqual([]);
    expect(held('{"kind":"Secret","data":"x"')).toEqual([]);
    expect(held('kind: Secret, data: x')).toEqual([]);
  });

  it('takes them in a Python dict as a log prints one, and after a stray quote in prose', () => {
    // A Kubernetes client's object, printed by pprint over several lines, with prefixes.
    expect(held("created {'api_version': 'v1',\n 'data': {'password': 'aHVudGVy'},\n 'kind': 'Secret'}")).toEqual(["{'password': 'aHVudGVy'}"]);
    expect(held("{u'kind': u'Secret', u'data': u'c2VjcmV0',}")).toEqual(['c2VjcmV0']);
    expect(held("{'kind': 'ConfigMap', 'data': {'k': 'v'}}")).toEqual([]);
    // A raw string's prefix; a long value read whole.
    expect(held("{'kind': r'Secret', 'data': '" + 'x'.repeat(200_000) + "'}")).toEqual(['x'.repeat(200_000)]);
    // An apostrophe of prose before the object opens no string, nor does a bracket of prose hide it.
    expect(held('retry, it\'s {"kind":"Secret","data":{"k":"dmFsdWU="}}')).toEqual(['{"k":"dmFsdWU="}']);
    expect(held('unexpected "{" in operand; applying {"kind":"Secret","data":{"k":"dmFsdWU="}}')).toEqual(['{"k":"dmFsdWU="}']);

    // What a client's read-back object holds besides literals: a timestamp's constructor, an
    // object's repr, inf; a tuple value and a key that is no string before the data.
    const meta = "'metadata': {'creation_timestamp': datetime.datetime(2024, 5, 14, 10, 22, tzinfo=tzutc()), 'owner': <V1OwnerReference at 0x7f3a>, 'ratio': inf}";
    expect(held(`{'kind': 'Secret', ${meta}, 'data': {'app.conf': 'cHc9eA=='}}`)).toEqual(["{'app.conf': 'cHc9eA=='}"]);
    expect(held("{1: 'x', 'kind': 'Secret', 'ports': (80, 443), None: 'y', 'data': 'cHc9eA=='}")).toEqual(['cHc9eA==']);
    expect(held("{'kind': 'Secret', 'metadata': <V1ObjectMeta name=db, namespace=prod>, 'data': {'DB_URL': 'cHc9eA=='}}")).toEqual(["{'DB_URL': 'cHc9eA=='}"]);
  });

  it('reads each object of a deeply nested text a bounded number of times', () => {
    // Every level read again whole, 50,000 levels of a megabyte would take hours.
    const levels = 50_000;
    expect(held('{"kind":"Secret","a":'.repeat(levels) + '{"kind":"Secret","data":"x"}' + '}'.repeat(levels))).toEqual([]);
    expect(held('{"kind":"Secret","a":'.repeat(3) + '{"kind":"Secret","data":"x"}' + '}'.repeat(3))).toEqual(['x']);
  });
});

describe('embeddedValues', () => {
  it('takes string and bare values of redact keys in JSON or a Python dict inside a text, and their repeats', () => {
    expect(taken('payload={"api_token":"zq81kd02abc","n":"zq81kd02abc","trace_id":"t1"} retry zq81kd02abc')).toEqual([['zq81kd02abc'], ['zq81kd02abc'], ['zq81kd02abc']]);
    // A repeat spelled with escapes is taken as written, read decoded.
    expect(taken('payload={"x_token":"tokABC123456"} later tok%41BC123456 and tok&#65;BC123456')).toEqual([
      ['tokABC123456'],
      ['tok%41BC123456', 'tokABC123456'],
      ['tok&#65;BC123456', 'tokABC123456'],
    ]);
    expect(taken("headers={'Cookie': 'sid=zq81', 'x': 1}")).toEqual([['sid=zq81']]);
    expect(taken('{"password" :\n 1234, "x_token":0xDEADBEEF}')).toEqual([['1234'], ['0xDEADBEEF']]);
    // An array of strings, as Go writes header maps.
    expect(taken('h={"Cookie":["sid=a1b2c3", "lang=en"],"Authorization":["Bearer q1w2e3"]}')).toEqual([['sid=a1b2c3'], ['lang=en'], ['Bearer q1w2e3']]);
    // A JSON text in a JSON string in a Python bytes repr (botocore's response body), its escapes doubled: whole.
    expect(taken(String.raw`b'{"password":"{\\"host\\":\\"db1\\",\\"k\\":\\"Zq9hunter\\"}","n":1}'`)).toEqual([[String.raw`{\\"host\\":\\"db1\\",\\"k\\":\\"Zq9hunter\\"}`, '{"host":"db1","k":"Zq9hunter"}']]);
    expect(taken('{"password":"ab\\\\", "n": 1}')).toEqual([['ab\\\\', 'ab\\']]);
    // Node's request headers (kOutHeaders): the header's name as sent, then its value.
    expect(taken("{ 'authorization': [ 'Authorization', 'Bearer q1w2e3' ], 'x_token': [ 'X_Token', 'a1b2c3' ] }")).toEqual([['Bearer q1w2e3'], ['a1b2c3']]);
    // An object or a mixed array, whole.
    expect(taken('{"api_token": {"v": "Zq7h", "n": [1, "}"]}, "x_token": ["a", 12345678], "ok": 1}')).toEqual([['{"v": "Zq7h", "n": [1, "}"]}'], ['["a", 12345678]']]);
    // A Python dict's single-quoted strings are skipped as JSON's double-quoted ones are.
    expect(taken("{'api_token': {'v': 'Zq7}h', 'n': [1, ']']}, 'ok': 1}")).toEqual([["{'v': 'Zq7}h', 'n': [1, ']']}"]]);
    // What it holds is taken again where it repeats.
    expect(taken('cfg {"api_token": {"v": "Zq7hunterXy9"}} then Zq7hunterXy9')).toEqual([['{"v": "Zq7hunterXy9"}'], ['Zq7hunterXy9']]);
    expect(taken("{'password': {'it\\'s': \"it's\"")).toEqual([]);
    // Python 2 and bytes literals.
    expect(taken("{u'x_token': u'Zq7hunterXy9', 'password': b'pw\\'s'}")).toEqual([['Zq7hunterXy9'], ["pw\\'s", "pw's"]]);
    // A name-value item as Ansible prints it, the names with Python 2's u prefix.
    expect(taken("changed: [web1] => (item={u'key': u'deploy_token', u'value': u'nhcc826ZWOf0'})")).toEqual([['nhcc826ZWOf0']]);
    expect(taken("{u'value': u'nhcc826ZWOf0', u'name': u'api_token'}")).toEqual([['nhcc826ZWOf0']]);
    // Both values of a property an audit event modified, each a value member right after the last.
    expect(taken('{"displayName":"api_token","oldValue":"a1b2c3d4","newValue":"e5f6g7h8","value":"i9j0"}')).toEqual([['a1b2c3d4'], ['e5f6g7h8'], ['i9j0']]);
    // Empty values, other keys, a key that is no key, prose: nothing.
    expect(taken('{"password":"","user":"bob","note":"password: x"}')).toEqual([]);
    expect(taken('validation failed: field "password": expected string; unknown field "token": ignoring')).toEqual([]);
  });

  it('takes no value that is a token the text holds (a record redacted before, read again)', () => {
    const token = '[[SECRET:tk1.uZWVMmbjoyKS.dgBgNeqxJENtO8J4Uv7]]';
    const text = `x {"github_token":"${token}","api_token":"zq81kd02abc"}`;
    const at = text.indexOf(token);
    const tokens = (): TokenRef[] => [{ start: at, end: at + token.length, label: 'SECRET', kind: 'tk1' }];
    expect(embeddedValues(text, rules, tokens).map((v) => text.slice(v.start, v.end))).toEqual(['zq81kd02abc']);
    // Not told it is a token: it is a value as any other.
    expect(taken(text)).toEqual([[token], ['zq81kd02abc']]);
  });

  it('finds the key and the value of a pair however they are quoted and spaced', () => {
    // Keys hold quotes of either kind, escapes, colons and spaces; values hold what keys do not
    // (digits, capitals), so no repeat of a value is found inside its key.
    const keyText = fc.array(fc.constantFrom('a', 'z', '"', "'", '\\', ':', ' ', 'é'), { maxLength: 12 }).map((a) => `${a.join('')}_token`);
    const valueText = fc.array(fc.constantFrom('Q', '7', '"', "'", '\\', ':', ' ', '€', '/'), { minLength: 6, maxLength: 20 }).map((a) => `Q7${a.join('')}`);
    const single = (v: string): string => `'${v.replace(/[\\']/g, (c) => `\\${c}`)}'`;
    const space = fc.array(fc.constantFrom(' ', '\t', '\r', '\n'), { maxLength: 3 }).map((a) => a.join(''));
    fc.assert(
      fc.property(keyText, valueText, fc.constantFrom('', 'u', 'b'), fc.boolean(), space, space, (key, value, prefix, singleKey, before, after) => {
        const quotedKey = prefix + (singleKey ? single(key) : JSON.stringify(key));
        const quotedValue = JSON.stringify(value);
        const text = `x={${quotedKey}${before}:${after}${quotedValue}, "n": 1}`;
        const written = quotedValue.slice(1, -1);
        expect(taken(text)).toEqual([written === value ? [written] : [written, value]]);
      }),
    );
  });

  it('reads JSON escaped once more, percent-encoded or written with character references', () => {
    // A value whose escapes JSON reads otherwise is read so (its token and its repeats are of what it reads).
    expect(taken('{\\"password\\":\\"abc\\\\\\"def\\"}')).toEqual([['abc\\\\\\"def', 'abc"def']]);
    expect(taken('{"password":"C:\\\\dir"}')).toEqual([['C:\\\\dir', 'C:\\dir']]);
    expect(taken('{\\"pass\\u0077ord\\":\\"hunter2xyz\\"}')).toEqual([['hunter2xyz']]);
    expect(taken('state=%7B%22access_token%22%3A%22zq81kd02%22%7D')).toEqual([['zq81kd02']]);
    expect(taken('{&quot;api_token&quot;:&quot;zq81kd02&quot;}')).toEqual([['zq81kd02']]);
    // JSON escaped in a string of JSON in a text: read unescaped, `"body":"{"` must not hide the key after it.
    expect(taken('INFO {"body":"{\\"api_token\\":\\"tokVALUE98765\\"}"}')).toEqual([['tokVALUE98765']]);
    expect(taken('msg {\\u0022api_token\\u0022: \\u0022Zq7hunterXy9\\u0022}')).toEqual([['Zq7hunterXy9']]);
  });

  it('takes the value of an object that names it (env entries, OTLP attributes, AWS tags), in either order', () => {
    expect(taken('env=[{"name":"db_token","value":"hunter2xyz"},{"name":"HOME","value":"/root"}]')).toEqual([['hunter2xyz']]);
    expect(taken('{"value":"hunter2xyz", "name":"password"}')).toEqual([['hunter2xyz']]);
    expect(taken("tags=[{'Key': 'api_token', 'Value': 'Zq7hunterXy9'}]")).toEqual([['Zq7hunterXy9']]);
    // An OTLP AnyValue, whole; JSON escaped in a string too.
    expect(taken('attrs=[{"key":"password","value":{"stringValue":"hunter2xyz"}}]')).toEqual([['{"stringValue":"hunter2xyz"}']]);
    expect(taken('{"m":"[{\\"name\\":\\"password\\",\\"value\\":\\"hunter2xyz\\"}]"}')).toEqual([['hunter2xyz']]);
    // A name no rule takes, a name that is no string: nothing.
    expect(taken('{"name":"user","value":"bob"}')).toEqual([]);
    expect(taken('{"name":{"v":"password"},"value":"x9"}')).toEqual([]);
    // Other members between them (an SSM call's body), as the record's own fields are read, but not another object's.
    expect(taken('{"name":"password","id":7,"value":"x9"}')).toEqual([['x9']]);
    expect(taken('{"Name":"password","Type":"SecureString","Overwrite":true,"Value":"hunter2xyz"}')).toEqual([['hunter2xyz']]);
    expect(taken("{'Value': 'Zq7hunterXy9', 'Owner': 'ops', 'Key': 'api_token'}")).toEqual([['Zq7hunterXy9']]);
    expect(taken('[{"name":"password","x":1},{"value":"x9"}]')).toEqual([]);
  });

  it('takes the values of a map written as its entries (Rails bind parameters, a list of tuples)', () => {
    const binds = 'INSERT INTO "users" ("password", "email") VALUES ($1, $2)  [["password", "hunter2xyz"], ["email", "a@b.c"], ["id", 4], ["deleted_at", nil]]';
    expect(taken(binds)).toEqual([['hunter2xyz']]);
    // Python prints an OrderedDict and dict.items() as a list of tuples.
    expect(taken("[('api_token', u'Zq7hunterXy9'), ('x', 1)]")).toEqual([['Zq7hunterXy9']]);
    expect(taken("OrderedDict([('full_name', 'Ada Lovelace'), ('newsletter', True), ('password', 'hunter2xyz'),])")).toEqual([['hunter2xyz']]);
    expect(taken("args=[['api_token', u'Zq7hunterXy9'], ['retries', None]]")).toEqual([['Zq7hunterXy9']]);
    // A pair of two field names, a count, an entry outside a list of entries: nothing.
    expect(taken('permit [["password", "cookie"]]')).toEqual([]);
    expect(taken('tally [["password", 120], ["timeout", 4]]')).toEqual([]);
    expect(taken('["password", "hunter2xyz"]')).toEqual([]);
    expect(taken("config.get('password', 'hunter2xyz')")).toEqual([]);
    expect(taken("[('password', 'hunter2xyz'), 'host']")).toEqual([]);
  });
});

describe('withKeyRules', () => {
  const by = (id: string): Edit['by'] => ({ id, category: 'c', severity: 'high', label: 'L', action: { type: 'mask' } });
  const edit = (start: number, end: number, id: string): Edit => ({ start, end, by: by(id) });
  const spans = (edits: Edit[]): string[] => edits.map((e) => `${e.by.id}:${e.start}-${e.end}`);

  it('lets a key rule take the whole value, and what a detector match reaching past it covers', () => {
    // Inside the value: the key rule's edit alone. Reaching past it: the key rule takes both spans.
    expect(spans(withKeyRules([edit(3, 5, 'd'), edit(20, 25, 'e')], [edit(2, 8, 'key:x')]))).toEqual(['key:x:2-8', 'e:20-25']);
    expect(spans(withKeyRules([edit(6, 12, 'd')], [edit(2, 8, 'key:x')]))).toEqual(['key:x:2-12']);
    // A detector match holding the whole value is kept instead.
    expect(spans(withKeyRules([edit(0, 10, 'd')], [edit(2, 8, 'key:x')]))).toEqual(['d:0-10']);
    // Two key edits widened into each other are one.
    expect(spans(withKeyRules([edit(6, 14, 'd')], [edit(2, 8, 'key:x'), edit(12, 16, 'key:y')]))).toEqual(['key:x:2-16']);
  });
});
