/**
 * The HTTP face of `logveil serve`: OTLP/HTTP export requests (`POST /v1/logs`, `/v1/traces`, in
 * JSON or binary protobuf, gzip or not; see otlp-proto.ts) and lines (`POST /v1/lines`: JSON lines or text, as `redact` reads
 * them) go through the engine one request at a time, whole, in the order they came; `GET /healthz`
 * says what the service has counted. A request is answered once its records are written out:
 * redacted to the app output, or quarantined (encrypted), which an OTLP answer reports as rejected
 * records (`partialSuccess`), so that the sender does not send them again. Bodies that cannot be
 * taken (not JSON or protobuf, not an export request, too large, another content type) are refused with a message that
 * quotes none of them, and counted by status; a client that goes away while sending is counted as
 * `aborted`. Errors are answered as OTLP/HTTP says, a `google.rpc.Status` (`code`, `message`),
 * in the request's encoding, as its answer is.
 */
import { isUtf8 } from 'node:buffer';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Accounting, type RunSummary } from '../pipeline/accounting.js';
import { OTLP_SIGNALS, OtlpRequestError, otlpResources, reassemble, type OtlpPath, type OtlpResource } from './otlp.js';
import { protobufRequestJson, protobufResponse, protobufStatus } from './otlp-proto.js';

/**
 * Runs one input (a named body of lines) through the engine, its outputs written out; with
 * `capture`, the redacted lines are returned instead of written to the app output, and the
 * numbers (from 1) of the lines it quarantined. `frame`: a line the input's lines belong with
 * (an OTLP resource's frame, also the input's first line), whose redacted values are redacted
 * where they repeat them (see EngineOptions.frame).
 */
export type RedactInput = (name: string, body: Buffer, capture?: boolean, frame?: string) => Promise<{ summary: RunSummary; lines?: string[]; quarantinedLines?: ReadonlySet<number> }>;

export interface ServeOptions {
  host: string;
  port: number;
  /** The largest body taken, before and after gzip. */
  maxBodyBytes: number;
  /** Requests waiting for the engine beyond this are answered 503. */
  maxQueued: number;
  /** How long {@link RedactServer.close} lets clients finish sending before it cuts them off. */
  closeGraceMs?: number;
  redact: RedactInput;
  /** Where the counts of every run are added up (default: one of its own). */
  accounting?: Accounting;
  /** Writes lines to the app output, resolving once they have left. */
  write: (lines: readonly string[]) => Promise<void>;
  /**
   * An error of the engine itself (an output or the ledger cannot be written, the pool is gone):
   * the request is answered 503 with the error's code alone, and this is told, to stop the service.
   */
  onFailure: (err: unknown) => void;
}

/** What the service has done, for `/healthz` and the final summary. */
export interface ServeTotals {
  requests: number;
  /** Requests refused before any record was read from them, by HTTP status (`aborted`: the client went away). */
  refused: Record<string, number>;
  /** Requests the engine failed on (see {@link ServeOptions.onFailure}). */
  failed: number;
  /** The counts of every run so far, added up (a long-running service keeps no list of them). */
  accounting: Accounting;
}

const LINES_PATH = '/v1/lines';
const PROTOBUF = 'application/x-protobuf';
const DEFAULT_CLOSE_GRACE_MS = 10_000;

/** The google.rpc.Status code of an HTTP status (OTLP/HTTP answers errors with one). */
/** A header's value quoted in an answer only as a media type or a coding: a sender's header may hold anything (`text/alice@example.com`). */
const MEDIA_TYPE = /^[\w.+-]{1,64}\/[\w.+-]{1,64}$/;
const CODING = /^[\w.-]{1,32}$/;

/** `value` where `form` says it is one of the header's names, else `otherwise`. */
function headerNamed(value: string, form: RegExp, otherwise: string): string {
  return form.test(value) ? value : otherwise;
}

const RPC_CODE: Record<number, number> = { 400: 3, 404: 5, 405: 12, 413: 8, 415: 3, 500: 13, 503: 14 };

/** The client went away before its body was read. */
class Aborted extends Error {}

export class RedactServer {
  readonly #o: ServeOptions;
  readonly #server: Server;
  /** The engine's queue: each request's runs start when the request before it has ended. */
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #seq = 0;
  #closing = false;
  /** Every request being handled, so that closing waits for each to be answered. */
  readonly #handling = new Set<Promise<void>>();
  readonly totals: ServeTotals;

