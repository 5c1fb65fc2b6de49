import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { BatchResult } from '../../src/pipeline/batch.js';
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

