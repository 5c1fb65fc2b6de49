import { describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../../src/act/actions.js';
import { explainKeys } from '../../../src/act/explain-keys.js';
import { CompiledPolicy } from '../../../src/detect/compile.js';
import { processBatch } from '../../../src/pipeline/batch.js';
import { builtinPolicy, LIMITS } from '../../helpers/engine.js';
import { localKeys } from '../../helpers/keys.js';
import { policyFromYaml, problemsOf } from '../../helpers/policy.js';

const PACK = `
pack: t
detectors: []
keyRules:
  - keys: [data, stringData]
    where: {Kind: [Secret]}
    mode: redact
    label: K8S_SECRET
    action: mask
  - keys: [value]
    where: {type: [SecureString, Secret], scope: [prod]}
    mode: redact
    label: SECRET
    action: mask
`;

async function run(policy: CompiledPolicy, lines: string[]): Promise<{ out: string[]; fast: number }> {
  const { keys } = await localKeys();
  const tokenKey = await keys.current();
  const r = processBatch(
    { seq: 0, file: 'in.jsonl', firstLine: 1, firstOffset: 0, data: Buffer.from(lines.join('\n') + '\n') },
    { policy, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey },
  );
  return { out: Buffer.from(r.output).toString('utf8').split('\n').slice(0, lines.length), fast: r.fastPathLines };
}

describe('a key rule with conditions (where)', () => {
  it('redacts the key only in an object whose other members meet every condition', async () => {
    const policy = policyFromYaml(PACK);
    const lines = [
      '{"kind":"Secret","metadata":{"name":"db"},"data":{"url":"cG9zdGdyZXM6Ly9h"}}',
      '{"verb":"create","requestObject":{"KIND":"Secret","stringData":{"password":"hunter2"}}}',
      '{"kind":"ConfigMap","data":{"url":"cG9zdGdyZXM6Ly9h"}}',
      '{"data":{"kind":"Secret"}}',
      '{"type":"Secret","scope":"prod","value":"Zq9pW2xK"}',
      '{"type":"Secret","scope":"dev","value":"Zq9pW2xK"}',
      '{"type":"String","scope":"prod","value":"Zq9pW2xK"}',
    ];
    const { out, fast } = await run(policy, lines);
    expect(out).toEqual([
      '{"kind":"Secret","metadata":{"name":"db"},"data":"[[K8S_SECRET]]"}',
      '{"verb":"create","requestObject":{"KIND":"Secret","stringData":"[[K8S_SECRET]]"}}',
      ...lines.slice(2, 4),
      '{"type":"Secret","scope":"prod","value":"[[SECRET]]"}',
      ...lines.slice(5),
    ]);
    // The first condition's member, anywhere, sends a line down the structured path; the rule's keys
    // alone do not (the ConfigMap, the String).
    expect(fast).toBe(2);
  });

  it('reads a condition spelled with escapes, and never applies to pairs in prose', async () => {
    const policy = policyFromYaml(PACK);
    const { out } = await run(policy, ['{"kind":"Secr\\u0065t","data":{"k":"dmFsdWU="}}', 'kind: Secret, data: {"k":"dmFsdWU="}']);
    expect(out).toEqual(['{"kind":"Secr\\u0065t","data":"[[K8S_SECRET]]"}', 'kind: Secret, data: {"k":"dmFsdWU="}']);
  });

  it('applies in a JSON object inside a string or a text line, where the object meets the conditions', async () => {
    const policy = policyFromYaml(PACK);
    const lines = [
      '{"msg":"apply {\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"Secret\\",\\"metadata\\":{\\"name\\":\\"db\\"},\\"data\\":{\\"url\\":\\"cG9zdGdyZXM6Ly9h\\"}}"}',
      'it\'s {"type": "Secret", "scope": "prod", "value": "Zq9pW2xK"} and {"type":"Secret","scope":"dev","value":"Dev0nlyX"}',
      // The condition in an object inside the one that holds the key, or beside it: no rule holds.
      '{"msg":"{\\"data\\":{\\"k\\":\\"dmFsdWU=\\"},\\"meta\\":{\\"kind\\":\\"Secret\\"}}"}',
      'kind: Secret {"data":{"k":"dmFsdWU="}}',
    ];
    const { out } = await run(policy, lines);
    expect(out).toEqual([
      '{"msg":"apply {\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"Secret\\",\\"metadata\\":{\\"name\\":\\"db\\"},\\"data\\":[[K8S_SECRET]]}"}',
      'it\'s {"type": "Secret", "scope": "prod", "value": "[[SECRET]]"} and {"type":"Secret","scope":"dev","value":"Dev0nlyX"}',
      ...lines.slice(2),
    ]);
  });

  it('is named with its conditions in explain', () => {
    const policy = policyFromYaml(PACK);
    const entries = explainKeys(policy, '{"kind":"Secret","data":{"k":"dmFsdWU="}}');
    expect(entries.map((e) => e.detail)).toEqual([expect.stringContaining('under key "data" in an object with kind: Secret is redacted whole')]);
  });

  it('must name members and values', () => {
    const bad = PACK.replace('where: {Kind: [Secret]}', 'where: {Kind: []}').replace('where: {type: [SecureString, Secret], scope: [prod]}', 'where: {}');
    expect(problemsOf(bad).length).toBe(2);
  });

  it('takes a glob as a value, matched against the whole string, escapes decoded', async () => {
    const policy = policyFromYaml(`
pack: t
detectors: []
keyRules:
  - keys: [value]
    where: {id: ['https://*.vault.example/secrets/*', 'literal*']}
    mode: redact
    label: SECRET
    action: mask
`);
    const lines = [
      '{"value":"Zq9pW2xK","id":"https://kv1.vault.example/secrets/db/01"}',
      '{"Id":"https:\\/\\/kv1.vault.example\\/secrets\\/db\\/01","Value":"Zq9pW2xK"}',
      '{"value":"Zq9pW2xK","id":"literal"}',
      // Not the whole string, another path, the case not as written, a glob's parts out of order.
      '{"value":"Zq9pW2xK","id":"see https://kv1.vault.example/secrets/db/01"}',
      '{"value":"Zq9pW2xK","id":"https://kv1.vault.example/keys/db/01"}',
      '{"value":"Zq9pW2xK","id":"HTTPS://kv1.vault.example/secrets/db"}',
      '{"value":"Zq9pW2xK","id":"https://secrets/.vault.example"}',
    ];
    const { out, fast } = await run(policy, lines);
    expect(out).toEqual([
      '{"value":"[[SECRET]]","id":"https://kv1.vault.example/secrets/db/01"}',
      '{"Id":"https:\\/\\/kv1.vault.example\\/secrets\\/db\\/01","Value":"[[SECRET]]"}',
      '{"value":"[[SECRET]]","id":"literal"}',
      ...lines.slice(3),
    ]);
    // The lines whose member no glob matches stay on the fast path.
    expect(fast).toBe(4);
  });

  it('keeps the data of a Kubernetes Secret, an SSM SecureString, a Key Vault secret and a session cookie out of the built-in output', async () => {
    const builtin = builtinPolicy();
    const { out } = await run(builtin, [
      '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"db"},"data":{"conn":"WnE5cFcyeEstc3VwZXJzZWNyZXQ="}}',
      '{"kind":"SecretList","items":[{"metadata":{"name":"a"},"data":{"k":"dmFsdWU="}}]}',
      '{"Parameter":{"Name":"/prod/db/conn","Type":"SecureString","Value":"Zq9pW2xK","Version":3}}',
      '{"Parameter":{"Name":"/prod/db/host","Type":"String","Value":"db.internal","Version":3}}',
      // Azure Key Vault's Get Secret: a secret's value, and a key's (a public key's id) left.
      '{"value":"Xq7!mZ2pLw9#rT4v","id":"https://contoso.vault.azure.net/secrets/db-password/4387e9f3d6e14c45","attributes":{"enabled":true}}',
      '{"value":"AQAB","id":"https://contoso.vault.azure.net/keys/signing/4387e9f3d6e14c45"}',
      // A HAR's cookies: one named session, one of a framework's name, one that is no session.
      '{"cookies":[{"name":"session","value":"eyJ1aWQiOjQyfQ.Zq9pW2","httpOnly":true},{"name":"connect.sid","value":"s%3AZq9pW2xK.sig"},{"name":"_ga","value":"GA1.2.1.2"}]}',
    ]);
    expect(out).toEqual([
      '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"db"},"data":"[[K8S_SECRET]]"}',
      '{"kind":"SecretList","items":"[[K8S_SECRET]]"}',
      '{"Parameter":{"Name":"/prod/db/conn","Type":"SecureString","Value":"[[SECRET]]","Version":3}}',
      '{"Parameter":{"Name":"/prod/db/host","Type":"String","Value":"db.internal","Version":3}}',
      '{"value":"[[SECRET]]","id":"https://contoso.vault.azure.net/secrets/db-password/4387e9f3d6e14c45","attributes":{"enabled":true}}',
      '{"value":"AQAB","id":"https://contoso.vault.azure.net/keys/signing/4387e9f3d6e14c45"}',
      '{"cookies":[{"name":"session","value":"[[SESSION_ID]]","httpOnly":true},{"name":"connect.sid","value":"[[SECRET]]"},{"name":"_ga","value":"GA1.2.1.2"}]}',
    ]);
  });
});

describe('a name-value object with other members beside its name and value', () => {
  it('has its value read under its name, as a pair alone is', async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"request":{"headers":[{"name":"Authorization","value":"abcdefgh12345678","comment":""}]}}',
      '{"variables":[{"key":"DB_PASSWORD","value":"Sup3rS3cretPW","variable_type":"env_var","protected":false,"masked":false}]}',
      '{"environmentVariablesOverride":[{"name":"DB_PASSWORD","value":"Sup3rS3cretPW","type":"PLAINTEXT"}]}',
      '{"Parameter":{"Name":"/prod/db/password","Type":"String","Value":"Sup3rS3cretPW","Version":3}}',
      // A name that no rule selects leaves the value as it is.
      '{"name":"retries","value":"Sup3rS3cretPW","unit":"count"}',
      // CloudFormation parameters, Elastic Beanstalk option settings, a Spring validation error, and
      // such an object written inside a string.
      '{"requestParameters":{"parameters":[{"parameterKey":"DBPassword","parameterValue":"Sup3rS3cretPW"}]}}',
      '{"OptionSettings":[{"Namespace":"aws:elasticbeanstalk:application:environment","OptionName":"DB_PASSWORD","Value":"Sup3rS3cretPW"}]}',
      '{"fieldErrors":[{"objectName":"user","field":"password","rejectedValue":"Sup3rS3cretPW","code":"Size"}]}',
      '{"m":"{\\"ParameterKey\\":\\"DbPassword\\",\\"ParameterValue\\":\\"Sup3rS3cretPW\\"}"}',
      // An audit trail's change record, its old and new values.
      '{"changes":[{"field":"password","old":"Sup3rS3cretPW","new_value":"N3wS3cretPW"},{"field":"plan","old":"free","new":"pro"}]}',
    ];
    const { out } = await run(builtin, lines);
    expect(out).toEqual([
      '{"request":{"headers":[{"name":"Authorization","value":"[[AUTH_HEADER]]","comment":""}]}}',
      '{"variables":[{"key":"DB_PASSWORD","value":"[[PASSWORD]]","variable_type":"env_var","protected":false,"masked":false}]}',
      '{"environmentVariablesOverride":[{"name":"DB_PASSWORD","value":"[[PASSWORD]]","type":"PLAINTEXT"}]}',
      '{"Parameter":{"Name":"/prod/db/password","Type":"String","Value":"[[PASSWORD]]","Version":3}}',
      lines[4],
      '{"requestParameters":{"parameters":[{"parameterKey":"DBPassword","parameterValue":"[[PASSWORD]]"}]}}',
      '{"OptionSettings":[{"Namespace":"aws:elasticbeanstalk:application:environment","OptionName":"DB_PASSWORD","Value":"[[PASSWORD]]"}]}',
      '{"fieldErrors":[{"objectName":"user","field":"password","rejectedValue":"[[PASSWORD]]","code":"Size"}]}',
      '{"m":"{\\"ParameterKey\\":\\"DbPassword\\",\\"ParameterValue\\":\\"[[PASSWORD]]\\"}"}',
      '{"changes":[{"field":"password","old":"[[PASSWORD]]","new_value":"[[PASSWORD]]"},{"field":"plan","old":"free","new":"pro"}]}',
    ]);
  });
});