  constructor(o: ServeOptions) {
    this.#o = o;
    this.totals = { requests: 0, refused: {}, failed: 0, accounting: o.accounting ?? new Accounting() };
    this.#server = createServer((req, res) => {
      const handled = this.#handle(req, res);
      this.#handling.add(handled);
      void handled.finally(() => this.#handling.delete(handled));
    });
  }

  /** Starts listening; the address it listens on (port 0 takes a free one). */
  listen(): Promise<AddressInfo> {
    return new Promise((done, fail) => {
      this.#server.once('error', fail);
      this.#server.listen(this.#o.port, this.#o.host, () => done(this.#server.address() as AddressInfo));
    });
  }

  /**
   * Takes no new connection or request, and resolves once every request taken is answered. A
   * client still sending after the grace period is cut off (counted as `aborted`).
   */
  async close(): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((done) => this.#server.close(() => done()));
    this.#server.closeIdleConnections();
    const grace = setTimeout(() => this.#server.closeAllConnections(), this.#o.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS);
    try {
      while (this.#handling.size > 0) await Promise.allSettled([...this.#handling]);
      await this.#tail;
    } finally {
      clearTimeout(grace);
    }
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.totals.requests += 1;
    const path = (req.url ?? '/').split('?')[0] as string;
    /** The OTLP request's encoding, which its answer takes too (errors included). */
    let protobufOf: OtlpPath | undefined;
    const reply = (code: number, body: object, headers: Record<string, string> = {}): void => {
      if (protobufOf) answerProtobuf(res, code, code === 200 ? protobufResponse(protobufOf, body) : protobufStatus(body as { code: number; message: string }), headers);
      else answer(res, code, body, headers);
    };
    try {
      if (path === '/healthz') {
        if (req.method !== 'GET') throw new OtlpRequestError(405, 'use GET');
        return answer(res, 200, this.#health());
      }
      const signal = path in OTLP_SIGNALS ? (path as OtlpPath) : undefined;
      if (!signal && path !== LINES_PATH) throw new OtlpRequestError(404, `no such path; POST /v1/logs, /v1/traces or ${LINES_PATH}`);
      if (req.method !== 'POST') throw new OtlpRequestError(405, 'use POST');
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (signal && type === PROTOBUF) protobufOf = signal;
      else if (signal && type !== 'application/json') throw new OtlpRequestError(415, `OTLP as ${type ? headerNamed(type, MEDIA_TYPE, 'this content type') : 'no content type'} is not taken: send OTLP/HTTP JSON (application/json) or protobuf (${PROTOBUF})`);
      const body = await this.#body(req);
      if (this.#closing) throw new OtlpRequestError(503, 'the service is stopping');
      if (this.#queued >= this.#o.maxQueued) throw new OtlpRequestError(503, 'too many requests waiting; try again');
      if (signal) {
        // Checked before the request waits its turn: a refusal need not wait. JSON that is not UTF-8
        // would be read with each bad byte replaced (4111\uFFFD1111...), hiding what detection reads.
        if (!protobufOf && !isUtf8(body)) throw new OtlpRequestError(400, 'the body is not valid UTF-8');
        const resources = otlpResources(signal, protobufOf ? protobufRequestJson(signal, body) : body.toString('utf8'));
        reply(200, await this.#queue(() => this.#otlp(signal, resources)));
      } else {
        const seq = ++this.#seq;
        answer(res, 200, countsOf((await this.#queue(() => this.#run(`${LINES_PATH} #${seq}`, body))).summary));
      }
    } catch (err) {
      if (err instanceof Aborted) {
        this.#refused('aborted');
        res.destroy();
        return;
      }
      if (err instanceof OtlpRequestError) {
        this.#refused(String(err.status));
        reply(err.status, status(err.status, err.message), err.status === 503 ? { 'retry-after': '1' } : err.status === 413 ? { connection: 'close' } : {});
        return;
      }
      this.totals.failed += 1;
      // Only the code: a message of an error not ours may quote a value. 503: the sender may try
      // again once the service is back.
      const code = (err as { code?: unknown })?.code;
      reply(503, status(503, `the request could not be processed (${typeof code === 'string' ? code : 'internal error'}); the service stops`));
      this.#o.onFailure(err);
    }
  }

  /**
   * The resources of one export request, each a run of its lines (see otlp.ts), put back together
   * and written; the answer, with the log records or spans the engine quarantined as rejected.
   */
  async #otlp(signal: OtlpPath, resources: readonly OtlpResource[]): Promise<object> {
    const seq = ++this.#seq;
    let rejected = 0;
    const codes = new Set<string>();
    for (const [i, resource] of resources.entries()) {
      // A resource's attributes, and its scopes', belong to each of its log records and spans: a
      // value the frame has redacted is redacted where they repeat it.
      const frame = resource.items > 0 ? resource.lines[0] : undefined;
      const { summary, lines = [], quarantinedLines } = await this.#run(`${signal} #${seq} resource ${i}`, Buffer.from(`${resource.lines.join('\n')}\n`), true, frame);
      const back = reassemble(signal, resource, lines);
      // The frame is the run's first line: it is no log record or span, quarantined or not.
      const frameQuarantined = quarantinedLines?.has(1) ? 1 : 0;
      if (back && (back.frameKept || lines.length > 0)) await this.#o.write([back.line]);
      else if (!back) await this.#o.write(lines);
      if (summary.quarantined > 0) {
        rejected += summary.quarantined - frameQuarantined;
        for (const code of Object.keys(summary.quarantinedByCode)) codes.add(code);
      }
    }
    if (codes.size === 0) return {};
    // Kept, encrypted: the sender must not send them again.
    return { partialSuccess: { [OTLP_SIGNALS[signal].rejected]: String(rejected), errorMessage: `quarantined (${[...codes].join(', ')}): kept encrypted, not forwarded` } };
  }

  /** The request body, gunzipped when it says so, within the size limit. */
  async #body(req: IncomingMessage): Promise<Buffer> {
    const max = this.#o.maxBodyBytes;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) throw tooLarge(req, max);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > max) throw tooLarge(req, max);
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof OtlpRequestError) throw err;
      throw new Aborted();
    }
    if (!req.complete) throw new Aborted();
    const raw = Buffer.concat(chunks);
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity') return raw;
    if (encoding !== 'gzip') throw new OtlpRequestError(415, `content encoding ${headerNamed(encoding, CODING, 'given')} is not taken: gzip or none`);
    try {
      return gunzipSync(raw, { maxOutputLength: max });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new OtlpRequestError(413, `the body is larger than ${max} bytes once gunzipped`);
      throw new OtlpRequestError(400, 'the body is not valid gzip');
    }
  }

  /** A request's work, after that of the requests before it. */
  #queue<T>(work: () => Promise<T>): Promise<T> {
    this.#queued += 1;
    const run = this.#tail.then(work);
    this.#tail = run.catch(() => undefined).finally(() => (this.#queued -= 1));
    return run;
  }

  async #run(name: string, body: Buffer, capture = false, frame?: string): Promise<Awaited<ReturnType<RedactInput>>> {
    const result = await this.#o.redact(name, body, capture, frame);
    this.totals.accounting.addSummary(result.summary);
    return result;
  }

  #refused(reason: string): void {
    this.totals.refused[reason] = (this.totals.refused[reason] ?? 0) + 1;
  }

  #health(): object {
    const a = this.totals.accounting;
    const counts = { recordsIn: a.recordsIn, appOut: a.appOut, dropped: a.dropped, quarantined: a.quarantined };
    return { status: this.#closing ? 'stopping' : 'ok', requests: this.totals.requests, refused: this.totals.refused, failed: this.totals.failed, counts };
  }
}

function countsOf(s: RunSummary): object {
  return { recordsIn: s.recordsIn, appOut: s.appOut, dropped: s.dropped, quarantined: s.quarantined };
}

/** A google.rpc.Status, as OTLP/HTTP answers an error. */
function status(http: number, message: string): object {
  return { code: RPC_CODE[http] ?? 2, message };
}

/** A body over the limit: the rest of it is not read, and the connection closes after the answer. */
function tooLarge(req: IncomingMessage, max: number): OtlpRequestError {
  req.resume();
  return new OtlpRequestError(413, `the body is larger than ${max} bytes`);
}

function answerProtobuf(res: ServerResponse, code: number, body: Uint8Array, headers: Record<string, string>): void {
  if (res.destroyed) return;
  res.writeHead(code, { 'content-type': PROTOBUF, 'content-length': body.byteLength, ...headers });
  res.end(body);
}

function answer(res: ServerResponse, code: number, body: object, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
