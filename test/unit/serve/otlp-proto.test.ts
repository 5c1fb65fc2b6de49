import { describe, expect, it } from 'vitest';
import { OtlpRequestError, otlpResources } from '../../../src/serve/otlp.js';
import { protobufRequestJson, protobufResponse, protobufStatus } from '../../../src/serve/otlp-proto.js';
import { lowerIds, OTLP_PROTO, protobufOf } from '../../helpers/otlp-proto.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';

describe('OTLP in binary protobuf', () => {
  it('reads every field of a log record as the JSON mapping writes it: ids in hex, bytes in base64, 64-bit integers as strings', () => {
    const json = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }], droppedAttributesCount: 2 },
          scopeLogs: [
            {
              scope: { name: 'lib', version: '1.2', attributes: [{ key: 'k', value: { boolValue: true } }], droppedAttributesCount: 1 },
              logRecords: [
                {
                  timeUnixNano: '1544712660300000001',
                  observedTimeUnixNano: '1544712660300000002',
                  severityNumber: 17,
                  severityText: 'ERROR',
                  eventName: 'login.failed',
                  body: { kvlistValue: { values: [{ key: 'user', value: { stringValue: 'bob' } }, { key: 'n', value: { arrayValue: { values: [{ intValue: '9007199254740993' }, { doubleValue: 0.5 }] } } }] } },
                  attributes: [
                    { key: 'raw', value: { bytesValue: Buffer.from('\u0000\u00ffhi', 'latin1').toString('base64') } },
                    { key: 'nan', value: { doubleValue: 'NaN' } },
                    { key: 'inf', value: { doubleValue: '-Infinity' } },
                    { key: 'empty', value: { stringValue: '' } },
                  ],
                  droppedAttributesCount: 3,
                  flags: 1,
                  traceId: TRACE_ID,
                  spanId: 'eee19b7ec3c1b174',
                },
              ],
              schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
            },
          ],
          schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
        },
      ],
    });
    expect(JSON.parse(protobufRequestJson('/v1/logs', protobufOf('ExportLogsServiceRequest', json)))).toEqual(JSON.parse(json));
  });

  it('reads spans with their parent, events, links, status and kind', () => {
    const json = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [] },
          scopeSpans: [
            {
              scope: { name: 'http' },
              spans: [
                {
                  traceId: TRACE_ID,
                  spanId: '0102030405060708',
                  parentSpanId: 'a1a2a3a4a5a6a7a8',
                  traceState: 'vendor=x',
                  flags: 257,
                  name: 'GET /users',
                  kind: 2,
                  startTimeUnixNano: '1544712660000000000',
                  endTimeUnixNano: '1544712661000000000',
                  attributes: [{ key: 'http.url', value: { stringValue: 'https://example.com/u?mail=bob@example.com' } }],
                  events: [{ timeUnixNano: '1544712660500000000', name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }] }],
                  links: [{ traceId: 'ffffffffffffffffffffffffffffffff', spanId: '1111111111111111', flags: 1 }],
                  droppedEventsCount: 1,
                  droppedLinksCount: 2,
                  status: { code: 2, message: 'failed' },
                },
              ],
            },
          ],
        },
      ],
    });
    // The encoder writes no empty list: `attributes: []` comes back absent.
    const { resourceSpans } = JSON.parse(json) as { resourceSpans: Array<{ resource: object }> };
    (resourceSpans[0] as { resource: object }).resource = {};
    expect(JSON.parse(protobufRequestJson('/v1/traces', protobufOf('ExportTraceServiceRequest', json)))).toEqual(lowerIds(JSON.stringify({ resourceSpans })));
  });

  it('reads a value nested deeper than protobufjs follows by default, and refuses one deeper than any record may be', () => {
    let value: object = { stringValue: 'x' };
    for (let i = 0; i < 60; i++) value = { arrayValue: { values: [value] } };
    const json = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: value }] }] }] });
    expect(JSON.parse(protobufRequestJson('/v1/logs', protobufOf('ExportLogsServiceRequest', json)))).toEqual(JSON.parse(json));
    // 3,000 arrays, written by hand: a request, not an engine failure.
    const field = (tag: number, bytes: Buffer): Buffer => {
      const len: number[] = [];
      for (let n = bytes.length; ; n >>>= 7) {
        if (n < 0x80) {
          len.push(n);
          break;
        }
        len.push((n & 0x7f) | 0x80);
      }
      return Buffer.concat([Buffer.from([tag, ...len]), bytes]);
    };
    let any = field(0x0a, Buffer.from('x'));
    for (let i = 0; i < 3000; i++) any = field(0x2a, field(0x0a, any));
    const body = field(0x0a, field(0x12, field(0x12, field(0x2a, any))));
    expect(() => protobufRequestJson('/v1/logs', body)).toThrow(OtlpRequestError);
  });

  it('refuses a body that is not an export request, quoting none of it', () => {
    for (const body of [Buffer.from([0x0a, 0xff, 0xff, 0x01]), Buffer.from('{"resourceLogs":[]}'), Buffer.from([0x0a, 0x05, 0x0a])]) {
      expect(() => protobufRequestJson('/v1/logs', body)).toThrow(OtlpRequestError);
      expect(() => protobufRequestJson('/v1/logs', body)).toThrow(/^the body is not a protobuf ExportLogsServiceRequest$/);
    }
    // An empty body is an empty request, as protobuf reads it.
    expect(protobufRequestJson('/v1/logs', Buffer.alloc(0))).toBe('{}');
  });

  it('refuses, as the JSON path does, ids of other lengths than 16 and 8 bytes: the JSON written on would carry them', () => {
    const body = protobufOf('ExportLogsServiceRequest', JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: '0102030405', body: { stringValue: 'x' } }] }] }] }));
    const json = protobufRequestJson('/v1/logs', body);
    expect(() => otlpResources('/v1/logs', json)).toThrow('resourceLogs[0].scopeLogs[0].logRecords[0].traceId is not an id of 32 hex digits');
  });

  it('writes the answers and errors in protobuf', () => {
    const decode = (name: string, bytes: Uint8Array): object => {
      const t = OTLP_PROTO.lookupType(name);
      return t.toObject(t.decode(bytes), { longs: String });
    };
    expect(protobufResponse('/v1/logs', {})).toHaveLength(0);
    expect(decode('ExportLogsServiceResponse', protobufResponse('/v1/logs', { partialSuccess: { rejectedLogRecords: '2', errorMessage: 'quarantined' } }))).toEqual({ partialSuccess: { rejectedLogRecords: '2', errorMessage: 'quarantined' } });
    expect(decode('RpcStatus', protobufStatus({ code: 8, message: 'too large' }))).toEqual({ code: 8, message: 'too large' });
  });
});