describe('an array of command-line arguments', () => {
  it('has the item after an option a rule selects redacted, on the fast path too', async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"spec":{"containers":[{"name":"db","args":["--user","app","--password","Sup3rS3cretPW","--port",5432]}]}}',
      '{"Args":["-storepass","Lm4vQ9zRt","-client-secret", 12345678]}',
      // An option that names nothing a rule selects, an option given its value, and a word.
      '{"args":["--port","5432","--password=","x","password","email"]}',
    ];
    const { out, fast } = await run(builtin, lines);
    expect(out).toEqual([
      '{"spec":{"containers":[{"name":"db","args":["--user","app","--password","[[PASSWORD]]","--port",5432]}]}}',
      '{"Args":["-storepass","[[PASSWORD]]","-client-secret", "[[SECRET]]"]}',
      lines[2],
    ]);
    expect(fast).toBe(0);
    const entries = explainKeys(builtin, lines[0] as string);
    expect(entries.map((e) => [e.path, e.detail])).toEqual([['$.spec.containers[0].args[3]', 'the value after "--password" is redacted whole']]);
  });

  it('leaves a member whose value names an option or a key on the fast path, and reads an array inside a string', async () => {
    const builtin = builtinPolicy();
    const lines = [
      // A login method, a field named in an error: values of members, not items of arrays.
      '{"event":"login_success","method":"password","client":"cli"}',
      '{"error":"too short","see":"x-api-key","hint":"db_password","then":"retry"}',
      // The same arguments as JSON inside a string, and with spaces after the bracket and commas.
      '{"msg":"exec [\\"--db-password\\",\\"Lm4vQ9zRt\\"]"}',
      '{"args":[ "--password" , "Sup3rS3cretPW"]}',
    ];
    const { out, fast } = await run(builtin, lines);
    expect(out.slice(0, 2)).toEqual(lines.slice(0, 2));
    expect(out[2]).not.toContain('Lm4vQ9zRt');
    expect(out[3]).toBe('{"args":[ "--password" , "[[PASSWORD]]"]}');
    expect(fast).toBe(2);
  });
});

