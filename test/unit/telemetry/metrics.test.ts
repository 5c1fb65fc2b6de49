import { metrics, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PolicySpec } from '../../../src/detect/pack.js';
import type { BatchReport } from '../../../src/pipeline/engine.js';
import { detectorCategories, EngineTelemetry, MAX_ATTRIBUTE_SETS } from '../../../src/telemetry/metrics.js';

const EMAIL = 'jane.doe@example.com';
const CATEGORIES = new Map([
  ['email', 'pii'],
  ['aws-access-key-id', 'secret'],
  ['key:password', 'credential'],
]);

function report(over: Partial<BatchReport> = {}): BatchReport {
  return {
    seq: 0,
    // A file name is not an id: it must not reach telemetry (this one even holds a value).
    file: `/var/log/${EMAIL}.log`,
    records: 10,
    bytes: 1000,
    appOut: 7,
    dropped: 1,
    quarantined: 2,
    fastPathLines: 4,
    findings: { email: 3, 'aws-access-key-id': 1 },
    categories: { pii: 3, secret: 1 },
    quarantineCodes: ['INVALID_UTF8', 'RECORD_TOO_LARGE'],
    latencyMs: 12.5,
    workerFailed: false,
    ...over,
  };
}

let metricExporter: InMemoryMetricExporter;
let reader: PeriodicExportingMetricReader;
let meterProvider: MeterProvider;
let spanExporter: InMemorySpanExporter;
let tracerProvider: BasicTracerProvider;

beforeEach(() => {
  metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A long interval: the test collects explicitly with forceFlush.
  reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  meterProvider = new MeterProvider({ readers: [reader] });
  spanExporter = new InMemorySpanExporter();
  tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  expect(metrics.setGlobalMeterProvider(meterProvider)).toBe(true);
  expect(trace.setGlobalTracerProvider(tracerProvider)).toBe(true);
});

afterEach(async () => {
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  metrics.disable();
  trace.disable();
});

/** Every data point by metric name, from one collection. */
async function collect(): Promise<Map<string, { unit: string; points: Array<DataPoint<unknown>> }>> {
  await reader.forceFlush();
  const exported = metricExporter.getMetrics().at(-1);
  const out = new Map<string, { unit: string; points: Array<DataPoint<unknown>> }>();
  for (const scope of exported?.scopeMetrics ?? []) {
    expect(scope.scope.name).toBe('logveil');
    for (const m of scope.metrics) out.set(m.descriptor.name, { unit: m.descriptor.unit, points: m.dataPoints as Array<DataPoint<unknown>> });
  }
  return out;
}

/** The counter's value for the data point whose attributes equal `attrs`. */
function valueOf(all: Awaited<ReturnType<typeof collect>>, name: string, attrs: Attributes = {}): number | undefined {
  const point = all.get(name)?.points.find((p) => JSON.stringify(p.attributes) === JSON.stringify(attrs));
  return point?.value as number | undefined;
}

