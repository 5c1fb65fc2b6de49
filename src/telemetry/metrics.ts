/**
 * The engine's own metrics and spans, through `@opentelemetry/api` only. With no SDK registered the
 * API hands out no-op instruments, so the cost per batch is a few calls into empty functions: the
 * attribute objects are built once per detector, category and reason and reused, and span
 * attributes are only built when the span is recording.
 *
 * Attributes carry ids, codes and numbers, never a value from a record or a file name: detector ids
 * and categories come from the pattern packs, reasons from the fixed catalogue of error codes.
 */
import { metrics, SpanKind, SpanStatusCode, trace, type Attributes, type Counter, type Histogram, type Tracer } from '@opentelemetry/api';
import type { PolicySpec } from '../detect/pack.js';
import type { BatchReport, EngineObserver, WorkerFailure } from '../pipeline/engine.js';
import { VERSION } from '../pipeline/runtime.js';

/** The instrumentation scope name of every instrument and span logveil creates. */
export const INSTRUMENTATION_SCOPE = 'logveil';

/**
 * Distinct attribute sets per instrument before new ones fold into `other`. Packs are a fixed set
 * per run, so this only bites on a pack set far larger than any shipped; it keeps a backend's
 * series count bounded even then.
 */
export const MAX_ATTRIBUTE_SETS = 256;

/** The category attribute of a finding whose detector the policy does not name. */
const UNKNOWN_CATEGORY = 'unknown';
const OTHER = 'other';

/** Reason of a record dropped on purpose by the policy (a `drop-record` action). */
export const DROP_REASON_POLICY = 'policy';

/**
 * Detector id -> category, for every detector and key rule of a policy. Findings reach the observer
 * as counts per detector id; this gives each its category attribute without a lookup in the hot path.
 */
export function detectorCategories(spec: PolicySpec): Map<string, string> {
  const out = new Map<string, string>();
  for (const pack of spec.packs) {
    for (const d of pack.detectors) out.set(d.id, d.category);
    // Key rules report findings as `key:<key>` (see act/redact.ts).
    for (const rule of pack.keyRules) for (const key of rule.keys) out.set(`key:${key}`, rule.category);
  }
  return out;
}

/** Attribute objects built once per key and reused: the API and the SDK both accept a shared object. */
class AttributeCache {
  readonly #build: (key: string) => Attributes;
  readonly #cache = new Map<string, Attributes>();
  #other: Attributes | undefined;

  constructor(build: (key: string) => Attributes) {
    this.#build = build;
  }

