/**
 * OTLP/HTTP JSON export requests (`POST /v1/logs`, `/v1/traces`) as records for the engine, and
 * back. Each resource of a request becomes lines of its own:
 *
 * - its frame: the resource, its scopes and everything else it holds, with the scopes' log records
 *   (or spans) left out, as an export request of its own (`{"resourceLogs":[<frame>]}`);
 * - a line per log record or span, with the index of its scope: `{"scope":0,"logRecord":{...}}`.
 *
 * So a log record is a record, as a line of `redact` is: one that holds nothing sensitive passes
 * the engine's line fast path unparsed, and one the engine quarantines is one rejected record. The
 * redacted lines are put back together into one export request per resource
 * ({@link reassemble}). Every line is cut from the request's own text, so numbers keep their
 * spelling (an int64 time written as a JSON number would lose digits through JSON.parse). A
 * request that holds a field twice is refused, as protobuf's JSON parsers refuse it, and so is one
 * whose trace or span ids are not ids (see checkIds).
 */
import { compactJson, indexJson, itemPath, memberPath } from '../codecs/json-splice.js';

/**
 * The signals taken, by the path they are posted to, with their members' names as the JSON mapping
 * of protobuf writes them and as the .proto spells them (both are taken, as the Collector does).
 */
export const OTLP_SIGNALS = {
  '/v1/logs': { resources: ['resourceLogs', 'resource_logs'], scopes: ['scopeLogs', 'scope_logs'], items: ['logRecords', 'log_records'], item: 'logRecord', rejected: 'rejectedLogRecords' },
  '/v1/traces': { resources: ['resourceSpans', 'resource_spans'], scopes: ['scopeSpans', 'scope_spans'], items: ['spans'], item: 'span', rejected: 'rejectedSpans' },
} as const;

export type OtlpPath = keyof typeof OTLP_SIGNALS;

/** One resource of a request, as the engine's input, and what putting it back together needs. */
export interface OtlpResource {
  /** The frame line, then a line per log record or span. */
  lines: string[];
  /** Log records or spans. */
  items: number;
  /** The member names as the request spells them; `items` by scope (each scope is a message of its own, and may spell it either way). */
  keys: { resources: string; scopes: string; items: string[] };
  /** Scopes of the resource. */
  scopes: number;
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

/** Depth of a log record or span: request, resources, resource, scopes, scope, items, item. */
const ITEM_DEPTH = 6;

/**
 * The resources of an export request posted to `path`, as lines for the engine.
 *
 * @throws OtlpRequestError (400) when the body is not JSON, or not an export request of the signal,
 *   or a trace or span id is not one.
 */
export function otlpResources(path: OtlpPath, body: string): OtlpResource[] {
  const signal = OTLP_SIGNALS[path];
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    // JSON.parse's message quotes the text: never repeated.
    throw new OtlpRequestError(400, 'the body is not valid JSON');
  }
  if (!isObject(request)) throw new OtlpRequestError(400, `the body is not an OTLP export request (a JSON object with ${signal.resources[0]})`);
  const text = compactJson(body);
  // Spans down to the items, each spanned whole.
  const index = indexJson(text, ITEM_DEPTH);
  // As protobuf's JSON parsers do: a message holds each field once.
  if (index.repeated !== undefined) throw new OtlpRequestError(400, 'the request holds a field twice');
  refuseBoth(request, signal.resources);
  const resourcesKey = signal.resources.find((k) => k in request) ?? signal.resources[0];
  const resources = request[resourcesKey];
  if (resources === undefined || resources === null) return [];
  if (!Array.isArray(resources)) throw new OtlpRequestError(400, `${resourcesKey} is not an array`);
  const spanOf = (p: string): { start: number; end: number } => {
    const span = index.spans?.get(p);
    // Every value above the items has a span at this depth (the index's budget is far larger).
    if (!span) throw new OtlpRequestError(400, 'the request is too large to index');
    return span;
  };
  return resources.map((resource: unknown, i) => {
    const at = itemPath(memberPath('', resourcesKey), i);
    const own = spanOf(at);
    if (isObject(resource)) refuseBoth(resource, signal.scopes);
    const scopesKey = isObject(resource) ? (signal.scopes.find((k) => Array.isArray(resource[k])) ?? signal.scopes[0]) : signal.scopes[0];
    const scopes = isObject(resource) && Array.isArray(resource[scopesKey]) ? (resource[scopesKey] as unknown[]) : [];
    const itemsKeys = scopes.map((s) => {
      if (!isObject(s)) return signal.items[0];
      refuseBoth(s, signal.items);
      return signal.items.find((k) => Array.isArray(s[k])) ?? signal.items[0];
    });
    // The frame: the resource's text with each scope's items array emptied.
    let frame = '';
    let from = own.start;
    const itemLines: string[] = [];
    let items = 0;
    scopes.forEach((scope, j) => {
      const itemsKey = itemsKeys[j] as string;
      const list = isObject(scope) ? scope[itemsKey] : undefined;
      if (!Array.isArray(list)) return;
      const arrayAt = memberPath(itemPath(memberPath(at, scopesKey), j), itemsKey);
      const array = spanOf(arrayAt);
      frame += `${text.slice(from, array.start)}[]`;
      from = array.end;
      list.forEach((value, k) => {
        checkIds(value, `${resourcesKey}[${i}].${scopesKey}[${j}].${itemsKey}[${k}]`);
        const item = spanOf(itemPath(arrayAt, k));
        itemLines.push(`{"scope":${j},"${signal.item}":${text.slice(item.start, item.end)}}`);
      });
      items += list.length;
    });
    frame += text.slice(from, own.end);
    return { lines: [`{"${resourcesKey}":[${frame}]}`, ...itemLines], items, keys: { resources: resourcesKey, scopes: scopesKey, items: itemsKeys }, scopes: scopes.length };
  });
}

