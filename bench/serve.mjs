#!/usr/bin/env node
// @ts-check
/**
 * `logveil serve` under load from one client on loopback: the benchmark's seeded JSON-lines corpus
 * posted to `/v1/lines` in bodies of `--body` bytes, and as OTLP/HTTP JSON log export requests to
 * `/v1/logs` (the corpus lines as log record bodies, `--records` per request, one resource each),
 * `--concurrency` requests in flight. Prints MB/s of corpus lines and requests per second for each,
 * and checks the service's counts balance. Measures the built CLI (`npm run build` first).
 *
 *   node bench/serve.mjs [--size 20MB] [--format jsonl|text] [--body 256KB] [--records 100] [--concurrency 4] [--workers N]
 *
 * `--format text` takes the benchmark's text corpus (web access and syslog lines) instead.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSize } from './generate.mjs';
import { optionPairs } from './perf/args.mjs';
import { CLI_NODE_ARGS, cliEnv } from './perf/cli-path.mjs';
import { ensureCorpus } from './perf/corpora.mjs';

const f = optionPairs(process.argv.slice(2), ['size', 'format', 'body', 'records', 'concurrency', 'workers']);
if (f.format !== undefined && f.format !== 'jsonl' && f.format !== 'text') throw new Error(`--format must be jsonl or text, got "${f.format}"`);
const o = {
  size: parseSize(f.size ?? '20MB'),
  body: parseSize(f.body ?? '256KB'),
  records: Number(f.records ?? 100),
  concurrency: Number(f.concurrency ?? 4),
  workers: f.workers,
};
const corpus = ensureCorpus(fileURLToPath(new URL('.data/', import.meta.url)), { format: f.format === 'text' ? 'text' : 'jsonl', bytes: o.size, seed: 42 });
const lines = readFileSync(corpus.path, 'utf8').split('\n').filter((l) => l.length > 0);
const state = mkdtempSync(join(tmpdir(), 'logveil-serve-bench-'));

/** Bodies of whole lines, about `bytes` each. @param {number} bytes */
function lineBodies(bytes) {
  /** @type {string[]} */
  const out = [];
  let cur = '';
  for (const l of lines) {
    cur += `${l}\n`;
    if (cur.length >= bytes) {
      out.push(cur);
      cur = '';
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** OTLP log export requests of `n` records each, one resource. @param {number} n */
function otlpBodies(n) {
  /** @type {string[]} */
  const out = [];
  for (let i = 0; i < lines.length; i += n) {
    const logRecords = lines.slice(i, i + n).map((l, k) => ({ timeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i + k)), severityText: 'INFO', body: { stringValue: l } }));
    out.push(JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }] }, scopeLogs: [{ scope: { name: 'bench' }, logRecords }] }] }));
  }
  return out;
}

/** Posts every body, `concurrency` at a time; seconds taken. @param {string} url @param {string[]} bodies @param {string} type */
async function load(url, bodies, type) {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': type } });
      if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return (performance.now() - started) / 1000;
}

const args = [...CLI_NODE_ARGS, 'serve', '--port', '0', '--out', join(state, 'out.jsonl'), ...(o.workers !== undefined ? ['--workers', o.workers] : [])];
const child = spawn(process.execPath, args, { env: cliEnv({ ...process.env, LOGVEIL_HOME: join(state, 'home') }), stdio: ['ignore', 'ignore', 'pipe'] });
let err = '';
child.stderr.on('data', (d) => (err += d));
const exited = new Promise((done) => child.on('close', done));
try {
  const base = await new Promise((done, fail) => {
    child.stderr.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) done(m[1]);
    });
    void exited.then(() => fail(new Error(`serve exited: ${err}`)));
  });
  const mb = Buffer.byteLength(lines.join('\n')) / 1e6;
  process.stdout.write(`${corpus.path}: ${mb.toFixed(1)} MB, ${lines.length} lines; ${o.concurrency} requests in flight\n`);
  const bodies = lineBodies(o.body);
  // A warm-up pass: the workers' automata and caches grow on first sight of the lines.
  await load(`${base}/v1/lines`, bodies.slice(0, Math.ceil(bodies.length / 4)), 'application/x-ndjson');
  const tLines = await load(`${base}/v1/lines`, bodies, 'application/x-ndjson');
  process.stdout.write(`/v1/lines, bodies of ${(o.body / 1e3).toFixed(0)} KB: ${(mb / tLines).toFixed(1)} MB/s, ${(bodies.length / tLines).toFixed(1)} requests/s\n`);
  const requests = otlpBodies(o.records);
  const tOtlp = await load(`${base}/v1/logs`, requests, 'application/json');
  process.stdout.write(`/v1/logs, ${o.records} log records a request: ${(mb / tOtlp).toFixed(1)} MB/s of record bodies, ${(requests.length / tOtlp).toFixed(1)} requests/s\n`);
  const health = /** @type {{ counts: { recordsIn: number, appOut: number, dropped: number, quarantined: number } }} */ (await (await fetch(`${base}/healthz`)).json());
  const c = health.counts;
  process.stdout.write(`counts: in ${c.recordsIn}, app out ${c.appOut}, dropped ${c.dropped}, quarantined ${c.quarantined}${c.recordsIn === c.appOut + c.dropped + c.quarantined ? '' : ' (UNBALANCED)'}\n`);
} finally {
  child.kill('SIGTERM');
  await exited;
  rmSync(state, { recursive: true, force: true });
}
