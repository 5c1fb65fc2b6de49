/**
 * Opt-in export of logveil's own metrics and spans over OTLP/HTTP (JSON), configured by the standard
 * `OTEL_*` environment variables. The SDK packages are loaded with `import()` only when an endpoint
 * is set, so a run without telemetry loads nothing beyond `@opentelemetry/api`.
 *
 * Telemetry fails open: an unreachable or failing collector costs a background request, never a
 * record, and its errors go to the OpenTelemetry diag logger (silent unless the host installs one),
 * so nothing from an export reaches logveil's own output. The data exported holds ids, codes and
 * counts only (see `metrics.ts`).
 */
import { metrics, trace } from '@opentelemetry/api';
import { VERSION } from '../pipeline/runtime.js';

/** Environment variables as `process.env` holds them; passed in, since only entry points read the environment. */
export type TelemetryEnv = Readonly<Record<string, string | undefined>>;

/** A running telemetry SDK. */
export interface TelemetryHandle {
  /** Flushes what is buffered and stops both providers; resolves within the shutdown bound even if the collector hangs. */
  shutdown(): Promise<void>;
}

/** Options of {@link startTelemetry}. */
export interface TelemetryOptions {
  /** Value-free notes about the telemetry configuration (not about exports, which stay silent). */
  onProblem?: (message: string) => void;
  /** Longest wait for the final flush at shutdown (default: the longer request timeout plus one second). */
  shutdownTimeoutMs?: number;
}

/** Default of `OTEL_METRIC_EXPORT_INTERVAL` per the OpenTelemetry specification. */
const DEFAULT_EXPORT_INTERVAL_MS = 60_000;
/** Default of `OTEL_METRIC_EXPORT_TIMEOUT` per the OpenTelemetry specification. */
const DEFAULT_EXPORT_TIMEOUT_MS = 30_000;
/**
 * OTLP request timeout, retries included, when `OTEL_EXPORTER_OTLP_[SIGNAL_]TIMEOUT` is unset. The
 * specification's 10 s suits a long-lived service; a command would linger that long at exit
 * retrying an unreachable collector, so logveil gives up sooner.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 2_000;

/** Where each signal goes, resolved from the environment; `undefined` means the signal is not exported. */
export interface TelemetryTargets {
  metricsUrl: string | undefined;
  tracesUrl: string | undefined;
  serviceName: string;
  exportIntervalMs: number;
  exportTimeoutMs: number;
  /** Per OTLP request, retries included. */
  metricsRequestTimeoutMs: number;
  tracesRequestTimeoutMs: number;
}

/**
 * Resolves the OTLP targets from the environment, per the OpenTelemetry exporter specification: a
 * signal-specific endpoint is used as is, the generic one gets `v1/metrics` / `v1/traces` appended.
 * `OTEL_SDK_DISABLED=true` and `OTEL_{METRICS,TRACES}_EXPORTER=none` switch export off.
 */
export function telemetryTargets(env: TelemetryEnv, onProblem: (message: string) => void = () => {}): TelemetryTargets | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const metricsUrl = env.OTEL_METRICS_EXPORTER?.trim() === 'none' ? undefined : signalUrl(env, 'METRICS', 'v1/metrics', onProblem);
  const tracesUrl = env.OTEL_TRACES_EXPORTER?.trim() === 'none' ? undefined : signalUrl(env, 'TRACES', 'v1/traces', onProblem);
  if (metricsUrl === undefined && tracesUrl === undefined) return undefined;
  const exportIntervalMs = positiveInt(env.OTEL_METRIC_EXPORT_INTERVAL) ?? DEFAULT_EXPORT_INTERVAL_MS;
  return {
    metricsUrl,
    tracesUrl,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'logveil',
    exportIntervalMs,
    // The SDK rejects a timeout longer than the interval; a short interval (tests, demos) wins.
    exportTimeoutMs: Math.min(positiveInt(env.OTEL_METRIC_EXPORT_TIMEOUT) ?? DEFAULT_EXPORT_TIMEOUT_MS, exportIntervalMs),
    metricsRequestTimeoutMs: positiveInt(env.OTEL_EXPORTER_OTLP_METRICS_TIMEOUT) ?? positiveInt(env.OTEL_EXPORTER_OTLP_TIMEOUT) ?? DEFAULT_REQUEST_TIMEOUT_MS,
    tracesRequestTimeoutMs: positiveInt(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) ?? positiveInt(env.OTEL_EXPORTER_OTLP_TIMEOUT) ?? DEFAULT_REQUEST_TIMEOUT_MS,
  };
}