/**
 * One export request line from the engine's output for a resource (`out`: the lines it wrote, in
 * order; the frame first, unless the engine dropped or quarantined it). Each log record or span
 * goes back into its scope. A frame the engine did not write leaves the records under a resource
 * and scopes with nothing else, so that no redacted record is held back. Undefined when the output
 * is not in the shape written (a key rule rewrote a member name): the caller writes the lines as
 * they are, redacted all the same.
 */
export function reassemble(path: OtlpPath, resource: OtlpResource, out: readonly string[]): { line: string; frameKept: boolean } | undefined {
  const { resources, scopes, items } = resource.keys;
  const itemKey = OTLP_SIGNALS[path].item;
  const framed = out[0]?.startsWith(`{"${resources}":[`) === true;
  const frame = framed ? (out[0] as string) : `{"${resources}":[{"${scopes}":[${items.map((key) => `{"${key}":[]}`).join(',')}]}]}`;
  const byScope: string[][] = Array.from({ length: resource.scopes }, () => []);
  for (const line of out.slice(framed ? 1 : 0)) {
    const index = indexJson(line, 1);
    const scope = index.spans?.get(memberPath('', 'scope'));
    const item = index.spans?.get(memberPath('', itemKey));
    const j = scope ? Number(line.slice(scope.start, scope.end)) : NaN;
    if (!item || !Number.isInteger(j) || j < 0 || j >= resource.scopes) return undefined;
    (byScope[j] as string[]).push(line.slice(item.start, item.end));
  }
  const spans = indexJson(frame, ITEM_DEPTH - 1).spans;
  const at = itemPath(memberPath('', resources), 0);
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (let j = 0; j < resource.scopes; j++) {
    const kept = byScope[j] as string[];
    const array = spans?.get(memberPath(itemPath(memberPath(at, scopes), j), items[j] as string));
    if (!array) {
      if (kept.length > 0) return undefined;
      continue;
    }
    edits.push({ ...array, text: `[${kept.join(',')}]` });
  }
  let line = frame;
  for (const e of edits.sort((a, b) => b.start - a.start)) line = line.slice(0, e.start) + e.text + line.slice(e.end);
  return { line, frameKept: framed };
}

/**
 * Refuses a message that holds a field under both its names (`logRecords` and `log_records`), as
 * protobuf's JSON parsers refuse it: the records under one of them would be neither taken nor
 * counted.
 *
 * @throws OtlpRequestError (400)
 */
function refuseBoth(message: Record<string, unknown>, names: readonly string[]): void {
  if (names.length > 1 && names.every((k) => k in message)) throw new OtlpRequestError(400, 'the request holds a field twice');
}

/** The ids of a log record, a span and a span's links, as the JSON mapping and the .proto name them, with their length in hex digits. */
const IDS: ReadonlyArray<readonly [string, number]> = [
  ['traceId', 32],
  ['trace_id', 32],
  ['spanId', 16],
  ['span_id', 16],
  ['parentSpanId', 16],
  ['parent_span_id', 16],
];

/**
 * Refuses a log record or span whose trace or span id is not a 16- or 8-byte id in hex (or empty),
 * as the Collector refuses it: written on as OTLP, it would break whoever reads it next. The
 * message names the field, never its value.
 *
 * @throws OtlpRequestError (400)
 */
function checkIds(item: unknown, at: string): void {
  if (!isObject(item)) return;
  const check = (holder: Record<string, unknown>, where: string): void => {
    for (const [name, digits] of IDS) {
      const id = holder[name];
      // null is the default, as the JSON mapping reads it: no id.
      if (id === undefined || id === null || id === '' || (typeof id === 'string' && id.length === digits && /^[0-9A-Fa-f]+$/.test(id))) continue;
      throw new OtlpRequestError(400, `${where}.${name} is not an id of ${digits} hex digits`);
    }
  };
  check(item, at);
  const links = item.links;
  if (Array.isArray(links)) links.forEach((link, n) => isObject(link) && check(link, `${at}.links[${n}]`));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
