import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_NODE_ARGS, logveil } from '../helpers/cli.js';
import { tempDir } from '../helpers/keys.js';
import { ledgerEvents } from '../helpers/ledger.js';
import { lowerIds, OTLP_PROTO, protobufOf } from '../helpers/otlp-proto.js';

const EMAIL = 'maria.lopez@corp-mail.net';
const CORPUS_LOGS = readFileSync(new URL('../../../shared/corpora/formats/otlp_json/logs.json', import.meta.url), 'utf8');
const CORPUS_TRACE = readFileSync(new URL('../../../shared/corpora/formats/otlp_json/trace.json', import.meta.url), 'utf8');

/** A running `logveil serve`, its base URL once it listens, and what it printed. */
interface Service {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

async function startServe(dir: string, args: string[]): Promise<Service> {
  const child = spawn(process.execPath, [...CLI_NODE_ARGS, 'serve', '--port', '0', '--workers', '1', ...args], { cwd: dir, env: { ...process.env, LOGVEIL_HOME: join(dir, 'state') } });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not start: ${err}`)), 30_000);
    child.stderr.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        done(m[1] as string);
      }
    });
    void exit.then(() => fail(new Error(`serve exited: ${err}`)));
  });
  return { child, url, stderr: () => err, exit };
}

/** JSON with the address in its bytes: base64 hides it from a reading of the request as written. */
const PB_BYTES = Buffer.from(`{"to":"${EMAIL}"}`).toString('base64');
const PB_LOGS = (() => {
  const request = JSON.parse(CORPUS_LOGS.replace('Example log record', `mail ${EMAIL}`)) as { resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<{ attributes: unknown[] }> }> }> };
  request.resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.attributes.unshift({ key: 'payload', value: { bytesValue: PB_BYTES } });
  return JSON.stringify(request);
})();

const post = (url: string, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) => fetch(url, { method: 'POST', body, headers });

/** The corpus request with a second resource whose body holds `body`, and an e-mail address in the first one's service name. */
function twoResources(body: string): string {
  const request = JSON.parse(CORPUS_LOGS) as { resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<{ body: { stringValue: string } }> }> }> };
  const second = structuredClone(request.resourceLogs[0]);
  (second?.scopeLogs[0]?.logRecords[0] as { body: { stringValue: string } }).body.stringValue = body;
  // Pretty-printed, as the corpus is, and with an int64 time as a JSON number, which must keep its digits.
  return JSON.stringify({ resourceLogs: [request.resourceLogs[0], second] }, null, 2)
    .replace('my.service', `user ${EMAIL}`)
    .replace('"timeUnixNano": "1544712660300000000"', '"timeUnixNano": 1544712660300000001');
}

describe('logveil serve', () => {
  const dir = tempDir('logveil-serve-');
  let svc: Service;
  let code: number | null;
  const answers: Record<string, { status: number; body: unknown }> = {};

  beforeAll(async () => {
    writeFileSync(join(dir, 'logveil.yaml'), 'limits:\n  maxRecordBytes: 4096\n');
    svc = await startServe(dir, ['--out', 'out.jsonl', '--max-body', '200000', '-c', 'logveil.yaml']);
    const record = async (name: string, res: Promise<Response>) => {
      const r = await res;
      answers[name] = { status: r.status, body: await r.json() };
    };
    await record('logs', post(`${svc.url}/v1/logs`, twoResources('a short body')));
    await record('traces', post(`${svc.url}/v1/traces`, CORPUS_TRACE));
    await record('gzip', post(`${svc.url}/v1/logs`, gzipSync(twoResources('zipped')), { 'content-type': 'application/json', 'content-encoding': 'gzip' }));
    await record('partial', post(`${svc.url}/v1/logs`, twoResources(`${EMAIL} ${'x'.repeat(5000)}`)));
    await record('lines', post(`${svc.url}/v1/lines`, `{"msg":"login ${EMAIL}"}\nplain ${EMAIL}\n`, { 'content-type': 'application/x-ndjson' }));
    const pb = { 'content-type': 'application/x-protobuf' };
    const recordProtobuf = async (name: string, res: Promise<Response>, answerType: string) => {
      const r = await res;
      const bytes = new Uint8Array(await r.arrayBuffer());
      const t = OTLP_PROTO.lookupType(answerType);
      answers[name] = { status: r.status, body: { type: r.headers.get('content-type'), ...t.toObject(t.decode(bytes), { longs: String }) } };
    };
    await recordProtobuf('pbLogs', post(`${svc.url}/v1/logs`, protobufOf('ExportLogsServiceRequest', PB_LOGS), pb), 'ExportLogsServiceResponse');
    await recordProtobuf('pbTraces', post(`${svc.url}/v1/traces`, gzipSync(protobufOf('ExportTraceServiceRequest', CORPUS_TRACE)), { ...pb, 'content-encoding': 'gzip' }), 'ExportTraceServiceResponse');
    await recordProtobuf('pbBad', post(`${svc.url}/v1/logs`, Buffer.from([0x0a, 0xff, 0xff, 0x01]), pb), 'RpcStatus');
    await record('yaml', post(`${svc.url}/v1/logs`, 'x', { 'content-type': 'application/yaml' }));
    await record('notJson', post(`${svc.url}/v1/logs`, `{"resourceLogs": [${EMAIL}`));
    await record('tooLarge', post(`${svc.url}/v1/lines`, 'y'.repeat(300_000)));
    // Ten refused logins from one client, a request each: the threshold rule counts across requests.
    const now = new Date();
    const month = now.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
    const stamp = `${String(now.getUTCDate()).padStart(2, '0')}/${month}/${now.getUTCFullYear()}:${now.toISOString().slice(11, 19)} +0000`;
    for (let i = 0; i < 10; i++) await record(`denied${i}`, post(`${svc.url}/v1/lines`, `203.0.113.9 - - [${stamp}] "POST /login HTTP/1.1" 401 178 "-" "curl/8.0"\n`, { 'content-type': 'text/plain' }));
    // A client that goes away while sending.
    await new Promise<void>((done) => {
      const req = request(`${svc.url}/v1/lines`, { method: 'POST', headers: { 'content-length': '1000' } });
      req.on('error', () => done());
      req.write(`{"msg":"${EMAIL}`);
      setTimeout(() => req.destroy(), 100);
    });
    await new Promise((r) => setTimeout(r, 100));
    await record('health', fetch(`${svc.url}/healthz`));
    svc.child.kill('SIGTERM');
    code = await svc.exit;
  }, 120_000);

