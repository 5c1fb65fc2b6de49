/**
 * What the opt-in packs a policy does not load would redact in a text (`patterns/opt-in/`: the
 * detectors the built-in policy leaves out for what they cost on ordinary logs). `patterns
 * explain` lists them beside the near misses, so that a value left in clear for want of its
 * keyword (a Canadian SIN written `130 692 544`) names the pack that would take it.
 */
import { resolve } from 'node:path';
import { CompiledPolicy } from './compile.js';
import type { ExplainEntry } from './explain.js';
import { loadPolicy } from './load.js';
import { scanText } from './scan.js';

/**
 * The findings in `text` of each pack of `files` that `policy` does not load, but those on a span
 * the policy redacts already (`redacted`), as explain entries of verdict `opt-in`. A pack that
 * does not load is left out: `patterns test --pack` is where its problems are reported.
 */
export function optInEntries(policy: CompiledPolicy, text: string, redacted: ReadonlyArray<{ start: number; end: number }>, files: readonly string[]): ExplainEntry[] {
  const loaded = new Set(policy.spec.packs.map((p) => resolve(p.file)));
  const out: ExplainEntry[] = [];
  for (const file of files) {
    if (loaded.has(resolve(file))) continue;
    let pack: CompiledPolicy;
    try {
      pack = new CompiledPolicy(loadPolicy([file]));
    } catch {
      continue;
    }
    for (const m of scanText(pack, text)) {
      if (redacted.some((r) => r.start < m.end && m.start < r.end)) continue;
      const { spec } = m.detector;
      out.push({
        detectorId: spec.id,
        name: spec.name,
        category: spec.category,
        source: `${spec.source.file}:${spec.source.line}`,
        verdict: 'opt-in',
        start: m.start,
        end: m.end,
        detail: `the opt-in pack ${spec.source.file}, which the policy does not load, would redact it`,
      });
    }
  }
  return out;
}
