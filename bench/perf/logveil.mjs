// @ts-check
/**
 * logveil as the subject: the library (`redactStreams` over a file stream into a discarding
 * Writable, as `logveil redact` wires it) and the CLI as a child process. Both from dist/.
 */
import { spawn } from 'node:child_process';
import { createReadStream, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../dist/config/config.js';
import { openPool, READ_CHUNK_BYTES, redactStreams } from '../../dist/pipeline/engine.js';
import { openRuntime } from '../../dist/pipeline/runtime.js';
import { LineWriter } from '../../dist/sinks/line-writer.js';
import { QuarantineSink } from '../../dist/sinks/quarantine.js';
import { CLI_NODE_ARGS, cliEnv } from './cli-path.mjs';
import { fileFeed } from './measure.mjs';

/** @typedef {import('./measure.mjs').Subject} Subject */
/** @typedef {import('./measure.mjs').RunResult} RunResult */
/** @typedef {import('./corpora.mjs').Slice} Slice */

/**
 * @typedef {object} Logveil
 * @property {string} stateDir
 * @property {import('../../dist/config/config.js').LogveilConfig} config
 * @property {import('../../dist/pipeline/runtime.js').Runtime} runtime
 * @property {import('../../dist/crypto/keys/cache.js').DataKey} quarantineKey
 * @property {{ hash: string, detectors: number, packs: number }} policy
 * @property {number} openSeconds config, policy compile (main thread), keys
 */

/**
 * Config, policy and keys, once for all the rounds of a subject; state in `stateDir`.
 * @param {string} stateDir @param {string[]} [patterns] pack directories (default: the built-in packs)
 * @returns {Promise<Logveil>}
 */
export async function openLogveil(stateDir, patterns) {
  const started = performance.now();
  const config = loadConfig(undefined, { LOGVEIL_HOME: stateDir });
  if (patterns) config.patterns = patterns;
  // Security events, keys and quarantine all stay under the (temporary) state directory.
  const runtime = await openRuntime(config);
  const quarantineKey = await runtime.quarantineKey();
  const policy = { hash: runtime.policy.hash, detectors: runtime.policy.detectors.length, packs: runtime.policy.spec.packs.length };
  return { stateDir, config, runtime, quarantineKey, policy, openSeconds: (performance.now() - started) / 1000 };
}

/**
 * A worker pool for `lv`'s policy and options, to keep across runs (see `openPool`).
 * @param {Logveil} lv @param {number} workers
 */
export function openLogveilPool(lv, workers) {
  return openPool({ policy: lv.runtime.policy, actions: lv.config.actions, format: lv.config.format, limits: lv.config.limits, workers, routing: lv.runtime.routing });
}

/**
 * One run of `redactStreams` over a prefix, with what explains its speed: how many lines left by
 * the fast path, how busy the main thread was, how much CPU the process (workers included) used.
 * With `pool`, the run uses it (its workers already started and warm) instead of starting its own.
 * @param {Logveil} lv @param {number} workers @param {Slice} slice @param {number} deadline
 * @param {import('../../dist/pipeline/engine.js').EnginePool} [pool]
 * @returns {Promise<RunResult>}
 */
export async function redactFile(lv, workers, slice, deadline, pool) {
  const quarantine = new QuarantineSink(join(lv.stateDir, 'quarantine.jsonl'));
  let outBytes = 0;
  const discard = new Writable({
    write(chunk, _encoding, done) {
      outBytes += chunk.length;
      done();
    },
  });
  // Read as the CLI reads files.
  const feed = fileFeed(slice, deadline, READ_CHUNK_BYTES);
  let fastPathLines = 0;
  let batches = 0;
  let latencyMs = 0;
  // When each batch's results were written, to tell the steady rate from start-up and warm-up.
  let doneBytes = 0;
  /** @type {Array<[number, number]>} */
  const progress = [];
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let summary;
  try {
    summary = await redactStreams([{ name: slice.path, chunks: () => feed.chunks() }], {
      policy: lv.runtime.policy,
      actions: lv.config.actions,
      keys: lv.runtime.keys,
      quarantineKey: lv.quarantineKey,
      workers,
      ...(pool ? { pool } : {}),
      format: lv.config.format,
      limits: lv.config.limits,
      app: LineWriter.forStream(discard),
      security: lv.runtime.security,
      quarantine,
      // The security routing rules, as `logveil redact` runs them.
      routing: lv.runtime.routing,
      observer: {
        batch(report) {
          fastPathLines += report.fastPathLines;
          latencyMs += report.latencyMs;
          batches += 1;
          doneBytes += report.bytes;
          progress.push([performance.now(), doneBytes]);
        },
      },
    });
  } finally {
    await quarantine.close();
  }
  const wallSec = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const findings = Object.values(summary.findings).reduce((a, b) => a + b, 0);
  return {
    bytes: feed.bytes,
    records: summary.recordsIn,
    stoppedEarly: feed.stoppedEarly,
    detail: {
      workers,
      fastPathLines,
      fastPathShare: summary.recordsIn > 0 ? fastPathLines / summary.recordsIn : 0,
      structuredLines: summary.recordsIn - fastPathLines,
      findings,
      // Which detectors (and key rules) found something, and how often.
      findingsByDetector: summary.findings,
      quarantined: summary.quarantined,
      outBytes,
      batches,
      meanBatchLatencyMs: batches > 0 ? latencyMs / batches : 0,
      mainThreadBusy: performance.eventLoopUtilization(elu0).utilization,
      processCpuSec: cpuSec,
      coresUsed: cpuSec / wallSec,
      firstBatchSec: progress.length > 0 ? ((progress[0]?.[0] ?? started) - started) / 1000 : null,
      lastQuartersMBps: lastQuartersMBps(progress),
    },
  };
}

/**
 * MB/s over the last three quarters of a run's bytes, from when each batch's results were written:
 * the rate once the pool has started and the workers' regexes and caches have warmed up (null for
 * runs of fewer than 8 batches).
 * @param {ReadonlyArray<readonly [number, number]>} progress [ms, bytes written so far] per batch
 * @returns {number | null}
 */
export function lastQuartersMBps(progress) {
  const last = progress[progress.length - 1];
  if (progress.length < 8 || !last) return null;
  const from = progress.find(([, bytes]) => bytes >= last[1] / 4) ?? last;
  const ms = last[0] - from[0];
  return ms > 0 ? (last[1] - from[1]) / 1e3 / ms : null;
}

/**
 * The library with `workers` threads (0: inline on the main thread). Its worker pool is opened on
 * the first run (the warm-up) and kept for every round, as a service keeps one: the rounds measure
 * workers that have compiled the policy and whose code V8 has optimized. With `coldPool`, every
 * run starts a pool of its own, as the CLI does (pool start, policy compile and JIT warm-up in
 * every round).
 * @param {Logveil} lv @param {{ id: string, label: string, group: string, workers: number, note?: string, coldPool?: boolean }} o @returns {Subject}
 */
export function librarySubject(lv, o) {
  /** @type {import('../../dist/pipeline/engine.js').EnginePool | undefined} */
  let pool;
  const keeps = o.workers > 0 && !o.coldPool;
  const note = [o.note, keeps ? 'one worker pool for the warm-up and every round' : undefined].filter(Boolean).join('; ');
  return {
    id: o.id,
    label: o.label,
    group: o.group,
    ...(note ? { note } : {}),
    run: async (slice, deadline) => {
      const kept = pool !== undefined;
      if (keeps) pool ??= openLogveilPool(lv, o.workers);
      const r = await redactFile(lv, o.workers, slice, deadline, pool);
      // Whether the run's workers had run before ('kept') or were started for it ('new').
      return o.workers > 0 ? { ...r, detail: { ...r.detail, pool: kept ? 'kept' : 'new' } } : r;
    },
    close: async () => {
      await pool?.close();
      pool = undefined;
    },
  };
}

/**
 * `logveil redact FILE --out /dev/null` as a child process: node start, module load, policy
 * compile and pool start included. A prefix shorter than the file goes in on stdin. The CLI cannot
 * be told to stop early, so a run that outlives `killAfterSec` (default: three round budgets) is
 * killed and fails.
 * @param {{ id: string, label: string, group: string, stateDir: string, workers?: number, killAfterSec?: number }} o @returns {Subject}
 */
export function cliSubject(o) {
  return {
    id: o.id,
    label: o.label,
    group: o.group,
    run: (slice, deadline) =>
      new Promise((resolve, reject) => {
        const summaryPath = join(o.stateDir, 'cli-summary.json');
        rmSync(summaryPath, { force: true });
        const whole = statSync(slice.path).size === slice.bytes;
        // Everything but the output (security events, quarantine, keys) goes under LOGVEIL_HOME.
        const args = [...CLI_NODE_ARGS, 'redact', ...(whole ? [slice.path] : []), '--out', '/dev/null', '--no-summary', '--no-progress', '--summary-json', summaryPath];
        if (o.workers !== undefined) args.push('--workers', String(o.workers));
        const child = spawn(process.execPath, args, { env: cliEnv({ ...process.env, LOGVEIL_HOME: o.stateDir }), stdio: [whole ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
        if (!whole && child.stdin) createReadStream(slice.path, { start: 0, end: slice.bytes - 1 }).pipe(child.stdin);
        let stderr = '';
        child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
        const killAfterMs = o.killAfterSec !== undefined ? o.killAfterSec * 1000 : Math.max(1000, deadline - performance.now()) * 3;
        const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        child.on('error', reject);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          // 0: done; 3: done with quarantined records (still a full run).
          if (signal || (code !== 0 && code !== 3)) {
            reject(new Error(`logveil CLI ${signal ? `killed (${signal}) after ${(killAfterMs / 1000).toFixed(0)} s` : `exited ${code}`}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
            return;
          }
          const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
          resolve({ bytes: summary.bytesIn ?? slice.bytes, records: summary.recordsIn, detail: { exitCode: code, workers: o.workers ?? 'default (all cores)' } });
        });
      }),
  };
}
