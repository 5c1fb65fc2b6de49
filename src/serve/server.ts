/**
 * The HTTP face of `logveil serve`: OTLP/HTTP JSON export requests (`POST /v1/logs`,
 * `/v1/traces`, gzip or not) and lines (`POST /v1/lines`: JSON lines or text, as `redact` reads
 * them) go through the engine one request at a time, in the order they came; `GET /healthz` says
 * what the service has counted. A request is answered once its records are written: redacted to
 * the app output, or quarantined (encrypted), which an OTLP answer reports as rejected records
 * (`partialSuccess`), so that the sender does not send them again. Bodies that cannot be taken
 * (not JSON, not an export request, too large, protobuf) are refused with a message that quotes
 * none of them, and counted by reason.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { RunSummary } from '../pipeline/accounting.js';
import { OTLP_SIGNALS, OtlpRequestError, otlpParts, type OtlpPath } from './otlp.js';

/** Runs one input (a named body of lines) through the engine. */
export type RedactInput = (name: string, body: Buffer) => Promise<RunSummary>;

export interface ServeOptions {
  host: string;
  port: number;
  /** The largest body taken, before and after gzip. */
  maxBodyBytes: number;
  /** Requests waiting for the engine beyond this are answered 503. */
  maxQueued: number;
  redact: RedactInput;
  /**
   * An error of the engine itself (the security ledger cannot be written, the pool is gone): the
   * request is answered 500 with the error's code alone, and this is told, to stop the service.
   */
  onFailure: (err: unknown) => void;
}

/** What the service has done, for `/healthz` and the final summary. */
export interface ServeTotals {
  requests: number;
  /** Requests refused before any record was read from them, by HTTP status. */
  refused: Record<string, number>;
  /** Requests the engine failed on (see {@link ServeOptions.onFailure}). */
  failed: number;
  runs: RunSummary[];
}

const LINES_PATH = '/v1/lines';

export class RedactServer {
  readonly #o: ServeOptions;
  readonly #server: Server;
  /** The engine's queue: each request's run starts when the one before it has ended. */
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #seq = 0;
  readonly totals: ServeTotals = { requests: 0, refused: {}, failed: 0, runs: [] };

  constructor(o: ServeOptions) {
    this.#o = o;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** Starts listening; the address it listens on (port 0 takes a free one). */
  listen(): Promise<AddressInfo> {
    return new Promise((done, fail) => {
      this.#server.once('error', fail);
      this.#server.listen(this.#o.port, this.#o.host, () => done(this.#server.address() as AddressInfo));
    });
  }

  /** Takes no new connection, and resolves once every request taken is answered. */
  async close(): Promise<void> {
    const closed = new Promise<void>((done) => this.#server.close(() => done()));
    this.#server.closeIdleConnections();
    await closed;
    await this.#tail;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.totals.requests += 1;
    const path = (req.url ?? '/').split('?')[0] as string;
    try {
      if (path === '/healthz') {
        if (req.method !== 'GET') throw new OtlpRequestError(405, 'use GET');
        return answer(res, 200, this.#health());
      }
      const signal = path in OTLP_SIGNALS ? (path as OtlpPath) : undefined;
      if (!signal && path !== LINES_PATH) throw new OtlpRequestError(404, `no such path; POST /v1/logs, /v1/traces or ${LINES_PATH}`);
      if (req.method !== 'POST') throw new OtlpRequestError(405, 'use POST');
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (signal && type !== 'application/json') throw new OtlpRequestError(415, `OTLP as ${type || 'no content type'} is not taken: send OTLP/HTTP JSON (application/json)`);
      const body = await this.#body(req);
      if (this.#queued >= this.#o.maxQueued) throw new OtlpRequestError(503, 'too many requests waiting; try again');
      if (signal) await this.#otlp(signal, body, res);
      else answer(res, 200, countsOf(await this.#run(`${LINES_PATH} #${++this.#seq}`, body)));
    } catch (err) {
      if (err instanceof OtlpRequestError) {
        const reason = String(err.status);
        this.totals.refused[reason] = (this.totals.refused[reason] ?? 0) + 1;
        answer(res, err.status, { error: err.message }, err.status === 503 ? { 'retry-after': '1' } : err.status === 413 ? { connection: 'close' } : {});
        return;
      }
      this.totals.failed += 1;
      // Only the code: a message of an error not ours may quote a value.
      const code = (err as { code?: unknown })?.code;
      answer(res, 500, { error: `the request could not be processed (${typeof code === 'string' ? code : 'internal error'})` });
      this.#o.onFailure(err);
    }
  }

  async #otlp(signal: OtlpPath, body: Buffer, res: ServerResponse): Promise<void> {
    const parts = otlpParts(signal, body.toString('utf8'));
    const seq = ++this.#seq;
    let rejected = 0;
    const codes = new Set<string>();
    for (const [i, part] of parts.entries()) {
      const summary = await this.#run(`${signal} #${seq} resource ${i}`, Buffer.from(`${part.line}\n`));
      if (summary.quarantined > 0) {
        rejected += part.items;
        for (const code of Object.keys(summary.quarantinedByCode)) codes.add(code);
      }
    }
    if (rejected === 0) return answer(res, 200, {});
    // Kept, encrypted: the sender must not send them again.
    answer(res, 200, { partialSuccess: { [OTLP_SIGNALS[signal].rejected]: String(rejected), errorMessage: `quarantined (${[...codes].join(', ')}): kept encrypted, not forwarded` } });
  }

  /** The request body, gunzipped when it says so, within the size limit. */
  async #body(req: IncomingMessage): Promise<Buffer> {
    const max = this.#o.maxBodyBytes;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) throw tooLarge(req, max);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw tooLarge(req, max);
      chunks.push(chunk);
    }
    const raw = Buffer.concat(chunks);
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity') return raw;
    if (encoding !== 'gzip') throw new OtlpRequestError(415, `content encoding ${encoding} is not taken: gzip or none`);
    try {
      return gunzipSync(raw, { maxOutputLength: max });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new OtlpRequestError(413, `the body is larger than ${max} bytes once gunzipped`);
      throw new OtlpRequestError(400, 'the body is not valid gzip');
    }
  }

  /** One input through the engine, after those before it. */
  #run(name: string, body: Buffer): Promise<RunSummary> {
    this.#queued += 1;
    const run = this.#tail.then(() => this.#o.redact(name, body));
    this.#tail = run.catch(() => undefined).finally(() => (this.#queued -= 1));
    return run.then((summary) => {
      this.totals.runs.push(summary);
      return summary;
    });
  }

  #health(): object {
    const counts = { recordsIn: 0, appOut: 0, dropped: 0, quarantined: 0 };
    for (const r of this.totals.runs) {
      counts.recordsIn += r.recordsIn;
      counts.appOut += r.appOut;
      counts.dropped += r.dropped;
      counts.quarantined += r.quarantined;
    }
    return { status: 'ok', requests: this.totals.requests, refused: this.totals.refused, failed: this.totals.failed, counts };
  }
}

function countsOf(s: RunSummary): object {
  return { recordsIn: s.recordsIn, appOut: s.appOut, dropped: s.dropped, quarantined: s.quarantined };
}

/** A body over the limit: the rest of it is not read, and the connection closes after the answer. */
function tooLarge(req: IncomingMessage, max: number): OtlpRequestError {
  req.resume();
  return new OtlpRequestError(413, `the body is larger than ${max} bytes`);
}

function answer(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
