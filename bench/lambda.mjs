#!/usr/bin/env node
/**
 * `node bench/lambda.mjs [--cold N] [--iterations N] [--mib N]`: the Lambda handlers' cold-start
 * init time with the built-in packs (fresh Node processes: module import, environment validation,
 * policy compile, data-key fetch, first invocation), and the warm handler processing time for a
 * CloudWatch Logs payload of about 1 MiB (subscription and Firehose-transform handlers).
 *
 * Measures the built library (`npm run build` first). KMS is replaced by the local key provider
 * and Firehose by an in-process stub that accepts every record, so the figures are the function's
 * own work, not network round trips. Writes bench/results/lambda-<date>.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const CORPORA = process.env.LOGVEIL_CORPORA ?? join(ROOT, '..', 'shared', 'corpora');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
const COLD_RUNS = arg('cold', 5);
const ITERATIONS = arg('iterations', 20);
const PAYLOAD_MIB = arg('mib', 1);

/** The environment of a function (streams are names only: the Firehose client is a stub). */
function lambdaEnv(stateDir) {
  return {
    AWS_REGION: 'us-east-1',
    LOGVEIL_KMS_KEY_ID: 'alias/logveil-bench',
    LOGVEIL_APP_STREAM: 'bench-app',
    LOGVEIL_SECURITY_STREAM: 'bench-security',
    LOGVEIL_STATE_DIR: stateDir,
  };
}

/** A Firehose client that accepts everything, counting what it was sent. */
function stubFirehose() {
  const stats = { calls: 0, records: 0, bytes: 0 };
  return {
    stats,
    client: {
      async send(command) {
        const records = command.input.Records;
        stats.calls += 1;
        stats.records += records.length;
        for (const r of records) stats.bytes += r.Data.length;
        return { FailedPutCount: 0, Encrypted: false, RequestResponses: records.map(() => ({ RecordId: 'bench' })) };
      },
    },
  };
}

/** The modules a handler's cold start loads (the entry modules import the same, plus the SDK clients). */
async function loadModules() {
  const load = (...p) => import(pathToFileURL(join(DIST, ...p)).href);
  const [env, runtime, local, subscription, transform] = await Promise.all([
    load('lambda', 'env.js'),
    load('lambda', 'runtime.js'),
    load('crypto', 'keys', 'local.js'),
    load('lambda', 'subscription.js'),
    load('lambda', 'transform.js'),
  ]);
  return { ...env, ...runtime, ...local, ...subscription, ...transform };
}

async function openRuntime(kind, stateDir, firehoseClient) {
  const { loadLambdaConfig, openLambdaRuntime, LocalKeyProvider } = await loadModules();
  const config = loadLambdaConfig(lambdaEnv(stateDir), kind);
  return openLambdaRuntime(config, { keyProvider: await LocalKeyProvider.open(stateDir), firehoseClient });
}

/** One cold start in a fresh process; prints its timings as JSON. */
const COLD_SCRIPT = `
const started = performance.now();
const { coldStart } = await import(${JSON.stringify(pathToFileURL(fileURLToPath(import.meta.url)).href)});
console.log(JSON.stringify(await coldStart(started)));
`;

/** Run inside the child process of a cold start. */
export async function coldStart(started) {
  const t0 = performance.now();
  const subscription = await loadModules();
  const t1 = performance.now();
  const { client } = stubFirehose();
  const rt = await openRuntime('cloudwatch-subscription', mkdtempSync(join(tmpdir(), 'logveil-bench-')), client);
  const t2 = performance.now();
  const handler = subscription.createSubscriptionHandler(rt);
  const event = { awslogs: { data: gzipSync(JSON.stringify(payloadOf(['cold start user maria.lopez@corp-mail.net from 198.51.100.23']))).toString('base64') } };
  await handler(event);
  const t3 = performance.now();
  return {
    nodeBootMs: started,
    importMs: t1 - t0,
    initMs: t2 - t1,
    runtimeInitMs: rt.initMs,
    firstInvocationMs: t3 - t2,
    readyAfterProcessStartMs: t3,
  };
}

function payloadOf(messages, prefix = 'e') {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '111122223333',
    logGroup: '/aws/lambda/bench',
    logStream: '2026/11/28/[$LATEST]bench',
    subscriptionFilters: ['bench'],
    logEvents: messages.map((message, i) => ({ id: `${prefix}-${i}`, timestamp: 1_700_000_000_000 + i, message })),
  };
}

