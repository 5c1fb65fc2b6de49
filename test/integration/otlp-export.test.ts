import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_REQUEST_TIMEOUT_MS, startTelemetry, telemetryTargets } from '../../src/telemetry/sdk.js';
import { CLI_NODE_ARGS, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/keys.js';

const EMAIL = 'jane.doe@example.com';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const INPUT = [
  JSON.stringify({ level: 'info', msg: `signup from ${EMAIL}` }),
  JSON.stringify({ level: 'warn', msg: `leaked key ${AWS_KEY} in config`, user: EMAIL }),
  JSON.stringify({ level: 'info', msg: 'nothing to see here' }),
  `plain text line mentioning ${EMAIL}`,
].join('\n');

/** An OTLP/HTTP receiver on 127.0.0.1 that keeps every POSTed body by path. */
interface Receiver {
  url: string;
  bodies: Map<string, string[]>;
  close(): Promise<void>;
}

async function startReceiver(status: number): Promise<Receiver> {
  const bodies = new Map<string, string[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      bodies.set(path, [...(bodies.get(path) ?? []), Buffer.concat(chunks).toString('utf8')]);
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{}' : '{"error":"collector down"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Runs the built CLI without blocking this process (the receiver lives in it, so `spawnSync`, as in
 * helpers/cli.ts, would deadlock the export).
 */
function logveilAsync(args: string[], options: { cwd: string; home: string; env: Record<string, string> }): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, LOGVEIL_HOME: options.home, ...options.env };
  for (const k of Object.keys(env)) if (k.startsWith('OTEL_') && !(k in options.env)) delete env[k];
  const child = spawn(process.execPath, [...CLI_NODE_ARGS, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

function setup(): { dir: string; home: string } {
  const dir = tempDir('logveil-otlp-');
  writeFileSync(join(dir, 'input.jsonl'), INPUT + '\n');
  return { dir, home: join(dir, 'state') };
}

describe('logveil redact with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('exports metrics and batch spans over OTLP/HTTP, without any input value', async () => {
    receiver = await startReceiver(200);
    const { dir, home } = setup();
    const r = await logveilAsync(['redact', 'input.jsonl', '--out', 'out.jsonl'], {
      cwd: dir,
      home,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_METRIC_EXPORT_INTERVAL: '200', OTEL_SERVICE_NAME: 'logveil-test' },
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('records in 4, app out 4');

    const metricBodies = receiver.bodies.get('/v1/metrics') ?? [];
    const traceBodies = receiver.bodies.get('/v1/traces') ?? [];
    expect(metricBodies.length).toBeGreaterThan(0);
    expect(traceBodies.length).toBeGreaterThan(0);
    const metricsJson = metricBodies.join('\n');
    const tracesJson = traceBodies.join('\n');
    expect(metricsJson).toContain('"logveil.records"');
    expect(metricsJson).toContain('"logveil.findings"');
    expect(metricsJson).toContain('"logveil.batch.duration"');
    expect(metricsJson).toContain('"logveil-test"');
    expect(tracesJson).toContain('"logveil.batch"');
    expect(tracesJson).toContain('"logveil.batch.records"');

    // The findings are there as counts by detector, the values nowhere.
    expect(metricsJson).toContain('"email"');
    for (const body of [...metricBodies, ...traceBodies]) {
      expect(body).not.toContain(EMAIL);
      expect(body).not.toContain(AWS_KEY);
    }
    // The run itself redacted as usual.
    const out = readFileSync(join(dir, 'out.jsonl'), 'utf8');
    expect(out.trimEnd().split('\n')).toHaveLength(4);
    expect(out).not.toContain(EMAIL);
  });

  it('fails open: a collector answering 500 does not change the run, its output or its exit code', async () => {
    receiver = await startReceiver(500);
    const { dir, home } = setup();
    const r = await logveilAsync(['redact', 'input.jsonl', '--out', 'out.jsonl'], {
      cwd: dir,
      home,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_METRIC_EXPORT_INTERVAL: '200' },
    });
    expect(r.status).toBe(0);
    // The collector was really tried (so the run went through a failing export), and said nothing on stderr.
    expect(receiver.bodies.get('/v1/metrics')?.length ?? 0).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/^records in 4, app out 4, dropped 0, quarantined 0\n/);
    expect(r.stderr).not.toMatch(/otlp|export|telemetry|collector/i);
    expect(readFileSync(join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(4);
  });

  it('fails open: an endpoint nobody listens on does not fail the run', async () => {
    const closed = await startReceiver(200);
    await closed.close();
    const { dir, home } = setup();
    const r = await logveilAsync(['redact', 'input.jsonl', '--out', 'out.jsonl'], {
      cwd: dir,
      home,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: closed.url },
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^records in 4, app out 4/);
  });
});

describe('telemetry configuration from the environment', () => {
  it('exports nothing and loads no SDK without an endpoint', async () => {
    expect(telemetryTargets({})).toBeUndefined();
    expect(await startTelemetry({})).toBeUndefined();
  });

  it('appends the signal path to the generic endpoint and uses signal-specific endpoints as they are', () => {
    expect(telemetryTargets({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toMatchObject({
      metricsUrl: 'http://collector:4318/v1/metrics',
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'logveil',
    });
    expect(telemetryTargets({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/otlp/' })?.metricsUrl).toBe('http://collector:4318/otlp/v1/metrics');
    expect(telemetryTargets({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:9000/ingest' })).toMatchObject({
      metricsUrl: 'http://m:9000/ingest',
      tracesUrl: undefined,
    });
  });

  it('honours OTEL_SDK_DISABLED, *_EXPORTER=none, the service name and a short export interval', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(telemetryTargets({ ...base, OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(telemetryTargets({ ...base, OTEL_TRACES_EXPORTER: 'none' })?.tracesUrl).toBeUndefined();
    expect(telemetryTargets({ ...base, OTEL_METRICS_EXPORTER: 'none', OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
    expect(telemetryTargets({ ...base, OTEL_SERVICE_NAME: 'edge-redactor' })?.serviceName).toBe('edge-redactor');
    // The SDK refuses a timeout above the interval, so the timeout follows a short interval down.
    expect(telemetryTargets({ ...base, OTEL_METRIC_EXPORT_INTERVAL: '200' })).toMatchObject({ exportIntervalMs: 200, exportTimeoutMs: 200 });
    expect(telemetryTargets({ ...base, OTEL_METRIC_EXPORT_INTERVAL: 'soon' })).toMatchObject({ exportIntervalMs: 60_000, exportTimeoutMs: 30_000 });
    // A command must not linger at exit retrying a dead collector: a short request timeout unless one is set.
    expect(telemetryTargets(base)).toMatchObject({ metricsRequestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS, tracesRequestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS });
    expect(telemetryTargets({ ...base, OTEL_EXPORTER_OTLP_TIMEOUT: '10000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '500' })).toMatchObject({
      metricsRequestTimeoutMs: 10_000,
      tracesRequestTimeoutMs: 500,
    });
  });

  it('reports a malformed endpoint by variable name, never by value', () => {
    const problems: string[] = [];
    expect(telemetryTargets({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url user:secret' }, (m) => problems.push(m))).toBeUndefined();
    expect(problems.join('\n')).toContain('OTEL_EXPORTER_OTLP_ENDPOINT is not a URL');
    expect(problems.join('\n')).not.toContain('secret');
  });
});
