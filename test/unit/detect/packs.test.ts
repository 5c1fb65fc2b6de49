import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinPatternsDir } from '../../../src/config/config.js';
import { CompiledPolicy } from '../../../src/detect/compile.js';
import { loadPolicy } from '../../../src/detect/load.js';
import { runPackTests } from '../../../src/detect/packtest.js';
import { scanText } from '../../../src/detect/scan.js';
import { ActionPolicy } from '../../../src/act/actions.js';
import { processBatch } from '../../../src/pipeline/batch.js';
import { LIMITS } from '../../helpers/engine.js';
import { localKeys } from '../../helpers/keys.js';
import { policyFromYaml } from '../../helpers/policy.js';

// Every built-in detector's tests.match / tests.nomatch cases, one test per detector, the opt-in
// packs (patterns/opt-in/, not loaded by default) included.
const optInDir = join(builtinPatternsDir(), 'opt-in');
const policy = new CompiledPolicy(loadPolicy([builtinPatternsDir(), optInDir]));
const report = runPackTests(policy);

describe('built-in pattern packs', () => {
  it('hold at least 30 detectors, each with match and nomatch cases', () => {
    expect(policy.detectors.length).toBeGreaterThanOrEqual(30);
    for (const d of policy.detectors) {
      expect(d.spec.tests.match.length, d.spec.id).toBeGreaterThan(0);
      expect(d.spec.tests.nomatch.length, d.spec.id).toBeGreaterThan(0);
    }
  });

  it.each(policy.detectors.map((d) => [d.spec.id, d.spec.source.file] as const))('%s (%s) passes its own cases', (id) => {
    const failures = report.failures.filter((f) => f.detectorId === id).map((f) => `${f.source.file}:${f.source.line} ${f.message}`);
    expect(failures).toEqual([]);
  });
});

describe('built-in packs and the fast path', () => {
  it('let a hex trace id on a line naming an account pass (iban-lowercase starts with a registry country code)', () => {
    const builtin = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
    const filter = builtin.lineFilter;
    expect(filter?.test(Buffer.from('{"msg":"account acme","trace_id":"ea22a54b288d4968917aa9223538f832"}'))).toBe(false);
    // A lower-case IBAN there still leaves the fast path.
    expect(filter?.test(Buffer.from('{"msg":"account acme","iban":"gb29nwbk60161331926819"}'))).toBe(true);
  });

  it('send a line with a key that holds a detector keyword down the structured path, where the key is read before its values', () => {
    const builtin = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
    const filter = builtin.lineFilter;
    for (const line of ['{"ssns":[1,"x"]}', '{"a":{"Phone_Numbers" :{"home":1}}}', '{"ACCOUNT":"acme"}']) expect(filter?.test(Buffer.from(line)), line).toBe(true);
    // The keyword in a value, or in a key of nothing (a string that no colon follows), is not a key.
    for (const line of ['{"msg":"ssn"}', '["ssn","phone"]', '{"msg":"ssn" }', 'ssn: n/a']) expect(filter?.test(Buffer.from(line)), line).toBe(false);
    // The name of a name-value object is a key too, for key rules (`pwd`) and detectors (`rtn`).
    for (const line of ['{"h":[{"key":"pwd","value":"abc"}]}', "{'Name': 'bank_rtn', 'Value': [1]}", '{"name":"user_ssn","value":1}']) expect(filter?.test(Buffer.from(line)), line).toBe(true);
    for (const line of ['{"method":"pwd","client":"web"}', '{"method":"password"}']) expect(filter?.test(Buffer.from(line)), line).toBe(false);
  });
});

/** The lines as the built-in packs redact them in one batch (local keys), one output line each. */
async function redactBuiltin(lines: readonly string[]): Promise<string[]> {
  const builtin = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
  const { keys } = await localKeys();
  const tokenKey = await keys.current();
  const r = processBatch(
    { seq: 0, file: 'keys.jsonl', firstLine: 1, firstOffset: 0, data: Buffer.from(lines.join('\n') + '\n') },
    { policy: builtin, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey },
  );
  return Buffer.from(r.output).toString('utf8').split('\n').slice(0, lines.length);
}