describe('EngineTelemetry', () => {
  it('counts records by outcome, bytes, fast-path records and worker failures across batches', async () => {
    const t = new EngineTelemetry({ categories: CATEGORIES });
    t.batch(report({ seq: 0 }));
    t.batch(report({ seq: 1, records: 5, bytes: 500, appOut: 5, dropped: 0, quarantined: 0, quarantineCodes: [], fastPathLines: 0 }));
    // The batch of seq 2 failed whole, then in its first half, whose three records were quarantined;
    // another run was refused by a closing pool.
    t.workerFailed({ seq: 2, file: 'in.log', firstLine: 1, bytes: 600, code: 'WORKER_FAILED' });
    t.workerFailed({ seq: 2, file: 'in.log', firstLine: 1, bytes: 300, code: 'WORKER_FAILED' });
    t.batch(report({ seq: 2, records: 3, bytes: 300, appOut: 0, dropped: 0, quarantined: 3, quarantineCodes: Array(3).fill('WORKER_FAILED'), fastPathLines: 0, findings: {}, workerFailed: true }));
    t.workerFailed({ seq: 3, file: 'in.log', firstLine: 4, bytes: 100, code: 'POOL_CLOSED' });
    const m = await collect();
    expect(valueOf(m, 'logveil.records', { outcome: 'in' })).toBe(18);
    expect(valueOf(m, 'logveil.records', { outcome: 'app' })).toBe(12);
    expect(valueOf(m, 'logveil.records', { outcome: 'dropped' })).toBe(1);
    expect(valueOf(m, 'logveil.records', { outcome: 'quarantined' })).toBe(5);
    expect(valueOf(m, 'logveil.bytes')).toBe(1800);
    expect(valueOf(m, 'logveil.fast_path.records')).toBe(4);
    expect(valueOf(m, 'logveil.worker.failures', { reason: 'WORKER_FAILED' })).toBe(2);
    expect(valueOf(m, 'logveil.worker.failures', { reason: 'POOL_CLOSED' })).toBe(1);
    expect(m.get('logveil.bytes')?.unit).toBe('By');
    expect(m.get('logveil.records')?.unit).toBe('{record}');
  });

  it('counts findings by detector with its category, and unknown detectors as category unknown', async () => {
    const t = new EngineTelemetry({ categories: CATEGORIES });
    t.batch(report());
    t.batch(report({ findings: { email: 2, 'key:password': 1, 'custom-id': 4 } }));
    const m = await collect();
    expect(valueOf(m, 'logveil.findings', { detector: 'email', category: 'pii' })).toBe(5);
    expect(valueOf(m, 'logveil.findings', { detector: 'aws-access-key-id', category: 'secret' })).toBe(1);
    expect(valueOf(m, 'logveil.findings', { detector: 'key:password', category: 'credential' })).toBe(1);
    expect(valueOf(m, 'logveil.findings', { detector: 'custom-id', category: 'unknown' })).toBe(4);
  });

  it('counts drops by reason (policy or quarantine code) and quarantines by code', async () => {
    const t = new EngineTelemetry();
    t.batch(report({ dropped: 2, quarantined: 4, quarantineCodes: ['INVALID_UTF8', 'INVALID_UTF8', 'RECORD_TOO_DEEP', 'INVALID_UTF8'] }));
    const m = await collect();
    expect(valueOf(m, 'logveil.drops', { reason: 'policy' })).toBe(2);
    expect(valueOf(m, 'logveil.drops', { reason: 'INVALID_UTF8' })).toBe(3);
    expect(valueOf(m, 'logveil.drops', { reason: 'RECORD_TOO_DEEP' })).toBe(1);
    expect(valueOf(m, 'logveil.quarantined', { reason: 'INVALID_UTF8' })).toBe(3);
    expect(valueOf(m, 'logveil.quarantined', { reason: 'RECORD_TOO_DEEP' })).toBe(1);
    expect(valueOf(m, 'logveil.quarantined', { reason: 'policy' })).toBeUndefined();
  });

  it('records one batch.duration sample per batch, in milliseconds', async () => {
    const t = new EngineTelemetry();
    for (const latencyMs of [5, 20, 75]) t.batch(report({ latencyMs }));
    const m = await collect();
    const duration = m.get('logveil.batch.duration');
    expect(duration?.unit).toBe('ms');
    const h = duration?.points[0]?.value as Histogram;
    expect(metricExporter.getMetrics().at(-1)?.scopeMetrics[0]?.metrics.find((x) => x.descriptor.name === 'logveil.batch.duration')?.dataPointType).toBe(
      DataPointType.HISTOGRAM,
    );
    expect(h.count).toBe(3);
    expect(h.sum).toBe(100);
  });

  it('ends one logveil.batch span per batch, started latencyMs before it ended, with counts as attributes', () => {
    const t = new EngineTelemetry();
    t.batch(report({ seq: 7, latencyMs: 250 }));
    t.batch(report({ seq: 8, workerFailed: true, findings: {}, quarantined: 10, appOut: 0, dropped: 0, quarantineCodes: Array(10).fill('WORKER_FAILED') }));
    const spans = spanExporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['logveil.batch', 'logveil.batch']);
    const [ok, failed] = spans;
    expect(ok?.instrumentationScope.name).toBe('logveil');
    expect(ok?.attributes).toEqual({
      'logveil.batch.seq': 7,
      'logveil.batch.records': 10,
      'logveil.batch.bytes': 1000,
      'logveil.batch.findings': 4,
      'logveil.batch.quarantined': 2,
      'logveil.batch.dropped': 1,
      'logveil.batch.fast_path_records': 4,
      'logveil.batch.worker_failed': false,
    });
    const durationMs = (ok?.duration[0] ?? 0) * 1e3 + (ok?.duration[1] ?? 0) / 1e6;
    expect(durationMs).toBeCloseTo(250, 0);
    expect(ok?.status.code).toBe(SpanStatusCode.UNSET);
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes['logveil.batch.worker_failed']).toBe(true);
  });

  it('exports only ids, codes and numbers: no file name, no value', async () => {
    const t = new EngineTelemetry({ categories: CATEGORIES });
    t.batch(report());
    t.batch(report({ quarantineCodes: ['WORKER_FAILED', 'WORKER_FAILED'], workerFailed: true }));
    const m = await collect();
    const attributeValues: unknown[] = [];
    for (const { points } of m.values()) for (const p of points) attributeValues.push(...Object.values(p.attributes));
    for (const s of spanExporter.getFinishedSpans()) attributeValues.push(...Object.values(s.attributes), s.status.message ?? '');
    expect(attributeValues.length).toBeGreaterThan(10);
    for (const v of attributeValues) {
      if (typeof v === 'number' || typeof v === 'boolean') continue;
      expect(v).toMatch(/^(?:[a-z0-9-]+|key:[a-z0-9_-]+|[A-Z0-9_]+|in|app|dropped|quarantined|policy)?$/);
    }
    const everything = JSON.stringify([metricExporter.getMetrics(), spanExporter.getFinishedSpans().map((s) => [s.name, s.attributes, s.status])]);
    expect(everything).not.toContain(EMAIL);
    expect(everything).not.toContain('/var/log');
  });

  it('folds detector ids beyond the cardinality bound into one "other" series', async () => {
    const t = new EngineTelemetry();
    const findings = Object.fromEntries(Array.from({ length: MAX_ATTRIBUTE_SETS + 50 }, (_, i) => [`d${i}`, 1]));
    t.batch(report({ findings }));
    const m = await collect();
    const points = m.get('logveil.findings')?.points ?? [];
    expect(points).toHaveLength(MAX_ATTRIBUTE_SETS + 1);
    expect(valueOf(m, 'logveil.findings', { detector: 'other', category: 'unknown' })).toBe(50);
  });

  it('does nothing, and does not throw, with no SDK registered', async () => {
    metrics.disable();
    trace.disable();
    const t = new EngineTelemetry({ categories: CATEGORIES });
    for (let seq = 0; seq < 3; seq++) expect(() => t.batch(report({ seq, workerFailed: seq === 2 }))).not.toThrow();
    expect((await collect()).size).toBe(0);
    expect(spanExporter.getFinishedSpans()).toHaveLength(0);
  });
});

describe('detectorCategories', () => {
  it('maps detector ids and key-rule finding ids to their categories', () => {
    const spec = {
      hash: 'h',
      packs: [
        {
          detectors: [{ id: 'email', category: 'pii' }],
          keyRules: [{ keys: ['password', 'passwd'], category: 'credential' }],
        },
      ],
    } as unknown as PolicySpec;
    expect([...detectorCategories(spec)]).toEqual([
      ['email', 'pii'],
      ['key:password', 'credential'],
      ['key:passwd', 'credential'],
    ]);
  });
});
