/**
 * `logveil redact`: stdin or files -> redacted lines on stdout or --out; security events and the
 * quarantine under the state directory unless named; a summary on stderr. Saved Lambda events
 * (`--format cloudwatch|firehose|kinesis`) are decoded with their handler's code and written in
 * the shape it writes them (see lambda/replay.ts).
 */
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/config.js';
import { formatSummary, type RunSummary } from '../../pipeline/accounting.js';
import { fileInput, openPool, redactStreams, type EnginePool, type InputSource } from '../../pipeline/engine.js';
import { checkInputs } from '../inputs.js';
import { openRuntime, VERSION, type Runtime } from '../../pipeline/runtime.js';
import type { LineFormat } from '../../codecs/jsonl.js';
import { isSavedEventFormat, type SavedEventFormat } from '../../codecs/event-file.js';
import { SavedEvents } from '../../lambda/replay.js';
import { LineWriter } from '../../sinks/line-writer.js';
import { QuarantineSink } from '../../sinks/quarantine.js';
import { detectorCategories, EngineTelemetry } from '../../telemetry/metrics.js';
import { startTelemetry } from '../../telemetry/sdk.js';
import { Heartbeat } from '../../sinks/ledger/heartbeat.js';
import { runExitCode } from '../exit.js';
import { dryRunCommand } from './dry-run.js';
import { openProgress } from '../progress.js';

/** The flags of a command that runs the engine (see main.ts, engineOptions). */
export interface EngineFlags {
  out?: string;
  ledger?: string;
  quarantine?: string;
  config?: string;
  patterns?: string[];
  format?: LineFormat;
  workers?: number;
}

/** What `redact` reads: lines, or saved Lambda events. */
export type InputFormat = LineFormat | SavedEventFormat;

export interface RedactFlags extends Omit<EngineFlags, 'format'> {
  format?: InputFormat;
  tokenMode?: 'deterministic' | 'randomized';
  summary?: boolean;
  summaryJson?: string;
  /** `--no-progress` sets false; the display shows only when stderr is a terminal anyway. */
  progress?: boolean;
  dryRun?: boolean;
  compare?: string[];
  json?: boolean;
  examples?: number;
}

const HEARTBEAT_SECONDS = 60;

/** All cores, but inline (no pool) on a one-core machine where a worker thread only adds cost. */
function defaultWorkers(): number {
  const cores = availableParallelism();
  return cores > 1 ? cores : 0;
}

export async function redactCommand(files: string[], flags: RedactFlags): Promise<number> {
  // First: the engine's instruments bind to whichever meter provider is registered when they are made.
  const telemetry = await startTelemetry(process.env, { onProblem: (message) => process.stderr.write(`logveil: ${message}\n`) });
  try {
    return await redact(files, flags);
  } finally {
    await telemetry?.shutdown();
  }
}

