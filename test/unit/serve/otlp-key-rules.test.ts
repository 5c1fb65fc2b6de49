import { describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../../src/act/actions.js';
import { processBatch } from '../../../src/pipeline/batch.js';
import { otlpResources, reassemble, type OtlpPath } from '../../../src/serve/otlp.js';
import { builtinPolicy, LIMITS } from '../../helpers/engine.js';
import { localKeys } from '../../helpers/keys.js';

const policy = builtinPolicy();
const PW = 'Vq7rT2mXk9Lw#Hd4!';

/** Export requests as an OTel SDK posts them, each with a password in an array that key rules read. */
const REQUESTS: ReadonlyArray<readonly [string, OtlpPath, string]> = [
  [
    'the process.command_args resource attribute',
    '/v1/logs',
    `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}},{"key":"process.command_args","value":{"arrayValue":{"values":[{"stringValue":"/usr/bin/java"},{"stringValue":"-jar"},{"stringValue":"app.jar"},{"stringValue":"--spring.datasource.password"},{"stringValue":"${PW}"}]}}}]},"scopeLogs":[{"scope":{"name":"app"},"logRecords":[{"timeUnixNano":"1741080000000000000","body":{"stringValue":"ok"},"attributes":[]}]}]}]}`,
  ],
  [
    'a log body that is an argument list',
    '/v1/logs',
    `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},"scopeLogs":[{"scope":{"name":"app"},"logRecords":[{"timeUnixNano":"1741080000000000000","body":{"arrayValue":{"values":[{"stringValue":"--db-host"},{"stringValue":"db1"},{"stringValue":"--db-password"},{"stringValue":"${PW}"}]}},"attributes":[]}]}]}]}`,
  ],
  [
    'a log body that is a Redis AUTH command',
    '/v1/logs',
    `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},"scopeLogs":[{"scope":{"name":"app"},"logRecords":[{"timeUnixNano":"1741080000000000000","body":{"arrayValue":{"values":[{"stringValue":"AUTH"},{"stringValue":"default"},{"stringValue":"${PW}"}]}},"attributes":[]}]}]}]}`,
  ],
  [
    'an attribute that is an environment list of kvlists',
    '/v1/logs',
    `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},"scopeLogs":[{"scope":{"name":"app"},"logRecords":[{"timeUnixNano":"1741080000000000000","body":{"stringValue":"ok"},"attributes":[{"key":"env","value":{"arrayValue":{"values":[{"kvlistValue":{"values":[{"key":"name","value":{"stringValue":"DB_PASSWORD"}},{"key":"value","value":{"stringValue":"${PW}"}}]}}]}}}]}]}]}]}`,
  ],
  [
    "a span's process.command_args resource attribute",
    '/v1/traces',
    `{"resourceSpans":[{"resource":{"attributes":[{"key":"process.command_args","value":{"arrayValue":{"values":[{"stringValue":"redis-server"},{"stringValue":"--requirepass"},{"stringValue":"${PW}"}]}}}]},"scopeSpans":[{"scope":{"name":"redis"},"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"AUTH","kind":3,"startTimeUnixNano":"1741080000000000000","endTimeUnixNano":"1741080000000100000","attributes":[{"key":"db.statement","value":{"arrayValue":{"values":[{"stringValue":"AUTH"},{"stringValue":"${PW}"}]}}}]}]}]}]}`,
  ],
];

/**
 * A request as `serve` takes it: cut into lines per resource, the lines redacted on the raw-line
 * fast path and on the structured path alike, and put back together. Gives the request written
 * on, and how many lines the fast path passed unparsed.
 */
async function serve(path: OtlpPath, body: string): Promise<{ out: string; fast: number }> {
  const { keys } = await localKeys();
  const tokenKey = await keys.current();
  const hashKey = await keys.hashKey();
  const out: string[] = [];
  let fast = 0;
  for (const resource of otlpResources(path, body)) {
    const task = { seq: 0, file: path, firstLine: 1, firstOffset: 0, data: Buffer.from(resource.lines.join('\n') + '\n') };
    const [quick, slow] = [true, false].map((fastPath) => processBatch(task, { policy, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey, quarantineKey: tokenKey, fastPath }));
    if (!quick || !slow) throw new Error('no batch result');
    const written = Buffer.from(quick.output).toString('utf8');
    expect(written).toBe(Buffer.from(slow.output).toString('utf8'));
    fast += quick.fastPathLines;
    const back = reassemble(path, resource, written.split('\n').slice(0, -1));
    if (!back) throw new Error('the redacted lines do not go back together');
    out.push(back.line);
  }
  return { out: out.join('\n'), fast };
}

describe('OTLP/HTTP JSON requests whose arrays key rules read', () => {
  it("takes an HTTP span's header attributes as OpenTelemetry names them, each an array of the header's values, as the header's rule takes it", async () => {
    const header = (key: string, value: string): string => `{"key":"${key}","value":{"arrayValue":{"values":[{"stringValue":"${value}"}]}}}`;
    const body = `{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"http"},"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"GET","kind":2,"startTimeUnixNano":"1741080000000000000","endTimeUnixNano":"1741080000000100000","attributes":[${[
      header('http.request.header.authorization', 'Zq7RawTok99'),
      header('http.request.header.cookie', 'sid=Zq7Cookie'),
      header('authorization', 'Zq7RawTok99'),
      header('http.request.header.accept', 'text/html'),
    ].join(',')}]}]}]}]}`;
    const { out } = await serve('/v1/traces', body);
    const attributes = (JSON.parse(out) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ attributes: Array<{ key: string; value: unknown }> }> }> }> }).resourceSpans[0]?.scopeSpans[0]?.spans[0]?.attributes;
    // Taken whole, an AnyValue still: the list's token as a string.
    expect(attributes?.map((a) => a.value)).toEqual([{ stringValue: '[[AUTH_HEADER]]' }, { stringValue: '[[COOKIE]]' }, { stringValue: '[[AUTH_HEADER]]' }, { arrayValue: { values: [{ stringValue: 'text/html' }] } }]);
  });

  it.each(REQUESTS)('has the password in %s redacted, every AnyValue kept, on the fast path too', async (_what, path, body) => {
    const { out } = await serve(path, body);
    expect(out).toBe(body.replaceAll(PW, '[[PASSWORD]]'));
  });

  it('leaves a request whose arrays select no rule as it came, every line unparsed', async () => {
    const body = `{"resourceLogs":[{"resource":{"attributes":[{"key":"process.command_args","value":{"arrayValue":{"values":[{"stringValue":"/usr/bin/java"},{"stringValue":"-jar"},{"stringValue":"app.jar"},{"stringValue":"--server.port"},{"stringValue":"8080"}]}}}]},"scopeLogs":[{"scope":{"name":"app"},"logRecords":[{"timeUnixNano":"1741080000000000000","body":{"arrayValue":{"values":[{"stringValue":"-a"},{"stringValue":"x"}]}},"attributes":[{"key":"env","value":{"arrayValue":{"values":[{"kvlistValue":{"values":[{"key":"name","value":{"stringValue":"LOG_LEVEL"}},{"key":"value","value":{"stringValue":"debug"}}]}}]}}}]}]}]}]}`;
    const { out, fast } = await serve('/v1/logs', body);
    expect(out).toBe(body);
    expect(fast).toBe(2);
  });
});