  afterAll(() => {
    if (svc && svc.child.exitCode === null) svc.child.kill('SIGKILL');
  });

  it('answers an OTLP export request once its records are written, a line per resource, numbers as sent', () => {
    expect(answers.logs).toEqual({ status: 200, body: {} });
    expect(answers.traces).toEqual({ status: 200, body: {} });
    expect(answers.gzip).toEqual({ status: 200, body: {} });
    const out = readFileSync(join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n');
    // A line per resource (logs 2, traces 1, gzip 2, partial 2, protobuf logs 1 and traces 1) and per line posted (2, and 10 denied logins).
    expect(out).toHaveLength(21);
    expect(out.join('\n')).not.toContain(EMAIL);
    const first = JSON.parse(out[0] as string) as { resourceLogs: unknown[] };
    expect(first.resourceLogs).toHaveLength(1);
    expect(out[0]).toContain('"stringValue":"user [[EMAIL:tk1.');
    expect(out[0]).toContain('"timeUnixNano":1544712660300000001');
    expect(JSON.parse(out[2] as string)).toHaveProperty('resourceSpans');
    // The partial request: its second resource written without the log record that was quarantined.
    expect(out[5]).toContain('"stringValue":"user [[EMAIL:tk1.');
    expect(JSON.parse(out[6] as string)).toMatchObject({ resourceLogs: [{ scopeLogs: [{ logRecords: [] }] }] });
  });

  it('takes OTLP in binary protobuf, gzip or not, writes it as the JSON mapping does, and answers in protobuf', () => {
    expect(answers.pbLogs).toEqual({ status: 200, body: { type: 'application/x-protobuf' } });
    expect(answers.pbTraces).toEqual({ status: 200, body: { type: 'application/x-protobuf' } });
    expect(answers.pbBad).toEqual({ status: 400, body: { type: 'application/x-protobuf', code: 3, message: 'the body is not a protobuf ExportLogsServiceRequest' } });
    const out = readFileSync(join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n');
    const logs = JSON.parse(out[9] as string) as { resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<{ body: { stringValue: string } }> }> }> };
    const body = logs.resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.body.stringValue;
    expect(body).toMatch(/^mail \[\[EMAIL:tk1\.[^\]]+\]\]$/);
    const bytes = (logs.resourceLogs[0]?.scopeLogs[0]?.logRecords[0] as unknown as { attributes: Array<{ value: { bytesValue: string } }> }).attributes[0]?.value.bytesValue as string;
    expect(Buffer.from(bytes, 'base64').toString()).toMatch(/^\{"to":"\[\[EMAIL:tk1\.[^\]]+\]\]"\}$/);
    // Field for field the request as its JSON would have been, but for the redacted address.
    expect(logs).toEqual(lowerIds(PB_LOGS.replace(`mail ${EMAIL}`, body as string).replace(PB_BYTES, bytes)));
    expect(JSON.parse(out[10] as string)).toEqual(lowerIds(CORPUS_TRACE));
  });

  it("reports a resource it quarantined as rejected records, so that the sender does not send them again", () => {
    expect(answers.partial).toEqual({ status: 200, body: { partialSuccess: { rejectedLogRecords: '1', errorMessage: 'quarantined (RECORD_TOO_LARGE): kept encrypted, not forwarded' } } });
    const quarantine = readFileSync(join(dir, 'state', 'quarantine.jsonl'), 'utf8');
    expect(quarantine.trim().split('\n')).toHaveLength(1);
    expect(quarantine).not.toContain(EMAIL);
  });

  it('takes lines as redact reads them, and answers their counts', () => {
    expect(answers.lines).toEqual({ status: 200, body: { recordsIn: 2, appOut: 2, dropped: 0, quarantined: 0 } });
  });

  it('refuses what it cannot take, quoting none of it', () => {
    expect(answers.yaml).toEqual({ status: 415, body: { code: 3, message: 'OTLP as application/yaml is not taken: send OTLP/HTTP JSON (application/json) or protobuf (application/x-protobuf)' } });
    expect(answers.notJson).toEqual({ status: 400, body: { code: 3, message: 'the body is not valid JSON' } });
    expect(answers.tooLarge).toEqual({ status: 413, body: { code: 8, message: 'the body is larger than 200000 bytes' } });
    expect(answers.health).toEqual({
      status: 200,
      body: { status: 'ok', requests: 23, refused: { '400': 2, '413': 1, '415': 1, aborted: 1 }, failed: 0, counts: { recordsIn: 30, appOut: 29, dropped: 0, quarantined: 1 } },
    });
  });

  it('counts threshold rules across requests: the tenth refused login from one client, each in a request of its own, is routed', () => {
    for (let i = 0; i < 10; i++) expect(answers[`denied${i}`]).toEqual({ status: 200, body: { recordsIn: 1, appOut: 1, dropped: 0, quarantined: 0 } });
    const routed = ledgerEvents(join(dir, 'state')).filter((e) => e.type === 'routed') as Array<{ rules: Array<{ id: string }>; threshold?: { count: number } }>;
    expect(routed.filter((e) => e.rules.some((r) => r.id === 'http-auth-denied-repeated'))).toEqual([expect.objectContaining({ threshold: expect.objectContaining({ count: 10 }) })]);
  });

  it('stops on SIGTERM with the summary, balanced counts in the ledger, and exit 3 for the quarantined record', () => {
    expect(code).toBe(3);
    expect(svc.stderr()).toContain('records in 30, app out 29, dropped 0, quarantined 1');
    expect(svc.stderr()).toContain('requests 23, refused 2 (HTTP 400), 1 (HTTP 413), 1 (HTTP 415), 1 (aborted)');
    expect(svc.stderr()).not.toContain(EMAIL);
    const events = ledgerEvents(join(dir, 'state'));
    expect(events.map((e) => e.type).filter((t) => t === 'run-start' || t === 'run-stop')).toEqual(['run-start', 'run-stop']);
    const stop = events.find((e) => e.type === 'run-stop') as { counts: Record<string, number> };
    expect(stop.counts).toEqual({ recordsIn: 30, appOut: 29, dropped: 0, quarantined: 1 });
    expect(events.filter((e) => e.type === 'findings').length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(events)).not.toContain(EMAIL);
    const verify = logveil(['ledger', 'verify', join(dir, 'state', 'ledger')], { cwd: dir, home: join(dir, 'state') });
    expect(verify.status).toBe(0);
  });
});

