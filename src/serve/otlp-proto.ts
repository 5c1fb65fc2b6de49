/**
 * OTLP/HTTP in binary protobuf (`Content-Type: application/x-protobuf`), the encoding OpenTelemetry
 * exporters send by default: a logs or traces export request read into the JSON the service takes
 * (see otlp.ts), and the answers written back in protobuf. The JSON is what the OTLP/JSON mapping
 * writes: lowerCamelCase names, trace and span ids in hex, other bytes in base64, 64-bit integers
 * as decimal strings, enums as numbers. The messages are those of opentelemetry-proto's logs,
 * trace, common and resource packages and of the collector's logs and trace services, with their
 * field numbers; a field the service does not know (one added after them) is not read, nor
 * written out.
 */
import protobuf from 'protobufjs';
import { OtlpRequestError, type OtlpPath } from './otlp.js';

type Fields = Record<string, { id: number; type: string; rule?: 'repeated' }>;

const f = (id: number, type: string, rule?: 'repeated'): Fields[string] => (rule ? { id, type, rule } : { id, type });
const KEY_VALUES = f(0, 'KeyValue', 'repeated');
const attributes = (id: number): Fields[string] => ({ ...KEY_VALUES, id });

/** The messages, named as the JSON mapping names their fields. */
const MESSAGES: Record<string, { fields: Fields; oneofs?: Record<string, { oneof: string[] }> }> = {
  AnyValue: {
    oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
    fields: { stringValue: f(1, 'string'), boolValue: f(2, 'bool'), intValue: f(3, 'int64'), doubleValue: f(4, 'double'), arrayValue: f(5, 'ArrayValue'), kvlistValue: f(6, 'KeyValueList'), bytesValue: f(7, 'bytes') },
  },
  ArrayValue: { fields: { values: f(1, 'AnyValue', 'repeated') } },
  KeyValueList: { fields: { values: f(1, 'KeyValue', 'repeated') } },
  KeyValue: { fields: { key: f(1, 'string'), value: f(2, 'AnyValue') } },
  InstrumentationScope: { fields: { name: f(1, 'string'), version: f(2, 'string'), attributes: attributes(3), droppedAttributesCount: f(4, 'uint32') } },
  EntityRef: { fields: { schemaUrl: f(1, 'string'), type: f(2, 'string'), idKeys: f(3, 'string', 'repeated'), descriptionKeys: f(4, 'string', 'repeated') } },
  Resource: { fields: { attributes: attributes(1), droppedAttributesCount: f(2, 'uint32'), entityRefs: f(3, 'EntityRef', 'repeated') } },
  ExportLogsServiceRequest: { fields: { resourceLogs: f(1, 'ResourceLogs', 'repeated') } },
  ResourceLogs: { fields: { resource: f(1, 'Resource'), scopeLogs: f(2, 'ScopeLogs', 'repeated'), schemaUrl: f(3, 'string') } },
  ScopeLogs: { fields: { scope: f(1, 'InstrumentationScope'), logRecords: f(2, 'LogRecord', 'repeated'), schemaUrl: f(3, 'string') } },
  LogRecord: {
    fields: {
      timeUnixNano: f(1, 'fixed64'),
      observedTimeUnixNano: f(11, 'fixed64'),
      severityNumber: f(2, 'int32'),
      severityText: f(3, 'string'),
      body: f(5, 'AnyValue'),
      attributes: attributes(6),
      droppedAttributesCount: f(7, 'uint32'),
      flags: f(8, 'fixed32'),
      traceId: f(9, 'bytes'),
      spanId: f(10, 'bytes'),
      eventName: f(12, 'string'),
    },
  },
  ExportTraceServiceRequest: { fields: { resourceSpans: f(1, 'ResourceSpans', 'repeated') } },
  ResourceSpans: { fields: { resource: f(1, 'Resource'), scopeSpans: f(2, 'ScopeSpans', 'repeated'), schemaUrl: f(3, 'string') } },
  ScopeSpans: { fields: { scope: f(1, 'InstrumentationScope'), spans: f(2, 'Span', 'repeated'), schemaUrl: f(3, 'string') } },
  Span: {
    fields: {
      traceId: f(1, 'bytes'),
      spanId: f(2, 'bytes'),
      traceState: f(3, 'string'),
      parentSpanId: f(4, 'bytes'),
      flags: f(16, 'fixed32'),
      name: f(5, 'string'),
      kind: f(6, 'int32'),
      startTimeUnixNano: f(7, 'fixed64'),
      endTimeUnixNano: f(8, 'fixed64'),
      attributes: attributes(9),
      droppedAttributesCount: f(10, 'uint32'),
      events: f(11, 'SpanEvent', 'repeated'),
      droppedEventsCount: f(12, 'uint32'),
      links: f(13, 'SpanLink', 'repeated'),
      droppedLinksCount: f(14, 'uint32'),
      status: f(15, 'Status'),
    },
  },
  SpanEvent: { fields: { timeUnixNano: f(1, 'fixed64'), name: f(2, 'string'), attributes: attributes(3), droppedAttributesCount: f(4, 'uint32') } },
  SpanLink: { fields: { traceId: f(1, 'bytes'), spanId: f(2, 'bytes'), traceState: f(3, 'string'), attributes: attributes(4), droppedAttributesCount: f(5, 'uint32'), flags: f(6, 'fixed32') } },
  Status: { fields: { message: f(2, 'string'), code: f(3, 'int32') } },
  ExportLogsServiceResponse: { fields: { partialSuccess: f(1, 'ExportLogsPartialSuccess') } },
  ExportLogsPartialSuccess: { fields: { rejectedLogRecords: f(1, 'int64'), errorMessage: f(2, 'string') } },
  ExportTraceServiceResponse: { fields: { partialSuccess: f(1, 'ExportTracePartialSuccess') } },
  ExportTracePartialSuccess: { fields: { rejectedSpans: f(1, 'int64'), errorMessage: f(2, 'string') } },
  // google.rpc.Status, without its details: the answer to a request that failed.
  RpcStatus: { fields: { code: f(1, 'int32'), message: f(2, 'string') } },
};

