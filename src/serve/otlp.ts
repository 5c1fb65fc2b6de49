/**
 * OTLP/HTTP JSON export requests (`POST /v1/logs`, `/v1/traces`) as records for the engine: one
 * line per resource (`{"resourceLogs":[<one resource>]}`), itself a valid export request, cut from
 * the request's own text so that every number keeps its spelling (an int64 time in nanoseconds
 * written as a JSON number would lose digits through JSON.parse). A request is as many records as
 * it has resources, so a record is no larger than one resource's batch. A request that holds a
 * field twice is refused, as protobuf's JSON parsers refuse it.
 */
import { compactJson, indexJson, itemPath, memberPath } from '../codecs/json-splice.js';

/**
 * The signals taken, by the path they are posted to, with their members' names as the JSON mapping
 * of protobuf writes them and as the .proto spells them (both are taken, as the Collector does).
 */
export const OTLP_SIGNALS = {
  '/v1/logs': { resources: ['resourceLogs', 'resource_logs'], scopes: ['scopeLogs', 'scope_logs'], items: ['logRecords', 'log_records'], rejected: 'rejectedLogRecords' },
  '/v1/traces': { resources: ['resourceSpans', 'resource_spans'], scopes: ['scopeSpans', 'scope_spans'], items: ['spans'], rejected: 'rejectedSpans' },
} as const;

export type OtlpPath = keyof typeof OTLP_SIGNALS;

/** One resource of a request: its line, and how many log records or spans it holds. */
export interface OtlpPart {
  line: string;
  items: number;
}

/** A request that is not one: the HTTP status to answer, and a message that quotes none of it. */
export class OtlpRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The resources of an export request posted to `path`, as lines.
 *
 * @throws OtlpRequestError (400) when the body is not JSON, or not an export request of the signal.
 */
export function otlpParts(path: OtlpPath, body: string): OtlpPart[] {
  const signal = OTLP_SIGNALS[path];
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    // JSON.parse's message quotes the text: never repeated.
    throw new OtlpRequestError(400, 'the body is not valid JSON');
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new OtlpRequestError(400, `the body is not an OTLP export request (a JSON object with ${signal.resources[0]})`);
  const text = compactJson(body);
  // Depth 2: the resources are spanned whole, nothing inside them is indexed.
  const index = indexJson(text, 2);
  // As protobuf's JSON parsers do: a message holds each field once.
  if (index.repeated !== undefined || signal.resources.every((k) => k in request)) throw new OtlpRequestError(400, 'the request holds a field twice');
  const key = signal.resources.find((k) => k in request) ?? signal.resources[0];
  const resources = (request as Record<string, unknown>)[key];
  if (resources === undefined || resources === null) return [];
  if (!Array.isArray(resources)) throw new OtlpRequestError(400, `${key} is not an array`);
  const at = memberPath('', key);
  return resources.map((resource: unknown, i) => {
    const span = index.spans?.get(itemPath(at, i));
    // Without a span (never, at this depth) the resource would be written anew.
    const own = span ? text.slice(span.start, span.end) : JSON.stringify(resource);
    return { line: `{"${key}":[${own}]}`, items: countItems(resource, signal.scopes, signal.items) };
  });
}

/** The log records or spans of one resource. */
function countItems(resource: unknown, scopes: readonly string[], items: readonly string[]): number {
  const member = (o: unknown, keys: readonly string[]): unknown[] => {
    for (const k of keys) {
      const v = (o as Record<string, unknown> | null)?.[k];
      if (Array.isArray(v)) return v;
    }
    return [];
  };
  let n = 0;
  for (const scope of member(resource, scopes)) n += member(scope, items).length;
  return n;
}
