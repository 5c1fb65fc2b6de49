import { describe, expect, it } from 'vitest';
import { OtlpRequestError, otlpResources, reassemble } from '../../../src/serve/otlp.js';

const REQUEST = `{
  "resourceLogs": [
    { "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]},
      "scopeLogs": [
        {"scope": {"name": "a"}, "logRecords": [ {"timeUnixNano": 1544712660300000001, "body": {"stringValue": "a  b"}}, {"body": {"stringValue": "c"}} ]},
        {"scope": {"name": "b"}, "logRecords": [{}]}
      ] },
    { "scopeLogs": [] }
  ]
}`;

describe('otlpResources', () => {
  it('cuts each resource into its frame and a line per log record, from the request\'s own text', () => {
    const [first, second] = otlpResources('/v1/logs', REQUEST);
    expect(first?.lines).toEqual([
      '{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},"scopeLogs":[{"scope":{"name":"a"},"logRecords":[]},{"scope":{"name":"b"},"logRecords":[]}]}]}',
      '{"scope":0,"logRecord":{"timeUnixNano":1544712660300000001,"body":{"stringValue":"a  b"}}}',
      '{"scope":0,"logRecord":{"body":{"stringValue":"c"}}}',
      '{"scope":1,"logRecord":{}}',
    ]);
    expect([first?.items, first?.scopes]).toEqual([3, 2]);
    expect(second?.lines).toEqual(['{"resourceLogs":[{"scopeLogs":[]}]}']);
    const [spans] = otlpResources('/v1/traces', '{"resource_spans":[{"scope_spans":[{"spans":[{"name":"x"},{}]}]}]}');
    expect(spans?.lines).toEqual(['{"resource_spans":[{"scope_spans":[{"spans":[]}]}]}', '{"scope":0,"span":{"name":"x"}}', '{"scope":0,"span":{}}']);
  });

  it('takes each scope\'s records under the name it spells them by, and puts them back so', () => {
    const body = '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"first"}}]},{"log_records":[{"body":{"stringValue":"second"}},{}]}]}]}';
    const [resource] = otlpResources('/v1/logs', body);
    expect(resource?.lines).toEqual([
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[]},{"log_records":[]}]}]}',
      '{"scope":0,"logRecord":{"body":{"stringValue":"first"}}}',
      '{"scope":1,"logRecord":{"body":{"stringValue":"second"}}}',
      '{"scope":1,"logRecord":{}}',
    ]);
    expect(resource?.items).toBe(3);
    expect(reassemble('/v1/logs', resource!, resource!.lines)?.line).toBe(body);
    // Without the frame, each scope keeps its spelling.
    expect(reassemble('/v1/logs', resource!, resource!.lines.slice(1))?.line).toBe('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"first"}}]},{"log_records":[{"body":{"stringValue":"second"}},{}]}]}]}');
  });

  it('takes a request without resources as none', () => {
    expect(otlpResources('/v1/logs', '{}')).toEqual([]);
    expect(otlpResources('/v1/logs', '{"resourceLogs":null}')).toEqual([]);
  });

  it('refuses what is not an export request of the signal, quoting none of it', () => {
    const refused = (path: '/v1/logs' | '/v1/traces', body: string) => {
      try {
        otlpResources(path, body);
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
    // Under both names in a resource or a scope: the records under one would be neither taken nor counted.
    expect(refused('/v1/logs', '{"resourceLogs":[{"scopeLogs":[],"scope_logs":[{"logRecords":[{}]}]}]}')).toEqual([400, 'the request holds a field twice']);
    expect(refused('/v1/logs', '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{}],"log_records":[{}]}]}]}')).toEqual([400, 'the request holds a field twice']);
    expect(refused('/v1/traces', '{"resourceSpans":[{"scopeSpans":[],"scope_spans":null}]}')).toEqual([400, 'the request holds a field twice']);
    // Ids that are not ids: written on, they would break whoever reads the OTLP next.
    const logs = (record: object) => JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{}, record] }] }] });
    expect(refused('/v1/logs', logs({ traceId: 'secret-value bob@example.com' }))).toEqual([400, 'resourceLogs[0].scopeLogs[0].logRecords[1].traceId is not an id of 32 hex digits']);
    expect(refused('/v1/logs', logs({ span_id: '0123456789abcdef00' }))).toEqual([400, 'resourceLogs[0].scopeLogs[0].logRecords[1].span_id is not an id of 16 hex digits']);
    const spans = (span: object) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
    expect(refused('/v1/traces', spans({ traceId: '5B8EFFF798038103D269B633813FC60C', links: [{ spanId: 42 }] }))).toEqual([400, 'resourceSpans[0].scopeSpans[0].spans[0].links[0].spanId is not an id of 16 hex digits']);
    // Ids in hex, either case, empty or null (the default, as the JSON mapping reads it), pass.
    expect(otlpResources('/v1/traces', spans({ traceId: null, spanId: null, links: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: null }] }))).toHaveLength(1);
    expect(otlpResources('/v1/traces', spans({ traceId: '5B8EFFF798038103D269B633813FC60C', spanId: 'eee19b7ec3c1b174', parentSpanId: '', links: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'EEE19B7EC3C1B173' }] }))).toHaveLength(1);
  });
});

describe('reassemble', () => {
  const [resource] = otlpResources('/v1/logs', REQUEST);

  it('puts every record back into its scope: the request as it came when nothing changed', () => {
    const back = reassemble('/v1/logs', resource!, resource!.lines);
    expect(back).toEqual({
      line: '{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},"scopeLogs":[{"scope":{"name":"a"},"logRecords":[{"timeUnixNano":1544712660300000001,"body":{"stringValue":"a  b"}},{"body":{"stringValue":"c"}}]},{"scope":{"name":"b"},"logRecords":[{}]}]}]}',
      frameKept: true,
    });
  });

  it('leaves out the records the engine did not write, and keeps the others under an empty resource when the frame is gone', () => {
    const lines = resource!.lines;
    expect(reassemble('/v1/logs', resource!, [lines[0]!, lines[2]!])?.line).toContain('"logRecords":[{"body":{"stringValue":"c"}}]},{"scope":{"name":"b"},"logRecords":[]}');
    expect(reassemble('/v1/logs', resource!, [lines[1]!, lines[3]!])).toEqual({
      line: '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":1544712660300000001,"body":{"stringValue":"a  b"}}]},{"logRecords":[{}]}]}]}',
      frameKept: false,
    });
  });

  it('gives up where the output is not in the shape written (a key rule renamed a member), so the lines go out as they are', () => {
    expect(reassemble('/v1/logs', resource!, [resource!.lines[0]!, '{"scope":0,"[[KEY]]":{}}'])).toBeUndefined();
    expect(reassemble('/v1/logs', resource!, [resource!.lines[0]!, '{"scope":7,"logRecord":{}}'])).toBeUndefined();
  });
});