describe.runIf(existsSync('/dev/full'))('logveil serve with an output that cannot be written', () => {
  it('answers 503 rather than 200 for records that did not reach the output, and stops, exit 1', async () => {
    const dir = tempDir('logveil-serve-full-');
    const svc = await startServe(dir, ['--out', '/dev/full']);
    const r = await post(`${svc.url}/v1/lines`, `{"msg":"login ${EMAIL}"}\n`, { 'content-type': 'text/plain' });
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ code: 14, message: 'the request could not be processed (OUTPUT_FAILED); the service stops' });
    expect(await svc.exit).toBe(1);
    expect(svc.stderr()).toContain('OUTPUT_FAILED: --out /dev/full: write failed (ENOSPC)');
    expect(svc.stderr()).not.toContain(EMAIL);
    const stop = ledgerEvents(join(dir, 'state')).find((e) => e.type === 'run-stop');
    expect(stop).toBeDefined();
  }, 60_000);
});

describe('logveil serve, a resource whose frame is quarantined', () => {
  it('reports as rejected only the log records quarantined, not the frame, beside a record dropped by policy', async () => {
    const dir = tempDir('logveil-serve-frame-');
    writeFileSync(join(dir, 'logveil.yaml'), 'limits:\n  maxRecordBytes: 4096\nactions:\n  byDetector: { aws-access-key-id: drop-record }\n');
    const svc = await startServe(dir, ['--out', 'out.jsonl', '-c', 'logveil.yaml']);
    const request = (records: string[]): string =>
      JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'note', value: { stringValue: 'x'.repeat(5000) } }] }, scopeLogs: [{ logRecords: records.map((stringValue) => ({ body: { stringValue } })) }] }] });
    const answers = [];
    for (const records of [['deploy key AKIAIOSFODNN7REALKEY', 'worker 7 idle'], ['deploy key AKIAIOSFODNN7REALKEY', `${EMAIL} ${'y'.repeat(5000)}`, 'worker 8 idle']]) {
      const r = await post(`${svc.url}/v1/logs`, request(records));
      answers.push({ status: r.status, body: await r.json() });
    }
    svc.child.kill('SIGTERM');
    await svc.exit;
    const message = 'quarantined (RECORD_TOO_LARGE): kept encrypted, not forwarded';
    expect(answers).toEqual([
      { status: 200, body: { partialSuccess: { rejectedLogRecords: '0', errorMessage: message } } },
      { status: 200, body: { partialSuccess: { rejectedLogRecords: '1', errorMessage: message } } },
    ]);
    const out = readFileSync(join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n');
    expect(out.map((l) => (JSON.parse(l) as { resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<{ body: { stringValue: string } }> }> }> }).resourceLogs[0]?.scopeLogs[0]?.logRecords.map((r) => r.body.stringValue))).toEqual([['worker 7 idle'], ['worker 8 idle']]);
    expect(svc.stderr()).toContain('records in 7, app out 2, dropped 2, quarantined 3');
  }, 60_000);
});

