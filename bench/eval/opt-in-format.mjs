// @ts-check
/**
 * Text rendering of the opt-in packs' measurements (see opt-in.mjs).
 */
import { f3, table } from './format.mjs';

/**
 * The opt-in packs: F1 of the types they answer without and with each, and what each finds on
 * the real logs (every finding there is one the built-in policy does not make); then the
 * recognizer cases' and the labelled sentences' whole scores with each pack and with all of them.
 * @param {{ packs: any[], together?: any }} optIn
 */
export function optInSection(optIn) {
  const { packs, together } = optIn;
  const out = ['== opt-in packs (patterns/opt-in/, not loaded by default): built-in packs alone -> with the pack'];
  const pair = (/** @type {{ before: number | null, after: number | null }} */ d) => `${f3(d.before) ?? '—'} -> ${f3(d.after) ?? '—'}`;
  const rows = [];
  for (const p of packs) {
    const types = new Set([...Object.keys(p.presidioRecognizer ?? {}), ...Object.keys(p.presidioGenerated?.small ?? {})]);
    if (types.size === 0) rows.push([p.file, null, null, null, null, p.logs?.findings, p.logs?.per10k]);
    for (const type of types) {
      const at = (/** @type {any} */ d) => (d ? pair(d) : null);
      rows.push([p.file, type, at(p.presidioRecognizer?.[type]), at(p.presidioGenerated?.small[type]), at(p.presidioGenerated?.large[type]), p.logs?.findings, p.logs?.per10k]);
    }
  }
  out.push(table(['pack', 'type', 'recognizer F1', 'sentences small F1', 'sentences large F1', 'log findings', 'per 10k'], rows));
  for (const p of packs) {
    const detectors = p.logs ? Object.entries(p.logs.byDetector).map(([id, n]) => `${id} ${n}`).join(', ') || 'none' : 'not run';
    const files = p.logs ? Object.entries(p.logs.byFile).map(([f, n]) => `${f} ${n}`).join(', ') || 'none' : 'not run';
    out.push(`  ${p.file}: ${p.detectors.join(', ')}; on real logs: ${files}${p.logs ? ` (by detector: ${detectors})` : ''}`);
  }
  const whole = [...packs.map((p) => [p.file, p]), ...(together ? [['all opt-in packs', together]] : [])];
  const s = (/** @type {any} */ x) => `${f3(x.precision) ?? '—'} / ${f3(x.recall) ?? '—'} / ${f3(x.f1) ?? '—'}`;
  if (whole.some(([, p]) => p.presidioRecognizerOverall)) {
    out.push('  recognizer cases, all covered types (P / R / F1): built-in packs alone -> with');
    for (const [name, p] of whole) {
      const o = p.presidioRecognizerOverall;
      if (o) out.push(`    ${name}: ${s(o.before)} -> ${s(o.after)}${p.logs ? `; ${p.logs.findings} findings on real logs (${p.logs.per10k} per 10k lines)` : ''}`);
    }
  }
  if (whole.some(([, p]) => p.presidioGeneratedOverall)) {
    out.push('  labelled sentences, all types (P / R / F1, small | large): built-in packs alone -> with');
    for (const [name, p] of whole) {
      const o = p.presidioGeneratedOverall;
      if (o) out.push(`    ${name}: ${s(o.small.before)} | ${s(o.large.before)} -> ${s(o.small.after)} | ${s(o.large.after)}`);
    }
  }
  return out.join('\n');
}