describe('a Redis command as a list of its arguments', () => {
  it('has the password of AUTH redacted, alone or in HELLO, and nothing in other lists', async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"command":["AUTH","Wint3rDeploy42"]}',
      '{"command":["AUTH","default","Wint3rDeploy42"]}',
      '{"args":["HELLO",3,"AUTH","app","Wint3rDeploy42","SETNAME","web"]}',
      // A list of steps, an AUTH with too many arguments, a HELLO without AUTH.
      '{"steps":["auth","db","cache"],"c":["AUTH","a","b","c"],"h":["HELLO",3,"SETNAME","web"]}',
    ];
    const { out } = await run(builtin, lines);
    expect(out).toEqual([
      '{"command":["AUTH","[[PASSWORD]]"]}',
      '{"command":["AUTH","default","[[PASSWORD]]"]}',
      '{"args":["HELLO",3,"AUTH","app","[[PASSWORD]]","SETNAME","web"]}',
      lines[3],
    ]);
    const entries = explainKeys(builtin, lines[1] as string);
    expect(entries.map((e) => [e.path, e.detail])).toEqual([['$.command[2]', 'the password of a Redis AUTH command is redacted whole']]);
  });
});

describe('bind parameters logged beside their statement', () => {
  it('are redacted by their columns\' rules, and explained so', async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"msg":"query","sql":"INSERT INTO patients (full_name, date_of_birth, ssn) VALUES ($1, $2, $3)","params":["Maria Garcia","1984-03-17","512-44-1234"]}',
      '{"method":"select","sql":"select * from users where dob = ? and status = ? limit ?","bindings":["1984-03-17","active",10]}',
      // A statement whose columns no rule names, and parameters with no statement beside them.
      '{"sql":"select * from orders where status = ? and total > ?","bindings":["Maria Garcia",10]}',
      '{"job":"resize","args":["Maria Garcia","1984-03-17"]}',
    ];
    const { out } = await run(builtin, lines);
    expect(out[0]).toMatch(/"params":\["\[\[NAME:tk1\.[^"]+\]\]","\[\[DOB:tk1\.[^"]+\]\]","\[\[SSN:tk1\.[^"]+\]\]"\]\}$/);
    expect(out[1]).toMatch(/"bindings":\["\[\[DOB:tk1\.[^"]+\]\]","active",10\]\}$/);
    expect(out.slice(2)).toEqual(lines.slice(2));
    const entries = explainKeys(builtin, lines[1] as string);
    expect(entries.map((e) => [e.path, e.detail])).toEqual([['$.bindings[0]', 'the bind parameter of column "dob" is redacted whole']]);
  });
});

