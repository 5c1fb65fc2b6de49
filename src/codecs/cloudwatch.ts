/**
 * CloudWatch Logs subscription payloads: `awslogs.data` is base64 of a gzip (some producers: zlib)
 * compressed JSON document `{messageType, owner, logGroup, logStream, subscriptionFilters,
 * logEvents[{id, timestamp, message}]}`. Firehose and Kinesis deliver the same document, sometimes
 * several back to back. `CONTROL_MESSAGE` payloads are health checks and carry no log data.
 *
 * Errors name the position (byte offsets, event index and id) and never quote the content.
 */
import { isUtf8 } from 'node:buffer';
import { gunzipSync, inflateSync } from 'node:zlib';
import { CodecError } from '../errors.js';
import { indexJson } from './json-splice.js';
import type { SourceRef } from '../record.js';

/** One log event of a `DATA_MESSAGE` payload. */
export interface CloudWatchLogEvent {
  id: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  message: string;
}

/** A decoded subscription payload. */
export interface CloudWatchPayload {
  messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  /** Well-formed events, in payload order. */
  logEvents: CloudWatchLogEvent[];
  /** Events that are not `{id: string, timestamp: number, message: string}`; each is quarantined. */
  invalidEvents: InvalidLogEvent[];
  /** `ACCOUNT_LEVEL_POLICY` etc. for account-level subscriptions. */
  policyLevel?: string;
}

/** A log event that could not be read: where it was and why, never its content. */
export interface InvalidLogEvent {
  index: number;
  id?: string;
  code: string;
  message: string;
  /** The event as it came, re-serialized for the encrypted quarantine. */
  raw: string;
}

/** Limits for decoding untrusted payloads. */
export interface PayloadLimits {
  /** Largest decompressed size accepted (guards against compression bombs). */
  maxDecodedBytes: number;
}

/** 64 MiB: far above what a Lambda event can carry compressed, far below a bomb's output. */
export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = { maxDecodedBytes: 64 * 1024 * 1024 };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Strict base64 (standard alphabet, padding optional, no whitespace): `Buffer.from` silently skips
 * characters outside the alphabet, which would turn a damaged record into different bytes.
 *
 * @throws CodecError `BASE64_INVALID` naming `where`.
 */
export function decodeBase64(text: string, where: string): Buffer {
  if (typeof text !== 'string') throw new CodecError('BASE64_INVALID', `${where}: data is not a string`);
  if (!BASE64.test(text) || text.length % 4 === 1) throw new CodecError('BASE64_INVALID', `${where}: data is not valid base64`);
  return Buffer.from(text, 'base64');
}

/** What {@link decompress} found. */
export type Compression = 'gzip' | 'zlib' | 'none';

