import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { builtinPatternsDir } from '../../src/config/config.js';
import { DataKeyCache } from '../../src/crypto/keys/cache.js';
import { LocalKeyProvider } from '../../src/crypto/keys/local.js';
import type { KeyProvider } from '../../src/crypto/keys/provider.js';
import { KeyRegistry } from '../../src/crypto/keys/registry.js';
import { CompiledPolicy } from '../../src/detect/compile.js';
import { loadPolicy } from '../../src/detect/load.js';
import type { RunSummary } from '../../src/pipeline/accounting.js';
import { redactStreams, type EngineOptions } from '../../src/pipeline/engine.js';
import { LineWriter } from '../../src/sinks/line-writer.js';
import { QuarantineSink } from '../../src/sinks/quarantine.js';
import { readLedgerEvents } from '../../src/sinks/ledger/reader.js';
import { LedgerSink } from '../../src/sinks/ledger/sink.js';
import { LocalSigner } from '../../src/sinks/ledger/signer.js';
import { localKeys, tempDir } from './keys.js';
import { ActionPolicy } from '../../src/act/actions.js';
import { processBatch, type BatchContext, type BatchResult } from '../../src/pipeline/batch.js';
import { batchLines, halves } from '../../src/pipeline/batcher.js';

export const LIMITS = { maxRecordBytes: 1024 * 1024, maxDepth: 64 };
export const builtinPolicy = (): CompiledPolicy => new CompiledPolicy(loadPolicy([builtinPatternsDir()]), { maxDepth: LIMITS.maxDepth });

/** What processBatch needs to run `policy` over a batch, with local keys (tokens and the quarantine under one data key). */
export async function batchContext(policy: CompiledPolicy): Promise<BatchContext> {
  const { keys } = await localKeys();
  const tokenKey = await keys.current();
  return { policy, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey };
}

/**
 * `lines` cut by the batcher into batches of `size` lines (and `bytes` bytes) as a file read whole
 * is, each cut in two again when `split` (see halves), each batch processed with `ctx`.
 */
export async function runBatches(ctx: BatchContext, lines: readonly string[], size: number, split = false, bytes = 1 << 20): Promise<BatchResult[]> {
  let seq = 0;
  const data = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  const out: BatchResult[] = [];
  for await (const task of batchLines('t.log', (async function* () { yield data; })(), { maxBatchRecords: size, maxBatchBytes: bytes }, () => seq++)) {
    for (const t of (split && halves(task)) || [task]) out.push(processBatch(t, ctx));
  }
  return out;
}

/** The output lines of batch results, in order. */
export const outputLines = (results: readonly BatchResult[]): string[] => results.flatMap((r) => Buffer.from(r.output).toString('utf8').split('\n').slice(0, -1));

export interface EngineRun {
  summary: RunSummary;
  output: string;
  events: Array<Record<string, unknown>>;
  quarantine: Array<Record<string, unknown>>;
}

/** A key provider that works for `okCalls` generations, then fails like an unreachable KMS. */
export function flakyProvider(inner: KeyProvider, okCalls: number): KeyProvider {
  let calls = 0;
  return {
    name: inner.name,
    generateDataKey: async (ctx) => {
      calls += 1;
      if (calls > okCalls) throw new Error('connect ECONNREFUSED kms');
      return inner.generateDataKey(ctx);
    },
    decryptDataKey: (blob, ctx) => inner.decryptDataKey(blob, ctx),
  };
}

/** Runs the engine over in-memory lines with real keys, sinks and (optionally) a worker pool. */
export async function runEngine(
  input: string | Buffer | Array<Buffer | string> | (() => AsyncIterable<Buffer>),
  options: Partial<EngineOptions> & { okKeyGenerations?: number; maxKeyUses?: number; policy?: CompiledPolicy } = {},
): Promise<EngineRun> {
  const dir = tempDir('logveil-engine-');
  const local = await LocalKeyProvider.open(dir);
  const provider = options.okKeyGenerations !== undefined ? flakyProvider(local, options.okKeyGenerations) : local;
  const registry = await KeyRegistry.open(join(dir, 'keys.jsonl'));
  const keys = new DataKeyCache(provider, registry, {
    maxAgeMs: 3_600_000,
    maxUses: options.maxKeyUses ?? 1_000_000,
    context: { pipeline: 'logveil', purpose: 'tokenize' },
  });
  const qkeys = new DataKeyCache(local, registry, { maxAgeMs: 3_600_000, maxUses: 1e9, context: { pipeline: 'logveil', purpose: 'quarantine' } });
  const app = LineWriter.open(join(dir, 'out.log'));
  const security = await LedgerSink.open(join(dir, 'ledger'), { signer: await LocalSigner.open(dir) });
  const quarantine = new QuarantineSink(join(dir, 'quarantine.jsonl'));
  const chunks = typeof input === 'function' ? input : () => Readable.from((Array.isArray(input) ? input : [input]).map((c) => Buffer.from(c)));
  const summary = await redactStreams([{ name: 'in.log', chunks }], {
    policy: options.policy ?? builtinPolicy(),
    actions: {},
    keys,
    quarantineKey: await qkeys.current(),
    format: 'auto',
    limits: LIMITS,
    workers: 0,
    app,
    security,
    quarantine,
    ...options,
  });
  await app.close();
  await security.close();
  await quarantine.close();
  keys.close();
  qkeys.close();
  const lines = (f: string): Array<Record<string, unknown>> =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  const events = [...readLedgerEvents([join(dir, 'ledger')])].map((e) => e.event as unknown as Record<string, unknown>);
  return { summary, output: readFileSync(join(dir, 'out.log'), 'utf8'), events, quarantine: lines('quarantine.jsonl') };
}