describe('a MySQL client as a list of its arguments', () => {
  it('has a password written onto -p redacted after the client, and nothing else', async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"command":["mysql","-u","app","-pS3cretRoot!","shop"]}',
      '{"args":["/usr/bin/mysqldump","--single-transaction","-pW1nt3r!Dump","-h","db"]}',
      // -p alone asks for the password; -p before the client, another program, a port.
      '{"command":["mysql","-u","app","-p","shop"],"other":["-pX1","mysql"],"run":["docker","run","-p8080:80","mysql:8"]}',
    ];
    const { out } = await run(builtin, lines);
    expect(out).toEqual([
      '{"command":["mysql","-u","app","[[PASSWORD]]","shop"]}',
      '{"args":["/usr/bin/mysqldump","--single-transaction","[[PASSWORD]]","-h","db"]}',
      lines[2],
    ]);
    const entries = explainKeys(builtin, lines[0] as string);
    expect(entries.map((e) => [e.path, e.detail])).toEqual([['$.command[3]', "a MySQL client's -p argument is redacted whole"]]);
  });
});

describe('sshpass and curl as lists of their arguments', () => {
  it("has sshpass's -p value and curl's user:password redacted after the program, and nothing else", async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"command":["sshpass","-p","S3cretRoot!","ssh","backup@db"]}',
      '{"args":["/usr/bin/sshpass","-pW1nt3r!Dump","rsync","-a","src","dst"]}',
      '{"argv":["curl","-sS","-u","admin:Tr0ub4dor-3","https://api.example.com"]}',
      // Another program's -p (a port) or -u (a user id), curl's user without a password, -p before sshpass.
      '{"a":["ssh","-p","2222","db"],"b":["docker","run","-u","1000:1000","img"],"c":["curl","-u","admin:","https://x"],"d":["-p","X1","sshpass"]}',
      '{"e":["sshpass","-f","/run/pw","ssh","-p","2222","db"],"f":["sshpass","-e","ssh","-p","2222","db"]}',
    ];
    const { out } = await run(builtin, lines);
    expect(out).toEqual([
      '{"command":["sshpass","-p","[[PASSWORD]]","ssh","backup@db"]}',
      '{"args":["/usr/bin/sshpass","[[PASSWORD]]","rsync","-a","src","dst"]}',
      '{"argv":["curl","-sS","-u","[[PASSWORD]]","https://api.example.com"]}',
      lines[3],
      lines[4],
    ]);
    const entries = explainKeys(builtin, lines[2] as string);
    expect(entries.map((e) => [e.path, e.detail])).toEqual([['$.argv[3]', "curl's user:password argument is redacted whole"]]);
  });
});

describe('redis-cli and htpasswd as lists of their arguments', () => {
  it("has redis-cli's -a value and htpasswd's -b password redacted after the program, and nothing else", async () => {
    const builtin = builtinPolicy();
    const lines = [
      '["redis-cli","-h","redis.internal","-a","r3d1s-S3cr3t","--no-auth-warning","ping"]',
      '{"cmd":["/usr/bin/valkey-cli","--pass","Vk-S3cret","info"]}',
      '["htpasswd","-b","/etc/nginx/.htpasswd","ops","0psP@nel2024"]',
      '["htpasswd","-nbB","ops","0psP@nel2024"]',
      // Another program's -a, -a before redis-cli, htpasswd asking for the password, its bcrypt cost.
      '{"a":["ls","-a","/tmp"],"b":["-a","X1","redis-cli"],"c":["htpasswd","-c","/etc/nginx/.htpasswd","ops"],"d":["htpasswd","-BC","12","/f","ops"]}',
    ];
    const { out } = await run(builtin, lines);
    expect(out).toEqual([
      '["redis-cli","-h","redis.internal","-a","[[PASSWORD]]","--no-auth-warning","ping"]',
      '{"cmd":["/usr/bin/valkey-cli","--pass","[[PASSWORD]]","info"]}',
      '["htpasswd","-b","/etc/nginx/.htpasswd","ops","[[PASSWORD]]"]',
      '["htpasswd","-nbB","ops","[[PASSWORD]]"]',
      lines[4],
    ]);
    const entries = explainKeys(builtin, lines[2] as string);
    expect(entries.map((e) => [e.path, e.detail])).toEqual([['$[4]', "htpasswd's -b password argument is redacted whole"]]);
  });
});