describe('logveil serve --format text', () => {
  it('reads an OTLP request as JSON whatever the lines path reads, and the lines path as text', async () => {
    const dir = tempDir('logveil-serve-text-');
    const svc = await startServe(dir, ['--out', 'out.jsonl', '--format', 'text']);
    const request = JSON.stringify({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'login' }, attributes: [{ key: 'card', value: { intValue: '4111111111111111' } }, { key: 'db.statement', value: { stringValue: 'AUTH default Wint3r!Deploy42' } }] }] }] }],
    });
    const logs = await post(`${svc.url}/v1/logs`, request);
    const lines = await post(`${svc.url}/v1/lines`, '{"n":4111111111111111}\n', { 'content-type': 'application/x-ndjson' });
    expect([logs.status, await logs.json()]).toEqual([200, {}]);
    expect(lines.status).toBe(200);
    svc.child.kill('SIGTERM');
    await svc.exit;
    const out = readFileSync(join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n');
    // The request is written back as valid OTLP: the number held by a string now, the password gone.
    const attributes = (JSON.parse(out[0] as string) as { resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<{ attributes: Array<{ key: string; value: Record<string, string> }> }> }> }> }).resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.attributes;
    expect(attributes?.[0]?.value).toEqual({ stringValue: '************1111' });
    expect(JSON.stringify(attributes)).not.toContain('Wint3r');
    // The lines path reads its line as text: the number replaced in place.
    expect(out[1]).toBe('{"n":************1111}');
  }, 60_000);
});

