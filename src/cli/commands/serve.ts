/**
 * `logveil serve`: the engine as a long-running service (see serve/server.ts for what it takes).
 * The policy, keys, ledger and worker pool are opened once, and every request runs through the
 * same pool, with the same threshold counts; the redacted records of all requests go to one app
 * output, in the order the requests were taken, and a request is answered once its records have
 * left for the outputs. A heartbeat marks the ledger while it runs. It stops on SIGINT or
 * SIGTERM, or when the engine itself fails (an output or the ledger cannot be written): it
 * answers what it took, writes `run-stop` with the counts, and prints the summary.
 */
import { availableParallelism, hostname } from 'node:os';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { loadConfig } from '../../config/config.js';
import { Accounting, formatSummary } from '../../pipeline/accounting.js';
import { DEFAULT_BATCH, openPool, redactStreams, type EnginePool } from '../../pipeline/engine.js';
import type { BatchLimits } from '../../pipeline/batcher.js';
import { openRuntime, VERSION } from '../../pipeline/runtime.js';
import { ThresholdGate } from '../../route/threshold.js';
import { RedactServer } from '../../serve/server.js';
import { Heartbeat } from '../../sinks/ledger/heartbeat.js';
import { LineWriter } from '../../sinks/line-writer.js';
import { QuarantineSink, type QuarantineWriter } from '../../sinks/quarantine.js';
import { detectorCategories, EngineTelemetry } from '../../telemetry/metrics.js';
import { startTelemetry } from '../../telemetry/sdk.js';
import { InputError } from '../../errors.js';
import { runExitCode } from '../exit.js';
import type { EngineFlags } from './redact.js';

export interface ServeFlags extends EngineFlags {
  host?: string;
  port?: string;
  maxBody?: string;
}

const HEARTBEAT_SECONDS = 60;
const DEFAULT_PORT = 4318;
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
/** Requests waiting for the engine beyond this are answered 503 (Retry-After). */
const MAX_QUEUED = 64;
/** The smallest batch a request is cut into. */
const MIN_REQUEST_BATCH = 16 * 1024;

export async function serveCommand(flags: ServeFlags): Promise<number> {
  const telemetry = await startTelemetry(process.env, { onProblem: (message) => process.stderr.write(`logveil: ${message}\n`) });
  try {
    return await serve(flags);
  } finally {
    await telemetry?.shutdown();
  }
}

