import { describe, expect, it } from 'vitest';
import { processBatch } from '../../../src/pipeline/batch.js';
import { batchContext, builtinPolicy } from '../../helpers/engine.js';

async function run(lines: string[]): Promise<string[]> {
  const r = processBatch({ seq: 0, file: 'in.jsonl', firstLine: 1, firstOffset: 0, data: Buffer.from(lines.join('\n') + '\n') }, await batchContext(builtinPolicy()));
  return Buffer.from(r.output).toString('utf8').split('\n').slice(0, lines.length);
}

describe('the built-in key rules on access logs written as JSON', () => {
  it("take the headers of Traefik's access log by their prefixed names", async () => {
    const lines = [
      '{"RequestMethod":"GET","RequestPath":"/v1/items","request_Cookie":"theme=dark; session=Zq9pW2xKa81b","downstream_Set-Cookie":"sid=Yb8Rn3Yp6Hc; Path=/","origin_Set-Cookie":"sid=Yb8Rn3Yp6Hc","request_User-Agent":"Mozilla/5.0"}',
      '{"RequestMethod":"GET","request_Authorization":"Bearer k2P9xq7Z","request_Proxy-Authorization":"Basic ZGFuYTpUcjB1YjRkb3IhWnE5"}',
    ];
    const out = await run(lines);
    expect(out[0]).toBe('{"RequestMethod":"GET","RequestPath":"/v1/items","request_Cookie":"[[COOKIE]]","downstream_Set-Cookie":"[[COOKIE]]","origin_Set-Cookie":"[[COOKIE]]","request_User-Agent":"Mozilla/5.0"}');
    expect(out[1]).toBe('{"RequestMethod":"GET","request_Authorization":"[[AUTH_HEADER]]","request_Proxy-Authorization":"[[AUTH_HEADER]]"}');
  });

  it("take the headers of an nginx JSON log_format by their variables' names", async () => {
    const lines = ['{"request":"GET /v1/items HTTP/1.1","http_cookie":"theme=dark; session=Zq9pW2xKa81b","sent_http_set_cookie":"sid=Yb8Rn3Yp6Hc; Path=/","http_authorization":"k2P9xq7ZmW3vR8tL","http_user_agent":"Mozilla/5.0"}'];
    const out = await run(lines);
    expect(out[0]).toBe('{"request":"GET /v1/items HTTP/1.1","http_cookie":"[[COOKIE]]","sent_http_set_cookie":"[[COOKIE]]","http_authorization":"[[AUTH_HEADER]]","http_user_agent":"Mozilla/5.0"}');
  });

  it("take the cookies of a W3C log's JSON output (CloudFront's cs(Cookie))", async () => {
    const lines = ['{"cs-uri-stem":"/x","cs(Cookie)":"theme=dark;%20session=Zq9pW2xKa81b","cs_cookie":"sid=Yb8Rn3Yp6Hc","x-edge-request-id":"2kP01Cgw2cMXMKlogaJwkCt7MVHA8Flxtt_ncRESDd9POQpVWSM64w=="}'];
    const out = await run(lines);
    expect(out[0]).toBe('{"cs-uri-stem":"/x","cs(Cookie)":"[[COOKIE]]","cs_cookie":"[[COOKIE]]","x-edge-request-id":"2kP01Cgw2cMXMKlogaJwkCt7MVHA8Flxtt_ncRESDd9POQpVWSM64w=="}');
  });

  it("take a presigned URL's signature among its query parameters, and a SAS's beside its version only", async () => {
    const lines = [
      '{"queryStringParameters":{"X-Amz-Expires":"900","X-Amz-Signature":"5f2c8a9e1b7d4c3e9a6f0d8e7b2c1a4f5f2c8a9e1b7d4c3e9a6f0d8e7b2c1a4f","x-goog-signature":"9a6f0d8e7b2c1a4f5f2c8a9e1b7d4c3e"}}',
      '{"queryStringParameters":{"sv":"2022-11-02","sp":"r","sig":"Zq9pW2xKa81bc7d9f0eRtYb8Rn3Yp6Hc"}}',
      // A sig with no SAS version beside it (an event's signature, a flag) is read as any value.
      '{"event":{"kind":1,"sig":"ok"}}',
    ];
    const out = await run(lines);
    expect(out[0]).toBe('{"queryStringParameters":{"X-Amz-Expires":"900","X-Amz-Signature":"[[SECRET]]","x-goog-signature":"[[SECRET]]"}}');
    expect(out[1]).toBe('{"queryStringParameters":{"sv":"2022-11-02","sp":"r","sig":"[[AZURE_SAS]]"}}');
    expect(out[2]).toBe(lines[2]);
  });
});
