import { describe, expect, it } from 'vitest';
import { OtlpRequestError, otlpParts } from '../../../src/serve/otlp.js';

describe('otlpParts', () => {
  it('cuts a request into a request per resource, from its own text, counting each one\'s records', () => {
    const body = `{
      "resourceLogs": [
        { "resource": {"attributes": []}, "scopeLogs": [ {"logRecords": [ {"timeUnixNano": 1544712660300000001, "body": {"stringValue": "a  b"}}, {} ]}, {"logRecords": [{}]} ] },
        { "scopeLogs": [] }
      ]
    }`;
    expect(otlpParts('/v1/logs', body)).toEqual([
      { line: '{"resourceLogs":[{"resource":{"attributes":[]},"scopeLogs":[{"logRecords":[{"timeUnixNano":1544712660300000001,"body":{"stringValue":"a  b"}},{}]},{"logRecords":[{}]}]}]}', items: 3 },
      { line: '{"resourceLogs":[{"scopeLogs":[]}]}', items: 0 },
    ]);
    expect(otlpParts('/v1/traces', '{"resourceSpans":[{"scopeSpans":[{"spans":[{},{}]}]}]}')).toEqual([{ line: '{"resourceSpans":[{"scopeSpans":[{"spans":[{},{}]}]}]}', items: 2 }]);
  });

  it('takes a request without resources as none, and the names the .proto spells', () => {
    expect(otlpParts('/v1/logs', '{}')).toEqual([]);
    expect(otlpParts('/v1/logs', '{"resourceLogs":null}')).toEqual([]);
    expect(otlpParts('/v1/logs', '{"resource_logs":[{"scope_logs":[{"log_records":[{},{}]}]}]}')).toEqual([{ line: '{"resource_logs":[{"scope_logs":[{"log_records":[{},{}]}]}]}', items: 2 }]);
  });

  it('refuses what is not an export request of the signal, quoting none of it', () => {
    const refused = (path: '/v1/logs' | '/v1/traces', body: string) => {
      try {
        otlpParts(path, body);
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpRequestError);
        return [(err as OtlpRequestError).status, (err as Error).message];
      }
      throw new Error('not refused');
    };
    expect(refused('/v1/logs', '{"resourceLogs": [secret-value')).toEqual([400, 'the body is not valid JSON']);
    expect(refused('/v1/logs', '["secret-value"]')).toEqual([400, 'the body is not an OTLP export request (a JSON object with resourceLogs)']);
    expect(refused('/v1/traces', '{"resourceSpans":"secret-value"}')).toEqual([400, 'resourceSpans is not an array']);
    // A field twice: one of them would be lost.
    expect(refused('/v1/logs', '{"resourceLogs":[{"a":1}],"resourceLogs":[{"b":2}]}')).toEqual([400, 'the request holds a field twice']);
    expect(refused('/v1/logs', '{"resourceLogs":[{"a":1}],"resource_logs":[{"b":2}]}')).toEqual([400, 'the request holds a field twice']);
    expect(refused('/v1/logs', '{"resourceLogs":[{"a":1}],"x":1,"x":2}')).toEqual([400, 'the request holds a field twice']);
  });
});