async function redact(files: string[], flags: RedactFlags): Promise<number> {
  checkInputs(files);
  const config = loadConfig(flags.config);
  if (flags.patterns?.length) config.patterns = flags.patterns;
  // Saved events' log records are read in the config's line format (a handler reads them in its own config's).
  const events = isSavedEventFormat(flags.format) ? flags.format : undefined;
  if (flags.format && !events) config.format = flags.format as LineFormat;
  if (flags.tokenMode) config.actions.tokenMode = flags.tokenMode;
  if (flags.dryRun || flags.compare) {
    return dryRunCommand(files, config, { workers: flags.workers ?? defaultWorkers(), ...(flags.compare ? { compare: flags.compare } : {}), ...(flags.examples !== undefined ? { examples: flags.examples } : {}), json: flags.json ?? false, ...(events ? { events } : {}) });
  }

  const workers = flags.workers ?? defaultWorkers();
  // The pool starts as soon as the policy is compiled: its workers start up while the keys and the
  // ledger are opened. The run leaves it open (see EngineOptions.pool); it is closed here.
  let pool: EnginePool | undefined;
  let runtime: Runtime;
  try {
    runtime = await openRuntime(config, {
      ...(flags.ledger ? { ledgerDir: flags.ledger } : {}),
      onCompiled: ({ policy, routing }) => {
        if (workers > 0) pool = openPool({ policy, actions: config.actions, format: config.format, limits: config.limits, workers, routing });
      },
    });
  } catch (err) {
    await quietly(() => pool?.close());
    throw err;
  }
  // The outputs before the run starts (after the policy loaded: a bad pack leaves an earlier
  // output as it was): one that cannot be written stops it there (exit 2).
  let outputs: { app: LineWriter; quarantine: QuarantineSink; summaryWriter: LineWriter | undefined };
  try {
    outputs = {
      app: LineWriter.open(flags.out, { what: `--out ${flags.out}` }),
      quarantine: flags.quarantine ? new QuarantineSink(flags.quarantine, `--quarantine ${flags.quarantine}`) : new QuarantineSink(join(config.stateDir, 'quarantine.jsonl')),
      summaryWriter: flags.summaryJson ? LineWriter.open(flags.summaryJson, { what: `--summary-json ${flags.summaryJson}` }) : undefined,
    };
  } catch (err) {
    await quietly(() => pool?.close());
    await quietly(() => runtime.close());
    throw err;
  }
  const { app, quarantine, summaryWriter } = outputs;
  const deploymentId = `${hostname()}:${process.pid}`;
  const run = { policyHash: runtime.policy.hash, routingHash: runtime.routing.compiled.hash, version: VERSION, configHash: config.hash, deploymentId };
  let counts = { recordsIn: 0, appOut: 0, dropped: 0, quarantined: 0 };
  let heartbeat: Heartbeat | undefined;
  let progress: Awaited<ReturnType<typeof openProgress>>;
  try {
    await runtime.security.write([{ type: 'run-start', ts: new Date().toISOString(), ...run }]);
    // Silence in the ledger can alarm: a beat every interval while the run goes on.
    heartbeat = new Heartbeat(runtime.security, {
      intervalSeconds: HEARTBEAT_SECONDS,
      describe: () => ({ policyHash: run.policyHash, version: VERSION, deploymentId, counts }),
    });
    heartbeat.start();
    progress = await openProgress({
      enabled: flags.progress !== false,
      // Saved events' records are counted as decoded: the files' sizes are no total for them.
      files: events ? [] : files,
      stderr: process.stderr,
      stdout: process.stdout,
      outputIsStdout: flags.out === undefined || flags.out === '-',
    });
  } catch (err) {
    // The run did not start: what was opened for it is closed, the run's error reported.
    for (const close of [() => heartbeat?.stop(), () => pool?.close(), () => app.close(), () => quarantine.close(), () => runtime.close()]) await quietly(close);
    throw err;
  }
  let summary: RunSummary;
  let replay: SavedEvents | undefined;
  /** What failed while the run was closed: reported once the run itself succeeded. */
  const failures: unknown[] = [];
  try {
    const quarantineKey = await runtime.quarantineKey();
    const onProblem = (message: string): void => void (progress ? progress.log(`logveil: ${message}`) : process.stderr.write(`logveil: ${message}\n`));
    const observer = new EngineTelemetry({ categories: detectorCategories(runtime.policy.spec) });
    let inputs: InputSource[];
    if (events) {
      replay = new SavedEvents({ format: events, policy: runtime.policy, quarantineKey, security: runtime.security, quarantine, app, onProblem });
      inputs = replay.inputs(files);
    } else inputs = files.length === 0 ? [{ name: '-', chunks: () => process.stdin }] : files.map(fileInput);
    summary = await redactStreams(inputs, {
      policy: runtime.policy,
      actions: config.actions,
      keys: runtime.keys,
      quarantineKey,
      workers,
      ...(pool ? { pool } : {}),
      format: config.format,
      limits: config.limits,
      app: replay ? replay.output.engineOutput : app,
      security: replay ? replay.output.security(runtime.security) : runtime.security,
      quarantine: replay ? replay.output.quarantine(quarantine) : quarantine,
      onProblem: replay ? replay.output.problems(onProblem) : onProblem,
      onProgress: (accounting) => {
        counts = { recordsIn: accounting.recordsIn, appOut: accounting.appOut, dropped: accounting.dropped, quarantined: accounting.quarantined };
        progress?.update(accounting);
      },
      observer: replay ? replay.output.observer(observer) : observer,
      routing: runtime.routing,
      ...(replay ? { orphanKeyLines: true } : {}),
    });
    if (replay) {
      await replay.output.finish();
      summary = replay.summary(summary);
    }
    const { recordsIn, appOut, dropped, quarantined } = summary;
    counts = { recordsIn, appOut, dropped, quarantined };
  } finally {
    // Before anything else is written to stderr: the summary must not land on the bar's line.
    progress?.stop();
    // Each step whatever the one before did (an output whose reader went away fails its close):
    // the run-stop event and the final signed checkpoint are written also when the run failed.
    const step = async (f: () => Promise<unknown>): Promise<void> => {
      await f().catch((err: unknown) => void failures.push(err));
    };
    await step(async () => heartbeat?.stop());
    await step(async () => pool?.close());
    await step(() => app.close());
    await step(() => quarantine.close());
    await runtime.security.write([{ type: 'run-stop', ts: new Date().toISOString(), ...run, counts }]).catch(() => undefined);
    await step(() => runtime.close());
  }
  // The run's own error, had it thrown, would be the one reported; else the first of these.
  if (failures.length > 0) throw failures[0];
  if (flags.summary !== false) process.stderr.write(formatSummary(summary) + '\n' + (replay ? `${replay.describe()}\n` : ''));
  if (summaryWriter) {
    await summaryWriter.write(JSON.stringify(replay ? { ...summary, savedEvents: replay.counts } : summary));
    await summaryWriter.close();
  }
  return runExitCode(summary, (line) => process.stderr.write(line));
}

/** Runs `close`, its failure left out: on a path that reports an error of its own. */
async function quietly(close: () => unknown): Promise<void> {
  try {
    await close();
  } catch {
    // the error being reported is the one that matters
  }
}