describe('a list of header names and values', () => {
  it('has the value after a header name a rule selects redacted, where names stand at even places', async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"rawHeaders":["Host","api.example.com","X-Api-Key","abcdefgh12345678ZZ"]}',
      '{"scope":{"headers":[["host","api.example.com"],["authorization","abcdefgh12345678ZZ"],["cookie","sid=q7r2qzxgby3f"]]}}',
      // Lists of names, a name at an odd place, a list of odd length: nothing is taken.
      '{"redactHeaders":["authorization","cookie"],"allow":["x-request-id","Content-Type"]}',
      '{"h":["Host","X-Api-Key","abcdefgh12345678ZZ","x"],"odd":["X-Api-Key","abcdefgh12345678ZZ","y"]}',
      // A value that a glob would take as a key (`*secret`) is still a value.
      '{"rawHeaders":["X-Api-Key","MySuperSecret","Authorization","Bearer MySuperSecret"]}',
    ];
    const { out, fast } = await run(builtin, lines);
    expect(out).toEqual([
      '{"rawHeaders":["Host","api.example.com","X-Api-Key","[[API_KEY]]"]}',
      '{"scope":{"headers":[["host","api.example.com"],["authorization","[[AUTH_HEADER]]"],["cookie","[[COOKIE]]"]]}}',
      lines[2],
      lines[3],
      '{"rawHeaders":["X-Api-Key","[[API_KEY]]","Authorization","[[AUTH_HEADER]]"]}',
    ]);
    expect(fast).toBe(0);
  });
});

describe("a map written as a list of its entries", () => {
  it("has each value redacted by the rule its key selects, and leaves lists that are not all pairs", async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"settings":[["smtp_password","Sm7pEntry!"],["port",587]]}',
      // A value that a glob would take as a key (`*secret`) is still a value.
      '{"config":[["password","MySuperSecret"],["host","db"]]}',
      // A rule with conditions holds as in an object with those members.
      '{"form":[["grant_type","authorization_code"],["code","SplxlOBeZQQYbYS6WxSbIA"]]}',
      // A pair of two keys, a list not all of pairs, a list of names, a tally, a flag: nothing is taken.
      '{"fields":[["password","token"]],"m":[["password","x1y2z3w4"],"stray"],"required":["password","email"]}',
      '{"top_failure_reasons":[["password",120],["timeout",4]],"c":[["password",true],["securityAnswer",null]]}',
    ];
    const { out, fast } = await run(builtin, lines);
    expect(out).toEqual([
      '{"settings":[["smtp_password","[[PASSWORD]]"],["port",587]]}',
      '{"config":[["password","[[PASSWORD]]"],["host","db"]]}',
      '{"form":[["grant_type","authorization_code"],["code","[[SECRET]]"]]}',
      lines[3],
      lines[4],
    ]);
    expect(fast).toBe(0);
    expect(explainKeys(builtin, lines[1] as string).map((e) => [e.path, e.detail])).toEqual([['$.config[0][1]', 'the value of an entry under "password" is redacted whole']]);
    expect(explainKeys(builtin, lines[4] as string)).toEqual([]);
  });

  it("reads a Python list of tuples in text (an OrderedDict, dict.items()) as such a map", async () => {
    const lines = [
      "DEBUG forms: cleaned_data=OrderedDict([('full_name', 'Ada Lovelace'), ('date_of_birth', '1992-01-09'), ('newsletter', True)])",
      "INFO params dict_items([('region', 'eu-west-1'), ('retries', 3)])",
    ];
    const { out, fast } = await run(builtinPolicy(), lines);
    expect(out.map((l) => l.replace(/:tk1\.[\w.-]+\]\]/g, ']]'))).toEqual(["DEBUG forms: cleaned_data=OrderedDict([('full_name', '[[NAME]]'), ('date_of_birth', '[[DOB]]'), ('newsletter', True)])", lines[1]]);
    expect(fast).toBe(1);
  });
});