const root = protobuf.Root.fromJSON({ nested: MESSAGES });

/**
 * How deep the decoder follows nested messages. protobufjs stops at 100, about 49 arrays in an
 * AnyValue, and failing the decode refuses the whole request; deeper than the engine's depth
 * limit, a record is quarantined on its own (RECORD_TOO_DEEP), as the same request in JSON.
 */
const DECODE_DEPTH = 1024;
protobuf.util.recursionLimit = Math.max(protobuf.util.recursionLimit, DECODE_DEPTH);
protobuf.Reader.recursionLimit = Math.max(protobuf.Reader.recursionLimit, DECODE_DEPTH);
const type = (name: string): protobuf.Type => root.lookupType(name);

const TYPES: Record<OtlpPath, { request: protobuf.Type; response: protobuf.Type }> = {
  '/v1/logs': { request: type('ExportLogsServiceRequest'), response: type('ExportLogsServiceResponse') },
  '/v1/traces': { request: type('ExportTraceServiceRequest'), response: type('ExportTraceServiceResponse') },
};

/** The members that hold trace and span ids, which OTLP/JSON writes in hex (other bytes in base64). */
const IDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/**
 * A protobuf export request posted to `path`, as OTLP/JSON text.
 *
 * @throws OtlpRequestError (400) when the body is not such a request.
 */
export function protobufRequestJson(path: OtlpPath, body: Uint8Array): string {
  const t = TYPES[path].request;
  try {
    const object = t.toObject(t.decode(body), { longs: String, enums: Number, bytes: String, defaults: false, arrays: false, objects: false });
    return JSON.stringify(object, (key, value: unknown) => {
      if (IDS.has(key) && typeof value === 'string') return Buffer.from(value, 'base64').toString('hex');
      // JSON has no NaN or infinities: the mapping writes them as strings.
      if (key === 'doubleValue' && typeof value === 'number' && !Number.isFinite(value)) return String(value);
      return value;
    });
  } catch {
    // The decoder's message names the offset and wire type only; it is not passed on regardless.
    // Nesting past the decoder's depth, or the stack's, ends here too.
    throw new OtlpRequestError(400, `the body is not a protobuf ${t.name}`);
  }
}

/** An export answer (`{}` or `{partialSuccess: ...}`, as the JSON answer) in protobuf. */
export function protobufResponse(path: OtlpPath, answer: object): Uint8Array {
  const t = TYPES[path].response;
  return t.encode(t.fromObject(answer)).finish();
}

/** A google.rpc.Status (`code`, `message`) in protobuf, as OTLP/HTTP answers an error to a protobuf request. */
export function protobufStatus(status: { code: number; message: string }): Uint8Array {
  const t = type('RpcStatus');
  return t.encode(t.fromObject(status)).finish();
}