describe('built-in key rules', () => {
  it('leave trace, span and parent span ids as they are, though all digits and Luhn-valid', async () => {
    const ids = '"traceId":"4111111111111111","spanId":"4111111111111111"';
    const lines = [
      `{"resourceSpans":[{"scopeSpans":[{"spans":[{${ids},"parentSpanId":"4111111111111111","links":[{${ids}}]}]}]}]}`,
      '{"trace_id":"4111111111111111","span_id":"4111111111111111","parent_span_id":"4111111111111111","dd.parent_id":"4111111111111111"}',
      // A key that names no id is read: the number found there is taken wherever it stands.
      '{"span_id":"4111111111111111","card":"4111111111111111"}',
    ];
    const out = await redactBuiltin(lines);
    expect(out.slice(0, 2)).toEqual(lines.slice(0, 2));
    expect(out[2]).toBe('{"span_id":"************1111","card":"************1111"}');
  });

  it('redact a passphrase under any key that ends in it, with or without a separator inside', async () => {
    const line = '{"pass_phrase":"correct horse battery staple","sshPassphrase":"Wint3r Deploy","key-pass-phrase":"tr0ub4dor","phrase":"hello"}';
    expect(await redactBuiltin([line])).toEqual(['{"pass_phrase":"[[PASSWORD]]","sshPassphrase":"[[PASSWORD]]","key-pass-phrase":"[[PASSWORD]]","phrase":"hello"}']);
  });

  it('redact an EIN under its own key, a string with a dash or without or a number, and nothing else there', async () => {
    const lines = ['{"ein":"94-1081436","vendor":{"FEIN":"941081436","ein":941081436},"employer_ein":"00-1234567","fein":"pending","federal_ein":12}'];
    const [out] = await redactBuiltin(lines);
    const token = '"\\[\\[TAX_ID:tk1\\.[^\\]]+\\]\\]"';
    expect(out).toMatch(new RegExp(`^\\{"ein":${token},"vendor":\\{"FEIN":${token},"ein":${token}\\},"employer_ein":"00-1234567","fein":"pending","federal_ein":12\\}$`));
  });

  it("redact a wallet's recovery phrase and private key under their keys, and leave a disassembler's mnemonic", async () => {
    const lines = [
      '{"mnemonic":"legal winner thank year wave sausage worth useful legal winner thank yellow","wif":"KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617","insn":{"mnemonic":"mov","operands":"rax, rbx"}}',
      // certbot's privkey names a file; a seed can be a number
      '{"privkey":"/etc/letsencrypt/live/example.com/privkey.pem","seed":42,"asm":{"mnemonic":"push mov add sub call ret jmp cmp xor lea nop int"}}',
    ];
    expect(await redactBuiltin(lines)).toEqual([
      '{"mnemonic":"[[CRYPTO_PRIVATE_KEY]]","wif":"[[CRYPTO_PRIVATE_KEY]]","insn":{"mnemonic":"mov","operands":"rax, rbx"}}',
      lines[1],
    ]);
  });

  it('redact the answer to a security question under its key, and not the question', async () => {
    const lines = ['{"security_question":"First pet?","securityAnswer":"Fluffy2009","secret_answer_2":"Paris","memorableWord":"kestrel","answer":"42"}'];
    expect(await redactBuiltin(lines)).toEqual([
      '{"security_question":"First pet?","securityAnswer":"[[SECURITY_ANSWER]]","secret_answer_2":"[[SECURITY_ANSWER]]","memorableWord":"[[SECURITY_ANSWER]]","answer":"42"}',
    ]);
  });

  it("redact an account's MFA recovery and backup codes, a list or one", async () => {
    const lines = ['{"user":"jdoe","recovery_codes":["a1b2-c3d4","e5f6-g7h8"],"backupCode":"q9w8-e7r6","codes_left":8}'];
    expect(await redactBuiltin(lines)).toEqual(['{"user":"jdoe","recovery_codes":"[[SECRET]]","backupCode":"[[SECRET]]","codes_left":8}']);
  });

  it('redact the value of a password credential ({"type":"password","value":...}), not of other types', async () => {
    const lines = [
      '{"username":"jdoe","credentials":[{"type":"password","value":"Temp#Pass2024","temporary":true}]}',
      '{"type":"otp-policy","value":"totp"}',
    ];
    // credentials is itself a key rule: its array is masked whole
    expect(await redactBuiltin(lines)).toEqual(['{"username":"jdoe","credentials":"[[SECRET]]"}', lines[1]]);
    const reset = '{"resourcePath":"users/1b2c/reset-password","body":{"type":"password","value":"Temp#Pass2024","temporary":false}}';
    expect(await redactBuiltin([reset])).toEqual(['{"resourcePath":"users/1b2c/reset-password","body":{"type":"password","value":"[[PASSWORD]]","temporary":false}}']);
  });

  it('redact the environment names Redis, license keys and *_PW use, and the options redis-server takes a password in', async () => {
    const env = '{"env":[{"name":"REDIS_AUTH","value":"s3cr3tR3dis"},{"name":"NEW_RELIC_LICENSE_KEY","value":"eu01xx8f2c1d4e5f"},{"name":"DB_PW","value":"Pg!2024prod"},{"name":"DB_HOST","value":"db.internal"}]}';
    const args = '{"command":["redis-server","--requirepass","s3cr3tR3dis","--port","6379"]}';
    expect(await redactBuiltin([env, args])).toEqual([
      '{"env":[{"name":"REDIS_AUTH","value":"[[PASSWORD]]"},{"name":"NEW_RELIC_LICENSE_KEY","value":"[[API_KEY]]"},{"name":"DB_PW","value":"[[PASSWORD]]"},{"name":"DB_HOST","value":"db.internal"}]}',
      '{"command":["redis-server","--requirepass","[[PASSWORD]]","--port","6379"]}',
    ]);
  });

  it("redact a vendor's key under its environment name, and leave keys no vendor names", async () => {
    const env = "environ({'MAILCHIMP_KEY': 'OVf6iZqnBfs99QxULs62tRy7HX42eeLVH1zCmRCw-us21', 'stripe_key': 'k-Zq8vpL2mN0xRt5', 'CACHE_KEY': 'users:42', 'sort_key': 'created_at'})";
    expect(await redactBuiltin([env])).toEqual(["environ({'MAILCHIMP_KEY': '[[API_KEY]]', 'stripe_key': '[[API_KEY]]', 'CACHE_KEY': 'users:42', 'sort_key': 'created_at'})"]);
  });

  it('read a value under a key that a detector writes with quotes or a separator in text ("sin", sin:, tin=)', async () => {
    const out = await redactBuiltin(['{"customer":{"sin":"245061239"}}', '{"tin":"952852914"}', '{"uid":"784575441599"}']);
    expect(out[0]).toMatch(/^\{"customer":\{"sin":"\[\[SIN:tk1\.[^"]+\]\]"\}\}$/);
    expect(out[1]).toMatch(/^\{"tin":"\[\[ITIN:tk1\.[^"]+\]\]"\}$/);
    // uid names a user id as often: an Aadhaar number needs its own name
    expect(out[2]).toBe('{"uid":"784575441599"}');
  });

  it("tokenize a person's name under a key that says so, and leave a bare name, a host's or a service's, as it is", async () => {
    const line = '{"customer":{"firstName":"Jane","last_name":"Doe","cardholder_name":"JANE DOE"},"name":"checkout","host_name":"api-07"}';
    const [out] = await redactBuiltin([line]);
    expect(out).toMatch(/^\{"customer":\{"firstName":"\[\[NAME:tk1\.[^"]+\]\]","last_name":"\[\[NAME:tk1\.[^"]+\]\]","cardholder_name":"\[\[NAME:tk1\.[^"]+\]\]"\},"name":"checkout","host_name":"api-07"\}$/);
  });

  it("take a name in any punctuation a name is written with, and a card track's or HL7's form", async () => {
    const line = '{"full_name":"J.R.R. Tolkien","cardholder_name":"SMITH/JANE","patient_name":"SMITH^JANE^M","customer_name":"John & Jane Doe"}';
    const [out] = await redactBuiltin([line]);
    expect(out).toMatch(/^\{"full_name":"\[\[NAME:[^"]+\]\]","cardholder_name":"\[\[NAME:[^"]+\]\]","patient_name":"\[\[NAME:[^"]+\]\]","customer_name":"\[\[NAME:[^"]+\]\]"\}$/);
  });

  it('leave what is no name under a name key (a repository, an address, a template) to the detectors', async () => {
    const line = '{"repository":{"full_name":"octocat/Hello-World"},"customerFirstName":"José","contact_name":"{{ user.name }}","billing_name":"jane@example.com","shipping_name":"Mary-Ann O\'Neil"}';
    const [out] = await redactBuiltin([line]);
    expect(out).toMatch(/^\{"repository":\{"full_name":"octocat\/Hello-World"\},"customerFirstName":"\[\[NAME:tk1\.[^"]+\]\]","contact_name":"\{\{ user\.name \}\}","billing_name":"\[\[EMAIL[^"]*\]\]","shipping_name":"\[\[NAME:tk1\.[^"]+\]\]"\}$/);
  });

  it('leave versions, meeting ids and Datadog propagation headers as they are, and read a key that only ends in version', async () => {
    const line = '{"resource":{"service.version":"1.4.2.7"},"app_version":"4.2.1.0","appVersion":"8.0.3.1","firmware":"1.2.3.4","meeting_id":"130-692-544","headers":{"x-datadog-trace-id":"5529601448119285"},"conversion":"10.1.2.3"}';
    const [out] = await redactBuiltin([line]);
    expect(out).toMatch(/^\{"resource":\{"service\.version":"1\.4\.2\.7"\},"app_version":"4\.2\.1\.0","appVersion":"8\.0\.3\.1","firmware":"1\.2\.3\.4","meeting_id":"130-692-544","headers":\{"x-datadog-trace-id":"5529601448119285"\},"conversion":"\[\[IP:tk1\.[^"]+\]\]"\}$/);
  });

  it("tokenize a holder's, a payee's and a display name, and mask KMS's plaintext data key", async () => {
    const line = '{"paymentMethod":{"holderName":"Dana Smith"},"beneficiary_name":"Max Mustermann","properties":{"userDisplayName":"Dana Smith"},"vorname":"Max","Plaintext":"MeFjVJk9Yejaoeux+6rX+ol4eNaHsgHbBm/0uTuS4k4="}';
    const [out] = await redactBuiltin([line]);
    expect(out).toMatch(/^\{"paymentMethod":\{"holderName":"\[\[NAME:tk1\.[^"]+\]\]"\},"beneficiary_name":"\[\[NAME:tk1\.[^"]+\]\]","properties":\{"userDisplayName":"\[\[NAME:tk1\.[^"]+\]\]"\},"vorname":"\[\[NAME:tk1\.[^"]+\]\]","Plaintext":"\[\[SECRET\]\]"\}$/);
  });

  it('mask an authorization header string, and read an authorization object (Azure activity logs) member by member', async () => {
    const header = '{"headers":{"authorization":"Bearer abc.def.ghi"}}';
    const azure = '{"identity":{"authorization":{"action":"Microsoft.Compute/virtualMachines/write","evidence":{"role":"Owner","principalId":"jdoe@example.com"}}}}';
    const [h, a] = await redactBuiltin([header, azure]);
    expect(h).toBe('{"headers":{"authorization":"[[AUTH_HEADER]]"}}');
    expect(a).toMatch(/^\{"identity":\{"authorization":\{"action":"Microsoft\.Compute\/virtualMachines\/write","evidence":\{"role":"Owner","principalId":"\[\[EMAIL:tk1\.[^"]+\]\]"\}\}\}\}$/);
  });
});

  it('tokenize a date of birth in parts, coordinates and advertising ids under their keys, and leave an untracked device id as it is', async () => {
    const lines = [
      '{"individual":{"dob":{"day":14,"month":6,"year":1984}},"birthday_promo":true}',
      '{"RemoteIpDetails":{"GeoLocation":{"Lat":47.674,"Lon":-122.1215},"City":{"CityName":"Redmond"}}}',
      '{"idfa":"6D92078A-8246-4BA4-AE5B-76104861E7DC","ifa":"00000000-0000-0000-0000-000000000000"}',
    ];
    const out = await redactBuiltin(lines);
    expect(out[0]).toMatch(/^\{"individual":\{"dob":"\[\[DOB:tk1\.[^"]+\]\]"\},"birthday_promo":true\}$/);
    expect(out[1]).toMatch(/^\{"RemoteIpDetails":\{"GeoLocation":\{"Lat":"\[\[GEO:tk1\.[^"]+\]\]","Lon":"\[\[GEO:tk1\.[^"]+\]\]"\},"City":\{"CityName":"Redmond"\}\}\}$/);
    expect(out[2]).toMatch(/^\{"idfa":"\[\[DEVICE_ID:tk1\.[^"]+\]\]","ifa":"00000000-0000-0000-0000-000000000000"\}$/);
  });

  it("read both values of a property an Entra ID audit event modified under its display name, and FHIR's names and national identifiers", async () => {
    const lines = [
      '{"modifiedProperties":[{"displayName":"Surname","oldValue":"[\\"A.\\"]","newValue":"[\\"Adeyemi\\"]"},{"displayName":"AccountEnabled","oldValue":"[false]","newValue":"[true]"}]}',
      '{"name":[{"use":"official","family":"Chalmers","given":["Peter","James"]}],"identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}]}',
      '{"family":"my-task-def","revision":3}',
    ];
    const out = await redactBuiltin(lines);
    expect(out[0]).toMatch(/^\{"modifiedProperties":\[\{"displayName":"Surname","oldValue":"\[\[NAME:tk1\.[^"]+\]\]","newValue":"\[\[NAME:tk1\.[^"]+\]\]"\},\{"displayName":"AccountEnabled","oldValue":"\[false\]","newValue":"\[true\]"\}\]\}$/);
    expect(out[1]).toMatch(/^\{"name":\[\{"use":"official","family":"\[\[NAME:tk1\.[^"]+\]\]","given":"\[\[NAME:tk1\.[^"]+\]\]"\}\],"identifier":\[\{"system":"https:\/\/fhir\.nhs\.uk\/Id\/nhs-number","value":"\[\[NATIONAL_ID:tk1\.[^"]+\]\]"\}\]\}$/);
    expect(out[2]).toBe(lines[2]);
  });

  it("mask a password under pwd, and leave the shell's working directory under PWD as it is", async () => {
    const lines = ['{"env":{"HOME":"/root","PWD":"/app","OLDPWD":"/app/src"}}', '{"pwd":"Zk81mQ02Lp","cwd":"C:\\\\work","PWD":"~/src"}'];
    const out = await redactBuiltin(lines);
    expect(out).toEqual([lines[0], '{"pwd":"[[PASSWORD]]","cwd":"C:\\\\work","PWD":"~/src"}']);
  });

  it("mask Azure's listed account keys, and leave a table's primaryKey column as it is", async () => {
    const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
    const lines = [
      `[{"keyName":"key1","permissions":"FULL","value":"${key}"},{"keyName":"other","value":"${key.slice(0, 12)}"}]`,
      `{"primaryMasterKey":"${key}","documentEndpoint":"https://x.documents.azure.com:443/"}`,
      '{"table":"users","primaryKey":"user_id","secondaryKey":"email_idx"}',
    ];
    const out = await redactBuiltin(lines);
    expect(out).toEqual([
      `[{"keyName":"key1","permissions":"FULL","value":"[[AZURE_KEY]]"},{"keyName":"other","value":"${key.slice(0, 12)}"}]`,
      '{"primaryMasterKey":"[[AZURE_KEY]]","documentEndpoint":"https://x.documents.azure.com:443/"}',
      lines[2],
    ]);
  });
  it('read an identity document by the member that types it, a handset id, a CRM property by its name, and more keys of a street', async () => {
    const lines = [
      '{"idType":"PASSPORT","idCountry":"FRA","idNumber":"18AB22882"}',
      '{"travelDocument":{"type":"passport","number":"CV6R3HRHH"}}',
      '{"type":"checkout","number":"42"}',
      '{"servedIMSI":"262011234567890","servedIMEISV":"3548760512345601","imei":"unknown"}',
      '{"objectId":51001,"propertyName":"lastname","changeSource":"CRM_UI","propertyValue":"de Vries"}',
      '{"MailingStreet":"Prinsengracht 263","billingAddress.street":"Lindenstraße 42","rue":12}',
      '{"resourceType":"Patient","identifier":[{"system":"http://fhir.nl/fhir/NamingSystem/bsn","value":"999911120"}]}',
    ];
    const out = (await redactBuiltin(lines)).map((l) => l.replace(/\[\[([A-Z_]+):[^\]]+\]\]/g, '[[$1]]'));
    expect(out).toEqual([
      '{"idType":"PASSPORT","idCountry":"FRA","idNumber":"[[NATIONAL_ID]]"}',
      '{"travelDocument":{"type":"passport","number":"[[NATIONAL_ID]]"}}',
      lines[2],
      '{"servedIMSI":"[[IMSI]]","servedIMEISV":"[[DEVICE_ID]]","imei":"unknown"}',
      '{"objectId":51001,"propertyName":"lastname","changeSource":"CRM_UI","propertyValue":"[[NAME]]"}',
      '{"MailingStreet":"[[ADDRESS]]","billingAddress.street":"[[ADDRESS]]","rue":12}',
      '{"resourceType":"Patient","identifier":[{"system":"http://fhir.nl/fhir/NamingSystem/bsn","value":"[[NATIONAL_ID]]"}]}',
    ]);
  });


describe('opt-in packs', () => {
  it('are not loaded with the built-in packs, and their ids are their own', () => {
    const builtin = loadPolicy([builtinPatternsDir()]);
    expect(builtin.packs.some((p) => p.file.includes(`${join('patterns', 'opt-in')}`))).toBe(false);
    const ids = new Set(builtin.packs.flatMap((p) => p.detectors.map((d) => d.id)));
    const optIn = loadPolicy([optInDir]);
    expect(optIn.packs.length).toBeGreaterThan(0);
    for (const d of optIn.packs.flatMap((p) => p.detectors)) expect(ids.has(d.id), d.id).toBe(false);
  });

  it('us-ssn-unformatted finds the bare and regrouped shapes that us-ssn leaves to a keyword', () => {
    const builtin = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
    const text = 'ids 078051121 and 536-274189 and 53627-4189';
    expect(scanText(builtin, text).filter((m) => m.detector.spec.label === 'SSN')).toEqual([]);
    const found = scanText(policy, text).map((m) => [m.detector.spec.id, text.slice(m.start, m.end)]);
    expect(found).toEqual([
      ['us-ssn-unformatted', '078051121'],
      ['us-ssn-unformatted', '536-274189'],
      ['us-ssn-unformatted', '53627-4189'],
    ]);
  });

  it('national-ids-no-keyword finds the ids the built-in detectors leave to a keyword, and no piece of a longer number', () => {
    const builtin = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
    const withPack = new CompiledPolicy(loadPolicy([builtinPatternsDir(), join(optInDir, 'national-ids-no-keyword.yaml')]));
    const text = 'sin 130 692 544; aadhaar 312345678909 routing 121000358 nhs 401-023-2137 itin 911701234 acn 005 499 981';
    const plain = text.replace(/\b(sin|aadhaar|routing|nhs|itin|acn) /g, 'x ');
    expect(scanText(builtin, plain)).toEqual([]);
    expect(scanText(withPack, plain).map((m) => [m.detector.spec.id, plain.slice(m.start, m.end)])).toEqual([
      ['ca-sin-no-keyword', '130 692 544'],
      ['in-aadhaar-no-keyword', '312345678909'],
      ['aba-routing-number-no-keyword', '121000358'],
      ['uk-nhs-number-no-keyword', '401-023-2137'],
      ['us-itin-no-keyword', '911701234'],
      ['au-acn-no-keyword', '005 499 981'],
    ]);
    // The same digits inside longer numbers are not taken.
    for (const longer of ['1 130 692 544', '130 692 544 2', '130692544.5', '0.312345678909', '121000358-7']) {
      expect(scanText(withPack, longer), longer).toEqual([]);
    }
  });

  it('leaves to the built-in detectors the ids whose shape says enough without a keyword', () => {
    const builtin = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
    const text = 'x 51 824 753 556; x 02070803628 x ABCPD1234Z x tw987654a x 3123:4567:8909 x 1111111-G x z8078221m x 3222-7162-7 x 2123 45670 1';
    expect(scanText(builtin, text).map((m) => [m.detector.spec.id, text.slice(m.start, m.end)])).toEqual([
      ['au-abn-no-keyword', '51 824 753 556'],
      ['pl-pesel-no-keyword', '02070803628'],
      ['in-pan-no-keyword', 'ABCPD1234Z'],
      ['uk-nino', 'tw987654a'],
      ['in-aadhaar-colon', '3123:4567:8909'],
      ['es-dni-nie', '1111111-G'],
      ['es-dni-nie', 'z8078221m'],
      ['aba-routing-number-dashed', '3222-7162-7'],
      ['au-medicare-spaced', '2123 45670 1'],
    ]);
    for (const longer of ['1 51 824 753 556', '51 824 753 556 1', '0.02070803628', '02070803628-1', 'X-ABCPD1234Z', 'dear 0247017c', '10:3123:4567:8909', '3222-7162-7-1', '2123 45670 1 55']) {
      expect(scanText(builtin, longer), longer).toEqual([]);
    }
    // An IPv6 address whose first groups read as an Aadhaar number is one address.
    expect(scanText(builtin, 'peer 3123:4567:8909::1').map((m) => m.detector.spec.id)).toEqual(['ipv6']);
  });
});

describe('pack test runner', () => {
  it('reports a failing match and a failing nomatch case with the line of the case', () => {
    const broken = policyFromYaml(`
pack: b
detectors:
  - id: digits
    name: Digits
    category: pii
    severity: low
    regex: '\\d{4}'
    action: mask
    tests:
      match:
        - 'abcd'
        - text: 'id 12345'
          secret: '2345'
      nomatch:
        - '1234'
`);
    const r = runPackTests(broken);
    expect(r.passed).toBe(0);
    expect(r.failures.map((f) => [f.kind, f.source.line, f.message])).toEqual([
      ['match', 12, 'match case did not fire (regex did not match)'],
      ['match', 13, 'redacted span [3,7) is not the expected secret at [4,8)'],
      ['nomatch', 16, 'nomatch case fired at [0,4)'],
    ]);
  });
});