describe('the built-in rules for keys ending in token or secret', () => {
  it('read a Kubernetes Secret reference, a token projection, a listing cursor and a database session as they are', async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"spec":{"volumes":[{"name":"tls-certs","secret":{"secretName":"web-tls","defaultMode":420}}]}}',
      '{"msg":"Reconciling","controller":"secret","Secret":{"name":"web-tls","namespace":"prod"}}',
      '{"projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}}]}}',
      '{"requestParameters":{"bucketName":"acme-logs","continuation-token":"GpXGuOs0ta17kWq9YHPwLYotrj3t9Cc4iFxr710WG6jWhdps+QYsQCVX","list-type":"2"}}',
      '{"dbname":"orders","session_id":"6668a1b2.1f3e","session_start":"2024-06-11 08:20:11 UTC","error_severity":"LOG","backend_type":"client backend"}',
      // A string or a number under them is still taken, and so is an object with other members, whole;
      // a random value under a name's key is no name.
      '{"secret":"hunter2xyz","serviceAccountToken":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.","Secret":12345678}',
      '{"secret":{"value":"s3cr3tValue9"}}',
      '{"secret":{"name":"db","value":"correct horse battery staple"}}',
      '{"dbname":"orders","session_id":"6668a1b2.1f3e","error_severity":"LOG"}',
      '{"error_severity":"high","session_start":"2024-06-11","session_id":"s%3AJ9xk2LmQ8.sig"}',
      '{"auth":{"type":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ2mLw9P"}}',
    ];
    const { out } = await run(builtin, lines);
    expect(out.slice(0, 5)).toEqual(lines.slice(0, 5));
    expect(out.slice(5).map((l) => l.replace(/:tk1\.[\w.-]+\]\]/g, ']]'))).toEqual([
      '{"secret":"[[SECRET]]","serviceAccountToken":"[[SECRET]]","Secret":"[[SECRET]]"}',
      '{"secret":"[[SECRET]]"}',
      '{"secret":"[[SECRET]]"}',
      '{"dbname":"orders","session_id":"[[SECRET]]","error_severity":"LOG"}',
      '{"error_severity":"high","session_start":"2024-06-11","session_id":"[[SECRET]]"}',
      '{"auth":{"type":"[[API_KEY]]"}}',
    ]);
  });

  it('redact a camelCase credential key, spare a listing cursor or an idempotency key, and leave a flag', async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"csrfToken":"q8Zr2LmX0pVt"}',
      '{"user":{"resetToken":"q8Zr2LmX","webhookSecret":"x9y8z7"}}',
      '{"requestParameters":{"maxResults":50,"nextToken":"qW3eR5tY7uI9oP1aS3dF5gH7jK9lZx"},"ClientToken":"c0a8f1e2-3b4d-4c5e-8f9a-0b1c2d3e4f5a"}',
      '{"eos_token":"</s>","isSecret":true,"hasToken":false,"secret":null}',
      // A cursor is still read for the formats of vendor secrets.
      '{"nextToken":"ghp_YRrhlvnSCMU6IPT5cjNFcN6vDORxSaC6hpxk"}',
    ];
    const { out } = await run(builtin, lines);
    expect(out.slice(0, 4)).toEqual(['{"csrfToken":"[[SECRET]]"}', '{"user":{"resetToken":"[[SECRET]]","webhookSecret":"[[SECRET]]"}}', lines[2], lines[3]]);
    expect(out[4]).toMatch(/^\{"nextToken":"\[\[GITHUB_TOKEN:tk1\.[^"]+\]\]"\}$/);
    expect(explainKeys(builtin, lines[3] as string).map((e) => e.path)).toEqual(['$.eos_token', '$.hasToken']);
  });
});

describe('a key rule that takes strings only (strings: true)', () => {
  const STRINGS = `
pack: s
detectors: []
keyRules:
  - keys: [pass]
    strings: true
    mode: redact
    label: PASSWORD
    action: mask
`;

  it('takes a string under the key, in a record and in text, and leaves numbers, objects and flags to the detectors', async () => {
    const policy = policyFromYaml(STRINGS);
    const lines = [
      '{"auth":{"user":"apikey","pass":"Wint3rDeploy42"}}',
      '{"tests":{"pass":120,"fail":2},"pass":true}',
      '{"pass":{"user":"x"}}',
      '{"msg":"opts {\\"pass\\": 3, \\"other\\": {\\"pass\\": \\"Wint3rDeploy42\\"}}"}',
      '{"name":"pass","value":{"stringValue":"Wint3rDeploy42"}}',
    ];
    const { out } = await run(policy, lines);
    expect(out).toEqual([
      '{"auth":{"user":"apikey","pass":"[[PASSWORD]]"}}',
      lines[1],
      lines[2],
      '{"msg":"opts {\\"pass\\": 3, \\"other\\": {\\"pass\\": \\"[[PASSWORD]]\\"}}"}',
      '{"name":"pass","value":{"stringValue":"[[PASSWORD]]"}}',
    ]);
    expect(explainKeys(policy, lines[1] as string)).toEqual([]);
    expect(explainKeys(policy, lines[4] as string).map((e) => e.path)).toEqual(['$.value']);
  });

  it('is a redact rule option: on a skip rule it is a problem', () => {
    expect(problemsOf(STRINGS.replace('mode: redact\n    label: PASSWORD\n    action: mask', 'mode: skip')).map((p) => p.message)).toEqual([expect.stringContaining('label, action, strings, matching and unlessMembers apply to mode "redact" only')]);
  });

  it('holds in the built-in rules for pass and pw, beside the OAuth code of a token request and the session keys of frameworks', async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"transport":{"host":"smtp.office365.com","auth":{"user":"noreply","pass":"Wint3r!Deploy42"}},"stats":{"pass":12}}',
      '{"body":{"grant_type":"authorization_code","code":"Xq9vL2mKp7Rt4Yw8","code_verifier":"dBjftJeZ4CVP"}}',
      '{"error":{"code":"E1234"},"laravel_session":"eyJpdiI6","secret_id":"6a174c20"}',
    ];
    const { out } = await run(builtin, lines);
    expect(out).toEqual([
      '{"transport":{"host":"smtp.office365.com","auth":{"user":"noreply","pass":"[[PASSWORD]]"}},"stats":{"pass":12}}',
      '{"body":{"grant_type":"authorization_code","code":"[[SECRET]]","code_verifier":"[[SECRET]]"}}',
      '{"error":{"code":"E1234"},"laravel_session":"[[SECRET]]","secret_id":"[[SECRET]]"}',
    ]);
  });
});