describe("logveil serve, a value the resource's or scope's attributes have redacted", () => {
  it('is redacted where its log records and spans repeat it, in every batch of the request, with the counts as before', async () => {
    const pw = 'Hunter2-Prod-Pw';
    const secret = 'ScopeSecretZz9';
    const dir = tempDir('logveil-serve-repeats-');
    const svc = await startServe(dir, ['--out', 'out.jsonl', '--workers', '2']);
    const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } });
    // 600 records of about 170 bytes: the request is cut in a batch per worker (see requestBatch),
    // and the last batch holds no frame.
    const bodies = Array.from({ length: 600 }, (_, i) => `request ${i} served in ${i % 17} ms by worker pool ${'p'.repeat(80)}`);
    bodies[0] = `connecting with ${pw}`;
    bodies[300] = `scope said ${secret}`;
    bodies[599] = `retry with ${pw}`;
    const logs = JSON.stringify({
      resourceLogs: [{ resource: { attributes: [attribute('service.name', 'checkout'), attribute('db.password', pw)] }, scopeLogs: [{ scope: { name: 'lib', attributes: [attribute('api_secret', secret)] }, logRecords: bodies.map((b, i) => ({ timeUnixNano: String(1741080000000000000n + BigInt(i)), body: { stringValue: b } })) }] }],
    });
    const traces = JSON.stringify({
      resourceSpans: [{ resource: { attributes: [attribute('db.password', pw)] }, scopeSpans: [{ scope: { name: 'db' }, spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: `pool warmup ${pw}`, kind: 3, startTimeUnixNano: '1741080000000000000', endTimeUnixNano: '1741080000000100000' }] }] }],
    });
    const answers = [];
    for (const [path, body] of [['/v1/logs', logs], ['/v1/traces', traces]] as const) {
      const r = await post(`${svc.url}${path}`, body);
      answers.push({ status: r.status, body: await r.json() });
    }
    const health = (await (await fetch(`${svc.url}/healthz`)).json()) as { counts: unknown };
    svc.child.kill('SIGTERM');
    await svc.exit;
    expect(answers).toEqual([{ status: 200, body: {} }, { status: 200, body: {} }]);
    const out = readFileSync(join(dir, 'out.jsonl'), 'utf8');
    expect(out).not.toContain(pw);
    expect(out).not.toContain(secret);
    const [logsOut, tracesOut] = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, Array<{ scopeLogs?: Array<{ logRecords: Array<{ body: { stringValue: string } }> }>; scopeSpans?: Array<{ spans: Array<{ name: string }> }> }>>);
    const written = logsOut?.resourceLogs?.[0]?.scopeLogs?.[0]?.logRecords.map((r) => r.body.stringValue);
    expect(written).toEqual(bodies.map((b) => b.replace(pw, '[[PASSWORD]]').replace(secret, '[[SECRET]]')));
    expect(tracesOut?.resourceSpans?.[0]?.scopeSpans?.[0]?.spans[0]?.name).toBe('pool warmup [[PASSWORD]]');
    // Every line a record, as before: the frames are read again by each batch, not counted again.
    expect(health.counts).toEqual({ recordsIn: 603, appOut: 603, dropped: 0, quarantined: 0 });
    const events = ledgerEvents(join(dir, 'state'));
    expect(JSON.stringify(events)).not.toContain(pw);
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(svc.stderr()).not.toContain(pw);
  }, 60_000);
});