/** About `mib` MiB of payload JSON: real system log lines, one in ten carrying a sensitive value. */
function benchPayload(mib) {
  const sources = ['OpenStack_2k.log.gz', 'Apache_2k.log.gz', 'HDFS_2k.log.gz', 'Zookeeper_2k.log.gz'];
  const lines = sources.flatMap((f) => gunzipSync(readFileSync(join(CORPORA, 'logs', f))).toString('utf8').split('\n').filter(Boolean));
  const extras = ['user maria.lopez@corp-mail.net signed in', 'client 198.51.100.23 refused', 'card 4539 1488 0343 6467 declined', '{"user":"u7","password":"hunter2","level":"warn"}', 'key AKIAIOSFODNN7REALKEY rotated'];
  const messages = [];
  let bytes = Buffer.byteLength(JSON.stringify(payloadOf([])));
  for (let i = 0; ; i++) {
    const line = i % 10 === 9 ? `${lines[i % lines.length]} ${extras[i % extras.length]}` : lines[i % lines.length];
    const add = Buffer.byteLength(JSON.stringify(payloadOf([line]).logEvents[0]).replace('e-0', `e-${i}`)) + 1;
    if (bytes + add > mib * 1024 * 1024) break;
    messages.push(line);
    bytes += add;
  }
  return payloadOf(messages);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
const ms = (x) => `${x.toFixed(1)} ms`;

async function timeHandler(handler, event, iterations) {
  for (let i = 0; i < 3; i++) await handler(event);
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await handler(event);
    times.push(performance.now() - t);
  }
  return { medianMs: median(times), p95Ms: p95(times), minMs: Math.min(...times) };
}

async function main() {
  try {
    readFileSync(join(DIST, 'lambda', 'subscription.js'));
  } catch {
    process.stderr.write('bench/lambda: dist/ has no Lambda handlers; run `npm run build` first\n');
    return 2;
  }
  const cold = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', COLD_SCRIPT], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    if (r.status !== 0) throw new Error(`cold start run failed: ${r.stderr}`);
    cold.push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  const coldSummary = Object.fromEntries(Object.keys(cold[0]).map((k) => [k, median(cold.map((c) => c[k]))]));

  const payload = benchPayload(PAYLOAD_MIB);
  const json = JSON.stringify(payload);
  const gz = gzipSync(json);
  const handlers = await loadModules();
  const fh = stubFirehose();
  const rtSub = await openRuntime('cloudwatch-subscription', mkdtempSync(join(tmpdir(), 'logveil-bench-')), fh.client);
  const subscription = await timeHandler(handlers.createSubscriptionHandler(rtSub), { awslogs: { data: gz.toString('base64') } }, ITERATIONS);
  const counts = rtSub.metrics.snapshot();
  const rtFh = await openRuntime('firehose-transform', mkdtempSync(join(tmpdir(), 'logveil-bench-')), stubFirehose().client);
  const fhEvent = { invocationId: 'bench', deliveryStreamArn: 'arn:aws:firehose:us-east-1:111122223333:deliverystream/bench', region: 'us-east-1', records: [{ recordId: 'r0', data: gz.toString('base64') }] };
  const firehose = await timeHandler(handlers.createTransformHandler(rtFh), fhEvent, ITERATIONS);

  const perInvocation = (n) => Math.round(n / (ITERATIONS + 3));
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    note: 'KMS replaced by the local key provider, Firehose by an in-process stub: handler CPU time only',
    coldStart: { runs: COLD_RUNS, median: coldSummary },
    payload: { events: payload.logEvents.length, jsonBytes: Buffer.byteLength(json), gzipBytes: gz.length, findingsPerInvocation: perInvocation(counts.findings) },
    warm: { iterations: ITERATIONS, subscription, firehoseTransform: firehose },
    throughputMiBPerSec: (Buffer.byteLength(json) / 1048576 / (subscription.medianMs / 1000)),
  };
  const out = [
    `cold start (median of ${COLD_RUNS} fresh processes, built-in packs):`,
    `  node boot ${ms(coldSummary.nodeBootMs)}, module import ${ms(coldSummary.importMs)} (handlers, AWS SDK clients), init ${ms(coldSummary.initMs)} (environment, policy compile, data keys), first invocation ${ms(coldSummary.firstInvocationMs)}`,
    `  ready ${ms(coldSummary.readyAfterProcessStartMs)} after process start`,
    `payload: ${payload.logEvents.length} events, ${(Buffer.byteLength(json) / 1048576).toFixed(2)} MiB JSON (${(gz.length / 1024).toFixed(0)} KiB gzip), ${results.payload.findingsPerInvocation} findings`,
    `warm, ${ITERATIONS} iterations:`,
    `  cloudwatch-subscription  median ${ms(subscription.medianMs)}  p95 ${ms(subscription.p95Ms)}  (${results.throughputMiBPerSec.toFixed(1)} MiB/s)`,
    `  firehose-transform       median ${ms(firehose.medianMs)}  p95 ${ms(firehose.p95Ms)}`,
  ];
  process.stdout.write(out.join('\n') + '\n');
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `lambda-${results.date.slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`wrote ${file}\n`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`bench/lambda: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