function signalUrl(env: TelemetryEnv, signal: 'METRICS' | 'TRACES', path: string, onProblem: (message: string) => void): string | undefined {
  const specificName = `OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`;
  const specific = env[specificName]?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const [name, url] = specific ? [specificName, specific] : base ? ['OTEL_EXPORTER_OTLP_ENDPOINT', base.endsWith('/') ? base + path : `${base}/${path}`] : [];
  if (name === undefined || url === undefined) return undefined;
  if (!URL.canParse(url)) {
    // Name the variable, not its value: an endpoint URL can carry credentials.
    onProblem(`telemetry: ${name} is not a URL; ${signal.toLowerCase()} are not exported`);
    return undefined;
  }
  return url;
}

function positiveInt(raw: string | undefined): number | undefined {
  const n = Number(raw);
  return raw !== undefined && raw.trim() !== '' && Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Starts the OpenTelemetry SDK when an OTLP endpoint is configured: a `MeterProvider` with a
 * periodic reader and a tracer provider with a batch span processor, both exporting OTLP/HTTP JSON,
 * registered as the global providers. Returns `undefined`, having loaded nothing, when no endpoint
 * is set, export is disabled, or another SDK is registered already (the host's wins).
 *
 * Call it before constructing `EngineTelemetry`: meters taken before registration stay no-ops.
 * Headers, compression and TLS files come from the standard `OTEL_EXPORTER_OTLP_*` variables,
 * which the exporters read themselves; the request timeout defaults to
 * {@link DEFAULT_REQUEST_TIMEOUT_MS} rather than the specification's 10 s.
 */
export async function startTelemetry(env: TelemetryEnv, options: TelemetryOptions = {}): Promise<TelemetryHandle | undefined> {
  const onProblem = options.onProblem ?? (() => {});
  const targets = telemetryTargets(env, onProblem);
  if (!targets) return undefined;
  const protocol = env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim();
  if (protocol && protocol !== 'http/json') onProblem('telemetry: only OTEL_EXPORTER_OTLP_PROTOCOL=http/json is supported; exporting OTLP/HTTP JSON');
  try {
    return await register(targets, options.shutdownTimeoutMs ?? Math.max(targets.metricsRequestTimeoutMs, targets.tracesRequestTimeoutMs) + 1_000);
  } catch (err) {
    // Fail open: a missing or broken SDK package disables telemetry, never the run.
    onProblem(`telemetry: disabled, the OpenTelemetry SDK could not start (${(err as Error)?.name ?? 'Error'})`);
    return undefined;
  }
}

async function register(t: TelemetryTargets, shutdownTimeoutMs: number): Promise<TelemetryHandle | undefined> {
  const [{ resourceFromAttributes }, sdkMetrics, sdkTrace, metricExporter, traceExporter] = await Promise.all([
    import('@opentelemetry/resources'),
    t.metricsUrl ? import('@opentelemetry/sdk-metrics') : undefined,
    t.tracesUrl ? import('@opentelemetry/sdk-trace-base') : undefined,
    t.metricsUrl ? import('@opentelemetry/exporter-metrics-otlp-http') : undefined,
    t.tracesUrl ? import('@opentelemetry/exporter-trace-otlp-http') : undefined,
  ]);
  const resource = resourceFromAttributes({ 'service.name': t.serviceName, 'service.version': VERSION });
  const stops: Array<() => Promise<void>> = [];

  if (t.metricsUrl && sdkMetrics && metricExporter) {
    const provider = new sdkMetrics.MeterProvider({
      resource,
      readers: [
        new sdkMetrics.PeriodicExportingMetricReader({
          exporter: new metricExporter.OTLPMetricExporter({ url: t.metricsUrl, timeoutMillis: t.metricsRequestTimeoutMs }),
          exportIntervalMillis: t.exportIntervalMs,
          exportTimeoutMillis: t.exportTimeoutMs,
        }),
      ],
    });
    if (metrics.setGlobalMeterProvider(provider)) {
      stops.push(async () => {
        try {
          await provider.shutdown();
        } finally {
          metrics.disable();
        }
      });
    } else {
      await provider.shutdown();
    }
  }

  if (t.tracesUrl && sdkTrace && traceExporter) {
    const provider = new sdkTrace.BasicTracerProvider({
      resource,
      spanProcessors: [new sdkTrace.BatchSpanProcessor(new traceExporter.OTLPTraceExporter({ url: t.tracesUrl, timeoutMillis: t.tracesRequestTimeoutMs }))],
    });
    if (trace.setGlobalTracerProvider(provider)) {
      stops.push(async () => {
        try {
          await provider.shutdown();
        } finally {
          trace.disable();
        }
      });
    } else {
      await provider.shutdown();
    }
  }

  if (stops.length === 0) return undefined;
  let stopped: Promise<void> | undefined;
  return {
    shutdown: () => (stopped ??= boundedShutdown(stops, shutdownTimeoutMs)),
  };
}

/** Runs every stop at once and waits at most `timeoutMs`: a hanging collector must not hold the command. */
async function boundedShutdown(stops: ReadonlyArray<() => Promise<void>>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([Promise.allSettled(stops.map((stop) => stop())), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