/** True for a zlib stream header: deflate method, 32K window, and the FCHECK bits. */
function isZlibHeader(b: Buffer): boolean {
  const cmf = b[0];
  const flg = b[1];
  return cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

/**
 * Undoes gzip (every member of a multi-member stream) or zlib compression; other bytes come back
 * as they are. A zlib-looking header on data that does not inflate is taken as uncompressed, since
 * two text bytes can form a valid header by chance; gzip's magic cannot.
 *
 * @throws CodecError `GZIP_INVALID`, `ZLIB_INVALID`, `PAYLOAD_TOO_LARGE` naming `where`.
 */
export function decompress(bytes: Buffer, where: string, limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS): { bytes: Buffer; compression: Compression } {
  const options = { maxOutputLength: limits.maxDecodedBytes };
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return { bytes: gunzipSync(bytes, options), compression: 'gzip' };
    } catch (err) {
      throw inflateError('GZIP_INVALID', 'gzip', where, err, limits);
    }
  }
  if (isZlibHeader(bytes)) {
    try {
      // A zlib stream ends where its data says: bytes after it (a second stream) would be left
      // unread and uncounted, where gzip's decoder reads further members and refuses other bytes.
      const read = inflateSync(bytes, { ...options, info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      if (read.engine.bytesWritten === bytes.length) return { bytes: read.buffer, compression: 'zlib' };
      if (isUtf8(bytes)) return { bytes, compression: 'none' };
      throw new CodecError('ZLIB_INVALID', `${where}: ${bytes.length - read.engine.bytesWritten} bytes follow the zlib data`);
    } catch (err) {
      if (err instanceof CodecError) throw err;
      // Text that happens to start with a valid header ("x^", "x\x9c" cannot be text, "xZ" can).
      if (!isTooLarge(err) && isUtf8(bytes)) return { bytes, compression: 'none' };
      throw inflateError('ZLIB_INVALID', 'zlib', where, err, limits);
    }
  }
  return { bytes, compression: 'none' };
}

function isTooLarge(err: unknown): boolean {
  return (err as { code?: string })?.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
}

function inflateError(code: string, what: string, where: string, err: unknown, limits: PayloadLimits): CodecError {
  if (isTooLarge(err)) {
    return new CodecError('PAYLOAD_TOO_LARGE', `${where}: ${what} payload inflates past ${limits.maxDecodedBytes} bytes`, { cause: err });
  }
  const reason = (err as { code?: string })?.code ?? 'error';
  return new CodecError(code, `${where}: ${what} data does not decompress (${reason})`, { cause: err });
}

/**
 * Splits back-to-back JSON values (`{..}{..}`, or one per line, as Firehose concatenates records)
 * into their texts. Only objects and arrays are expected at the top level.
 *
 * @throws CodecError `JSON_INVALID` at the first byte that cannot start or continue a value.
 */
export function splitJsonValues(text: string, where: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      if (depth === 0) throw new CodecError('JSON_INVALID', `${where}: unexpected string at character ${i}`);
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (depth++ === 0) start = i;
    } else if (c === 0x7d || c === 0x5d) {
      if (--depth < 0) throw new CodecError('JSON_INVALID', `${where}: unbalanced bracket at character ${i}`);
      if (depth === 0) out.push(text.slice(start, i + 1));
    } else if (depth === 0 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      throw new CodecError('JSON_INVALID', `${where}: unexpected character at ${i} between JSON values`);
    }
  }
  if (depth !== 0 || inString) throw new CodecError('JSON_INVALID', `${where}: JSON value is truncated`);
  return out;
}

/** True when `value` has the shape of a subscription payload (a `messageType` CloudWatch uses). */
export function looksLikeCloudWatchPayload(value: unknown): boolean {
  const type = (value as { messageType?: unknown } | null)?.messageType;
  return typeof value === 'object' && value !== null && (type === 'DATA_MESSAGE' || type === 'CONTROL_MESSAGE');
}

/**
 * Validates one parsed payload. A payload whose envelope is wrong throws; an event that is wrong
 * is listed in `invalidEvents` and the other events go on.
 *
 * @throws CodecError `CWL_INVALID` naming `where` and the field.
 */
export function toCloudWatchPayload(value: unknown, where: string): CloudWatchPayload {
  if (!looksLikeCloudWatchPayload(value)) {
    throw new CodecError('CWL_INVALID', `${where}: not a CloudWatch Logs payload (messageType must be DATA_MESSAGE or CONTROL_MESSAGE)`);
  }
  const v = value as Record<string, unknown>;
  const str = (name: string, required: boolean): string => {
    const x = v[name];
    if (typeof x === 'string') return x;
    if (x === undefined && !required) return '';
    throw new CodecError('CWL_INVALID', `${where}: field ${name} must be a string`);
  };
  const messageType = v.messageType as CloudWatchPayload['messageType'];
  const data = messageType === 'DATA_MESSAGE';
  const filters = v.subscriptionFilters;
  if (filters !== undefined && !(Array.isArray(filters) && filters.every((f) => typeof f === 'string'))) {
    throw new CodecError('CWL_INVALID', `${where}: field subscriptionFilters must be an array of strings`);
  }
  const events = v.logEvents ?? [];
  if (!Array.isArray(events)) throw new CodecError('CWL_INVALID', `${where}: field logEvents must be an array`);
  const payload: CloudWatchPayload = {
    messageType,
    owner: str('owner', false),
    logGroup: str('logGroup', data),
    logStream: str('logStream', data),
    subscriptionFilters: (filters as string[] | undefined) ?? [],
    logEvents: [],
    invalidEvents: [],
  };
  if (typeof v.policyLevel === 'string') payload.policyLevel = v.policyLevel;
  events.forEach((e: unknown, index) => {
    const ev = e as Partial<Record<keyof CloudWatchLogEvent, unknown>> | null;
    const id = typeof ev?.id === 'string' ? ev.id : undefined;
    const bad = (field: string, want: string): void => {
      const message = `${where}: logEvents[${index}]${id ? ` (id ${id})` : ''} field ${field} must be ${want}`;
      payload.invalidEvents.push({ index, ...(id ? { id } : {}), code: 'CWL_EVENT_INVALID', message, raw: JSON.stringify(e) ?? 'null' });
    };
    if (typeof ev !== 'object' || ev === null) return bad('(event)', 'an object');
    if (id === undefined || id.length === 0) return bad('id', 'a non-empty string');
    if (typeof ev.timestamp !== 'number' || !Number.isFinite(ev.timestamp)) return bad('timestamp', 'a number');
    if (typeof ev.message !== 'string') return bad('message', 'a string');
    payload.logEvents.push({ id, timestamp: ev.timestamp, message: ev.message });
  });
  return payload;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Depth of an event's members in a payload: payload, logEvents, event, member. */
const EVENT_MEMBER_DEPTH = 3;

/**
 * Whether payload `text` (parsed: `value`) may repeat a key that holds content: `logEvents` written
 * twice, or more `message` members than events, or a `\u` escape (a key may be spelled with one).
 * A string holds no quote unescaped, so each `"message"` in the text is a key. Three searches of
 * the text, where the index builds a path for every member (a quarter more time and memory for a
 * payload of 100,000 events).
 */
function mayRepeatContent(text: string, value: unknown): boolean {
  const events = (value as { logEvents?: unknown } | null)?.logEvents;
  return text.includes('\\u') || occurrences(text, '"logEvents"') > 1 || occurrences(text, '"message"') > (Array.isArray(events) ? events.length : 0);
}

function occurrences(text: string, word: string): number {
  let n = 0;
  for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + word.length)) n++;
  return n;
}