describe('a key rule that takes strings of a form only (matching)', () => {
  const MATCHING = `
pack: m
detectors: []
keyRules:
  - keys: [username]
    matching: '[!#^&*?~]|^[^@.\\s]*@[^@.\\s]*$'
    mode: redact
    label: PASSWORD
    action: mask
`;

  it('takes a string its regex matches, in a record, an option list, a name-value object and text, and leaves the rest to the detectors', async () => {
    const policy = policyFromYaml(MATCHING);
    const lines = [
      '{"event":"login_failed","username":"Wint3r!Deploy42"}',
      '{"event":"login_failed","username":"jdoe","n":{"username":"P@ssw0rd2024"}}',
      '{"username":"jane@example.com","other":{"username":42}}',
      '{"args":["--username","alice","--username","Summ3r#Pass"]}',
      '{"name":"username","value":{"stringValue":"Tr0ub4dor&3"}}',
      '{"msg":"body {\\"username\\": \\"Xk9#mPq2vL\\", \\"id\\": \\"jdoe\\"} and {\\"username\\": \\"jdoe\\"}"}',
    ];
    const { out } = await run(policy, lines);
    expect(out).toEqual([
      '{"event":"login_failed","username":"[[PASSWORD]]"}',
      '{"event":"login_failed","username":"jdoe","n":{"username":"[[PASSWORD]]"}}',
      lines[2],
      '{"args":["--username","alice","--username","[[PASSWORD]]"]}',
      '{"name":"username","value":{"stringValue":"[[PASSWORD]]"}}',
      '{"msg":"body {\\"username\\": \\"[[PASSWORD]]\\", \\"id\\": \\"jdoe\\"} and {\\"username\\": \\"jdoe\\"}"}',
    ]);
    expect(explainKeys(policy, lines[2] as string)).toEqual([]);
    expect(explainKeys(policy, lines[1] as string).map((e) => e.path)).toEqual(['$.n.username']);
  });

  it('is a redact rule option whose regex must compile: both are reported', () => {
    expect(problemsOf(MATCHING.replace('mode: redact\n    label: PASSWORD\n    action: mask', 'mode: skip')).map((p) => p.message)).toEqual([
      expect.stringContaining('label, action, strings, matching and unlessMembers apply to mode "redact" only'),
    ]);
    expect(problemsOf(MATCHING.replace("matching: '[!#^&*?~]", "matching: '(?<=x)[!#^&*?~]")).map((p) => p.message)).toEqual([expect.stringContaining('key rule [username]: matching:')]);
  });

  it('holds in the built-in rules for the user fields of failed-login events', async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"winlog":{"event_id":4625,"event_data":{"TargetUserName":"Welcome2024!","TargetDomainName":"CORP"}}}',
      '{"winlog":{"event_id":4624,"event_data":{"TargetUserName":"WS017$","TargetDomainName":"CORP"}}}',
      '{"actor":{"alternateId":"Xk9#mPq2vL99","type":"User"},"outcome":{"result":"FAILURE"}}',
      '{"actor":{"alternateId":"jane.doe@example.com","type":"User"}}',
    ];
    const { out } = await run(builtin, lines);
    expect(out[0]).toBe('{"winlog":{"event_id":4625,"event_data":{"TargetUserName":"[[PASSWORD]]","TargetDomainName":"CORP"}}}');
    expect(out[1]).toBe(lines[1]);
    expect(out[2]).toBe('{"actor":{"alternateId":"[[PASSWORD]]","type":"User"},"outcome":{"result":"FAILURE"}}');
    expect(out[3]).toMatch(/^\{"actor":\{"alternateId":"\[\[EMAIL:tk1\.[^"]+\]\]","type":"User"\}\}$/);
  });

  it('holds in the built-in rules for cloud audit records: MFA seeds and codes, boot scripts, ids that are no credential', async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"responseElements":{"virtualMFADevice":{"serialNumber":"arn:aws:iam::123456789012:mfa/alice","base32StringSeed":"O4UQCMJNEBHH76EY5Q2RJR2Z3NM7KIUZ"}}}',
      '{"requestParameters":{"username":"alice","confirmationCode":"720777","secretHash":"2rDV15kYbGs2As717o+wY0M9wsO31dAUkPzxOv7TjCk="}}',
      '{"requestParameters":{"environment":{"variables":{"LDAP_BIND_CREDENTIALS":"xIWv+zXOlH-qhFQ","LOG_LEVEL":"info"}}},"userData":"bmV0IHVzZXIgQWRtaW4gUzNjcmV0IQ=="}',
      // An app's userData object, Azure's role assignment evidence, a token's digest, an OIDC permission.
      '{"app":{"userData":{"theme":"dark"}},"authorization":{"evidence":{"roleAssignmentId":"0ad7c3b0a5d74c3f9b1e2d4f6a8c0e12","principalType":"ServicePrincipal"}},"cloudtrail":{"userData":"<sensitiveDataRemoved>"},"hashed_token":"k1jQ2nX6p3N5vQ8rT0wZ1bC3dE5fG7hJ9kL1mN3pQ5s=","permissions":{"id-token":"write"}}',
      // A script that starts with a tag: an unattend file, Windows' <powershell>.
      '{"properties":{"customData":"<Unattend><AdministratorPassword><Value>S3cretAdm1n!</Value></AdministratorPassword></Unattend>"},"userData":"<powershell>net user admin S3cret!</powershell>"}',
      // A web identity token's subject is no token, but may be an address.
      '{"a":{"subjectFromWebIdentityToken":"system:serviceaccount:prod:api-7f9c2d8e4b1a6035"},"b":{"subjectFromWebIdentityToken":"jane.doe@example.com"}}',
    ];
    const { out } = await run(builtin, lines);
    expect(out[0]).toBe('{"responseElements":{"virtualMFADevice":{"serialNumber":"arn:aws:iam::123456789012:mfa/alice","base32StringSeed":"[[SECRET]]"}}}');
    expect(out[1]).toBe('{"requestParameters":{"username":"alice","confirmationCode":"[[SECRET]]","secretHash":"[[SECRET]]"}}');
    expect(out[2]).toBe('{"requestParameters":{"environment":{"variables":{"LDAP_BIND_CREDENTIALS":"[[SECRET]]","LOG_LEVEL":"info"}}},"userData":"[[SECRET]]"}');
    expect(out[3]).toBe(lines[3]);
    expect(out[4]).toBe('{"properties":{"customData":"[[SECRET]]"},"userData":"[[SECRET]]"}');
    expect(out[5]).toMatch(/^\{"a":\{"subjectFromWebIdentityToken":"system:serviceaccount:prod:api-7f9c2d8e4b1a6035"\},"b":\{"subjectFromWebIdentityToken":"\[\[EMAIL:tk1\.[^"]+\]\]"\}\}$/);
  });

  it('takes what a member beside any string says it is: a bare name beside an e-mail address or a phone number, a secret payload beside its checksum', async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"user":{"name":"Jane Doe","email":"jane@example.com","id":7}}',
      '{"contact":{"display_name":"Bob Stone","phone_number":"555"}}',
      // No member to go by, an empty one, or one that is no string: the name is read as any value.
      '{"name":"Jane Doe","id":7}',
      '{"name":"Jane Doe","email":""}',
      '{"name":"Jane Doe","email":null,"phone":7}',
      // A name the rule does not take: a number or a path.
      '{"name":"svc/checkout-2","email":"ops@example.com"}',
      // GCP Secret Manager's payload, by the checksum beside it.
      '{"response":{"name":"projects/p/secrets/db/versions/3","payload":{"data":"c2tfbGl2ZV83TXZTUjBQcHR5","dataCrc32c":"3937531394"}}}',
    ];
    const { out } = await run(builtin, lines);
    expect(out[0]).toMatch(/^\{"user":\{"name":"\[\[NAME:tk1\.[^"]+\]\]","email":"\[\[EMAIL:tk1\.[^"]+\]\]","id":7\}\}$/);
    expect(out[1]).toMatch(/^\{"contact":\{"display_name":"\[\[NAME:tk1\.[^"]+\]\]","phone_number":"555"\}\}$/);
    expect(out.slice(2, 5)).toEqual(lines.slice(2, 5));
    expect(out[5]).toMatch(/^\{"name":"svc\/checkout-2","email":"\[\[EMAIL:tk1\.[^"]+\]\]"\}$/);
    expect(out[6]).toBe('{"response":{"name":"projects/p/secrets/db/versions/3","payload":{"data":"[[SECRET]]","dataCrc32c":"3937531394"}}}');
  });
});