  get(key: string): Attributes {
    const hit = this.#cache.get(key);
    if (hit) return hit;
    if (this.#cache.size >= MAX_ATTRIBUTE_SETS) return (this.#other ??= Object.freeze(this.#build(OTHER)));
    const attrs = Object.freeze(this.#build(key));
    this.#cache.set(key, attrs);
    return attrs;
  }
}

/** Options of {@link EngineTelemetry}. */
export interface EngineTelemetryOptions {
  /** Detector id -> category (see {@link detectorCategories}); unknown ids get `unknown`. */
  categories?: ReadonlyMap<string, string>;
}

/**
 * Turns the engine's per-batch reports into OpenTelemetry counters, a latency histogram and one
 * `logveil.batch` span per batch.
 *
 * Construct it after the SDK (if any) is registered: the metrics API binds instruments to the
 * provider present at creation, and a meter taken before registration stays a no-op.
 */
export class EngineTelemetry implements EngineObserver {
  readonly #tracer: Tracer;
  readonly #records: Counter;
  readonly #bytes: Counter;
  readonly #findings: Counter;
  readonly #drops: Counter;
  readonly #quarantined: Counter;
  readonly #fastPath: Counter;
  readonly #workerFailures: Counter;
  readonly #duration: Histogram;
  readonly #categories: ReadonlyMap<string, string>;

  readonly #outcome = {
    in: Object.freeze({ outcome: 'in' }),
    app: Object.freeze({ outcome: 'app' }),
    dropped: Object.freeze({ outcome: 'dropped' }),
    quarantined: Object.freeze({ outcome: 'quarantined' }),
  } as const;
  readonly #policyDrop = Object.freeze({ reason: DROP_REASON_POLICY });
  readonly #byDetector = new AttributeCache((id) => ({ detector: id, category: this.#categories.get(id) ?? UNKNOWN_CATEGORY }));
  readonly #byReason = new AttributeCache((code) => ({ reason: code }));

  constructor(options: EngineTelemetryOptions = {}) {
    this.#categories = options.categories ?? new Map();
    const meter = metrics.getMeter(INSTRUMENTATION_SCOPE, VERSION);
    this.#tracer = trace.getTracer(INSTRUMENTATION_SCOPE, VERSION);
    this.#records = meter.createCounter('logveil.records', {
      unit: '{record}',
      description: 'Records by outcome: in (read), app (written to the app output), dropped (by policy), quarantined.',
    });
    this.#bytes = meter.createCounter('logveil.bytes', { unit: 'By', description: 'Input bytes processed.' });
    this.#findings = meter.createCounter('logveil.findings', { unit: '{finding}', description: 'Findings by detector id and category.' });
    this.#drops = meter.createCounter('logveil.drops', {
      unit: '{record}',
      description: 'Records not written to the app output, by reason: policy, or the quarantine code.',
    });
    this.#quarantined = meter.createCounter('logveil.quarantined', { unit: '{record}', description: 'Records quarantined, by reason code.' });
    this.#fastPath = meter.createCounter('logveil.fast_path.records', {
      unit: '{record}',
      description: 'Records passed unchanged by the raw-line prefilter without parsing.',
    });
    this.#workerFailures = meter.createCounter('logveil.worker.failures', {
      unit: '{run}',
      description: 'Runs of a batch whose worker died (or that the pool refused), by code: each run of a batch the engine runs again in halves counts.',
    });
    this.#duration = meter.createHistogram('logveil.batch.duration', {
      unit: 'ms',
      description: 'From dispatch of a batch to its results written.',
    });
  }

  /** Counts one failed run of a batch; called by the engine as it happens. */
  workerFailed(failure: WorkerFailure): void {
    this.#workerFailures.add(1, this.#byReason.get(failure.code));
  }

  /** Records one batch; called by the engine after the batch's results are written. */
  batch(report: BatchReport): void {
    const outcome = this.#outcome;
    this.#records.add(report.records, outcome.in);
    if (report.appOut > 0) this.#records.add(report.appOut, outcome.app);
    if (report.dropped > 0) {
      this.#records.add(report.dropped, outcome.dropped);
      this.#drops.add(report.dropped, this.#policyDrop);
    }
    if (report.quarantined > 0) this.#records.add(report.quarantined, outcome.quarantined);
    this.#bytes.add(report.bytes);
    if (report.fastPathLines > 0) this.#fastPath.add(report.fastPathLines);
    this.#duration.record(report.latencyMs);

    let findings = 0;
    for (const id in report.findings) {
      const n = report.findings[id] as number;
      findings += n;
      this.#findings.add(n, this.#byDetector.get(id));
    }
    // One code per quarantined record, usually all the same: count runs, add once per run.
    const codes = report.quarantineCodes;
    for (let i = 0; i < codes.length; ) {
      const code = codes[i] as string;
      let j = i + 1;
      while (j < codes.length && codes[j] === code) j++;
      const attrs = this.#byReason.get(code);
      this.#quarantined.add(j - i, attrs);
      this.#drops.add(j - i, attrs);
      i = j;
    }
    this.#span(report, findings);
  }

  /** The report arrives after the batch, so the span is started in the past and ended at once. */
  #span(report: BatchReport, findings: number): void {
    const end = Date.now();
    const span = this.#tracer.startSpan('logveil.batch', { kind: SpanKind.INTERNAL, startTime: end - report.latencyMs });
    if (span.isRecording()) {
      span.setAttributes({
        'logveil.batch.seq': report.seq,
        'logveil.batch.records': report.records,
        'logveil.batch.bytes': report.bytes,
        'logveil.batch.findings': findings,
        'logveil.batch.quarantined': report.quarantined,
        'logveil.batch.dropped': report.dropped,
        'logveil.batch.fast_path_records': report.fastPathLines,
        'logveil.batch.worker_failed': report.workerFailed,
      });
      if (report.workerFailed) span.setStatus({ code: SpanStatusCode.ERROR, message: 'WORKER_FAILED' });
    }
    span.end(end);
  }
}