/**
 * Decoded bytes -> every payload they hold (usually one). Throws unless all of them are
 * subscription payloads.
 *
 * @throws CodecError `INVALID_UTF8`, `JSON_INVALID`, `CWL_INVALID`.
 */
export function parseCloudWatchPayloads(bytes: Buffer, where: string): CloudWatchPayload[] {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (err) {
    throw new CodecError('INVALID_UTF8', `${where}: payload is not valid UTF-8`, { cause: err });
  }
  const parts = splitJsonValues(text, where);
  if (parts.length === 0) throw new CodecError('CWL_INVALID', `${where}: payload is empty`);
  return parts.map((part, i) => {
    const at = parts.length > 1 ? `${where} payload ${i}` : where;
    let value: unknown;
    try {
      value = JSON.parse(part);
    } catch (err) {
      const pos = /position (\d+)/.exec((err as Error).message)?.[1];
      throw new CodecError('JSON_INVALID', `${at}: invalid JSON${pos ? ` at character ${pos}` : ''}`);
    }
    // A parser keeps the last of a repeated key: the events under an earlier `logEvents`, or an
    // event's earlier message, would be neither redacted nor counted.
    if (mayRepeatContent(part, value) && indexJson(part, EVENT_MEMBER_DEPTH).repeated !== undefined) throw new CodecError('CWL_INVALID', `${at}: the payload or one of its events repeats a key`);
    return toCloudWatchPayload(value, at);
  });
}

/**
 * `awslogs.data` -> payloads: base64, then gzip or zlib, then JSON.
 *
 * @throws CodecError naming `where` (see {@link decodeBase64}, {@link decompress}, {@link parseCloudWatchPayloads}).
 */
export function decodeAwslogsData(data: string, where: string, limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS): CloudWatchPayload[] {
  const raw = decodeBase64(data, where);
  return parseCloudWatchPayloads(decompress(raw, where, limits).bytes, where);
}

/** The source reference of one event: group, stream and event id, plus what the caller adds. */
export function eventSource(payload: CloudWatchPayload, event: { id?: string }, extra: SourceRef = {}): SourceRef {
  return { ...extra, logGroup: payload.logGroup, logStream: payload.logStream, ...(event.id !== undefined ? { eventId: event.id } : {}) };
}

/** `log group <g> stream <s> event <id>`: the where-part of messages about an event. */
export function describeSource(source: SourceRef): string {
  const parts: string[] = [];
  if (source.recordId !== undefined) parts.push(`record ${source.recordId}`);
  if (source.logGroup !== undefined) parts.push(`log group ${source.logGroup}`);
  if (source.logStream !== undefined) parts.push(`stream ${source.logStream}`);
  if (source.eventId !== undefined) parts.push(`event ${source.eventId}`);
  if (source.line !== undefined) parts.push(`line ${source.line}`);
  return parts.join(' ') || 'input';
}
