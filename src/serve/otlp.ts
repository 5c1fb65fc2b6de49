/**
 * OTLP/HTTP JSON export requests (`POST /v1/logs`, `/v1/traces`) as records for the engine: one
 * line per resource (`{"resourceLogs":[<one resource>]}`), itself a valid export request, cut from
 * the request's own text so that every number keeps its spelling (an int64 time in nanoseconds
 * written as a JSON number would lose digits through JSON.parse). A request is as many records as
 * it has resources, so a record is no larger than one resource's batch.
 */
import { compactJson, indexJson, itemPath, memberPath } from '../codecs/json-splice.js';

/** The signals taken, by the path they are posted to. */
export const OTLP_SIGNALS = {
  '/v1/logs': { resources: 'resourceLogs', scopes: 'scopeLogs', items: 'logRecords', rejected: 'rejectedLogRecords' },
  '/v1/traces': { resources: 'resourceSpans', scopes: 'scopeSpans', items: 'spans', rejected: 'rejectedSpans' },
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
  if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new OtlpRequestError(400, `the body is not an OTLP export request (a JSON object with ${signal.resources})`);
  const resources = (request as Record<string, unknown>)[signal.resources];
  if (resources === undefined) return [];
  if (!Array.isArray(resources)) throw new OtlpRequestError(400, `${signal.resources} is not an array`);
  const text = compactJson(body);
  // Depth 2: the resources are spanned whole, nothing inside them is indexed.
  const spans = indexJson(text, 2).spans;
  const at = memberPath('', signal.resources);
  return resources.map((resource: unknown, i) => {
    const span = spans?.get(itemPath(at, i));
    // Without spans (repeated top-level keys), the resource is written anew.
    const own = span ? text.slice(span.start, span.end) : JSON.stringify(resource);
    return { line: `{"${signal.resources}":[${own}]}`, items: countItems(resource, signal.scopes, signal.items) };
  });
}

/** The log records or spans of one resource. */
function countItems(resource: unknown, scopes: string, items: string): number {
  const list = (resource as Record<string, unknown> | null)?.[scopes];
  if (!Array.isArray(list)) return 0;
  let n = 0;
  for (const scope of list) {
    const held = (scope as Record<string, unknown> | null)?.[items];
    if (Array.isArray(held)) n += held.length;
  }
  return n;
}