async function serve(flags: ServeFlags): Promise<number> {
  const port = integer(flags.port, DEFAULT_PORT, '--port', 0, 65535);
  const maxBodyBytes = integer(flags.maxBody, DEFAULT_MAX_BODY, '--max-body', 1, 1024 * 1024 * 1024);
  const config = loadConfig(flags.config);
  if (flags.patterns?.length) config.patterns = flags.patterns;
  if (flags.format) config.format = flags.format;
  const runtime = await openRuntime(config, flags.ledger ? { ledgerDir: flags.ledger } : {});
  let app: LineWriter;
  let quarantine: QuarantineSink;
  try {
    app = LineWriter.open(flags.out, { what: `--out ${flags.out}` });
    quarantine = flags.quarantine ? new QuarantineSink(flags.quarantine, `--quarantine ${flags.quarantine}`) : new QuarantineSink(join(config.stateDir, 'quarantine.jsonl'));
  } catch (err) {
    await runtime.close();
    throw err;
  }
  const cores = availableParallelism();
  const workers = flags.workers ?? (cores > 1 ? cores : 0);
  const engine = { policy: runtime.policy, actions: config.actions, format: config.format, limits: config.limits, workers, routing: runtime.routing };
  const pool: EnginePool | undefined = workers > 0 ? openPool(engine) : undefined;
  const quarantineKey = await runtime.quarantineKey();
  const thresholds = new ThresholdGate();
  const observer = new EngineTelemetry({ categories: detectorCategories(runtime.policy.spec) });
  const deploymentId = `${hostname()}:${process.pid}`;
  // Every request's counts, added up: for the heartbeat, run-stop and the summary.
  const totals = new Accounting();
  const counts = () => ({ recordsIn: totals.recordsIn, appOut: totals.appOut, dropped: totals.dropped, quarantined: totals.quarantined });
  const run = { policyHash: runtime.policy.hash, routingHash: runtime.routing.compiled.hash, version: VERSION, configHash: config.hash, deploymentId };
  await runtime.security.write([{ type: 'run-start', ts: new Date().toISOString(), ...run }]);
  const heartbeat = new Heartbeat(runtime.security, { intervalSeconds: HEARTBEAT_SECONDS, describe: () => ({ policyHash: run.policyHash, version: VERSION, deploymentId, counts: counts() }) });
  heartbeat.start();

  let failure: unknown;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((done) => (stop = done));
  const server = new RedactServer({
    host: flags.host ?? '127.0.0.1',
    port,
    maxBodyBytes,
    maxQueued: MAX_QUEUED,
    accounting: totals,
    redact: async (name, body, capture, frame) => {
      const captured: Buffer[] = [];
      const out = capture ? LineWriter.forStream(collector(captured)) : app;
      const quarantinedLines = new Set<number>();
      const tracked: QuarantineWriter = {
        write: (entries) => {
          for (const e of entries) if (typeof e.source.line === 'number') quarantinedLines.add(e.source.line);
          return quarantine.write(entries);
        },
      };
      const summary = await redactStreams([{ name, chunks: () => once(body) }], {
        ...engine,
        // An OTLP request's records are JSON lines whatever the lines path reads (`--format text`).
        ...(capture ? { format: 'auto' as const } : {}),
        keys: runtime.keys,
        quarantineKey,
        app: out,
        security: runtime.security,
        quarantine: tracked,
        ...(pool ? { pool } : {}),
        batch: requestBatch(body.byteLength, workers),
        ...(frame !== undefined ? { frame } : {}),
        thresholds,
        observer,
        onProblem: (message) => process.stderr.write(`logveil: ${message}\n`),
      });
      // Answered only once its records have left: the redacted ones and the quarantined ones.
      if (!capture) await app.flush();
      await quarantine.flush();
      if (!capture) return { summary };
      const text = Buffer.concat(captured).toString('utf8');
      return { summary, lines: text === '' ? [] : text.replace(/\n$/, '').split('\n'), quarantinedLines };
    },
    write: async (lines) => {
      for (const line of lines) await app.write(line);
      await app.flush();
    },
    onFailure: (err) => {
      failure ??= err;
      stop();
    },
  });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const s of signals) process.once(s, stop);
  try {
    const address = await server.listen().catch((err: NodeJS.ErrnoException) => {
      throw new InputError([`cannot listen on ${flags.host ?? '127.0.0.1'}:${port}: ${err.code ?? 'error'}`]);
    });
    process.stderr.write(`logveil: listening on http://${address.address}:${address.port} (POST /v1/logs, /v1/traces, /v1/lines; GET /healthz)\n`);
    await stopped;
    await server.close();
  } finally {
    for (const s of signals) process.removeListener(s, stop);
    const failures: unknown[] = [];
    const step = async (f: () => Promise<unknown>): Promise<void> => {
      await f().catch((err: unknown) => void failures.push(err));
    };
    await step(() => heartbeat.stop());
    if (pool) await step(() => pool.close());
    await step(() => app.close());
    await step(() => quarantine.close());
    await runtime.security.write([{ type: 'run-stop', ts: new Date().toISOString(), ...run, counts: counts() }]).catch(() => undefined);
    await step(() => runtime.close());
    failure ??= failures[0];
  }
  if (failure !== undefined) throw failure;
  const summary = totals.summary();
  process.stderr.write(`${formatSummary(summary)}\nrequests ${server.totals.requests}${refusedText(server.totals.refused)}\n`);
  return runExitCode(summary, (line) => process.stderr.write(line));
}

/**
 * Batch limits for one request: a batch per worker, so that every worker takes part in it (at the
 * engine's batch size a request is one batch, and one worker would work while the others wait),
 * none under {@link MIN_REQUEST_BATCH} (a batch costs a message each way) nor over the default.
 */
export function requestBatch(bytes: number, workers: number): Pick<BatchLimits, 'maxBatchBytes'> {
  const share = Math.ceil(bytes / Math.max(1, workers));
  return { maxBatchBytes: Math.min(DEFAULT_BATCH.maxBatchBytes, Math.max(MIN_REQUEST_BATCH, share)) };
}

/** A stream that keeps copies of what is written to it (the engine may reuse its buffers). */
function collector(into: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      into.push(Buffer.from(chunk));
      done();
    },
  });
}

async function* once(body: Buffer): AsyncIterable<Buffer> {
  yield body;
}

function integer(value: string | undefined, fallback: number, what: string, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new InputError([`${what} must be an integer from ${min} to ${max}, got "${value}"`]);
  return n;
}

/** `, refused 1 (HTTP 400), 2 (aborted)`: by HTTP status, or `aborted` (the client went away). */
function refusedText(refused: Record<string, number>): string {
  const entries = Object.entries(refused);
  return entries.length === 0 ? '' : `, refused ${entries.map(([reason, n]) => `${n} (${/^\d+$/.test(reason) ? `HTTP ${reason}` : reason})`).join(', ')}`;
}