describe('a name-value object named by a path', () => {
  it('answers as the last part of its name does: an SSM parameter, a Vault path', async () => {
    const lines = ['{"Name":"/prod/vendor/api-key","Type":"String","Value":"Zq7VendorKey99"}', '{"name":"/prod/config/region","value":"eu-west-1"}', '{"name":"secret/data/app/db_password","value":"Zq7DbPass99"}'];
    const { out } = await run(builtinPolicy(), lines);
    expect(out).toEqual(['{"Name":"/prod/vendor/api-key","Type":"String","Value":"[[API_KEY]]"}', lines[1], '{"name":"secret/data/app/db_password","value":"[[PASSWORD]]"}']);
  });
});

describe("a header's values as a list", () => {
  it('are taken whole under a rule that takes strings only, where one of them is taken (Go\'s header map written as JSON)', async () => {
    const lines = ['{"headers":{"Authorization":["Zq7RawTok99"],"Accept":["*/*"]}}', '{"authorization":["text"]}', '{"authorization":[]}'];
    const { out } = await run(builtinPolicy(), lines);
    expect(out).toEqual(['{"headers":{"Authorization":"[[AUTH_HEADER]]","Accept":["*/*"]}}', lines[1], lines[2]]);
  });
});

describe('a mask or a reference another program wrote under a rule\'s key', () => {
  it('is taken by no rule, while a default written in a reference and a value beside a mask are', async () => {
    const builtin = builtinPolicy();
    const lines = [
      '{"params":{"user":{"login":"ops","password":"[FILTERED]"}}}',
      '{"password":"********","token":"<redacted>","api_key":"[FILTERED]","secret":"${SECRET}","client_secret":"REDACTED"}',
      '{"changed":true,"password":"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER","secret":"{{ vault_db_password }}","value":"(sensitive value)","login_password":"NOT_LOGGING_PASSWORD"}',
      '{"password":"undefined","token":"%s","secret":"%(secret)s"}',
      '{"password":"${DB_PASSWORD:-Pr0d-Pass}","token":"{{ x | default(\'S3cr3t!\') }}","secret":"***abc"}',
    ];
    const { out } = await run(builtin, lines);
    expect(out.slice(0, 4)).toEqual(lines.slice(0, 4));
    expect(out[4]).toBe('{"password":"[[PASSWORD]]","token":"[[SECRET]]","secret":"[[SECRET]]"}');
    expect(explainKeys(builtin, lines[1] as string)).toEqual([]);
  });
});
