import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import type { LineFormat } from '../../src/codecs/jsonl.js';
import { processBatch, type BatchContext, type BatchResult } from '../../src/pipeline/batch.js';
import { CORPORA_DIR } from './corpora.js';

/** Real log lines (the first 400 of each loghub file) and the labelled PII sentences, as text and in a JSON record. */
export function corpusLines(): string[] {
  const dir = join(CORPORA_DIR, 'logs');
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log.gz'))) {
    out.push(...gunzipSync(readFileSync(join(dir, f))).toString('utf8').split('\n').slice(0, 400));
  }
  const sentences = gunzipSync(readFileSync(join(CORPORA_DIR, 'pii/presidio_generated_small.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean);
  for (const s of sentences) {
    const { text } = JSON.parse(s) as { text: string };
    out.push(text.replace(/\n/g, ' '), JSON.stringify({ msg: text }));
  }
  return out;
}

/** Everything but the parts that legitimately differ between two runs (timestamps, random quarantine nonces). */
export function comparable(r: BatchResult): unknown {
  return {
    output: Buffer.from(r.output).toString('latin1'),
    outcomes: [...r.outcomes],
    findings: r.findings,
    events: r.events.map(({ ts: _ts, ...e }) => e),
    quarantine: r.quarantine.map(({ ts: _ts, envelope: _e, ...q }) => q),
  };
}


/** `lines` as one batch through the fast path and the structured path with `base`: the results are the same; the fast path's. */
export function bothPaths(base: Omit<BatchContext, 'fastPath'>, lines: ReadonlyArray<string | Buffer>, format: LineFormat = 'auto'): BatchResult {
  const data = Buffer.concat(lines.map((l) => Buffer.concat([Buffer.from(l), Buffer.from('\n')])));
  const task = { seq: 0, file: 'p.log', firstLine: 1, firstOffset: 0, data };
  const fast = processBatch(task, { ...base, format, fastPath: true });
  const slow = processBatch(task, { ...base, format, fastPath: false });
  expect(comparable(fast)).toEqual(comparable(slow));
  return fast;
}
